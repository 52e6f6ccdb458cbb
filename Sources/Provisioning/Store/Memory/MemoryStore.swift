import Foundation
import SCIM
import Synchronization

/// A ``ProvisioningStore`` in memory, for tests and for trying Roster out. Transactions are serialized and
/// work on a copy of the state that replaces the original only when the body returns.
package final class MemoryStore: ProvisioningStore {
    /// A row of the hourly activity roll-up (`providerID` is "" for entries of no provider).
    struct ActivityHour: Sendable, Hashable {
        var providerID: String
        var hour: Int64
        var action: String
        var count: Int
    }

    struct State: Sendable {
        var providers: [String: Provider] = [:]
        var users: [String: UserRecord] = [:]
        var userOrder: [String] = []
        var userNames: [String: String] = [:]
        var groups: [String: GroupRecord] = [:]
        var groupOrder: [String] = []
        var members: [String: [String]] = [:]
        /// The `display` a provider sent for a membership, keyed by group id then user id.
        var memberDisplays: [String: [String: String]] = [:]
        var settings: [String: String] = [:]
        var devices: [Device] = []
        var archives: [Archive] = []
        var sessions: [String: SignInSession] = [:]
        var apiKeys: [PlatformAPIKey] = []
        var syncLog: [SyncLogEntry] = []
        var events: [ProvisioningEvent] = []
        var lastEventSequence: Int64 = 0
        var prunedEventSequence: Int64 = 0
        var webhooks: [WebhookEndpoint] = []
        var deliveries: [WebhookDelivery] = []
        var requests: [RecordedRequest] = []
        var activityHours: [ActivityHour] = []
        var lastRequestSequence: Int64 = 0
        var beforeImages: [BeforeImage] = []
        var lastBeforeImageSequence: Int64 = 0
        var organizations: [Organization] = [
            Organization(
                id: Organization.rootID, name: Organization.rootName, parentID: nil, defaultRoles: [Role.desktopUser],
                createdAt: Date(timeIntervalSince1970: 0))
        ]
        var roles: [String: [String]] = [:]
        var watchlists: [Watchlist] = []
        /// Watchlist id → user ids in the order added.
        var watchlistMembers: [String: [String]] = [:]
        var rules: [MemoryRule] = []
        var mappingRuns: [String: MappingRun] = [:]
        var admins: [AdminAccount] = []
        var adminSessions: [String: AdminSession] = [:]
        var adminTokens: [AdminToken] = []
        var signInFailures: [String: SignInFailures] = [:]
    }

    struct MemoryRule: Sendable {
        var providerID: String
        var kind: MappingRuleKind
        var groupID: String
        var target: String
        var priority: Int
    }

    let state = Mutex(State())

    package init() {}

    /// Runs `body` under the store's lock, on the calling thread (the memory store's statements never wait, see
    /// ``InlineExecution``), against a copy of the state that replaces the original when the body returns.
    package func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws
        -> T
    {
        try state.withLock { state in
            let tx = MemoryTransaction(state: state)
            let result = try InlineExecution.run { try await body(tx) }
            state = tx.state
            return result
        }
    }

    package func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        let snapshot = state.withLock { $0 }
        return try await body(MemoryTransaction(state: snapshot))
    }
}

final class MemoryTransaction: StoreTransaction {
    var state: MemoryStore.State

    init(state: MemoryStore.State) { self.state = state }

    func setting(_ key: String) async throws -> String? { state.settings[key] }
    func setSetting(_ key: String, _ value: String) async throws { state.settings[key] = value }

    func provider(id: String) async throws -> Provider? { state.providers[id] }
    func lockedProvider(id: String) async throws -> Provider? { state.providers[id] }
    func providers() async throws -> [Provider] {
        state.providers.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
    func insertProvider(_ provider: Provider) async throws {
        guard state.providers[provider.id] == nil else {
            throw ProvisioningError.conflict("Provider \(provider.id) exists.")
        }
        state.providers[provider.id] = provider
    }
    func updateProvider(_ provider: Provider) async throws { state.providers[provider.id] = provider }
    func touchProvider(id: String, at: Date) async throws { state.providers[id]?.lastRequestAt = at }
    func deleteProvider(id: String) async throws {
        state.providers[id] = nil
        for gid in state.groupOrder where state.groups[gid]?.providerID == id { try await deleteGroup(id: gid) }
        for uid in state.userOrder where state.users[uid]?.providerID == id { state.users[uid]?.linked = false }
        state.rules.removeAll { $0.providerID == id }
        state.mappingRuns = state.mappingRuns.filter { $0.value.providerID != id }
        state.requests.removeAll { $0.providerID == id }
    }

    func user(id: String) async throws -> UserRecord? { state.users[id] }
    func user(userName: String) async throws -> UserRecord? {
        state.userNames[userName.lowercased()].flatMap { state.users[$0] }
    }
    func insertUser(_ user: UserRecord) async throws {
        let key = user.userName.lowercased()
        guard state.userNames[key] == nil else {
            throw ProvisioningError.conflict("userName '\(user.userName)' is taken.")
        }
        state.users[user.id] = user
        state.userOrder.append(user.id)
        state.userNames[key] = user.id
    }
    func updateUser(_ user: UserRecord) async throws {
        guard let old = state.users[user.id] else { throw ProvisioningError.notFound("User \(user.id) not found.") }
        let key = user.userName.lowercased()
        if let holder = state.userNames[key], holder != user.id {
            throw ProvisioningError.conflict("userName '\(user.userName)' is taken.")
        }
        state.userNames[old.userName.lowercased()] = nil
        state.userNames[key] = user.id
        var user = user
        user.organizationID = old.organizationID
        user.organizationPinned = old.organizationPinned
        state.users[user.id] = user
    }
    func users(providerID: String, query: StoreQuery) async throws -> Page<UserRecord> {
        let candidates = state.userOrder.compactMap { state.users[$0] }
            .filter { $0.providerID == providerID && $0.linked }
        let matched = candidates.filter { user in
            guard let filter = query.filter else { return true }
            return filter.matches(representation(of: user), in: .user)
        }
        let sorted = sort(matched, by: query.sort) { self.representation(of: $0) }
        return Page(totalResults: sorted.count, items: Array(sorted.dropFirst(query.offset).prefix(query.limit)))
    }
    func allUsers(offset: Int, limit: Int) async throws -> [UserRecord] {
        Array(state.userOrder.dropFirst(offset).prefix(limit).compactMap { state.users[$0] })
    }
    func searchUsers(_ search: UserSearch) async throws -> Page<UserRecord> {
        let matched = state.userOrder.compactMap { state.users[$0] }.filter(search.matches)
        return Page(totalResults: matched.count, items: Array(matched.dropFirst(search.offset).prefix(search.limit)))
    }
    func userCount(providerID: String) async throws -> Int {
        state.users.values.count { $0.providerID == providerID && $0.linked }
    }

    func group(id: String) async throws -> GroupRecord? { storedGroup(id: id) }
    func storedGroup(id: String) -> GroupRecord? {
        guard var g = state.groups[id] else { return nil }
        g.memberCount = state.members[id]?.count ?? 0
        return g
    }
    func group(providerID: String, displayName: String) async throws -> GroupRecord? {
        let key = displayName.lowercased()
        return state.groupOrder.lazy.compactMap { self.state.groups[$0] }
            .first { $0.providerID == providerID && $0.displayName.lowercased() == key }
            .flatMap { storedGroup(id: $0.id) }
    }
    func insertGroup(_ group: GroupRecord) async throws {
        if try await self.group(providerID: group.providerID, displayName: group.displayName) != nil {
            throw ProvisioningError.conflict("Group '\(group.displayName)' exists.")
        }
        state.groups[group.id] = group
        state.groupOrder.append(group.id)
    }
    func updateGroup(_ group: GroupRecord) async throws { state.groups[group.id] = group }
    func deleteGroup(id: String) async throws {
        state.groups[id] = nil
        state.groupOrder.removeAll { $0 == id }
        state.members[id] = nil
        state.memberDisplays[id] = nil
        state.rules.removeAll { $0.groupID == id }
    }
    func groups(providerID: String, query: StoreQuery) async throws -> Page<GroupRecord> {
        let candidates = state.groupOrder.compactMap { storedGroup(id: $0) }.filter { $0.providerID == providerID }
        let matched = candidates.filter { group in
            guard let filter = query.filter else { return true }
            return filter.matches(representation(of: group), in: .group)
        }
        let sorted = sort(matched, by: query.sort) { self.representation(of: $0) }
        return Page(totalResults: sorted.count, items: Array(sorted.dropFirst(query.offset).prefix(query.limit)))
    }
    func groupCount(providerID: String) async throws -> Int {
        state.groups.values.count { $0.providerID == providerID }
    }

    func addMembers(groupID: String, members: [MemberReference]) async throws -> [String] {
        var current = state.members[groupID] ?? []
        var present = Set(current)
        var added: [String] = []
        for member in members where state.users[member.id] != nil && present.insert(member.id).inserted {
            current.append(member.id)
            added.append(member.id)
            if let display = member.display { state.memberDisplays[groupID, default: [:]][member.id] = display }
        }
        state.members[groupID] = current
        return added
    }
    func removeMembers(groupID: String, userIDs: [String]) async throws -> [MemberReference] {
        let current = Set(state.members[groupID] ?? [])
        var seen = Set<String>()
        let removed = userIDs.filter { current.contains($0) && seen.insert($0).inserted }.map { id in
            MemberReference(id: id, display: state.memberDisplays[groupID]?[id])
        }
        state.members[groupID] = (state.members[groupID] ?? []).filter { !seen.contains($0) }
        for id in seen { state.memberDisplays[groupID]?[id] = nil }
        return removed
    }
    func members(groupID: String, limit: Int) async throws -> [MemberReference] {
        memberReferences(groupID: groupID, limit: limit)
    }
    func memberReferences(groupID: String, limit: Int) -> [MemberReference] {
        (state.members[groupID] ?? []).prefix(limit).map { id in
            let display =
                state.memberDisplays[groupID]?[id] ?? state.users[id]?.displayName ?? state.users[id]?.userName
            return MemberReference(id: id, display: display)
        }
    }
    func groups(ofUser userID: String) async throws -> [MemberReference] { groupReferences(ofUser: userID) }
    func groupReferences(ofUser userID: String) -> [MemberReference] {
        state.groupOrder.compactMap { gid in
            guard let g = state.groups[gid], state.members[gid]?.contains(userID) == true else { return nil }
            return MemberReference(id: gid, display: g.displayName)
        }
    }
    func groups(ofUsers userIDs: [String]) async throws -> [String: [MemberReference]] {
        var result: [String: [MemberReference]] = [:]
        for id in userIDs {
            let groups = groupReferences(ofUser: id)
            if !groups.isEmpty { result[id] = groups }
        }
        return result
    }

    func removeMemberships(userID: String) async throws -> [MemberReference] {
        var left: [MemberReference] = []
        for gid in state.groupOrder where state.members[gid]?.contains(userID) == true {
            left.append(MemberReference(id: gid, display: state.memberDisplays[gid]?[userID]))
            state.members[gid] = state.members[gid]?.filter { $0 != userID }
            state.memberDisplays[gid]?[userID] = nil
        }
        return left
    }
    func existingUserIDs(_ userIDs: [String], providerID: String) async throws -> Set<String> {
        Set(userIDs.filter { state.users[$0]?.providerID == providerID && state.users[$0]?.linked == true })
    }

    func userNames(ids: [String]) async throws -> [String: String] {
        var names: [String: String] = [:]
        for id in ids { if let user = state.users[id] { names[id] = user.userName } }
        return names
    }

    // MARK: Evaluation helpers

    func representation(of user: UserRecord) -> JSONObject {
        Representation.user(user, groups: groupReferences(ofUser: user.id), baseURL: "")
    }
    func representation(of group: GroupRecord) -> JSONObject {
        Representation.group(group, members: memberReferences(groupID: group.id, limit: .max), baseURL: "")
    }

    func sort<T>(_ items: [T], by key: SortKey?, representation: (T) -> JSONObject) -> [T] {
        guard let key else { return items }
        let keyed = items.enumerated().map { (offset, item) -> (String?, Int, T) in
            (Self.sortValue(representation(item), key.attribute), offset, item)
        }
        return keyed.sorted { a, b in
            switch (a.0, b.0) {
            case (let x?, let y?) where x != y: return key.descending ? x > y : x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.1 < b.1
            }
        }.map(\.2)
    }

    static func sortValue(_ resource: JSONObject, _ attribute: ResolvedAttribute) -> String? {
        var container = resource
        if let urn = attribute.extensionURN {
            guard let ext = resource[urn]?.objectValue else { return nil }
            container = ext
        }
        var value = container[attribute.attribute.name]
        if case .array(let elements)? = value {
            value = elements.first { $0.objectValue?["primary"]?.boolValue == true } ?? elements.first
        }
        if let sub = attribute.subAttribute { value = value?.objectValue?[sub.name] }
        switch value {
        case .string(let s)?: return attribute.target.caseExact ? s : s.lowercased()
        case .int(let i)?: return String(format: "%020d", i)
        case .bool(let b)?: return b ? "1" : "0"
        default: return nil
        }
    }
}
