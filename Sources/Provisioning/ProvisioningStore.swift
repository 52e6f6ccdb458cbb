public import Foundation
public import SCIM

/// Where providers, users, groups and memberships live: an embedded SQLite file, PostgreSQL, or memory.
///
/// All work happens inside ``withTransaction(_:)``: the body reads and writes through a ``StoreTransaction`` and
/// either everything it wrote commits or nothing does. Bodies are synchronous on purpose: the domain decides with
/// pure functions, so a transaction never waits on anything but the database, and holding it is short.
public protocol ProvisioningStore: Sendable {
    /// Runs `body` in one read-write transaction; a thrown error rolls it back.
    func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// Runs `body` against a consistent snapshot, without writing.
    func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
}

/// The sort key of a list query, resolved against a resource type.
public struct SortKey: Sendable, Hashable {
    public var attribute: ResolvedAttribute
    public var descending: Bool
    public init(attribute: ResolvedAttribute, descending: Bool) {
        self.attribute = attribute
        self.descending = descending
    }
}

/// A list query a store can run: a validated filter, a sort key and a page window.
public struct StoreQuery: Sendable, Hashable {
    public var filter: Filter?
    public var sort: SortKey?
    /// 0-based offset.
    public var offset: Int
    /// Maximum number of items; 0 counts only.
    public var limit: Int
    public init(filter: Filter?, sort: SortKey?, offset: Int, limit: Int) {
        self.filter = filter
        self.sort = sort
        self.offset = offset
        self.limit = limit
    }
}

/// Reads and writes inside one transaction. Implementations must use indexed lookups: by id, by lowercased
/// `userName`, by (provider, lowercased `displayName`), and membership rows by (group, user) and by user.
public protocol StoreTransaction {
    // MARK: Reads named ahead

    /// Reads the transaction is about to make, named ahead so that a store over a network sends them together, in
    /// one round trip, and answers the calls that follow from what it sent. A store that answers in place ignores
    /// it (the default). Naming a read that then does not happen costs that read, nothing else.
    func prefetch(_ reads: [StoreRead]) async throws

    // MARK: Settings
    /// A platform setting (for example the public URL the server announced).
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, _ value: String) async throws

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
    /// Removes memberships; absent ones are ignored. Returns the user ids actually removed.
    func removeMembers(groupID: String, userIDs: [String]) async throws -> [String]
    /// The members of a group, at most `limit`, in a stable order.
    func members(groupID: String, limit: Int) async throws -> [MemberReference]
    /// The groups a user belongs to.
    func groups(ofUser userID: String) async throws -> [MemberReference]
    /// The groups of several users at once (one query for a page of users), keyed by user id.
    func groups(ofUsers userIDs: [String]) async throws -> [String: [MemberReference]]
    /// Removes a user from every group. Returns the ids of the groups it left.
    func removeMemberships(userID: String) async throws -> [String]
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
    /// How many deactivations are pending, and how many of them are due at `now` (the scheduler's backlog).
    func deactivationBacklog(at now: Date) async throws -> (pending: Int, due: Int)
    /// How many entries a provider wrote with `action` since `since`.
    func syncLogCount(providerID: String, action: SyncAction, since: Date) async throws -> Int
    /// A provider's ``SyncAction/warning`` entries since `since`, counted by attribute and rule, most frequent
    /// first, each with its newest `examples` entries.
    func warningSummary(providerID: String, since: Date, examples: Int) async throws -> [WarningGroup]
    /// Every ``SyncAction/warning`` entry counted by attribute; warnings about unknown attributes count under
    /// ``WarningGroup/unknownAttributeLabel`` (their names come from clients, so they are not labels).
    func warningCounts() async throws -> [String: Int]

    // MARK: Scheduled deactivations
    /// Users whose pending deactivation is due at `now`, earliest first, at most `limit`.
    func dueDeactivations(at now: Date, limit: Int) async throws -> [UserRecord]
    /// The earliest pending deactivation time, if any.
    func nextDeactivationDue() async throws -> Date?
    /// A provider's users whose deactivation the mass-deactivation guard holds.
    func heldDeactivations(providerID: String) async throws -> [UserRecord]

    // MARK: Organizations, roles, watchlists

    func organization(id: String) async throws -> Organization?
    /// The organization with this name, case-insensitively.
    func organization(name: String) async throws -> Organization?
    /// All organizations, root first, then in creation order.
    func organizations() async throws -> [Organization]
    /// Inserts an organization; a taken name (case-insensitive) is a `conflict`.
    func insertOrganization(_ organization: Organization) async throws
    func updateOrganization(_ organization: Organization) async throws
    /// How many users each organization has, keyed by organization id (organizations without users left out).
    func organizationUserCounts() async throws -> [String: Int]
    /// Moves a user to an organization; `pinned` records that an admin placed it by hand.
    func setOrganization(userID: String, organizationID: String, pinned: Bool) async throws

    /// The roles of several users, keyed by user id, each sorted (users without roles left out).
    func roles(ofUsers userIDs: [String]) async throws -> [String: [String]]
    /// Replaces a user's roles.
    func setRoles(userID: String, roles: [String]) async throws

    func watchlist(id: String) async throws -> Watchlist?
    func watchlist(name: String) async throws -> Watchlist?
    func watchlists() async throws -> [Watchlist]
    /// Inserts a watchlist; a taken name (case-insensitive) is a `conflict`.
    func insertWatchlist(_ watchlist: Watchlist) async throws
    /// How many users each watchlist has, keyed by watchlist id.
    func watchlistMemberCounts() async throws -> [String: Int]
    /// The watchlist ids of several users, keyed by user id, each sorted.
    func watchlists(ofUsers userIDs: [String]) async throws -> [String: [String]]
    /// Puts a user on a watchlist (no-op when already on it).
    func addToWatchlist(watchlistID: String, userID: String, at: Date) async throws
    func removeFromWatchlist(watchlistID: String, userID: String) async throws
    /// Users on a watchlist, in the order they were added, at most `limit`.
    func watchlistMembers(watchlistID: String, limit: Int) async throws -> [UserRecord]

    // MARK: Mapping rules and runs

    /// A provider's group rules, each kind in the order added.
    func mappingRules(providerID: String) async throws -> MappingRules
    func insertOrganizationRule(providerID: String, _ rule: MappingRules.OrganizationRule) async throws
    func insertRoleRule(providerID: String, _ rule: MappingRules.RoleRule) async throws
    func insertWatchlistRule(providerID: String, _ rule: MappingRules.WatchlistRule) async throws
    /// Removes every rule of `kind` for a group of a provider. Returns how many went.
    func deleteRules(_ kind: MappingRuleKind, providerID: String, groupID: String) async throws -> Int
    /// A provider's linked users after `sequence` in creation order, at most `limit`, with their sequence numbers:
    /// the keyset batches of "apply org and role settings".
    func userBatch(providerID: String, after sequence: Int64, limit: Int) async throws -> [(sequence: Int64, user: UserRecord)]
    /// The unfinished apply run of a provider, if one crashed or is running.
    func openMappingRun(providerID: String) async throws -> MappingRun?
    /// Inserts or updates an apply run.
    func saveMappingRun(_ run: MappingRun) async throws

    // MARK: Admin accounts, console sessions, admin API tokens

    /// Inserts an admin; a taken email (case-insensitive) is a `conflict`.
    func insertAdmin(_ admin: AdminAccount) async throws
    func updateAdmin(_ admin: AdminAccount) async throws
    func admin(id: String) async throws -> AdminAccount?
    /// The admin with this email, case-insensitively.
    func admin(email: String) async throws -> AdminAccount?
    func admins() async throws -> [AdminAccount]
    func insertAdminSession(_ session: AdminSession) async throws
    func adminSession(tokenHash: String) async throws -> AdminSession?
    func deleteAdminSession(tokenHash: String) async throws
    /// Deletes sessions that expired before `now`. Returns how many went.
    func deleteExpiredAdminSessions(now: Date) async throws -> Int
    func insertAdminToken(_ token: AdminToken) async throws
    func adminToken(secretHash: String) async throws -> AdminToken?
    func adminTokens() async throws -> [AdminToken]

    // MARK: Revoking and expiring credentials

    /// Deletes an admin with its sessions and API tokens. Returns whether it existed.
    func deleteAdmin(id: String) async throws -> Bool
    /// Ends an admin's console sessions, except the one whose token hash is `except`. Returns how many ended.
    func deleteAdminSessions(adminID: String, except: String?) async throws -> Int
    /// Revokes (deletes) an admin API token. Returns whether it existed.
    func deleteAdminToken(id: String) async throws -> Bool
    /// Records when an admin API token last authenticated a request.
    func touchAdminToken(id: String, at: Date) async throws
    /// Revokes (deletes) a platform API key. Returns whether it existed.
    func deleteAPIKey(id: String) async throws -> Bool
    /// Records when a platform API key last authenticated a request.
    func touchAPIKey(id: String, at: Date) async throws
    /// The failed sign-ins in a row for an email (lowercased), if any are recorded.
    func signInFailures(email: String) async throws -> SignInFailures?
    /// Inserts or replaces the failed sign-ins of ``SignInFailures/email``.
    func saveSignInFailures(_ failures: SignInFailures) async throws
    /// Forgets the failed sign-ins of an email (lowercased), after a success or a new password.
    func deleteSignInFailures(email: String) async throws
    /// Forgets failures whose last attempt and lock both ended before `date`. Returns how many went.
    func deleteSignInFailures(before date: Date) async throws -> Int

    // MARK: Devices, archives, sessions, API keys (the platform side)
    func insertDevice(_ device: Device) async throws
    func devices(userID: String) async throws -> [Device]
    func insertArchive(_ archive: Archive) async throws
    func archives(userID: String) async throws -> [Archive]
    /// Moves the user's active archives to cold storage, kept until `until`. Returns how many moved.
    func moveArchivesToColdStorage(userID: String, until: Date) async throws -> Int
    /// Brings the user's cold archives not yet marked for deletion back to active. Returns how many came back.
    func restoreArchives(userID: String) async throws -> Int
    /// Marks cold archives whose retention ended before `now` for deletion. Returns how many were marked.
    func markExpiredArchives(now: Date) async throws -> Int
    func insertSession(_ session: SignInSession) async throws
    func session(tokenHash: String) async throws -> SignInSession?
    /// Revokes every open session of a user. Returns how many were revoked.
    func revokeSessions(userID: String, at: Date) async throws -> Int
    func insertAPIKey(_ key: PlatformAPIKey) async throws
    func apiKey(secretHash: String) async throws -> PlatformAPIKey?
    func apiKeys() async throws -> [PlatformAPIKey]
}

/// An admin's search over all users (the console's user list).
public struct UserSearch: Sendable, Hashable {
    /// Part of the email or display name, case-insensitive.
    public var text: String?
    public var status: UserStatus?
    /// The managing provider; `""` for local users.
    public var providerID: String?
    public var organizationID: String?
    /// Only users on legal hold.
    public var legalHold: Bool
    public var offset: Int
    public var limit: Int

    public init(
        text: String? = nil, status: UserStatus? = nil, providerID: String? = nil, organizationID: String? = nil,
        legalHold: Bool = false, offset: Int = 0, limit: Int = 50
    ) {
        self.text = text
        self.status = status
        self.providerID = providerID
        self.organizationID = organizationID
        self.legalHold = legalHold
        self.offset = offset
        self.limit = limit
    }

    /// Whether `user` matches (the memory store's evaluation, and the reference for the SQL one).
    public func matches(_ user: UserRecord) -> Bool {
        if let text, !text.isEmpty {
            let needle = text.lowercased()
            guard user.userName.lowercased().contains(needle) || (user.displayName?.lowercased().contains(needle) ?? false)
            else { return false }
        }
        if let status, user.status != status { return false }
        if let providerID {
            if providerID.isEmpty ? !user.isLocal : user.providerID != providerID { return false }
        }
        if let organizationID, user.organizationID != organizationID { return false }
        if legalHold && !user.legalHold { return false }
        return true
    }
}

/// The kinds of group rules a provider has.
public enum MappingRuleKind: String, Sendable, Hashable, CaseIterable {
    case organization, role, watchlist
}

/// One run of "apply org and role settings": its progress is saved with each batch, so a crashed run resumes
/// where it stopped.
public struct MappingRun: Sendable, Hashable, Identifiable {
    public var id: String
    public var providerID: String
    public var startedAt: Date
    /// The sequence number of the last user done.
    public var cursor: Int64
    /// Users evaluated and users changed so far.
    public var processed: Int
    public var changed: Int
    public var finishedAt: Date?

    public init(
        id: String, providerID: String, startedAt: Date, cursor: Int64 = 0, processed: Int = 0, changed: Int = 0,
        finishedAt: Date? = nil
    ) {
        self.id = id
        self.providerID = providerID
        self.startedAt = startedAt
        self.cursor = cursor
        self.processed = processed
        self.changed = changed
        self.finishedAt = finishedAt
    }
}

/// A read a transaction names ahead (``StoreTransaction/prefetch(_:)``): each is one requirement of the
/// transaction with these arguments.
public enum StoreRead: Sendable, Hashable {
    /// ``StoreTransaction/provider(id:)``
    case provider(id: String)
    /// ``StoreTransaction/lockedProvider(id:)`` (reads named after it run once the lock is held)
    case lockedProvider(id: String)
    /// ``StoreTransaction/userCount(providerID:)``
    case userCount(providerID: String)
    /// ``StoreTransaction/syncLogCount(providerID:action:since:)``
    case syncLogCount(providerID: String, action: SyncAction, since: Date)
    /// ``StoreTransaction/user(id:)``
    case user(id: String)
    /// ``StoreTransaction/user(userName:)``
    case userNamed(String)
    /// ``StoreTransaction/groups(ofUser:)``
    case groupsOfUser(String)
    /// ``StoreTransaction/group(id:)``
    case group(id: String)
    /// ``StoreTransaction/mappingRules(providerID:)``
    case mappingRules(providerID: String)
    /// ``StoreTransaction/organization(id:)``
    case organization(id: String)
    /// ``StoreTransaction/users(providerID:query:)`` with a filter (the filtered count and the page's rows)
    case users(providerID: String, query: StoreQuery)
}

extension StoreTransaction {
    public func prefetch(_ reads: [StoreRead]) async throws {}

    /// The roles of one user, sorted.
    public func roles(ofUser userID: String) async throws -> [String] { try await roles(ofUsers: [userID])[userID] ?? [] }
    /// The watchlist ids of one user, sorted.
    public func watchlists(ofUser userID: String) async throws -> [String] {
        try await watchlists(ofUsers: [userID])[userID] ?? []
    }

    /// Adds memberships without a provider-sent `display`.
    public func addMembers(groupID: String, userIDs: [String]) async throws -> [String] {
        try await addMembers(groupID: groupID, members: userIDs.map { MemberReference(id: $0, display: nil) })
    }
}
