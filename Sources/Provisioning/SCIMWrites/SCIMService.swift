public import Foundation
public import SCIM

/// The SCIM operations a provider performs on its own users and groups (RFC 7644 §3), with the platform's rules:
/// `userName` unique across the platform case-insensitively, local users out of reach, members as rows.
///
/// Every operation validates before it opens a transaction, then reads, decides and writes inside one, so a
/// refused request stores nothing.
public struct SCIMService<Store: ProvisioningStore>: Sendable {
    public let store: Store
    let now: @Sendable () -> Date
    /// Providers whose credentials authenticated a write within the last second (``authenticateForWrite(_:)``).
    let recentWriters = RecentAuthentications()

    /// The PATCH response leaves `members` out above this many members (Okta's documentation allows it), so that
    /// no PATCH costs more as a group grows.
    public static var membersInResponseLimit: Int { 1000 }

    public init(store: Store, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    // MARK: Authentication

    /// What a request presents: the provider named in its Base URL and the credentials it sent.
    public struct ProviderCredentials: Sendable {
        public var providerID: String
        /// The Basic username; `nil` for a Bearer token.
        public var username: String?
        public var secret: String
        public init(providerID: String, username: String?, secret: String) {
            self.providerID = providerID
            self.username = username
            self.secret = secret
        }
    }

    /// The provider whose Base URL carries the id, if the secret (and the username, for Basic) are its
    /// credentials. Any mismatch, including another provider's valid credentials, is a 401.
    public func authenticate(_ credentials: ProviderCredentials) async throws -> Provider {
        try await store.read { tx in try await Self.authenticate(credentials, tx: tx) }
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
        let userOK = credentials.username.map {
            Credentials.constantTimeEquals(Array($0.utf8), Array(provider.username.utf8))
        } ?? true
        guard secretOK && userOK else {
            throw SCIMError.unauthorized("Unknown provisioning provider or invalid credentials.")
        }
        return provider
    }

    /// Authentication for a write: like ``authenticate(_:)``, except that credentials which authenticated a write
    /// of the same provider within the last second are verified against the provider as it was then, without a
    /// read (an initial sync sends thousands of writes a second, and this read was about 5% of each one's cost).
    /// The shortcut cannot let a write through that should be refused: every write's transaction checks again
    /// that the provider still exists with these credentials (``checkStillAuthenticated(_:tx:)``) and runs with
    /// its settings as they are then, so a provider removed or a secret rotated meanwhile gets 401 and nothing is
    /// written. Nor can it refuse one that should pass: credentials that do not match the remembered provider
    /// (a secret rotated since, wrong credentials) are checked against the store, so they always cost a read and
    /// are never remembered unless they authenticate. Reads (which have no second check) always authenticate
    /// against the store.
    public func authenticateForWrite(_ credentials: ProviderCredentials) async throws -> Provider {
        if let recent = recentWriters.provider(credentials.providerID, at: ContinuousClock.now),
            let provider = try? Self.verify(credentials, against: recent)
        {
            return provider
        }
        let provider = try await authenticate(credentials)
        recentWriters.remember(provider, at: ContinuousClock.now)
        return provider
    }

    // MARK: Reads in one snapshot
    //
    // Each read authenticates and fetches everything its response needs in one read transaction: one trip to
    // the store per request.

    /// GET /Users/{id}: the user and, when wanted, its groups.
    public func readUser(_ credentials: ProviderCredentials, id: String, withGroups: Bool) async throws
        -> (provider: Provider, user: UserRecord, groups: [MemberReference])
    {
        try await store.read { tx in
            try await tx.prefetch(
                [.provider(id: credentials.providerID), .user(id: id)] + (withGroups ? [.groupsOfUser(id)] : []))
            let provider = try await Self.authenticate(credentials, tx: tx)
            let user = try await Self.showingResolvedManagers(
                [try Self.ownUser(id, provider: provider, tx: tx)], providerID: provider.id, tx: tx)[0]
            return (provider, user, withGroups ? try await tx.groups(ofUser: user.id) : [])
        }
    }

    /// GET /Users, POST /Users/.search: a page and, when wanted, the groups of its users.
    public func readUsers(_ credentials: ProviderCredentials, query: ListQuery, withGroups: Bool) async throws
        -> (provider: Provider, page: Page<UserRecord>, groups: [String: [MemberReference]])
    {
        let storeQuery = try Self.storeQuery(query, type: .user)
        return try await store.read { tx in
            try await tx.prefetch(
                [.provider(id: credentials.providerID), .users(providerID: credentials.providerID, query: storeQuery)])
            let provider = try await Self.authenticate(credentials, tx: tx)
            var page = try await tx.users(providerID: provider.id, query: storeQuery)
            page.items = try await Self.showingResolvedManagers(page.items, providerID: provider.id, tx: tx)
            let groups = withGroups && !page.items.isEmpty ? try await tx.groups(ofUsers: page.items.map(\.id)) : [:]
            return (provider, page, groups)
        }
    }

    /// GET /Groups/{id}: the group and, when wanted, its members.
    public func readGroup(_ credentials: ProviderCredentials, id: String, withMembers: Bool) async throws
        -> (provider: Provider, group: GroupRecord, members: [MemberReference]?)
    {
        try await store.read { tx in
            try await tx.prefetch([.provider(id: credentials.providerID), .group(id: id)])
            let provider = try await Self.authenticate(credentials, tx: tx)
            let group = try await Self.ownGroup(id, provider: provider, tx: tx)
            return (provider, group, withMembers ? try await tx.members(groupID: group.id, limit: .max) : nil)
        }
    }

    /// GET /Groups, POST /Groups/.search: a page and, when wanted, the members of its groups.
    public func readGroups(_ credentials: ProviderCredentials, query: ListQuery, withMembers: Bool) async throws
        -> (provider: Provider, page: Page<GroupRecord>, members: [String: [MemberReference]])
    {
        let storeQuery = try Self.storeQuery(query, type: .group)
        return try await store.read { tx in
            let provider = try await Self.authenticate(credentials, tx: tx)
            let page = try await tx.groups(providerID: provider.id, query: storeQuery)
            var members: [String: [MemberReference]] = [:]
            if withMembers {
                for group in page.items { members[group.id] = try await tx.members(groupID: group.id, limit: .max) }
            }
            return (provider, page, members)
        }
    }

    // MARK: Users
    //
    // Each write decodes and validates what it can before it opens a transaction; the transaction's body is a
    // static function of its own, so that a bulk request can run the same bodies (see `SCIMService+Bulk.swift`).

    /// POST /Users (RFC 7644 §3.3). A provider pushing a user it unlinked earlier (DELETE) links it back.
    public func createUser(_ provider: Provider, body: JSONObject, requestID: String? = nil) async throws -> UserRecord {
        try await recordingRejection(provider, userName: body["userName"]?.stringValue, requestID: requestID) {
            let input = try Self.normalizedUser(body, provider: provider)
            let timestamp = now()
            return try await transaction(provider, prefetch: Self.userWrite(provider, userName: body["userName"]?.stringValue)) { current, tx in
                let input = try Self.revalidate(input, normalizedFor: provider, current: current)
                let user = try await Self.createUser(input, provider: current, at: timestamp, requestID: requestID, tx: tx)
                return try await Self.showingResolvedManagers([user], providerID: current.id, tx: tx)[0]
            }
        }
    }

    /// POST /Users in a transaction, with normalized attributes.
    static func createUser(
        _ input: UserInput, provider: Provider, at timestamp: Date, requestID: String?, tx: any StoreTransaction
    ) async throws -> UserRecord {
        try provider.invalidData.check(input.dropped)
        var attributes = input.attributes
        var dropped = DroppedValues(policy: provider.invalidData)
        let active = attributes["active"]?.boolValue ?? true
        var log: [SyncLogEntry] = []
        var user: UserRecord
        let isNew: Bool
        if let existing = try await tx.user(userName: attributes["userName"]!.stringValue!) {
            try refuseTakenUserName(existing, provider: provider)
            try await checkManager(&attributes, provider: provider, selfID: existing.id, dropping: &dropped, tx: tx)
            user = existing
            user.linked = true
            user.userName = attributes["userName"]!.stringValue!
            user.attributes = attributes
            user.version += 1
            user.updatedAt = timestamp
            isNew = false
            log.append(entry(.created, user, provider, timestamp, requestID, detail: "linked again"))
            if active {
                log += try await LifecycleEffects.handle(
                    .providerReactivated, user: &user, at: timestamp, providerID: provider.id,
                    requestID: requestID, tx: tx, refusal: SCIMError.invalidValue)
            }
            try await tx.updateUser(user)
        } else {
            let id = ResourceID.generate()
            try await checkManager(&attributes, provider: provider, selfID: id, dropping: &dropped, tx: tx)
            user = UserRecord(
                id: id, providerID: provider.id, userName: attributes["userName"]!.stringValue!,
                scimActive: true, attributes: attributes, createdAt: timestamp, updatedAt: timestamp)
            isNew = true
            log.append(entry(.created, user, provider, timestamp, requestID))
            try await tx.insertUser(user)
        }
        if !active {
            log += try await deactivate(&user, provider: provider, at: timestamp, requestID: requestID, tx: tx)
            try await tx.updateUser(user)
        }
        var mapping = try await MappingEffects(provider: provider, tx: tx)
        let placed = try await mapping.reevaluate([user], at: timestamp, requestID: requestID, isNew: isNew, tx: tx)
        if isNew {
            // A new user's placement is part of its `created` entry; only organizations created on the
            // way get entries of their own.
            log[0].detail = MappingEffects.summary(
                placed, organization: mapping.organizationsByID[user.organizationID]?.name)
            log += placed.filter { $0.action == .orgCreated }
        } else {
            log += placed
        }
        log += warnings(input.dropped + dropped.values, user, provider, timestamp, requestID)
        try await tx.appendSyncLog(log)
        return user
    }

    /// PUT /Users/{id} (RFC 7644 §3.5.1). `active` left out keeps its value (Okta's AIW PUTs may omit it, and
    /// flipping a user inactive by omission would block them).
    public func replaceUser(
        _ provider: Provider, id: String, body: JSONObject, ifMatch: String?, requestID: String? = nil
    ) async throws -> UserRecord {
        try await recordingRejection(provider, userID: id, requestID: requestID) {
            let input = try Self.normalizedUser(body, provider: provider)
            let timestamp = now()
            return try await transaction(provider, prefetch: Self.userWrite(provider, id: id)) { current, tx in
                let input = try Self.revalidate(input, normalizedFor: provider, current: current)
                let user = try await Self.replaceUser(
                    id, with: input, ifMatch: ifMatch, provider: current, at: timestamp, requestID: requestID, tx: tx)
                return try await Self.showingResolvedManagers([user], providerID: current.id, tx: tx)[0]
            }
        }
    }

    /// PUT /Users/{id} in a transaction, with normalized attributes.
    static func replaceUser(
        _ id: String, with input: UserInput, ifMatch: String?, provider: Provider, at timestamp: Date,
        requestID: String?, tx: any StoreTransaction
    ) async throws -> UserRecord {
        try provider.invalidData.check(input.dropped)
        let existing = try await ownUser(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: existing.version)
        var input = input
        if input.attributes["active"] == nil, let active = existing.attributes["active"] {
            input.attributes["active"] = active
        }
        return try await write(input, over: existing, provider: provider, at: timestamp, requestID: requestID, tx: tx)
    }

    /// PATCH /Users/{id} (RFC 7644 §3.5.2).
    public func patchUser(
        _ provider: Provider, id: String, body: JSONObject, ifMatch: String?, requestID: String? = nil
    ) async throws -> UserRecord {
        try await recordingRejection(provider, userID: id, requestID: requestID) {
            let request = try PatchRequest(json: .object(body))
            let timestamp = now()
            return try await transaction(provider, prefetch: Self.userWrite(provider, id: id)) { current, tx in
                let user = try await Self.patchUser(
                    id, with: request, ifMatch: ifMatch, provider: current, at: timestamp, requestID: requestID, tx: tx)
                return try await Self.showingResolvedManagers([user], providerID: current.id, tx: tx)[0]
            }
        }
    }

    /// PATCH /Users/{id} in a transaction, with a decoded PATCH request.
    static func patchUser(
        _ id: String, with request: PatchRequest, ifMatch: String?, provider: Provider, at timestamp: Date,
        requestID: String?, tx: any StoreTransaction
    ) async throws -> UserRecord {
        let existing = try await ownUser(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: existing.version)
        var dropped = DroppedValues(policy: provider.invalidData)
        let outcome = try ResourceType.user.applyPatch(request, to: existing.attributes, dropping: &dropped)
        var input = try normalizedUser(outcome.resource, provider: provider)
        input.dropped = dropped.values + input.dropped
        try provider.invalidData.check(input.dropped)
        return try await write(input, over: existing, provider: provider, at: timestamp, requestID: requestID, tx: tx)
    }

    /// DELETE /Users/{id}: the provider unlinks the user (404 to it from now on) and, as with `active=false`, the
    /// user is blocked and deactivated after the provider's delay. The account stays in the platform.
    public func deleteUser(_ provider: Provider, id: String, ifMatch: String?, requestID: String? = nil) async throws {
        try await recordingRejection(provider, userID: id, requestID: requestID) {
            let timestamp = now()
            try await transaction(provider, prefetch: Self.userWrite(provider, id: id)) { current, tx in
                try await Self.deleteUser(id, ifMatch: ifMatch, provider: current, at: timestamp, requestID: requestID, tx: tx)
            }
        }
    }

    /// DELETE /Users/{id} in a transaction.
    static func deleteUser(
        _ id: String, ifMatch: String?, provider: Provider, at timestamp: Date, requestID: String?,
        tx: any StoreTransaction
    ) async throws {
        var user = try await ownUser(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: user.version)
        var log: [SyncLogEntry] = []
        for group in try await tx.removeMemberships(userID: user.id) {
            var removal = entry(.memberRemoved, user, provider, timestamp, requestID, detail: "user deleted")
            removal.groupID = group
            log.append(removal)
        }
        user.linked = false
        if user.scimActive {
            log += try await deactivate(&user, provider: provider, at: timestamp, requestID: requestID, tx: tx)
        }
        user.version += 1
        user.updatedAt = timestamp
        try await tx.updateUser(user)
        try await tx.appendSyncLog(log)
    }

    /// The groups of a user, for its `groups` attribute.
    public func groups(ofUser id: String) async throws -> [MemberReference] {
        try await store.read { tx in try await tx.groups(ofUser: id) }
    }

    // MARK: Groups

    /// POST /Groups.
    public func createGroup(_ provider: Provider, body: JSONObject, requestID: String? = nil) async throws -> GroupRecord {
        let input = try Self.normalizedGroup(body)
        let timestamp = now()
        return try await transaction(provider, prefetch: Self.groupWrite(provider)) { current, tx in
            try await Self.createGroup(input, provider: current, at: timestamp, requestID: requestID, tx: tx)
        }
    }

    /// POST /Groups in a transaction, with normalized attributes and the members apart.
    static func createGroup(
        _ input: GroupInput, provider: Provider, at timestamp: Date, requestID: String?, tx: any StoreTransaction
    ) async throws -> GroupRecord {
        try provider.invalidData.check(input.dropped)
        let (attributes, members) = (input.attributes, input.members)
        let displayName = attributes["displayName"]!.stringValue!
        if try await tx.group(providerID: provider.id, displayName: displayName) != nil {
            throw SCIMError.uniqueness("A group with displayName '\(displayName)' already exists for this provider.")
        }
        try await checkMembers(members.map(\.id), provider: provider, tx: tx)
        var group = GroupRecord(
            id: ResourceID.generate(), providerID: provider.id, displayName: displayName,
            attributes: attributes, createdAt: timestamp, updatedAt: timestamp)
        try await tx.insertGroup(group)
        let added = try await tx.addMembers(groupID: group.id, members: members)
        group.memberCount = added.count
        var log = [groupEntry(.groupCreated, group, timestamp, requestID, detail: displayName)]
        log += try await memberEntries(added: added, removed: [], group: group, at: timestamp, requestID: requestID, tx: tx)
        log += warnings(input.dropped, group, timestamp, requestID)
        try await tx.appendSyncLog(log)
        return group
    }

    /// The members of a group, at most `limit`.
    public func members(ofGroup id: String, limit: Int) async throws -> [MemberReference] {
        try await store.read { tx in try await tx.members(groupID: id, limit: limit) }
    }

    /// PUT /Groups/{id}: replaces attributes and the member list (RFC 7644 §3.5.1: an absent `members` means
    /// none).
    public func replaceGroup(
        _ provider: Provider, id: String, body: JSONObject, ifMatch: String?, requestID: String? = nil
    ) async throws -> GroupRecord {
        let input = try Self.normalizedGroup(body)
        let timestamp = now()
        return try await transaction(provider, prefetch: Self.groupWrite(provider, id: id)) { current, tx in
            try await Self.replaceGroup(
                id, with: input, ifMatch: ifMatch, provider: current, at: timestamp, requestID: requestID, tx: tx)
        }
    }

    /// PUT /Groups/{id} in a transaction, with normalized attributes and the members apart.
    static func replaceGroup(
        _ id: String, with input: GroupInput, ifMatch: String?, provider: Provider, at timestamp: Date,
        requestID: String?, tx: any StoreTransaction
    ) async throws -> GroupRecord {
        try provider.invalidData.check(input.dropped)
        var group = try await ownGroup(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: group.version)
        let before = group.attributes
        let renamed = try await apply(input.attributes, to: &group, provider: provider, tx: tx)
        let delta = try await replaceMembers(of: id, with: input.members, provider: provider, tx: tx)
        group.memberCount += delta.added.count - delta.removed.count
        try await finish(
            &group, provider: provider, attributesChanged: renamed, before: before, delta: delta,
            warnings: warnings(input.dropped, group, timestamp, requestID), at: timestamp, requestID: requestID, tx: tx)
        return group
    }

    /// PATCH /Groups/{id}: attribute changes are applied to the group; member changes go straight to membership
    /// rows, so adding one member to a group of 100,000 costs what it costs for a group of 10.
    public func patchGroup(
        _ provider: Provider, id: String, request: PatchRequest, ifMatch: String?, requestID: String? = nil
    ) async throws -> GroupRecord {
        let timestamp = now()
        return try await transaction(provider, prefetch: Self.groupWrite(provider, id: id)) { current, tx in
            try await Self.patchGroup(
                id, with: request, ifMatch: ifMatch, provider: current, at: timestamp, requestID: requestID, tx: tx)
        }
    }

    /// PATCH /Groups/{id} in a transaction, with a decoded PATCH request.
    static func patchGroup(
        _ id: String, with request: PatchRequest, ifMatch: String?, provider: Provider, at timestamp: Date,
        requestID: String?, tx: any StoreTransaction
    ) async throws -> GroupRecord {
        var group = try await ownGroup(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: group.version)
        var dropped = DroppedValues(policy: provider.invalidData)
        let outcome = try ResourceType.group.applyPatch(
            request, to: group.attributes, deferredAttributes: ["members"], dropping: &dropped)
        let attributes = try ResourceType.group.normalize(outcome.resource, dropping: &dropped)
        let before = group.attributes
        let renamed = try await apply(attributes, to: &group, provider: provider, tx: tx)
        var delta = MemberDelta()
        for change in outcome.deferred {
            let d = try await applyMemberChange(change, group: group.id, provider: provider, tx: tx)
            group.memberCount += d.added.count - d.removed.count
            delta.added += d.added
            delta.removed += d.removed
        }
        try await finish(
            &group, provider: provider, attributesChanged: renamed, before: before, delta: delta,
            warnings: warnings(dropped.values, group, timestamp, requestID), at: timestamp, requestID: requestID, tx: tx)
        return group
    }

    /// DELETE /Groups/{id}: the group and its memberships go; the users stay.
    public func deleteGroup(_ provider: Provider, id: String, ifMatch: String?, requestID: String? = nil) async throws {
        let timestamp = now()
        try await transaction(provider, prefetch: Self.groupWrite(provider, id: id)) { current, tx in
            try await Self.deleteGroup(id, ifMatch: ifMatch, provider: current, at: timestamp, requestID: requestID, tx: tx)
        }
    }

    /// DELETE /Groups/{id} in a transaction.
    static func deleteGroup(
        _ id: String, ifMatch: String?, provider: Provider, at timestamp: Date, requestID: String?,
        tx: any StoreTransaction
    ) async throws {
        let group = try await ownGroup(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: group.version)
        // A mapped group's members are re-evaluated once the group and its memberships are gone (the rules read
        // before still name the group, but no one is in it any more, so they match no one).
        var mapping = try await MappingEffects(provider: provider, tx: tx)
        let mapped = mapping.isMapped(groupID: group.id)
        let members = mapped ? try await tx.members(groupID: group.id, limit: .max).map(\.id) : []
        try await tx.deleteGroup(id: group.id)
        var log = [
            groupEntry(
                .groupDeleted, group, timestamp, requestID, detail: "\(group.displayName) (\(group.memberCount) members)")
        ]
        if mapped {
            log += try await mapping.reevaluate(userIDs: members, at: timestamp, requestID: requestID, tx: tx)
        }
        try await tx.appendSyncLog(log)
    }

    /// A group body's normalized attributes, with `members` taken out (members are rows, not attributes) and the
    /// values left out (refused or not in the transaction: ``InvalidDataPolicy/check(_:)``).
    static func normalizedGroup(_ body: JSONObject) throws(SCIMError) -> GroupInput {
        var dropped = DroppedValues(policy: .acceptAndWarn)
        var normalized = try ResourceType.group.normalize(body, dropping: &dropped)
        let members = memberReferences(normalized.removeValue(forKey: "members"))
        return GroupInput(attributes: normalized, members: members, dropped: dropped.values)
    }

    /// One `warning` sync-log entry per value left out of a group's request.
    static func warnings(_ dropped: [DroppedValue], _ group: GroupRecord, _ at: Date, _ requestID: String?)
        -> [SyncLogEntry]
    {
        warnings(dropped, like: groupEntry(.warning, group, at, requestID, detail: nil))
    }

    /// Users added to and removed from a group by one request.
    struct MemberDelta {
        var added: [String] = []
        var removed: [String] = []
    }

    /// Bumps the version when anything changed and logs what did.
    static func finish(
        _ group: inout GroupRecord, provider: Provider, attributesChanged: Bool, before: JSONObject, delta: MemberDelta,
        warnings: [SyncLogEntry], at timestamp: Date, requestID: String?, tx: any StoreTransaction
    ) async throws {
        guard attributesChanged || !delta.added.isEmpty || !delta.removed.isEmpty else {
            try await tx.appendSyncLog(warnings)
            return
        }
        group.version += 1
        group.updatedAt = timestamp
        try await tx.updateGroup(group)
        var log: [SyncLogEntry] = []
        if attributesChanged {
            let names = changedAttributeNames(before, group.attributes).joined(separator: ", ")
            log.append(groupEntry(.groupUpdated, group, timestamp, requestID, detail: names))
        }
        log += try await memberEntries(
            added: delta.added, removed: delta.removed, group: group, at: timestamp, requestID: requestID, tx: tx)
        if !delta.added.isEmpty || !delta.removed.isEmpty {
            var mapping = try await MappingEffects(provider: provider, tx: tx)
            if mapping.isMapped(groupID: group.id) {
                log += try await mapping.reevaluate(
                    userIDs: delta.added + delta.removed, at: timestamp, requestID: requestID, tx: tx)
            }
        }
        try await tx.appendSyncLog(log + warnings)
    }

    static func groupEntry(_ action: SyncAction, _ group: GroupRecord, _ at: Date, _ requestID: String?, detail: String?)
        -> SyncLogEntry
    {
        SyncLogEntry(
            at: at, providerID: group.providerID, groupID: group.id, action: action, detail: detail, requestID: requestID)
    }

    static func memberEntries(
        added: [String], removed: [String], group: GroupRecord, at: Date, requestID: String?, tx: any StoreTransaction
    ) async throws -> [SyncLogEntry] {
        var log: [SyncLogEntry] = []
        let names = try await tx.userNames(ids: added + removed)
        for (action, ids) in [(SyncAction.memberAdded, added), (.memberRemoved, removed)] {
            for id in ids {
                log.append(
                    SyncLogEntry(
                        at: at, providerID: group.providerID, userID: id, userName: names[id], groupID: group.id,
                        action: action, detail: group.displayName, requestID: requestID))
            }
        }
        return log
    }

    // MARK: Rules

    /// A request's user attributes normalized and checked for `provider`'s `userName` format, with the values
    /// left out of attributes that are not identity. Whether those refuse the request is the transaction's to say,
    /// under the provider's policy as it is then (``InvalidDataPolicy/check(_:)``): a request authenticated a moment
    /// before an admin changed the policy follows the new one.
    static func normalizedUser(_ body: JSONObject, provider: Provider) throws(SCIMError) -> UserInput {
        var dropped = DroppedValues(policy: .acceptAndWarn)
        var attributes = try ResourceType.user.normalize(body, dropping: &dropped)
        try UserRules.apply(to: &attributes, userNameFormat: provider.userNameFormat, dropping: &dropped)
        return UserInput(attributes: attributes, dropped: dropped.values)
    }

    /// Checks user attributes normalized before the transaction (for `normalizedFor`, the provider as it was
    /// authenticated) against the provider's current `userName` format, when an admin changed it since.
    static func revalidate(_ input: UserInput, normalizedFor provider: Provider, current: Provider)
        throws(SCIMError) -> UserInput
    {
        guard current.userNameFormat != provider.userNameFormat else { return input }
        var revalidated = input
        var dropped = DroppedValues(policy: .acceptAndWarn)
        try UserRules.apply(to: &revalidated.attributes, userNameFormat: current.userNameFormat, dropping: &dropped)
        revalidated.dropped += dropped.values
        return revalidated
    }

    /// 409 `uniqueness` when a `userName` is taken, unless `existing` is this provider's own unlinked user (which it
    /// may push again). A user the provider does not manage (a local user, another provider's) gets one message for
    /// both, so that a provider cannot tell who else holds a name.
    static func refuseTakenUserName(_ existing: UserRecord, provider: Provider) throws(SCIMError) {
        guard existing.providerID == provider.id else {
            throw SCIMError.uniqueness(
                "userName '\(existing.userName)' is already taken; userNames are unique across the platform.")
        }
        if existing.linked {
            throw SCIMError.uniqueness("A user with userName '\(existing.userName)' already exists (id \(existing.id)).")
        }
    }

    static func ownUser(_ id: String, provider: Provider, tx: any StoreTransaction) async throws -> UserRecord {
        guard let user = try await tx.user(id: id), user.providerID == provider.id, user.linked else {
            throw SCIMError.notFound("User '\(id)' not found.")
        }
        return user
    }

    static func ownGroup(_ id: String, provider: Provider, tx: any StoreTransaction) async throws -> GroupRecord {
        guard let group = try await tx.group(id: id), group.providerID == provider.id else {
            throw SCIMError.notFound("Group '\(id)' not found.")
        }
        return group
    }

    static func checkPrecondition(_ ifMatch: String?, version: Int) throws(SCIMError) {
        guard let ifMatch, !ETag.matches(ifMatch: ifMatch, version: version) else { return }
        throw SCIMError.preconditionFailed(
            "The resource has changed: If-Match '\(ifMatch)' does not match its current version \(ETag.forVersion(version)).")
    }

    /// Checks the enterprise `manager` of user attributes. A manager naming the user itself is left out; one
    /// naming no user of the provider is kept under `accept-and-warn` (with an `unknown-manager` warning) and
    /// shown once that user exists (IdPs send managers outside the app's assignment, or before provisioning
    /// them; Entra's known issues). Under `reject` both are refused.
    static func checkManager(
        _ attributes: inout JSONObject, provider: Provider, selfID: String, dropping dropped: inout DroppedValues,
        tx: any StoreTransaction
    ) async throws {
        guard let manager = UserRules.managerID(attributes) else { return }
        let path = SchemaURN.enterpriseUser + ":manager.value"
        if manager == selfID {
            try dropped.drop(
                path, .selfManager, value: .string(manager),
                error: .invalidValue("Attribute 'manager.value' must not be the user itself."))
            var enterprise = attributes[SchemaURN.enterpriseUser]?.objectValue ?? [:]
            enterprise["manager"] = nil
            attributes[SchemaURN.enterpriseUser] = enterprise.isEmpty ? nil : .object(enterprise)
            return
        }
        guard try await !tx.existingUserIDs([manager], providerID: provider.id).isEmpty else {
            try dropped.drop(
                path, .unknownManager, value: .string(manager),
                error: .invalidValue(
                    "Attribute 'manager.value' must be the id of a user of this provider; '\(manager)' is not."))
            return
        }
    }

    /// The users as a provider sees them: a `manager` that names no linked user of the provider (yet) is left
    /// out. The stored reference stays, and shows once that user exists.
    static func showingResolvedManagers(_ users: [UserRecord], providerID: String, tx: any StoreTransaction) async throws
        -> [UserRecord]
    {
        let managers = Set(users.compactMap { UserRules.managerID($0.attributes) })
        guard !managers.isEmpty else { return users }
        let existing = try await tx.existingUserIDs(Array(managers), providerID: providerID)
        guard existing.count < managers.count else { return users }
        return users.map { user in
            guard let manager = UserRules.managerID(user.attributes), !existing.contains(manager),
                var enterprise = user.attributes[SchemaURN.enterpriseUser]?.objectValue
            else { return user }
            var shown = user
            enterprise["manager"] = nil
            shown.attributes[SchemaURN.enterpriseUser] = enterprise.isEmpty ? nil : .object(enterprise)
            return shown
        }
    }

    /// One `warning` sync-log entry per value left out of a user's request.
    static func warnings(
        _ dropped: [DroppedValue], _ user: UserRecord, _ provider: Provider, _ at: Date, _ requestID: String?
    ) -> [SyncLogEntry] {
        warnings(dropped, like: entry(.warning, user, provider, at, requestID))
    }

    /// One `warning` entry per value left out, each `base` (the user or group, the request) with the value's
    /// attribute, rule and sentence.
    static func warnings(_ dropped: [DroppedValue], like base: SyncLogEntry) -> [SyncLogEntry] {
        dropped.map { value in
            var warning = base
            warning.detail = value.sentence + " (value \(value.value))"
            warning.attribute = value.attribute
            warning.rule = value.rule.rawValue
            return warning
        }
    }

    /// Writes new attributes over a user after the uniqueness and manager checks, logs the attribute names that
    /// changed, and runs the lifecycle when `active` changed. A write that changes nothing keeps the version and
    /// logs nothing.
    static func write(
        _ input: UserInput, over existing: UserRecord, provider: Provider, at timestamp: Date,
        requestID: String?, tx: any StoreTransaction
    ) async throws -> UserRecord {
        var attributes = input.attributes
        guard attributes != existing.attributes else {
            try await tx.appendSyncLog(warnings(input.dropped, existing, provider, timestamp, requestID))
            return existing
        }
        var dropped = DroppedValues(policy: provider.invalidData)
        let userName = attributes["userName"]!.stringValue!
        if !userName.equalsIgnoringCase(existing.userName), let holder = try await tx.user(userName: userName),
            holder.id != existing.id
        {
            try refuseTakenUserName(holder, provider: provider)
            throw SCIMError.uniqueness("userName '\(userName)' is held by another user.")
        }
        if UserRules.managerID(attributes) != UserRules.managerID(existing.attributes) {
            // A manager stored earlier (one not provisioned yet, say) is not checked again by writes that leave it.
            try await checkManager(&attributes, provider: provider, selfID: existing.id, dropping: &dropped, tx: tx)
        }
        var user = existing
        user.userName = userName
        user.attributes = attributes
        user.version += 1
        user.updatedAt = timestamp
        var log: [SyncLogEntry] = []
        let changed = changedAttributeNames(existing.attributes, attributes).filter { $0 != "active" }
        if !changed.isEmpty {
            log.append(entry(.updated, user, provider, timestamp, requestID, detail: changed.joined(separator: ", ")))
        }
        let active = attributes["active"]?.boolValue ?? true
        if active != existing.scimActive {
            if active {
                log += try await LifecycleEffects.handle(
                    .providerReactivated, user: &user, at: timestamp, providerID: provider.id, requestID: requestID,
                    tx: tx, refusal: SCIMError.invalidValue)
            } else {
                log += try await deactivate(&user, provider: provider, at: timestamp, requestID: requestID, tx: tx)
            }
        }
        try await tx.updateUser(user)
        // Only method `attribute` reads attributes; the provider says so before any rule is read.
        if MappingEffects.attributesMatter(provider) {
            var mapping = try await MappingEffects(provider: provider, tx: tx)
            log += try await mapping.reevaluate([user], at: timestamp, requestID: requestID, tx: tx)
        }
        log += warnings(input.dropped + dropped.values, user, provider, timestamp, requestID)
        try await tx.appendSyncLog(log)
        return user
    }

    /// The provider turned the user inactive: blocked now, deactivation scheduled (or held by the guard).
    static func deactivate(
        _ user: inout UserRecord, provider: Provider, at timestamp: Date, requestID: String?, tx: any StoreTransaction
    ) async throws -> [SyncLogEntry] {
        let event = try await LifecycleEffects.providerDeactivation(provider: provider, at: timestamp, tx: tx)
        return try await LifecycleEffects.handle(
            event, user: &user, at: timestamp, providerID: provider.id, requestID: requestID, tx: tx,
            refusal: SCIMError.invalidValue)
    }

    /// Top-level attribute names whose values differ (extension attributes as `urn:…:name`).
    static func changedAttributeNames(_ old: JSONObject, _ new: JSONObject) -> [String] {
        var names: [String] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            let (a, b) = (old[key], new[key])
            guard a != b else { continue }
            if key.contains(":") {
                names += changedAttributeNames(a?.objectValue ?? [:], b?.objectValue ?? [:]).map { "\(key):\($0)" }
            } else {
                names.append(key)
            }
        }
        return names
    }

    static func entry(
        _ action: SyncAction, _ user: UserRecord, _ provider: Provider, _ at: Date, _ requestID: String?,
        detail: String? = nil
    ) -> SyncLogEntry {
        SyncLogEntry(
            at: at, providerID: provider.id, userID: user.id, userName: user.userName, action: action, detail: detail,
            requestID: requestID)
    }

    /// Runs `body`; when it fails with a SCIM error, records a `rejected` entry for the user it touched (in its
    /// own transaction, since the request's was rolled back) and rethrows.
    func recordingRejection<T: Sendable>(
        _ provider: Provider, userID: String? = nil, userName: String? = nil, requestID: String?,
        _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as SCIMError {
            await recordRejection(error, provider: provider, userID: userID, userName: userName, requestID: requestID)
            throw error
        }
    }

    /// Records a `rejected` entry for the user a refused request touched (found by id or `userName`), in a
    /// transaction of its own. Nothing is recorded for a request whose credentials no longer authenticate (401,
    /// or a provider removed or its secret rotated since), a resource that is not there (404), when the store
    /// itself is unavailable (503), or for a user the provider does not manage (a local user, another provider's);
    /// a failure to record is ignored.
    func recordRejection(
        _ error: SCIMError, provider: Provider, userID: String?, userName: String?, requestID: String?
    ) async {
        guard error.status != 401, error.status != 404, error.status != 503 else { return }
        let timestamp = now()
        let providerID = provider.id
        try? await store.withTransaction { tx in
            guard (try? await Self.checkStillAuthenticated(provider, tx: tx)) != nil else { return }
            var user: UserRecord? = nil
            if let userID { user = try await tx.user(id: userID) }
            if user == nil, let userName { user = try await tx.user(userName: userName) }
            if let u = user, u.providerID != providerID { user = nil }  // local users and other providers' too
            guard user != nil || userName != nil else { return }
            let detail = "\(error.status)\(error.scimType.map { " \($0.rawValue)" } ?? ""): \(error.detail)"
            try await tx.appendSyncLog([
                SyncLogEntry(
                    at: timestamp, providerID: providerID, userID: user?.id, userName: user?.userName ?? userName,
                    action: .rejected, detail: detail, requestID: requestID)
            ])
        }
    }

    /// Applies new group attributes (a rename is checked for uniqueness). Returns whether anything changed.
    static func apply(_ attributes: JSONObject, to group: inout GroupRecord, provider: Provider, tx: any StoreTransaction)
        async throws -> Bool
    {
        guard attributes != group.attributes else { return false }
        let displayName = attributes["displayName"]!.stringValue!
        if !displayName.equalsIgnoringCase(group.displayName),
            let other = try await tx.group(providerID: provider.id, displayName: displayName), other.id != group.id
        {
            throw SCIMError.uniqueness("A group with displayName '\(displayName)' already exists for this provider.")
        }
        group.displayName = displayName
        group.attributes = attributes
        return true
    }

    /// The members of a `members` value, first occurrence of each id, with the `display` the provider sent.
    static func memberReferences(_ members: JSONValue?) -> [MemberReference] {
        var seen = Set<String>()
        return (members?.arrayValue ?? []).compactMap { element -> MemberReference? in
            guard let object = element.objectValue, let id = object["value"]?.stringValue, seen.insert(id).inserted
            else { return nil }
            return MemberReference(id: id, display: object["display"]?.stringValue)
        }
    }

    /// Makes a group's members exactly `members`: removes the others, adds the missing.
    static func replaceMembers(
        of group: String, with members: [MemberReference], provider: Provider, tx: any StoreTransaction
    ) async throws -> MemberDelta {
        try await checkMembers(members.map(\.id), provider: provider, tx: tx)
        let wanted = Set(members.map(\.id))
        let current = try await tx.members(groupID: group, limit: .max).map(\.id)
        let removed = try await tx.removeMembers(groupID: group, userIDs: current.filter { !wanted.contains($0) })
        let added = try await tx.addMembers(groupID: group, members: members)
        return MemberDelta(added: added, removed: removed)
    }

    static func checkMembers(_ ids: [String], provider: Provider, tx: any StoreTransaction) async throws {
        guard !ids.isEmpty else { return }
        let known = try await tx.existingUserIDs(ids, providerID: provider.id)
        let unknown = ids.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw SCIMError.invalidValue(
                "Group members must be users of this provider; not found: \(unknown.prefix(10).map { "'\($0)'" }.joined(separator: ", ")).")
        }
    }

    /// Applies one member change to the membership rows.
    static func applyMemberChange(_ change: DeferredChange, group: String, provider: Provider, tx: any StoreTransaction)
        async throws -> MemberDelta
    {
        switch change {
        case .add(_, let values):
            let members = memberReferences(.array(values))
            try await checkMembers(members.map(\.id), provider: provider, tx: tx)
            return MemberDelta(added: try await tx.addMembers(groupID: group, members: members))
        case .remove(_, let values):
            return MemberDelta(removed: try await tx.removeMembers(groupID: group, userIDs: memberReferences(.array(values)).map(\.id)))
        case .removeMatching(_, let filter):
            guard let ids = valueIDs(in: filter) else {
                throw SCIMError.invalidFilter(
                    "Member filters may only compare 'value' with 'eq' (for example members[value eq \"id\"]), got '\(filter)'.")
            }
            return MemberDelta(removed: try await tx.removeMembers(groupID: group, userIDs: ids))
        case .removeAll:
            let current = try await tx.members(groupID: group, limit: .max).map(\.id)
            return MemberDelta(removed: try await tx.removeMembers(groupID: group, userIDs: current))
        case .replace(_, let values):
            return try await replaceMembers(of: group, with: memberReferences(.array(values)), provider: provider, tx: tx)
        }
    }

    /// The ids named by `value eq "x"` or an `or` of those.
    static func valueIDs(in filter: Filter) -> [String]? {
        switch filter {
        case .comparison(let path, .eq, .string(let id)) where path.attribute.equalsIgnoringCase("value") && path.subAttribute == nil:
            return [id]
        case .or(let a, let b):
            guard let x = valueIDs(in: a), let y = valueIDs(in: b) else { return nil }
            return x + y
        default:
            return nil
        }
    }

    static func storeQuery(_ query: ListQuery, type: ResourceType) throws(SCIMError) -> StoreQuery {
        if let filter = query.filter { try filter.validate(against: type) }
        var sort: SortKey? = nil
        if let sortBy = query.sortBy {
            guard let resolved = type.resolve(sortBy), resolved.target.type != .complex else {
                throw SCIMError.invalidValue("'sortBy' names '\(sortBy)', which is not a sortable attribute of \(type.name).")
            }
            sort = SortKey(attribute: resolved, descending: query.sortOrder == .descending)
        }
        return StoreQuery(filter: query.filter, sort: sort, offset: query.startIndex - 1, limit: query.count)
    }

    /// The provider as it is now, in the write's transaction; refuses the write (401, nothing written) unless
    /// `provider` still exists with the credentials its request was authenticated with (the same secret hash and
    /// username as when they were verified).
    /// What a write of a user reads first, named ahead (``StoreTransaction/prefetch(_:)``): the provider (checked
    /// again), the user (by id, or by `userName` for a POST), the provider's group rules and the organizations a
    /// new user's placement starts from.
    static func userWrite(_ provider: Provider, id: String? = nil, userName: String? = nil) -> [StoreRead] {
        var reads: [StoreRead] = [.provider(id: provider.id)]
        if let id { reads.append(.user(id: id)) }
        if let userName { reads.append(.userNamed(userName)) }
        reads.append(.mappingRules(providerID: provider.id))
        if userName != nil {
            reads += [.organization(id: Organization.rootID), .organization(id: provider.organizationMapping.organizationID)]
        }
        return reads
    }

    /// What a write of a group reads first, named ahead: the provider, the group and the provider's group rules.
    static func groupWrite(_ provider: Provider, id: String? = nil) -> [StoreRead] {
        [.provider(id: provider.id)] + (id.map { [.group(id: $0)] } ?? []) + [.mappingRules(providerID: provider.id)]
    }

    static func checkStillAuthenticated(_ provider: Provider, tx: any StoreTransaction) async throws -> Provider {
        guard let current = try await tx.provider(id: provider.id), current.secretHash == provider.secretHash,
            current.username == provider.username
        else {
            throw SCIMError.unauthorized("Unknown provisioning provider or invalid credentials.")
        }
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
        } catch let error as ProvisioningError {
            throw error.scimError
        }
    }
}
