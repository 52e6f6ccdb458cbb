package import Foundation

/// How one user's placement changes: what ``MappingEffects`` plans and then writes, and what a dry run prints.
package struct PlacementChange: Sendable, Hashable {
    package var userID: String
    package var userName: String
    /// Organization names before and after; `organizationTo` is `nil` when the organization stays.
    package var organizationFrom: String?
    package var organizationTo: String?
    /// The organization to move to, when it changes (not yet created in a dry run).
    var targetOrganization: OrganizationTarget?
    /// Roles before and after; `rolesTo` is `nil` when they stay.
    package var rolesFrom: [String] = []
    package var rolesTo: [String]?
    /// Watchlists (names) the user joins and leaves.
    package var watchlistsAdded: [String] = []
    package var watchlistsRemoved: [String] = []
    var watchlistIDsAdded: [String] = []
    var watchlistIDsRemoved: [String] = []

    init(userID: String, userName: String) {
        self.userID = userID
        self.userName = userName
    }

    package var isEmpty: Bool {
        organizationTo == nil && rolesTo == nil && watchlistIDsAdded.isEmpty && watchlistIDsRemoved.isEmpty
    }
}

/// Evaluates the mapping rules for users inside a transaction and writes what changes: the organization (created
/// first when method `attribute` names a new one), the roles, the watchlists, and a sync-log entry for each move.
/// The rules themselves are the pure functions of ``MappingRulesEvaluator``.
package struct MappingEffects: Sendable {
    let provider: Provider
    let rules: MappingRules
    /// Organizations seen so far, by id and by lowercased name (including ones a dry run would create).
    var organizationsByID: [String: Organization] = [:]
    var organizationsByName: [String: Organization] = [:]
    var watchlistNames: [String: String] = [:]

    /// Reads the provider's rules.
    package init(provider: Provider, tx: any StoreTransaction) async throws {
        self.provider = provider
        self.rules = try await tx.mappingRules(providerID: provider.id)
    }

    /// Reads the rules of the provider that writes.
    init(in context: WriteContext) async throws {
        try await self.init(provider: context.provider, tx: context.tx)
    }

    /// Whether a membership change in `groupID` can move anyone.
    func isMapped(groupID: String) -> Bool {
        MappingRulesEvaluator.isMapped(
            groupID: groupID, mapping: provider.organizationMapping, mode: provider.roleMappingMode, rules: rules)
    }

    /// Whether an attribute change can move anyone of `provider`.
    static func attributesMatter(_ provider: Provider) -> Bool { provider.organizationMapping.method == .attribute }

    // MARK: Planning

    /// What the rules would change for `users` (linked users of the provider), without writing. Organizations
    /// that method `attribute` would create are remembered, so later users naming the same one reuse it.
    /// `fresh` users were just inserted: they have no groups, roles or watchlists yet, so nothing is read.
    mutating func plan(_ users: [UserRecord], fresh: Bool = false, tx: any StoreTransaction) async throws
        -> [PlacementChange]
    {
        let ids = users.map(\.id)
        let groups = fresh ? [:] : try await tx.groups(ofUsers: ids)
        let roles = fresh ? [:] : try await tx.roles(ofUsers: ids)
        let watchlists = fresh ? [:] : try await tx.watchlists(ofUsers: ids)
        var changes: [PlacementChange] = []
        for user in users where !user.isLocal {
            let groupIDs = Set((groups[user.id] ?? []).map(\.id))
            var change = PlacementChange(userID: user.id, userName: user.userName)
            // Organization.
            var organization = try await self.organization(id: user.organizationID, tx: tx)
            var target = MappingRulesEvaluator.organization(
                for: user, groupIDs: groupIDs, mapping: provider.organizationMapping, rules: rules,
                organizationNamed: { name in self.organizationsByName[name.lowercased()] })
            // A name the cache does not know may still name an organization in the store.
            if case .create(let name, _)? = target, let found = try await self.organization(named: name, tx: tx) {
                target = .existing(id: found.id)
            }
            if let target, let next = try await resolve(target, tx: tx), next.id != user.organizationID {
                change.organizationFrom = organization?.name ?? user.organizationID
                change.organizationTo = next.name
                change.targetOrganization = target
                organization = next
            }
            // Roles.
            let currentRoles = roles[user.id] ?? []
            if let wanted = MappingRulesEvaluator.roles(
                for: user, groupIDs: groupIDs, mode: provider.roleMappingMode, rules: rules,
                organizationDefaults: organization?.defaultRoles ?? [], newUser: fresh), wanted != currentRoles
            {
                change.rolesFrom = currentRoles
                change.rolesTo = wanted
            }
            // Watchlists.
            if let wanted = MappingRulesEvaluator.watchlists(for: user, groupIDs: groupIDs, rules: rules) {
                let current = Set(watchlists[user.id] ?? [])
                change.watchlistIDsAdded = wanted.filter { !current.contains($0) }
                change.watchlistIDsRemoved = current.subtracting(wanted).sorted()
                for id in change.watchlistIDsAdded {
                    change.watchlistsAdded.append(try await watchlistName(id, tx: tx))
                }
                for id in change.watchlistIDsRemoved {
                    change.watchlistsRemoved.append(try await watchlistName(id, tx: tx))
                }
            }
            if !change.isEmpty { changes.append(change) }
        }
        return changes
    }

    /// An organization by id, cached.
    mutating func organization(id: String, tx: any StoreTransaction) async throws -> Organization? {
        if let known = organizationsByID[id] { return known }
        guard let found = try await tx.organization(id: id) else { return nil }
        remember(found)
        return found
    }

    /// An organization by name (case-insensitive), cached; includes organizations a dry run would create.
    func organization(named name: String, tx: any StoreTransaction) async throws -> Organization? {
        if let known = organizationsByName[name.lowercased()] { return known }
        return try await tx.organization(name: name)
    }

    /// The organization a target names; a `create` target becomes a planned organization (id `new:…`) with its
    /// parent's default roles.
    mutating func resolve(_ target: OrganizationTarget, tx: any StoreTransaction) async throws -> Organization? {
        switch target {
        case .existing(let id):
            return try await organization(id: id, tx: tx)
        case .create(let name, let parentID):
            if let existing = try await organization(named: name, tx: tx) {
                remember(existing)
                return existing
            }
            let parent = try await organization(id: parentID, tx: tx)
            let planned = Organization(
                id: "new:" + name.lowercased(), name: name, parentID: parent?.id ?? Organization.rootID,
                defaultRoles: parent?.defaultRoles ?? [Role.desktopUser], createdByProvider: provider.id,
                createdAt: .distantPast)  // set when it is created (`organization(for:at:…)`)
            remember(planned)
            return planned
        }
    }

    mutating func remember(_ organization: Organization) {
        organizationsByID[organization.id] = organization
        organizationsByName[organization.name.lowercased()] = organization
    }

    mutating func watchlistName(_ id: String, tx: any StoreTransaction) async throws -> String {
        if let known = watchlistNames[id] { return known }
        let name = try await tx.watchlist(id: id)?.name ?? id
        watchlistNames[id] = name
        return name
    }

    // MARK: Writing

    /// Writes planned changes and returns their sync-log entries. Organizations planned for creation are created
    /// once (the first change naming one creates it). `isNew` words the entries of a user just created.
    mutating func apply(
        _ changes: [PlacementChange], users: [String: UserRecord], at now: Date, requestID: String?,
        isNew: Bool = false,
        tx: any StoreTransaction
    ) async throws -> [SyncLogEntry] {
        var log: [SyncLogEntry] = []
        func entry(_ change: PlacementChange, _ action: SyncAction, _ detail: String) -> SyncLogEntry {
            SyncLogEntry(
                at: now, providerID: provider.id, userID: change.userID, userName: change.userName, action: action,
                detail: detail, requestID: requestID)
        }
        for change in changes {
            if let target = change.targetOrganization, let to = change.organizationTo {
                let organization = try await create(target, at: now, requestID: requestID, log: &log, tx: tx)
                try await tx.setOrganization(
                    userID: change.userID, organizationID: organization?.id ?? Organization.rootID,
                    pinned: users[change.userID]?.organizationPinned ?? false)
                log.append(entry(change, .orgChanged, isNew ? to : "\(change.organizationFrom ?? "") → \(to)"))
            }
            if let to = change.rolesTo {
                try await tx.setRoles(userID: change.userID, roles: to)
                log.append(entry(change, .rolesChanged, Self.describeRoles(from: change.rolesFrom, to: to)))
            }
            for (id, name) in zip(change.watchlistIDsAdded, change.watchlistsAdded) {
                try await tx.addToWatchlist(watchlistID: id, userID: change.userID, at: now)
                log.append(entry(change, .watchlistAdded, name))
            }
            for (id, name) in zip(change.watchlistIDsRemoved, change.watchlistsRemoved) {
                try await tx.removeFromWatchlist(watchlistID: id, userID: change.userID)
                log.append(entry(change, .watchlistRemoved, name))
            }
        }
        return log
    }

    /// The organization of a target, creating a planned one (and logging `org-created`).
    mutating func create(
        _ target: OrganizationTarget, at now: Date, requestID: String?, log: inout [SyncLogEntry],
        tx: any StoreTransaction
    ) async throws -> Organization? {
        guard case .create(let name, _) = target else { return try await resolve(target, tx: tx) }
        if let existing = try await tx.organization(name: name) {
            remember(existing)
            return existing
        }
        guard var planned = try await resolve(target, tx: tx) else { return nil }
        planned.id = ResourceID.generate()
        planned.createdAt = now
        let stored = try await tx.insertOrganizationIfAbsent(planned)
        remember(stored)
        // Another write created it a moment ago: it is that one's to log.
        guard stored.id == planned.id else { return stored }
        let parent = try await organization(id: planned.parentID ?? Organization.rootID, tx: tx)
        log.append(
            SyncLogEntry(
                at: now, providerID: provider.id, action: .orgCreated,
                detail:
                    "\(planned.name) (under \(parent?.name ?? Organization.rootName), from \(provider.organizationMapping.attribute ?? "attribute"))",
                requestID: requestID))
        return planned
    }

    /// A new user's placement in one line, from the entries ``apply`` wrote for it: "organization Sales; roles
    /// Desktop User; watchlist High Risk". `organization` names where the user was inserted, for when it stayed.
    static func summary(_ entries: [SyncLogEntry], organization: String?) -> String? {
        var parts: [String] = []
        if let organization, !entries.contains(where: { $0.action == .orgChanged }) {
            parts.append("organization \(organization)")
        }
        for entry in entries {
            switch entry.action {
            case .orgChanged: parts.append("organization \(entry.detail ?? "")")
            case .rolesChanged: parts.append("roles \(entry.detail ?? "")")
            case .watchlistAdded: parts.append("watchlist \(entry.detail ?? "")")
            default: continue
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// `+Added −Removed`, or the new list when there was none.
    static func describeRoles(from: [String], to: [String]) -> String {
        guard !from.isEmpty else { return to.joined(separator: ", ") }
        let added = to.filter { !from.contains($0) }.map { "+\($0)" }
        let removed = from.filter { !to.contains($0) }.map { "−\($0)" }
        return (added + removed).joined(separator: ", ")
    }

    // MARK: One step

    /// Re-evaluates `users` and writes what changed: the step every provisioning write ends with.
    mutating func reevaluate(_ users: [UserRecord], isNew: Bool = false, in context: some TransactionContext)
        async throws -> [SyncLogEntry]
    {
        let tx = context.tx
        let linked = users.filter { $0.linked && !$0.isLocal }
        guard !linked.isEmpty else { return [] }
        let changes = try await plan(linked, fresh: isNew, tx: tx)
        guard !changes.isEmpty else { return [] }
        return try await apply(
            changes, users: Dictionary(linked.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }), at: context.now,
            requestID: context.requestID, isNew: isNew, tx: tx)
    }

    /// Re-evaluates users by id (those still linked to the provider).
    mutating func reevaluate(userIDs: [String], in context: some TransactionContext) async throws -> [SyncLogEntry] {
        guard !userIDs.isEmpty else { return [] }
        var users: [UserRecord] = []
        for id in Set(userIDs).sorted() {
            if let user = try await context.tx.user(id: id), user.providerID == provider.id { users.append(user) }
        }
        return try await reevaluate(users, in: context)
    }
}
