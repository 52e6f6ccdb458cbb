package import Foundation
package import SCIM
package import ServiceLifecycle

/// Where providers, users, groups and memberships live: an embedded SQLite file, PostgreSQL, or memory.
///
/// All work happens inside ``withTransaction(_:)``: the body reads and writes through a ``StoreTransaction`` and
/// either everything it wrote commits or nothing does. Bodies await nothing but the store: the domain decides with
/// pure functions, so a transaction never waits on anything but the database, and holding it is short.
package protocol ProvisioningStore: Sendable {
    /// Runs `body` in one read-write transaction; a thrown error rolls it back.
    func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// Runs `body` against a consistent snapshot, without writing.
    func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// Runs `body` without writing, where each read may see what is committed when it runs instead of one
    /// snapshot for all: for a read of one resource and what hangs on it (GET /Users/{id} and its groups), where a
    /// change committed between two of its statements shows as it would a moment later. A store pays nothing for
    /// it that a snapshot would cost: PostgreSQL runs the statements without a transaction (no `BEGIN` and
    /// `COMMIT`: two of a GET's five exchanges with the server). The default reads a snapshot.
    func readLatest<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// What the store runs while it is open (PostgreSQL's connection pool, SQLite's writer), for the service group
    /// of whatever uses it; `nil` when nothing needs to run (the default, the memory store). The application runs it
    /// first, so that it stops last, after everything that writes.
    var service: (any Service)? { get }
}

extension ProvisioningStore {
    package var service: (any Service)? { nil }

    package func readLatest<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await read(body)
    }
}

/// The sort key of a list query, resolved against a resource type.
package struct SortKey: Sendable, Hashable {
    package var attribute: ResolvedAttribute
    package var descending: Bool
    package init(attribute: ResolvedAttribute, descending: Bool) {
        self.attribute = attribute
        self.descending = descending
    }
}

/// A list query a store can run: a validated filter, a sort key and a page window.
package struct StoreQuery: Sendable, Hashable {
    package var filter: Filter?
    package var sort: SortKey?
    /// 0-based offset.
    package var offset: Int
    /// Maximum number of items; 0 counts only.
    package var limit: Int
    package init(filter: Filter?, sort: SortKey?, offset: Int, limit: Int) {
        self.filter = filter
        self.sort = sort
        self.offset = offset
        self.limit = limit
    }
}

/// Reads and writes inside one transaction, by aggregate (each a protocol of its own that every store adopts).
/// Implementations must use indexed lookups: by id, by lowercased `userName`, by (provider, lowercased
/// `displayName`), and membership rows by (group, user) and by user.
package protocol StoreTransaction:
    UsersAndGroupsTransaction, LifecycleTransaction, MappingTransaction, AdminTransaction, PlatformTransaction,
    EventTransaction, WebhookTransaction, InspectorTransaction, ActivityTransaction, RevertTransaction
{
    /// Reads the transaction is about to make, named ahead so that a store over a network sends them together, in
    /// one round trip, and answers the calls that follow from what it sent. A store that answers in place ignores
    /// it (the default). Naming a read that then does not happen costs that read, nothing else.
    func prefetch(_ reads: [StoreRead]) async throws
}

/// An admin's search over all users (the console's user list).
package struct UserSearch: Sendable, Hashable {
    /// Part of the email or display name, case-insensitive.
    package var text: String?
    package var status: UserStatus?
    /// The managing provider; `""` for local users.
    package var providerID: String?
    package var organizationID: String?
    /// Only users on legal hold.
    package var legalHold: Bool
    package var offset: Int
    package var limit: Int

    package init(
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
    package func matches(_ user: UserRecord) -> Bool {
        if let text, !text.isEmpty {
            let needle = text.lowercased()
            guard
                user.userName.lowercased().contains(needle)
                    || (user.displayName?.lowercased().contains(needle) ?? false)
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
package enum MappingRuleKind: String, Sendable, Hashable, CaseIterable {
    case organization, role, watchlist
}

/// One run of "apply org and role settings": its progress is saved with each batch, so a crashed run resumes
/// where it stopped.
package struct MappingRun: Sendable, Hashable, Identifiable {
    package var id: String
    package var providerID: String
    package var startedAt: Date
    /// The sequence number of the last user done.
    package var cursor: Int64
    /// Users evaluated and users changed so far.
    package var processed: Int
    package var changed: Int
    package var finishedAt: Date?

    package init(
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
package enum StoreRead: Sendable, Hashable {
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
    /// ``StoreTransaction/userWithGroups(id:)``
    case userWithGroups(id: String)
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
    package func prefetch(_ reads: [StoreRead]) async throws {}

    /// The scheduler's backlog over every provider.
    package func deactivationBacklog(at now: Date) async throws -> (pending: Int, due: Int) {
        try await deactivationBacklog(at: now, providerID: nil)
    }

    /// The roles of one user, sorted.
    package func roles(ofUser userID: String) async throws -> [String] {
        try await roles(ofUsers: [userID])[userID] ?? []
    }
    /// The watchlist ids of one user, sorted.
    package func watchlists(ofUser userID: String) async throws -> [String] {
        try await watchlists(ofUsers: [userID])[userID] ?? []
    }

    /// ``UsersAndGroupsTransaction/userWithGroups(id:)`` as two reads, for a store that does not read both in
    /// one statement.
    package func userWithGroups(id: String) async throws -> (user: UserRecord, groups: [MemberReference])? {
        try await userThenGroups(id: id)
    }

    /// The user, then its groups: two reads.
    package func userThenGroups(id: String) async throws -> (user: UserRecord, groups: [MemberReference])? {
        guard let user = try await user(id: id) else { return nil }
        return (user, try await groups(ofUser: id))
    }

    /// Adds memberships without a provider-sent `display`.
    package func addMembers(groupID: String, userIDs: [String]) async throws -> [String] {
        try await addMembers(groupID: groupID, members: userIDs.map { MemberReference(id: $0, display: nil) })
    }
}
