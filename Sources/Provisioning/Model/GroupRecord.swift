package import Foundation
package import SCIM

/// A group pushed by a provider. Members are rows of their own, never part of this value.
package struct GroupRecord: Sendable, Hashable, Identifiable {
    package var id: String
    package var providerID: String
    package var displayName: String
    /// SCIM attributes in canonical stored form, without `members`.
    package var attributes: JSONObject
    package var memberCount: Int
    package var version: Int
    package var createdAt: Date
    package var updatedAt: Date

    package init(
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

    package var externalID: String? { attributes["externalId"]?.stringValue }
}

/// A reference to a user or a group as it appears in `members` and `groups`.
package struct MemberReference: Sendable, Hashable {
    package var id: String
    package var display: String?
    package init(id: String, display: String?) {
        self.id = id
        self.display = display
    }
}
