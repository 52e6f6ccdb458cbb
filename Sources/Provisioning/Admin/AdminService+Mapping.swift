package import Foundation
import SCIM

/// A provider's organization, role and watchlist mapping, and "apply org and role settings".
///
/// Changing a mapping moves nobody by itself: the new rules apply to each user at the user's next provisioning
/// change, and to every user of the provider when an admin applies them (``applyMappings(providerID:dryRun:batchSize:changeLimit:progress:)``).
extension AdminService {
    /// A provider's mapping configuration, with names resolved for display.
    package struct MappingOverview: Sendable {
        package struct GroupSummary: Sendable {
            package var id: String
            package var displayName: String
            package var members: Int
        }
        package struct OrganizationRule: Sendable {
            package var group: String
            package var organization: String
            package var priority: Int
        }
        package struct RoleRule: Sendable {
            package var group: String
            package var roles: [String]
        }
        package struct WatchlistRule: Sendable {
            package var group: String
            package var watchlist: String
        }

        package var provider: Provider
        /// The organization of method `single`, or the default organization.
        package var organization: String
        /// Where method `attribute` creates organizations.
        package var parent: String
        package var groups: [GroupSummary]
        package var organizationRules: [OrganizationRule]
        package var roleRules: [RoleRule]
        package var watchlistRules: [WatchlistRule]

        /// SCIM groups without a role mapping: the only ones a role mapping can be added for.
        package var groupsWithoutRoles: [GroupSummary] {
            let mapped = Set(roleRules.map(\.group))
            return groups.filter { !mapped.contains($0.displayName) }
        }

        /// "There are no SCIM groups available", "All SCIM groups are mapped", or `nil`.
        package var roleMappingMessage: String? {
            if groups.isEmpty { return MappingMessage.noGroups }
            if groupsWithoutRoles.isEmpty { return MappingMessage.allGroupsMapped }
            return nil
        }
    }

    package func mappingOverview(providerID: String) async throws -> MappingOverview {
        try await store.read { tx in
            let provider = try await Self.provider(providerID, tx: tx)
            let groups = try await tx.groups(
                providerID: providerID, query: StoreQuery(filter: nil, sort: nil, offset: 0, limit: .max)
            ).items
            let groupNames = Dictionary(groups.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
            let rules = try await tx.mappingRules(providerID: providerID)
            func orgName(_ id: String) async throws -> String { try await tx.organization(id: id)?.name ?? id }
            var organizationRules: [MappingOverview.OrganizationRule] = []
            for rule in rules.organizations {
                organizationRules.append(
                    .init(
                        group: groupNames[rule.groupID] ?? rule.groupID,
                        organization: try await orgName(rule.organizationID),
                        priority: rule.priority))
            }
            var watchlistRules: [MappingOverview.WatchlistRule] = []
            for rule in rules.watchlists {
                watchlistRules.append(
                    .init(
                        group: groupNames[rule.groupID] ?? rule.groupID,
                        watchlist: try await tx.watchlist(id: rule.watchlistID)?.name ?? rule.watchlistID))
            }
            return MappingOverview(
                provider: provider,
                organization: try await orgName(provider.organizationMapping.organizationID),
                parent: try await orgName(provider.organizationMapping.parentID),
                groups: groups.map { .init(id: $0.id, displayName: $0.displayName, members: $0.memberCount) },
                organizationRules: organizationRules.sorted { $0.priority < $1.priority },
                roleRules: rules.roles.map {
                    .init(group: groupNames[$0.groupID] ?? $0.groupID, roles: $0.roles.sorted())
                },
                watchlistRules: watchlistRules)
        }
    }

    // MARK: Organization mapping

    /// Chooses a provider's organization mapping method.
    ///
    /// - `single`: `organization` is required.
    /// - `groups`: `organization` is the default organization (the root when `nil`).
    /// - `attribute`: `attribute` defaults to `c42OrgName`; `parent` (the root when `nil`) receives the organizations
    ///   created automatically; `organization` is the default organization.
    ///
    /// Returns the provider and, for method `groups` without SCIM groups yet, a note saying so.
    package func setOrganizationMapping(
        providerID: String, method: OrganizationMapping.Method, organization: String?, attribute: String?,
        parent: String?
    ) async throws -> (provider: Provider, note: String?) {
        if method == .single && organization == nil {
            throw ProvisioningError.invalid("Method single needs the organization every new user goes to (--org NAME).")
        }
        if method != .attribute && attribute != nil {
            throw ProvisioningError.invalid("--attribute applies to method attribute only.")
        }
        let path =
            method == .attribute
            ? try MappingRulesEvaluator.validateAttribute(attribute ?? OrganizationMapping.defaultAttribute) : nil
        let timestamp = now()
        return try await store.withTransaction { tx in
            var provider = try await Self.provider(providerID, tx: tx)
            var target = Organization.rootID
            if let organization { target = try await Self.organization(named: organization, tx: tx).id }
            var parentID = Organization.rootID
            if let parent { parentID = try await Self.organization(named: parent, tx: tx).id }
            provider.organizationMapping = OrganizationMapping(
                method: method, organizationID: target, attribute: path, parentID: parentID)
            provider.updatedAt = timestamp
            try await tx.updateProvider(provider)
            var note: String? = nil
            if method == .groups, try await tx.groupCount(providerID: providerID) == 0 {
                note =
                    "\(MappingMessage.noGroups) for '\(provider.name)' yet: push groups from the identity provider (in Okta, Push Groups), then map them with `roster org-mapping add`. Until then every user goes to the default organization."
            }
            return (provider, note)
        }
    }

    /// Maps a SCIM group to an organization (method `groups`). Priority 1 is the highest (the range is
    /// ``SettingLimit/rulePriority``); without one the rule comes after the existing ones.
    package func addOrganizationRule(providerID: String, group: String, organization: String, priority: Int?)
        async throws
        -> MappingRules.OrganizationRule
    {
        if let priority { try SettingLimit.rulePriority.check(priority) }
        return try await store.withTransaction { tx in
            let provider = try await Self.provider(providerID, tx: tx)
            let groupRecord = try await Self.group(named: group, provider: provider, tx: tx)
            let target = try await Self.organization(named: organization, tx: tx)
            let rules = try await tx.mappingRules(providerID: providerID)
            if let existing = rules.organizations.first(where: { $0.groupID == groupRecord.id }) {
                let name = try await tx.organization(id: existing.organizationID)?.name ?? existing.organizationID
                throw ProvisioningError.conflict(
                    "Group '\(groupRecord.displayName)' is already mapped to organization '\(name)'; remove that mapping first."
                )
            }
            let rule = MappingRules.OrganizationRule(
                groupID: groupRecord.id, organizationID: target.id,
                priority: priority ?? Self.priorityAfter(rules.organizations.map(\.priority)))
            try await tx.insertOrganizationRule(providerID: providerID, rule)
            return rule
        }
    }

    // MARK: Role mapping

    package func setRoleMappingMode(providerID: String, mode: RoleMappingMode) async throws -> Provider {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var provider = try await Self.provider(providerID, tx: tx)
            provider.roleMappingMode = mode
            provider.updatedAt = timestamp
            try await tx.updateProvider(provider)
            return provider
        }
    }

    /// Maps a SCIM group that has no role mapping yet to one or more roles.
    package func addRoleRule(providerID: String, group: String, roles: [String]) async throws -> MappingRules.RoleRule {
        let roles = try Self.catalogueRoles(roles)
        guard !roles.isEmpty else { throw ProvisioningError.invalid("Name at least one role (--role ROLE).") }
        return try await store.withTransaction { tx in
            let provider = try await Self.provider(providerID, tx: tx)
            let groupRecord = try await Self.group(named: group, provider: provider, tx: tx)
            if let existing = try await tx.mappingRules(providerID: providerID).roles.first(where: {
                $0.groupID == groupRecord.id
            }) {
                throw ProvisioningError.conflict(
                    "Group '\(groupRecord.displayName)' is already mapped to \(existing.roles.sorted().joined(separator: ", ")); only groups that are not yet mapped can be added. Remove its mapping first to change it."
                )
            }
            let rule = MappingRules.RoleRule(groupID: groupRecord.id, roles: roles)
            try await tx.insertRoleRule(providerID: providerID, rule)
            return rule
        }
    }

    // MARK: Watchlist mapping

    package func addWatchlistRule(providerID: String, group: String, watchlist: String) async throws
        -> MappingRules.WatchlistRule
    {
        try await store.withTransaction { tx in
            let provider = try await Self.provider(providerID, tx: tx)
            let groupRecord = try await Self.group(named: group, provider: provider, tx: tx)
            let target = try await Self.watchlist(named: watchlist, tx: tx)
            let rule = MappingRules.WatchlistRule(groupID: groupRecord.id, watchlistID: target.id)
            if try await tx.mappingRules(providerID: providerID).watchlists.contains(rule) {
                throw ProvisioningError.conflict(
                    "Group '\(groupRecord.displayName)' is already mapped to watchlist '\(target.name)'.")
            }
            try await tx.insertWatchlistRule(providerID: providerID, rule)
            return rule
        }
    }

    /// Removes a group's rules of one kind (for watchlists, only the one for `watchlist` when given).
    package func removeRule(_ kind: MappingRuleKind, providerID: String, group: String, watchlist: String? = nil)
        async throws
    {
        try await store.withTransaction { tx in
            let provider = try await Self.provider(providerID, tx: tx)
            let groupRecord = try await Self.group(named: group, provider: provider, tx: tx)
            if kind == .watchlist, let watchlist {
                let target = try await Self.watchlist(named: watchlist, tx: tx)
                let forGroup = try await tx.mappingRules(providerID: providerID).watchlists.filter {
                    $0.groupID == groupRecord.id
                }
                guard forGroup.contains(where: { $0.watchlistID == target.id }) else {
                    throw ProvisioningError.notFound(
                        "Group '\(groupRecord.displayName)' is not mapped to watchlist '\(target.name)'.")
                }
                _ = try await tx.deleteRules(.watchlist, providerID: providerID, groupID: groupRecord.id)
                for rule in forGroup where rule.watchlistID != target.id {
                    try await tx.insertWatchlistRule(providerID: providerID, rule)
                }
                return
            }
            guard try await tx.deleteRules(kind, providerID: providerID, groupID: groupRecord.id) > 0 else {
                throw ProvisioningError.notFound("Group '\(groupRecord.displayName)' has no \(kind.rawValue) mapping.")
            }
        }
    }

    // MARK: Apply org and role settings

    /// Re-evaluates every linked user of a provider against its current mapping, in batches.
    ///
    /// With `dryRun`, nothing is written and the report says what would change. Otherwise each batch commits
    /// with the run's progress, so a run that crashed resumes at its last batch when started again; two runs of
    /// one provider at once share the work, batch by batch.
    package func applyMappings(
        providerID: String, dryRun: Bool, batchSize: Int = 1000, changeLimit: Int = 1000,
        progress: @Sendable (ApplyReport) -> Void = { _ in }
    ) async throws -> ApplyReport {
        try SettingLimit.applyBatchSize.check(batchSize)
        try SettingLimit.applyChangeLimit.check(changeLimit)
        var mapping = try await store.read { tx in
            try await MappingEffects(provider: try Self.provider(providerID, tx: tx), tx: tx)
        }
        var report = ApplyReport(
            runID: nil, resumed: false, dryRun: dryRun, processed: 0, changed: 0, organizationMoves: 0, roleChanges: 0,
            watchlistAdditions: 0, watchlistRemovals: 0, organizationsCreated: [], changes: [])
        func count(_ changes: [PlacementChange], into report: inout ApplyReport) {
            report.changed += changes.count
            report.organizationMoves += changes.count { $0.organizationTo != nil }
            report.roleChanges += changes.count { $0.rolesTo != nil }
            report.watchlistAdditions += changes.reduce(0) { $0 + $1.watchlistsAdded.count }
            report.watchlistRemovals += changes.reduce(0) { $0 + $1.watchlistsRemoved.count }
            for change in changes {
                if case .create(let name, _)? = change.targetOrganization,
                    !report.organizationsCreated.contains(where: { $0.lowercased() == name.lowercased() })
                {
                    report.organizationsCreated.append(name)
                }
            }
            report.changes += changes.prefix(max(0, changeLimit - report.changes.count))
        }

        if dryRun {
            var cursor: Int64 = 0
            while true {
                let (current, after) = (mapping, cursor)
                let (batch, changes, next) = try await store.read { tx in
                    var m = current
                    let batch = try await tx.userBatch(providerID: providerID, after: after, limit: batchSize)
                    return (batch.map(\.sequence), try await m.plan(batch.map(\.user), tx: tx), m)
                }
                mapping = next
                report.processed += batch.count
                count(changes, into: &report)
                progress(report)
                guard batch.count == batchSize, let last = batch.last else { return report }
                cursor = last
            }
        }

        let runID = ResourceID.generate()
        let startedAt = now()
        while true {
            let current = mapping
            let timestamp = now()
            let (run, changes, next, resumed) = try await store.withTransaction { tx in
                var m = current
                // Runs started at once (several instances, several commands) take the batches one at a time and
                // share the run: the provider's row is locked until this batch commits.
                _ = try await tx.lockedProvider(id: providerID)
                let resumedRun = try await tx.openMappingRun(providerID: providerID)
                var run = resumedRun ?? MappingRun(id: runID, providerID: providerID, startedAt: startedAt)
                let batch = try await tx.userBatch(providerID: providerID, after: run.cursor, limit: batchSize)
                let users = batch.map(\.user)
                let changes = try await m.plan(users, tx: tx)
                var log = try await m.apply(
                    changes, users: Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
                    at: timestamp, requestID: "apply:\(run.id)", tx: tx)
                run.cursor = batch.last?.sequence ?? run.cursor
                run.processed += batch.count
                run.changed += changes.count
                if batch.count < batchSize {
                    run.finishedAt = timestamp
                    log.append(
                        SyncLogEntry(
                            at: timestamp, providerID: providerID, action: .mappingsApplied,
                            detail:
                                "apply org and role settings: \(run.processed) users evaluated, \(run.changed) changed",
                            requestID: "apply:\(run.id)"))
                }
                try await tx.saveMappingRun(run)
                try await tx.record(log)
                return (run, changes, m, resumedRun != nil && resumedRun?.id != runID)
            }
            mapping = next
            report.runID = run.id
            report.resumed = report.resumed || resumed
            report.processed = run.processed
            count(changes, into: &report)
            progress(report)
            if run.finishedAt != nil { return report }
        }
    }

    // MARK: Lookups

    static func provider(_ id: String, tx: any StoreTransaction) async throws -> Provider {
        guard let provider = try await tx.provider(id: id) else {
            throw ProvisioningError.notFound(
                "No provisioning provider with id '\(id)'; `roster provider list` shows them.")
        }
        return provider
    }

    /// A provider's SCIM group by display name (case-insensitive), or an error that lists what there is.
    static func group(named name: String, provider: Provider, tx: any StoreTransaction) async throws -> GroupRecord {
        if let group = try await tx.group(providerID: provider.id, displayName: name.trimmingSpaces) { return group }
        let groups = try await tx.groups(
            providerID: provider.id, query: StoreQuery(filter: nil, sort: nil, offset: 0, limit: 20))
        guard groups.totalResults > 0 else {
            throw ProvisioningError.notFound(
                "\(MappingMessage.noGroups) for provider '\(provider.name)': push groups from the identity provider first (in Okta, Push Groups)."
            )
        }
        let names = groups.items.map { "'\($0.displayName)'" }.joined(separator: ", ")
        throw ProvisioningError.notFound(
            "Provider '\(provider.name)' has no SCIM group named '\(name)'. Its groups: \(names)\(groups.totalResults > 20 ? ", …" : "")."
        )
    }
}

extension AdminService {
    /// The priority after `existing`: one past the lowest (highest number), within ``SettingLimit/rulePriority``
    /// even when a stored priority is out of it.
    static func priorityAfter(_ existing: [Int]) -> Int {
        guard let highest = existing.max() else { return 1 }
        let last = SettingLimit.rulePriority.clamped(highest, subject: "an organization rule")
        return min(last + 1, Int(SettingLimit.rulePriority.range.upperBound))
    }
}
