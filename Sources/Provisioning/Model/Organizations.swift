package import Foundation

/// An organization of the platform. Organizations form a tree under one root, which exists from the start.
/// Names are unique platform-wide, case-insensitively, because organization mapping names organizations by value
/// (`c42OrgName`, `department`).
package struct Organization: Sendable, Hashable, Identifiable {
    package var id: String
    package var name: String
    /// The parent organization; `nil` only for the root.
    package var parentID: String?
    /// The roles a user of this organization gets when no role mapping gives it any.
    package var defaultRoles: [String]
    /// The provider whose attribute mapping created it, when it was created automatically.
    package var createdByProvider: String?
    package var createdAt: Date

    package init(
        id: String, name: String, parentID: String?, defaultRoles: [String], createdByProvider: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.parentID = parentID
        self.defaultRoles = defaultRoles
        self.createdByProvider = createdByProvider
        self.createdAt = createdAt
    }

    /// The id of the root organization, created by the first migration.
    package static let rootID = "root"
    /// The name the root organization starts with.
    package static let rootName = "Root"
}

/// A role of the platform's fixed catalogue.
package struct Role: Sendable, Hashable {
    package var name: String
    /// What the role lets a user do, in one sentence.
    package var summary: String

    /// The catalogue shipped with the product.
    package static let catalogue: [Role] = [
        Role(
            name: "Customer Cloud Admin",
            summary: "Full control of the platform: settings, organizations, users, roles and providers."),
        Role(
            name: "Security Administrator",
            summary: "Manages security settings, alerts and watchlists; reviews file activity."),
        Role(
            name: "Identity Management Administrator",
            summary: "Manages provisioning providers, users, organizations and role assignments."),
        Role(
            name: "Legal Hold Administrator", summary: "Places users on legal hold, manages matters and releases holds."
        ),
        Role(
            name: "Insider Risk Analyst", summary: "Investigates alerts and watchlist members; cannot change settings."),
        Role(name: "Audit Log Viewer", summary: "Reads the audit and sync logs; changes nothing."),
        Role(name: "Desktop User", summary: "Backs up their own devices and restores their own files."),
    ]

    /// The catalogue role with this name (case-insensitive), spelled as the catalogue spells it.
    package static func named(_ name: String) -> Role? {
        let wanted = name.trimmingCharacters(in: .whitespaces)
        return catalogue.first { $0.name.compare(wanted, options: .caseInsensitive) == .orderedSame }
    }

    /// The role every organization starts with.
    package static let desktopUser = "Desktop User"
}

/// A named list of users that security teams watch (for example departing employees).
package struct Watchlist: Sendable, Hashable, Identifiable {
    package var id: String
    package var name: String
    package var createdAt: Date
    package init(id: String, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// Where a user sits in the platform: organization, roles and watchlists.
package struct Placement: Sendable, Hashable {
    package var organizationID: String
    /// Role names, sorted.
    package var roles: [String]
    /// Watchlist ids, sorted.
    package var watchlists: [String]
    package init(organizationID: String, roles: [String], watchlists: [String]) {
        self.organizationID = organizationID
        self.roles = roles.sorted()
        self.watchlists = watchlists.sorted()
    }
}
