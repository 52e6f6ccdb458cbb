package import Foundation

/// Providers, users, groups, their memberships and the sync log: what the SCIM API reads and writes. Part of ``StoreTransaction``.
package protocol UsersAndGroupsTransaction {
    // MARK: Providers
    func provider(id: String) async throws -> Provider?
    /// The provider, locked until the transaction ends against other transactions that lock or change its row
    /// (PostgreSQL; the other stores run one write at a time). Transactions that deactivate take it, so the
    /// mass-deactivation guard counts every deactivation once, and so do batches of "apply org and role settings".
    func lockedProvider(id: String) async throws -> Provider?
    func providers() async throws -> [Provider]
    func insertProvider(_ provider: Provider) async throws
    func updateProvider(_ provider: Provider) async throws
    /// Records that the provider made a request at `at` (only this column changes).
    func touchProvider(id: String, at: Date) async throws
    /// Removes a provider: its groups and memberships go, its users stay (unlinked).
    func deleteProvider(id: String) async throws

    // MARK: Users
    func user(id: String) async throws -> UserRecord?
    /// The user whose `userName` equals `userName` case-insensitively, linked or not, local or not.
    func user(userName: String) async throws -> UserRecord?
    func insertUser(_ user: UserRecord) async throws
    /// Writes `user`; its `version` must already be the new version.
    func updateUser(_ user: UserRecord) async throws
    /// Linked users of a provider matching a query, in a stable order.
    func users(providerID: String, query: StoreQuery) async throws -> Page<UserRecord>
    /// All users (local and provisioned), ordered by creation.
    func allUsers(offset: Int, limit: Int) async throws -> [UserRecord]
    /// Users (local and provisioned) matching an admin's search, in creation order.
    func searchUsers(_ search: UserSearch) async throws -> Page<UserRecord>
    /// How many linked users a provider has.
    func userCount(providerID: String) async throws -> Int

    // MARK: Groups
    func group(id: String) async throws -> GroupRecord?
    func group(providerID: String, displayName: String) async throws -> GroupRecord?
    func insertGroup(_ group: GroupRecord) async throws
    func updateGroup(_ group: GroupRecord) async throws
    func deleteGroup(id: String) async throws
    func groups(providerID: String, query: StoreQuery) async throws -> Page<GroupRecord>
    func groupCount(providerID: String) async throws -> Int

    // MARK: Memberships
    /// Adds memberships, keeping the `display` the provider sent with each; existing memberships are left as they
    /// are. Returns the user ids actually added.
    func addMembers(groupID: String, members: [MemberReference]) async throws -> [String]
    /// Removes memberships; absent ones are ignored. Returns the memberships actually removed, in the order of
    /// `userIDs`: each user id with the `display` the provider had sent (`nil` when it sent none).
    func removeMembers(groupID: String, userIDs: [String]) async throws -> [MemberReference]
    /// The members of a group, at most `limit`, in a stable order.
    func members(groupID: String, limit: Int) async throws -> [MemberReference]
    /// The groups a user belongs to.
    func groups(ofUser userID: String) async throws -> [MemberReference]
    /// A user and the groups it belongs to (GET /Users/{id}): one statement where a store can, so that a read of
    /// one user is an exchange with the database fewer.
    func userWithGroups(id: String) async throws -> (user: UserRecord, groups: [MemberReference])?
    /// The groups of several users at once (one query for a page of users), keyed by user id.
    func groups(ofUsers userIDs: [String]) async throws -> [String: [MemberReference]]
    /// Removes a user from every group. Returns the groups it left: each group id with the membership's `display`
    /// as the provider had sent it (`nil` when it sent none).
    func removeMemberships(userID: String) async throws -> [MemberReference]
    /// Of `userIDs`, those that are linked users of `providerID`.
    func existingUserIDs(_ userIDs: [String], providerID: String) async throws -> Set<String>
    /// The `userName` of each of these users that exists, by id (a few statements for any number of ids).
    func userNames(ids: [String]) async throws -> [String: String]

    // MARK: Sync log (append-only)
    func appendSyncLog(_ entries: [SyncLogEntry]) async throws
    /// Entries matching `query`, newest first.
    func syncLog(_ query: SyncLogQuery) async throws -> [SyncLogEntry]
    /// How many entries the log holds of each action (for metrics).
    func syncLogActionCounts() async throws -> [SyncAction: Int]
    /// How many deactivations are pending, and how many of them are due at `now` (the scheduler's backlog); of
    /// one provider's users, or of all when `providerID` is nil.
    func deactivationBacklog(at now: Date, providerID: String?) async throws -> (pending: Int, due: Int)
    /// How many entries a provider wrote with `action` since `since`.
    func syncLogCount(providerID: String, action: SyncAction, since: Date) async throws -> Int
    /// A provider's ``SyncAction/warning`` entries since `since`, counted by attribute and rule, most frequent
    /// first, each with its newest `examples` entries.
    func warningSummary(providerID: String, since: Date, examples: Int) async throws -> [WarningGroup]
    /// Every ``SyncAction/warning`` entry counted by attribute; warnings about unknown attributes count under
    /// ``WarningGroup/unknownAttributeLabel`` (their names come from clients, so they are not labels).
    func warningCounts() async throws -> [String: Int]
}
