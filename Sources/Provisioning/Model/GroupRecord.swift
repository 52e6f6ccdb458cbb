public import Foundation
public import SCIM

/// A group pushed by a provider. Members are rows of their own, never part of this value.
public struct GroupRecord: Sendable, Hashable, Identifiable {
    public var id: String
    public var providerID: String
    public var displayName: String
    /// SCIM attributes in canonical stored form, without `members`.
    public var attributes: JSONObject
    public var memberCount: Int
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, providerID: String, displayName: String, attributes: JSONObject, memberCount: Int = 0,
        version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.providerID = providerID
        self.displayName = displayName
        self.attributes = attributes
        self.memberCount = memberCount
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var externalID: String? { attributes["externalId"]?.stringValue }
}


/// A reference to a user or a group as it appears in `members` and `groups`.
public struct MemberReference: Sendable, Hashable {
    public var id: String
    public var display: String?
    public init(id: String, display: String?) {
        self.id = id
        self.display = display
    }
}
