import Foundation

/// Organizations, roles, watchlists, mapping rules and apply runs in memory.
extension MemoryTransaction {
    func organization(id: String) async throws -> Organization? { state.organizations.first { $0.id == id } }
    func organization(name: String) async throws -> Organization? {
        let key = name.lowercased()
        return state.organizations.first { $0.name.lowercased() == key }
    }
    func organizations() async throws -> [Organization] {
        state.organizations.filter { $0.parentID == nil } + state.organizations.filter { $0.parentID != nil }
    }
    func insertOrganization(_ organization: Organization) async throws {
        guard try await self.organization(name: organization.name) == nil else {
            throw ProvisioningError.conflict("An organization named '\(organization.name)' already exists.")
        }
        state.organizations.append(organization)
    }
    func insertOrganizationIfAbsent(_ organization: Organization) async throws -> Organization {
        if let existing = try await self.organization(name: organization.name) { return existing }
        state.organizations.append(organization)
        return organization
    }
    func updateOrganization(_ organization: Organization) async throws {
        if let other = try await self.organization(name: organization.name), other.id != organization.id {
            throw ProvisioningError.conflict("An organization named '\(organization.name)' already exists.")
        }
        guard let i = state.organizations.firstIndex(where: { $0.id == organization.id }) else { return }
        state.organizations[i] = organization
    }
    func organizationUserCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for user in state.users.values { counts[user.organizationID, default: 0] += 1 }
        return counts
    }
    func setOrganization(userID: String, organizationID: String, pinned: Bool) async throws {
        state.users[userID]?.organizationID = organizationID
        state.users[userID]?.organizationPinned = pinned
    }

    func roles(ofUsers userIDs: [String]) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for id in userIDs { if let roles = state.roles[id], !roles.isEmpty { result[id] = roles.sorted() } }
        return result
    }
    func setRoles(userID: String, roles: [String]) async throws { state.roles[userID] = Array(Set(roles)).sorted() }

    func watchlist(id: String) async throws -> Watchlist? { state.watchlists.first { $0.id == id } }
    func watchlist(name: String) async throws -> Watchlist? {
        let key = name.lowercased()
        return state.watchlists.first { $0.name.lowercased() == key }
    }
    func watchlists() async throws -> [Watchlist] { state.watchlists }
    func insertWatchlist(_ watchlist: Watchlist) async throws {
        guard try await self.watchlist(name: watchlist.name) == nil else {
            throw ProvisioningError.conflict("A watchlist named '\(watchlist.name)' already exists.")
        }
        state.watchlists.append(watchlist)
    }
    func watchlistMemberCounts() async throws -> [String: Int] {
        state.watchlistMembers.filter { !$0.value.isEmpty }.mapValues(\.count)
    }
    func watchlists(ofUsers userIDs: [String]) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        let wanted = Set(userIDs)
        for (watchlist, members) in state.watchlistMembers {
            for user in members where wanted.contains(user) { result[user, default: []].append(watchlist) }
        }
        return result.mapValues { $0.sorted() }
    }
    func addToWatchlist(watchlistID: String, userID: String, at: Date) async throws {
        guard state.watchlistMembers[watchlistID]?.contains(userID) != true else { return }
        state.watchlistMembers[watchlistID, default: []].append(userID)
    }
    func removeFromWatchlist(watchlistID: String, userID: String) async throws {
        state.watchlistMembers[watchlistID]?.removeAll { $0 == userID }
    }
    func watchlistMembers(watchlistID: String, limit: Int) async throws -> [UserRecord] {
        (state.watchlistMembers[watchlistID] ?? []).prefix(limit).compactMap { state.users[$0] }
    }

    func mappingRules(providerID: String) async throws -> MappingRules {
        var rules = MappingRules()
        for rule in state.rules where rule.providerID == providerID {
            switch rule.kind {
            case .organization:
                rules.organizations.append(
                    .init(groupID: rule.groupID, organizationID: rule.target, priority: rule.priority))
            case .role:
                if let i = rules.roles.firstIndex(where: { $0.groupID == rule.groupID }) {
                    rules.roles[i].roles.append(rule.target)
                } else {
                    rules.roles.append(.init(groupID: rule.groupID, roles: [rule.target]))
                }
            case .watchlist:
                rules.watchlists.append(.init(groupID: rule.groupID, watchlistID: rule.target))
            }
        }
        return rules
    }
    func insertOrganizationRule(providerID: String, _ rule: MappingRules.OrganizationRule) async throws {
        insertRule(
            .init(
                providerID: providerID, kind: .organization, groupID: rule.groupID, target: rule.organizationID,
                priority: rule.priority))
    }
    func insertRoleRule(providerID: String, _ rule: MappingRules.RoleRule) async throws {
        for role in rule.roles {
            insertRule(.init(providerID: providerID, kind: .role, groupID: rule.groupID, target: role, priority: 0))
        }
    }
    func insertWatchlistRule(providerID: String, _ rule: MappingRules.WatchlistRule) async throws {
        insertRule(
            .init(
                providerID: providerID, kind: .watchlist, groupID: rule.groupID, target: rule.watchlistID, priority: 0))
    }
    func insertRule(_ rule: MemoryStore.MemoryRule) {
        guard
            !state.rules.contains(where: {
                $0.providerID == rule.providerID && $0.kind == rule.kind && $0.groupID == rule.groupID
                    && $0.target == rule.target
            })
        else { return }
        state.rules.append(rule)
    }
    func deleteRules(_ kind: MappingRuleKind, providerID: String, groupID: String) async throws -> Int {
        let before = state.rules.count
        state.rules.removeAll { $0.providerID == providerID && $0.kind == kind && $0.groupID == groupID }
        return before - state.rules.count
    }

    func userBatch(providerID: String, after sequence: Int64, limit: Int) async throws -> [(
        sequence: Int64, user: UserRecord
    )] {
        var batch: [(sequence: Int64, user: UserRecord)] = []
        for (offset, id) in state.userOrder.enumerated() where Int64(offset + 1) > sequence {
            guard let user = state.users[id], user.providerID == providerID, user.linked else { continue }
            batch.append((Int64(offset + 1), user))
            if batch.count == limit { break }
        }
        return batch
    }
    func openMappingRun(providerID: String) async throws -> MappingRun? {
        state.mappingRuns.values.filter { $0.providerID == providerID && $0.finishedAt == nil }
            .max { $0.startedAt < $1.startedAt }
    }
    func saveMappingRun(_ run: MappingRun) async throws { state.mappingRuns[run.id] = run }
}
