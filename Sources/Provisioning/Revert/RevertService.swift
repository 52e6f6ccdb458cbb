package import Foundation
package import SCIM

/// Undoes what a provider changed after an instant: users' attributes, `active` and link, group attributes,
/// memberships, and deleted groups, as they were at the instant (from the before-images its writes recorded).
///
/// Every restore runs as the provider, through the domain's write paths (``SCIMService/restoreUser(_:to:in:)``
/// and its siblings), so the lifecycle and the mappings follow: a reactivation cancels a pending deactivation or
/// brings archives back from cold storage, organizations, roles and watchlists are derived again, legal-hold and
/// local-user rules hold, and the sync log and the events record each change (with the revert's id as request
/// id). Users and groups the provider created in the period are left alone and listed. A provider that pushes
/// again afterwards wins, as always: pause it first (``AdminService/setPaused(id:_:by:)``).
package struct RevertService: Sendable {
    let store: any ProvisioningStore
    let now: @Sendable () -> Date

    /// Users restored per transaction (a batch that fails is done again user by user, so one refusal costs only
    /// that user).
    static let batchSize = 50
    /// Batches in flight at once.
    static let concurrentBatches = 4

    package init(store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// What a revert did: its plan, the id its changes carry as request id, and what failed.
    package struct Outcome: Sendable, Hashable {
        package var plan: RevertPlan
        package var revertID: String
        /// Users and groups whose restore was refused (a name taken since, a lifecycle refusal), with the reason.
        package var failures: [RevertPlan.Resource]

        package var json: JSONObject {
            var json = plan.json
            json["revertId"] = .string(revertID)
            json["failures"] = .array(failures.map(\.json))
            return json
        }
    }

    // MARK: Planning

    /// What reverting `providerID`'s changes since `since` would do, read from the before-images and the current
    /// state; nothing is written.
    package func plan(providerID: String, since: Date) async throws -> RevertPlan {
        guard since <= now() else {
            throw ProvisioningError.invalid("since must not be in the future (\(Timestamp.format(since))).")
        }
        guard try await store.read({ tx in try await tx.provider(id: providerID) }) != nil else {
            throw ProvisioningError.notFound("Provider '\(providerID)' not found.")
        }
        var targets = RevertTargets()
        var cursor: Int64 = 0
        while true {
            let page = try await store.read { [cursor] tx in
                try await tx.beforeImages(providerID: providerID, since: since, after: cursor, limit: 2000)
            }
            targets.fold(page)
            guard let last = page.last?.sequence, page.count == 2000 else { break }
            cursor = last
        }
        let created = try await createdUsers(providerID: providerID, since: since)
        return try await store.read { [targets] tx in
            try await Self.plan(targets, created: created, providerID: providerID, since: since, tx: tx)
        }
    }

    /// The users the provider created (or pushed again) since `since`, from the sync log, with the first time: those
    /// no write changed since have no image, and are listed from here.
    private func createdUsers(providerID: String, since: Date) async throws -> [String: Date] {
        var created: [String: Date] = [:]
        var before: Int64?
        while true {
            var query = SyncLogQuery(providerID: providerID, action: .created, since: since, limit: 1000)
            query.before = before
            let page = try await store.read { [query] tx in try await tx.syncLog(query) }
            for entry in page { if let id = entry.userID { created[id] = min(created[id] ?? entry.at, entry.at) } }
            guard page.count == 1000, let last = page.last?.sequence else { break }
            before = last
        }
        return created
    }

    static func plan(
        _ targets: RevertTargets, created: [String: Date], providerID: String, since: Date, tx: any StoreTransaction
    ) async throws -> RevertPlan {
        var plan = RevertPlan(providerID: providerID, since: since)
        var leftAlone = Set<String>()
        for id in targets.userOrder {
            let target = targets.users[id]!
            guard let user = try await tx.user(id: id) else { continue }
            guard user.providerID == providerID else {
                leftAlone.insert(id)
                plan.skipped.append(
                    .init(
                        kind: "user", id: id, name: user.userName,
                        reason: user.isLocal ? "now a local user" : "now managed by another provider"))
                continue
            }
            guard user.createdAt < since else {
                // Created in the period: its first image is a state after its creation, not one to go back to.
                leftAlone.insert(id)
                plan.createdUsers.append(
                    .init(
                        kind: "user", id: id, name: user.userName, reason: "created \(Timestamp.format(user.createdAt))"
                    ))
                continue
            }
            guard target.linked else {
                leftAlone.insert(id)
                if user.linked {
                    plan.createdUsers.append(
                        .init(kind: "user", id: id, name: user.userName, reason: "pushed again in the period"))
                }
                continue
            }
            let active = target.attributes["active"]?.boolValue ?? true
            let change = RevertPlan.UserChange(
                id: id, userName: user.userName, attributes: target.attributes,
                changed: SCIMService.changedAttributeNames(user.attributes, target.attributes).filter {
                    $0 != "active"
                },
                relink: !user.linked, reactivate: active && !user.scimActive, deactivate: !active && user.scimActive)
            if change.relink || change.reactivate || change.deactivate || user.attributes != target.attributes {
                plan.users.append(change)
            }
        }
        for (id, at) in created.sorted(by: { $0.value < $1.value }) where targets.users[id] == nil {
            guard let user = try await tx.user(id: id), user.providerID == providerID, user.linked,
                user.createdAt >= since
            else { continue }
            leftAlone.insert(id)
            plan.createdUsers.append(
                .init(kind: "user", id: id, name: user.userName, reason: "created \(Timestamp.format(at))"))
        }

        let involved = Array(Set(targets.memberships.values.flatMap(\.keys)).subtracting(leftAlone))
        var current: [String: Set<String>] = [:]
        for (user, groups) in try await tx.groups(ofUsers: involved) { current[user] = Set(groups.map(\.id)) }
        for id in targets.groupOrder {
            let memberships = (targets.memberships[id] ?? [:]).filter { !leftAlone.contains($0.key) }
            func isMember(_ user: String) -> Bool { current[user]?.contains(id) ?? false }
            if let group = try await tx.group(id: id) {
                if group.createdAt >= since {
                    plan.createdGroups.append(
                        .init(
                            kind: "group", id: id, name: group.displayName,
                            reason: "created \(Timestamp.format(group.createdAt))"))
                    continue
                }
                let attributes = targets.groupAttributes[id].flatMap { $0 == group.attributes ? nil : $0 }
                let add = memberships.sorted { $0.key < $1.key }.compactMap { user, was in
                    was.flatMap { isMember(user) ? nil : MemberReference(id: user, display: $0.display) }
                }
                let remove = memberships.keys.sorted().filter { memberships[$0]! == nil && isMember($0) }
                guard attributes != nil || !add.isEmpty || !remove.isEmpty else { continue }
                plan.groups.append(
                    .init(
                        id: id, displayName: attributes?["displayName"]?.stringValue ?? group.displayName,
                        recreate: nil, rules: MappingRules(), attributes: attributes,
                        changed: attributes.map { SCIMService.changedAttributeNames(group.attributes, $0) } ?? [],
                        add: add, remove: remove))
            } else if let (deleted, rules) = targets.deleted[id] {
                var group = deleted
                group.attributes = targets.groupAttributes[id] ?? deleted.attributes
                group.displayName = group.attributes["displayName"]?.stringValue ?? deleted.displayName
                guard deleted.createdAt < since else {
                    plan.createdGroups.append(
                        .init(
                            kind: "group", id: id, name: group.displayName, reason: "created and deleted in the period")
                    )
                    continue
                }
                if let holder = try await tx.group(providerID: providerID, displayName: group.displayName) {
                    plan.skipped.append(
                        .init(
                            kind: "group", id: id, name: group.displayName,
                            reason: "deleted; another group (\(holder.id)) has its name now"))
                    continue
                }
                let add = memberships.sorted { $0.key < $1.key }.compactMap { user, was in
                    was.map { MemberReference(id: user, display: $0.display) }
                }
                plan.groups.append(
                    .init(
                        id: id, displayName: group.displayName, recreate: group, rules: rules, attributes: nil,
                        changed: [], add: add, remove: []))
            }
        }
        for organization in try await tx.organizations()
        where organization.createdByProvider == providerID && organization.createdAt >= since {
            plan.createdOrganizations.append(
                .init(
                    kind: "organization", id: organization.id, name: organization.name,
                    reason: "created \(Timestamp.format(organization.createdAt)); organizations stay"))
        }
        return plan
    }

    // MARK: Reverting

    /// Reverts `providerID`'s changes since `since`, as ``plan(providerID:since:)`` says, and logs it as
    /// `reverted` naming `admin`.
    package func revert(providerID: String, since: Date, by admin: String) async throws -> Outcome {
        let plan = try await plan(providerID: providerID, since: since)
        var outcome = Outcome(
            plan: plan, revertID: "revert-" + ResourceID.generate().prefix(8).lowercased(), failures: [])
        // Users first: a group's members must be linked users of the provider again before they are added back.
        // Batches touch disjoint users, so several run at once: on PostgreSQL they overlap to their commits; SQLite
        // commits them together.
        let batches = stride(from: 0, to: plan.users.count, by: Self.batchSize).map {
            Array(plan.users[$0..<min($0 + Self.batchSize, plan.users.count)])
        }
        let revertID = outcome.revertID
        outcome.failures += try await withThrowingTaskGroup(of: [RevertPlan.Resource].self) { group in
            var failures: [RevertPlan.Resource] = []
            for (n, batch) in batches.enumerated() {
                if n >= Self.concurrentBatches, let done = try await group.next() { failures += done }
                group.addTask { await restoreReportingFailures(batch, providerID: providerID, revertID: revertID) }
            }
            for try await done in group { failures += done }
            return failures
        }
        for group in plan.groups {
            do {
                try await run(providerID: providerID, revertID: outcome.revertID) { context in
                    if let recreate = group.recreate {
                        try await SCIMService.recreateGroup(
                            recreate, members: group.add, rules: group.rules, in: context)
                    } else {
                        try await SCIMService.restoreGroup(
                            group.id, attributes: group.attributes, add: group.add, remove: group.remove, in: context)
                    }
                }
            } catch {
                outcome.failures.append(
                    .init(kind: "group", id: group.id, name: group.displayName, reason: Self.reason(error)))
            }
        }
        var detail = "by \(admin): changes since \(Timestamp.format(since)); \(plan.summary)"
        if !outcome.failures.isEmpty { detail += "; \(outcome.failures.count) failed" }
        let entry = SyncLogEntry(
            at: now(), providerID: providerID, action: .reverted, detail: detail, requestID: outcome.revertID)
        try await store.withTransaction { tx in try await tx.record([entry]) }
        return outcome
    }

    /// Restores a batch in one transaction; when that fails, each user in its own, and returns those refused.
    private func restoreReportingFailures(_ batch: [RevertPlan.UserChange], providerID: String, revertID: String) async
        -> [RevertPlan.Resource]
    {
        do {
            try await restore(batch, providerID: providerID, revertID: revertID)
            return []
        } catch {
            var failures: [RevertPlan.Resource] = []
            for user in batch {
                do {
                    try await restore([user], providerID: providerID, revertID: revertID)
                } catch {
                    failures.append(.init(kind: "user", id: user.id, name: user.userName, reason: Self.reason(error)))
                }
            }
            return failures
        }
    }

    private func restore(_ users: [RevertPlan.UserChange], providerID: String, revertID: String) async throws {
        try await run(providerID: providerID, revertID: revertID) { context in
            for user in users { try await SCIMService.restoreUser(user.id, to: user.attributes, in: context) }
        }
    }

    /// Runs `body` in a transaction as the provider (as it is in the transaction), with the revert's id as request id.
    private func run(
        providerID: String, revertID: String, _ body: @escaping @Sendable (WriteContext) async throws -> Void
    )
        async throws
    {
        let timestamp = now()
        try await store.withTransaction { tx in
            guard let provider = try await tx.provider(id: providerID) else {
                throw ProvisioningError.notFound("Provider '\(providerID)' not found.")
            }
            try await body(WriteContext(provider: provider, now: timestamp, requestID: revertID, tx: tx))
        }
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as SCIMError: error.detail
        case let error as ProvisioningError: error.message
        default: "\(error)"
        }
    }
}
