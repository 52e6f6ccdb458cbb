package import Foundation
package import SCIM

/// The platform's account status of a user.
package enum UserStatus: String, Sendable, Hashable, CaseIterable {
    case active, blocked, deactivated
}

/// A user of the platform: local, or managed by one provider.
package struct UserRecord: Sendable, Hashable, Identifiable {
    /// The SCIM `id`: a UUID, stable, never reassigned.
    package var id: String
    /// The managing provider, or `nil` for a local user.
    package var providerID: String?
    /// `false` once the provider DELETEd the user: the account stays, the provider no longer sees it.
    package var linked: Bool
    package var userName: String
    /// The SCIM `active` value the provider last sent.
    package var scimActive: Bool
    /// The account was deactivated (access removed, archives in cold storage).
    package var deactivated: Bool
    /// An admin blocked the user.
    package var adminBlocked: Bool
    /// When a pending deactivation comes due.
    package var deactivationDueAt: Date?
    /// Why a deactivation did not happen (mass-deactivation guard, legal hold).
    package var held: HoldReason?
    package var legalHold: Bool
    /// The legal matter the hold is for.
    package var legalHoldMatter: String?
    /// The SCIM attributes in canonical stored form (no `id`, `meta`, `schemas`, `groups`).
    package var attributes: JSONObject
    /// The user's organization. Written by ``StoreTransaction/insertUser(_:)`` and
    /// ``StoreTransaction/setOrganization(userID:organizationID:pinned:)`` only: `updateUser` leaves it alone, so
    /// that a lifecycle or attribute write never undoes a mapping.
    package var organizationID: String
    /// An admin placed the user by hand; method `single` leaves such users where they are.
    package var organizationPinned: Bool
    package var version: Int
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: String, providerID: String?, linked: Bool = true, userName: String, scimActive: Bool,
        status: UserStatus = .active, attributes: JSONObject, organizationID: String = Organization.rootID,
        version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.organizationID = organizationID
        self.organizationPinned = false
        self.id = id
        self.providerID = providerID
        self.linked = linked
        self.userName = userName
        self.scimActive = scimActive
        self.deactivated = status == .deactivated
        self.adminBlocked = status == .blocked
        self.deactivationDueAt = nil
        self.held = nil
        self.legalHold = false
        self.legalHoldMatter = nil
        self.attributes = attributes
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The lifecycle facts of this user, as the state machine sees them.
    package var lifecycle: Lifecycle {
        get {
            Lifecycle(
                isLocal: isLocal, providerActive: scimActive, deactivated: deactivated, adminBlocked: adminBlocked,
                deactivationDueAt: deactivationDueAt, held: held, legalHold: legalHold)
        }
        set {
            scimActive = newValue.providerActive
            deactivated = newValue.deactivated
            adminBlocked = newValue.adminBlocked
            deactivationDueAt = newValue.deactivationDueAt
            held = newValue.held
            legalHold = newValue.legalHold
            if !legalHold { legalHoldMatter = nil }
        }
    }

    /// The platform status, derived from the lifecycle facts.
    package var status: UserStatus {
        switch lifecycle.status {
        case .active: .active
        case .blocked: .blocked
        case .deactivated: .deactivated
        }
    }

    /// Whether the user is local (managed only by admins).
    package var isLocal: Bool { providerID == nil }
    /// The `externalId` the provider set.
    package var externalID: String? { attributes["externalId"]?.stringValue }
    /// The display name, or the formatted name, or the given and family names.
    package var displayName: String? {
        if let d = attributes["displayName"]?.stringValue { return d }
        let name = attributes["name"]?.objectValue
        if let f = name?["formatted"]?.stringValue { return f }
        let parts = [name?["givenName"]?.stringValue, name?["familyName"]?.stringValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
    /// The enterprise extension object, if any.
    package var enterprise: JSONObject? { attributes[SchemaURN.enterpriseUser]?.objectValue }
}
