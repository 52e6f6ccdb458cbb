package import Foundation
import SCIM

/// Organizations, roles and watchlists, and where a user sits among them.
extension AdminService {
    /// An organization with how many users it has.
    package struct OrganizationSummary: Sendable {
        package var organization: Organization
        package var parentName: String?
        package var users: Int
    }

    /// All organizations, root first, with their user counts.
    package func organizations() async throws -> [OrganizationSummary] {
        try await store.read { tx in
            let all = try await tx.organizations()
            let names = Dictionary(all.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            let counts = try await tx.organizationUserCounts()
            return all.map {
                OrganizationSummary(
                    organization: $0, parentName: $0.parentID.flatMap { names[$0] }, users: counts[$0.id] ?? 0)
            }
        }
    }

    /// Creates an organization under `parent` (the root when `nil`). Without default roles it takes its parent's.
    package func addOrganization(name: String, parent: String?, defaultRoles: [String]?) async throws -> Organization {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty else { throw ProvisioningError.invalid("An organization needs a name.") }
        let roles = try defaultRoles.map(Self.catalogueRoles)
        let timestamp = now()
        return try await store.withTransaction { tx in
            let parentOrganization = try await Self.organization(
                named: parent ?? Organization.rootName, orRoot: parent == nil, tx: tx)
            if let existing = try await tx.organization(name: trimmed) {
                throw ProvisioningError.conflict("An organization named '\(existing.name)' already exists.")
            }
            let organization = Organization(
                id: ResourceID.generate(), name: trimmed, parentID: parentOrganization.id,
                defaultRoles: roles ?? parentOrganization.defaultRoles, createdAt: timestamp)
            try await tx.insertOrganization(organization)
            return organization
        }
    }

    /// Changes an organization's default roles. Users get them on their next re-evaluation (a provisioning change
    /// or "apply org and role settings").
    package func setDefaultRoles(organization name: String, roles: [String]) async throws -> Organization {
        let roles = try Self.catalogueRoles(roles)
        return try await store.withTransaction { tx in
            var organization = try await Self.organization(named: name, tx: tx)
            organization.defaultRoles = roles
            try await tx.updateOrganization(organization)
            return organization
        }
    }

    /// The role catalogue.
    package var roles: [Role] { Role.catalogue }

    /// A watchlist with how many users are on it.
    package struct WatchlistSummary: Sendable {
        package var watchlist: Watchlist
        package var users: Int
    }

    package func watchlists() async throws -> [WatchlistSummary] {
        try await store.read { tx in
            let counts = try await tx.watchlistMemberCounts()
            return try await tx.watchlists().map { WatchlistSummary(watchlist: $0, users: counts[$0.id] ?? 0) }
        }
    }

    package func addWatchlist(name: String) async throws -> Watchlist {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty else { throw ProvisioningError.invalid("A watchlist needs a name.") }
        let watchlist = Watchlist(id: ResourceID.generate(), name: trimmed, createdAt: now())
        try await store.withTransaction { tx in
            if let existing = try await tx.watchlist(name: trimmed) {
                throw ProvisioningError.conflict("A watchlist named '\(existing.name)' already exists.")
            }
            try await tx.insertWatchlist(watchlist)
        }
        return watchlist
    }

    /// The users on a watchlist, at most `limit`.
    package func watchlistMembers(name: String, limit: Int = 1000) async throws -> (Watchlist, [UserRecord]) {
        try await store.read { tx in
            let watchlist = try await Self.watchlist(named: name, tx: tx)
            return (watchlist, try await tx.watchlistMembers(watchlistID: watchlist.id, limit: limit))
        }
    }

    // MARK: A user's placement

    /// Moves a user to an organization by hand. Local users can always be moved; a provisioned user only when its
    /// provider uses method `single` (the user then stays there), since the other methods decide by themselves.
    @discardableResult
    package func moveUser(email: String, organization name: String) async throws -> UserRecord {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var user = try await Self.user(email: email, tx: tx)
            let target = try await Self.organization(named: name, tx: tx)
            var log: [SyncLogEntry] = []
            if let providerID = user.providerID, let provider = try await tx.provider(id: providerID), user.linked {
                guard provider.organizationMapping.method == .single else {
                    throw ProvisioningError.invalid(
                        "\(user.userName) is placed by the organization mapping of provider '\(provider.name)' (method \(provider.organizationMapping.method.rawValue)); change the mapping or the user's groups or attributes in the identity provider instead."
                    )
                }
            }
            let from = try await tx.organization(id: user.organizationID)?.name ?? user.organizationID
            try await tx.setOrganization(userID: user.id, organizationID: target.id, pinned: !user.isLocal)
            if target.id != user.organizationID {
                log.append(
                    SyncLogEntry(
                        at: timestamp, providerID: nil, userID: user.id, userName: user.userName, action: .orgChanged,
                        detail: "\(from) → \(target.name) (by an admin)"))
            }
            user.organizationID = target.id
            user.organizationPinned = !user.isLocal
            if let providerID = user.providerID, let provider = try await tx.provider(id: providerID), user.linked {
                // The new organization's default roles may apply.
                var mapping = try await MappingEffects(provider: provider, tx: tx)
                log += try await mapping.reevaluate([user], in: EffectContext(now: timestamp, tx: tx))
            }
            try await tx.record(log)
            return user
        }
    }

    /// Sets a user's roles by hand: local users, and users whose provider's role mapping is `manual`.
    @discardableResult
    package func setRoles(email: String, roles: [String]) async throws -> [String] {
        let roles = try Self.catalogueRoles(roles)
        let timestamp = now()
        return try await store.withTransaction { tx in
            let user = try await Self.user(email: email, tx: tx)
            if let providerID = user.providerID, let provider = try await tx.provider(id: providerID), user.linked,
                provider.roleMappingMode == .groups
            {
                throw ProvisioningError.invalid(
                    "The roles of \(user.userName) come from the role mapping of provider '\(provider.name)'; map its SCIM groups to roles, or set the provider's role mapping to manual."
                )
            }
            let current = try await tx.roles(ofUser: user.id)
            guard current != roles.sorted() else { return current }
            try await tx.setRoles(userID: user.id, roles: roles)
            try await tx.record([
                SyncLogEntry(
                    at: timestamp, providerID: nil, userID: user.id, userName: user.userName, action: .rolesChanged,
                    detail: MappingEffects.describeRoles(from: current, to: roles.sorted()) + " (by an admin)")
            ])
            return roles.sorted()
        }
    }

    // MARK: Lookups

    /// Catalogue roles by name (case-insensitive), spelled as the catalogue spells them; an unknown name lists the
    /// catalogue.
    static func catalogueRoles(_ names: [String]) throws(ProvisioningError) -> [String] {
        var roles: [String] = []
        for name in names {
            guard let role = Role.named(name) else {
                throw ProvisioningError.invalid(
                    "'\(name)' is not a role. Roles: \(Role.catalogue.map(\.name).joined(separator: ", ")).")
            }
            if !roles.contains(role.name) { roles.append(role.name) }
        }
        return roles
    }

    static func organization(named name: String, orRoot: Bool = false, tx: any StoreTransaction) async throws
        -> Organization
    {
        if orRoot, let root = try await tx.organization(id: Organization.rootID) { return root }
        guard let organization = try await tx.organization(name: name.trimmingSpaces) else {
            throw ProvisioningError.notFound("No organization named '\(name)'; `roster org list` shows them.")
        }
        return organization
    }

    static func watchlist(named name: String, tx: any StoreTransaction) async throws -> Watchlist {
        guard let watchlist = try await tx.watchlist(name: name.trimmingSpaces) else {
            throw ProvisioningError.notFound("No watchlist named '\(name)'; `roster watchlist list` shows them.")
        }
        return watchlist
    }

    static func user(email: String, tx: any StoreTransaction) async throws -> UserRecord {
        let address = email.trimmingSpaces
        guard let user = try await tx.user(userName: address) else {
            throw ProvisioningError.notFound("No user with email '\(address)'.")
        }
        return user
    }
}
