package import Foundation
package import SCIM

/// The SCIM operations a provider performs on its own users and groups (RFC 7644 §3), with the platform's rules:
/// `userName` unique across the platform case-insensitively, local users out of reach, members as rows.
///
/// Every operation validates before it opens a transaction, then reads, decides and writes inside one, so a
/// refused request stores nothing.
package struct SCIMService: Sendable {
    package let store: any ProvisioningStore
    let now: @Sendable () -> Date
    /// Providers whose credentials authenticated a write within the last second (``authenticateForWrite(_:)``).
    let recentWriters = RecentAuthentications()

    /// The PATCH response leaves `members` out above this many members (Okta's documentation allows it), so that
    /// no PATCH costs more as a group grows.
    package static var membersInResponseLimit: Int { 1000 }

    package init(store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    // MARK: Authentication

    /// What a request presents: the provider named in its Base URL and the credentials it sent.
    package struct ProviderCredentials: Sendable {
        package var providerID: String
        /// The Basic username; `nil` for a Bearer token.
        package var username: String?
        package var secret: String
        package init(providerID: String, username: String?, secret: String) {
            self.providerID = providerID
            self.username = username
            self.secret = secret
        }
    }

    /// The provider whose Base URL carries the id, if the secret (and the username, for Basic) are its
    /// credentials. Any mismatch, including another provider's valid credentials, is a 401. One statement, so it
    /// needs no snapshot (``ProvisioningStore/readLatest(_:)``).
    package func authenticate(_ credentials: ProviderCredentials) async throws -> Provider {
        try await store.readLatest { tx in try await Self.authenticate(credentials, tx: tx) }
    }

    static func authenticate(_ credentials: ProviderCredentials, tx: any StoreTransaction) async throws -> Provider {
        guard let provider = try await tx.provider(id: credentials.providerID) else {
            throw SCIMError.unauthorized("Unknown provisioning provider or invalid credentials.")
        }
        return try verify(credentials, against: provider)
    }

    /// The provider, if `credentials` are its credentials; otherwise 401.
    static func verify(_ credentials: ProviderCredentials, against provider: Provider) throws -> Provider {
        let secretOK = Credentials.verify(secret: credentials.secret, storedHash: provider.secretHash)
        let userOK =
            credentials.username.map {
                Credentials.constantTimeEquals(Array($0.utf8), Array(provider.username.utf8))
            } ?? true
        guard secretOK && userOK else {
            throw SCIMError.unauthorized("Unknown provisioning provider or invalid credentials.")
        }
        try checkNotPaused(provider)
        return provider
    }

    /// How long a paused provider's IdP is asked to wait before sending a request again, in seconds.
    package static let pausedRetryAfter = 60

    /// A paused provider's requests are answered 503 with `Retry-After`: the IdP keeps them and retries, so
    /// nothing it sends while paused is lost.
    static func checkNotPaused(_ provider: Provider) throws {
        guard let since = provider.pausedAt else { return }
        throw ProvisioningError(
            .unavailable,
            "This provider is paused (since \(Timestamp.format(since))); an admin resumes it with `roster provider resume \(provider.id)`. Retry later.",
            retryAfter: pausedRetryAfter)
    }

    /// Authentication for a write: like ``authenticate(_:)``, except that credentials which authenticated a write
    /// of the same provider within the last second are verified against the provider as it was then, without a
    /// read (an initial sync sends thousands of writes a second, each of which would otherwise pay for it).
    /// The shortcut cannot let a write through that should be refused: every write's transaction checks again
    /// that the provider still exists with these credentials (``checkStillAuthenticated(_:tx:)``) and runs with
    /// its settings as they are then, so a provider removed or a secret rotated meanwhile gets 401 and nothing is
    /// written. Nor can it refuse one that should pass: credentials that do not match the remembered provider
    /// (a secret rotated since, wrong credentials) are checked against the store, so they always cost a read and
    /// are never remembered unless they authenticate. Reads (which have no second check) always authenticate
    /// against the store.
    package func authenticateForWrite(_ credentials: ProviderCredentials) async throws -> Provider {
        if let recent = recentWriters.provider(credentials.providerID, at: ContinuousClock.now),
            let provider = try? Self.verify(credentials, against: recent)
        {
            return provider
        }
        let provider = try await authenticate(credentials)
        recentWriters.remember(provider, at: ContinuousClock.now)
        return provider
    }

    // MARK: Reads
    //
    // Each read authenticates and fetches everything its response needs in one read: one trip to the store per
    // request. A single resource, a lookup by a key and a first page need no snapshot
    // (``ProvisioningStore/readLatest(_:)``); a later page reads its count and rows in one, so that
    // `totalResults` and the page agree.

    /// GET /Users/{id}: the user and, when wanted, its groups. Its reads need no shared snapshot
    /// (``ProvisioningStore/readLatest(_:)``): a membership changed between them shows as it would a moment later.
    package func readUser(_ credentials: ProviderCredentials, id: String, withGroups: Bool) async throws
        -> (provider: Provider, user: UserRecord, groups: [MemberReference])
    {
        try await store.readLatest { tx in
            try await tx.prefetch([
                .provider(id: credentials.providerID), withGroups ? .userWithGroups(id: id) : .user(id: id),
            ])
            let provider = try await Self.authenticate(credentials, tx: tx)
            let found = withGroups ? try await tx.userWithGroups(id: id) : try await tx.user(id: id).map { ($0, []) }
            let stored = try Self.own(found?.user, id: id, provider: provider)
            let user = try await Self.showingResolvedManagers([stored], providerID: provider.id, tx: tx)[0]
            return (provider, user, found?.groups ?? [])
        }
    }

    /// GET /Users, POST /Users/.search: a page and, when wanted, the groups of its users.
    ///
    /// PostgreSQL answers a page's count with its rows, in one statement. A lookup by a key (`userName eq`, `id
    /// eq`, `externalId eq`: what IdPs send before each push) and a first page therefore need no snapshot
    /// (``ProvisioningStore/readLatest(_:)``); a later page may need a second statement (past the last match, or a
    /// deep page), and reads its statements in one snapshot.
    package func readUsers(_ credentials: ProviderCredentials, query: ListQuery, withGroups: Bool) async throws
        -> (provider: Provider, page: Page<UserRecord>, groups: [String: [MemberReference]])
    {
        let storeQuery = try Self.storeQuery(query, type: .user)
        let oneStatement = storeQuery.filter?.keyConjunct != nil || storeQuery.offset == 0
        return try await readList(withoutSnapshot: oneStatement) { tx in
            try await tx.prefetch(
                [.provider(id: credentials.providerID), .users(providerID: credentials.providerID, query: storeQuery)])
            let provider = try await Self.authenticate(credentials, tx: tx)
            var page = try await tx.users(providerID: provider.id, query: storeQuery)
            page.items = try await Self.showingResolvedManagers(page.items, providerID: provider.id, tx: tx)
            let groups = withGroups && !page.items.isEmpty ? try await tx.groups(ofUsers: page.items.map(\.id)) : [:]
            return (provider, page, groups)
        }
    }

    /// GET /Groups/{id}: the group and, when wanted, its members (``ProvisioningStore/readLatest(_:)``, as
    /// ``readUser(_:id:withGroups:)``).
    package func readGroup(_ credentials: ProviderCredentials, id: String, withMembers: Bool) async throws
        -> (provider: Provider, group: GroupRecord, members: [MemberReference]?)
    {
        try await store.readLatest { tx in
            try await tx.prefetch([.provider(id: credentials.providerID), .group(id: id)])
            let provider = try await Self.authenticate(credentials, tx: tx)
            let group = try await Self.ownGroup(id, provider: provider, tx: tx)
            return (provider, group, withMembers ? try await tx.members(groupID: group.id, limit: .max) : nil)
        }
    }

    /// GET /Groups, POST /Groups/.search: a page and, when wanted, the members of its groups.
    package func readGroups(_ credentials: ProviderCredentials, query: ListQuery, withMembers: Bool) async throws
        -> (provider: Provider, page: Page<GroupRecord>, members: [String: [MemberReference]])
    {
        let storeQuery = try Self.storeQuery(query, type: .group)
        // A first page is one statement on PostgreSQL, as in ``readUsers(_:query:withGroups:)``.
        return try await readList(withoutSnapshot: storeQuery.offset == 0) { tx in
            let provider = try await Self.authenticate(credentials, tx: tx)
            let page = try await tx.groups(providerID: provider.id, query: storeQuery)
            var members: [String: [MemberReference]] = [:]
            if withMembers {
                for group in page.items { members[group.id] = try await tx.members(groupID: group.id, limit: .max) }
            }
            return (provider, page, members)
        }
    }

    /// A list's read: ``ProvisioningStore/readLatest(_:)`` when it needs no snapshot, else
    /// ``ProvisioningStore/read(_:)``.
    func readList<T: Sendable>(
        withoutSnapshot: Bool, _ body: @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        withoutSnapshot ? try await store.readLatest(body) : try await store.read(body)
    }

    // MARK: Writes

    /// Runs one SCIM write (POST, PUT, PATCH or DELETE on `/Users` or `/Groups`) for `provider`: a single request,
    /// given as the operation it would be in a bulk request (RFC 7644 §3.7.2: method, path, `version` as
    /// `If-Match`, `data` as the body). Decoded before the transaction (again inside, should an admin have changed
    /// the provider's `userName` format since), run by the transaction body a bulk operation runs
    /// (``SCIMWrite``), with the reads it makes named ahead. A refused user write leaves a `rejected` entry in the
    /// sync log, as a refused bulk operation does.
    package func perform(_ operation: BulkOperation, for provider: Provider, requestID: String? = nil) async throws
        -> WriteResult
    {
        do {
            let decoded = try Self.write(for: operation, provider: provider)
            let timestamp = now()
            return try await transaction(provider, prefetch: decoded.reads(provider)) { current, tx in
                let write =
                    current.userNameFormat == provider.userNameFormat
                    ? decoded : try Self.write(for: operation, provider: current)
                let written = try await Self.perform(
                    write, in: WriteContext(provider: current, now: timestamp, requestID: requestID, tx: tx))
                guard case .user(let user) = written else { return written }
                return .user(try await Self.showingResolvedManagers([user], providerID: current.id, tx: tx)[0])
            }
        } catch let error as SCIMError where operation.path.endpoint == .users {
            let isPost = operation.method == .post
            await recordRejection(
                error, provider: provider, userID: isPost ? nil : operation.path.id,
                userName: isPost ? operation.data?["userName"]?.stringValue : nil, requestID: requestID)
            throw error
        }
    }

    /// The groups of a user, for its `groups` attribute.
    package func groups(ofUser id: String) async throws -> [MemberReference] {
        try await store.read { tx in try await tx.groups(ofUser: id) }
    }

    /// The members of a group, at most `limit`.
    package func members(ofGroup id: String, limit: Int) async throws -> [MemberReference] {
        try await store.read { tx in try await tx.members(groupID: id, limit: limit) }
    }

    static func storeQuery(_ query: ListQuery, type: ResourceType) throws(SCIMError) -> StoreQuery {
        if let filter = query.filter { try filter.validate(against: type) }
        var sort: SortKey? = nil
        if let sortBy = query.sortBy {
            guard let resolved = type.resolve(sortBy), resolved.target.type != .complex else {
                throw SCIMError.invalidValue(
                    "'sortBy' names '\(sortBy)', which is not a sortable attribute of \(type.name).")
            }
            sort = SortKey(attribute: resolved, descending: query.sortOrder == .descending)
        }
        return StoreQuery(filter: query.filter, sort: sort, offset: query.startIndex - 1, limit: query.count)
    }

    /// The provider as it is now, in the write's transaction; refuses the write (401, nothing written) unless
    /// `provider` still exists with the credentials its request was authenticated with (the same secret hash and
    /// username as when they were verified).
    static func checkStillAuthenticated(_ provider: Provider, tx: any StoreTransaction) async throws -> Provider {
        guard let current = try await tx.provider(id: provider.id), current.secretHash == provider.secretHash,
            current.username == provider.username
        else {
            throw SCIMError.unauthorized("Unknown provisioning provider or invalid credentials.")
        }
        try checkNotPaused(current)
        return current
    }

    /// Runs a write transaction on behalf of `provider`: it first checks that the provider still has the
    /// credentials its request was authenticated with, then runs `body` with the provider as it is now (its
    /// settings as of the transaction, not as of the authentication). A domain error (a store's uniqueness
    /// conflict, a race the checks above lost, is 409) becomes the SCIM error it means.
    func transaction<T: Sendable>(
        _ provider: Provider, prefetch reads: [StoreRead] = [],
        _ body: @Sendable (_ current: Provider, any StoreTransaction) async throws -> T
    ) async throws -> T {
        do {
            return try await store.withTransaction { tx in
                try await tx.prefetch(reads)
                return try await body(try Self.checkStillAuthenticated(provider, tx: tx), tx)
            }
        } catch let error as ProvisioningError where error.retryAfter == nil {
            // A refusal that lifts by itself (a paused provider) stays a domain error, so its `Retry-After` is sent.
            throw error.scimError
        }
    }
}
