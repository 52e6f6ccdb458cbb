import Foundation
import SCIM

// MARK: - User writes
//
// The transaction bodies of POST, PUT, PATCH and DELETE on /Users and the rules they share; ``SCIMService/perform(_:for:requestID:)``
// and bulk requests run them (``SCIMWrite``).

extension SCIMService {
    /// POST /Users in a transaction, with normalized attributes.
    static func createUser(_ input: UserInput, in context: WriteContext) async throws -> UserRecord {
        let (provider, timestamp, requestID, tx) = context.parts
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
            try await recordBeforeImage(of: existing, in: context)
            user = existing
            user.linked = true
            user.userName = attributes["userName"]!.stringValue!
            user.attributes = attributes
            user.version += 1
            user.updatedAt = timestamp
            isNew = false
            log.append(entry(.created, user, provider, timestamp, requestID, detail: "linked again"))
            if active {
                log += try await LifecycleEffects.handle(.providerReactivated, user: &user, in: context)
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
            log += try await deactivate(&user, in: context)
            try await tx.updateUser(user)
        }
        var mapping = try await MappingEffects(in: context)
        let placed = try await mapping.reevaluate([user], isNew: isNew, in: context)
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
        try await tx.record(log, users: [user])
        return user
    }

    /// PUT /Users/{id} in a transaction, with normalized attributes.
    static func replaceUser(_ id: String, with input: UserInput, ifMatch: String?, in context: WriteContext)
        async throws -> UserRecord
    {
        let (provider, tx) = (context.provider, context.tx)
        try provider.invalidData.check(input.dropped)
        let existing = try await ownUser(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: existing.version)
        var input = input
        if input.attributes["active"] == nil, let active = existing.attributes["active"] {
            input.attributes["active"] = active
        }
        return try await write(input, over: existing, in: context)
    }

    /// PATCH /Users/{id} in a transaction, with a decoded PATCH request.
    static func patchUser(_ id: String, with request: PatchRequest, ifMatch: String?, in context: WriteContext)
        async throws -> UserRecord
    {
        let (provider, tx) = (context.provider, context.tx)
        let existing = try await ownUser(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: existing.version)
        var dropped = DroppedValues(policy: provider.invalidData)
        let outcome = try ResourceType.user.applyPatch(request, to: existing.attributes, dropping: &dropped)
        var input = try normalizedUser(outcome.resource, provider: provider)
        input.dropped = dropped.values + input.dropped
        try provider.invalidData.check(input.dropped)
        return try await write(input, over: existing, in: context)
    }

    /// DELETE /Users/{id} in a transaction.
    static func deleteUser(_ id: String, ifMatch: String?, in context: WriteContext) async throws {
        let (provider, timestamp, requestID, tx) = context.parts
        var user = try await ownUser(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: user.version)
        var log: [SyncLogEntry] = []
        let left = try await tx.removeMemberships(userID: user.id)
        try await recordBeforeImage(of: user, groups: left, in: context)
        for group in left {
            var removal = entry(.memberRemoved, user, provider, timestamp, requestID, detail: "user deleted")
            removal.groupID = group.id
            log.append(removal)
        }
        user.linked = false
        if user.scimActive {
            log += try await deactivate(&user, in: context)
        }
        user.version += 1
        user.updatedAt = timestamp
        try await tx.updateUser(user)
        try await tx.record(log, users: [user])
        try await tx.appendEvents([
            ProvisioningEvent(
                type: .userUnlinked, at: timestamp, providerID: provider.id, userID: user.id, requestID: requestID,
                data: ["user": .object(user.eventJSON)])
        ])
    }

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

    /// 409 `uniqueness` when a `userName` is taken, unless `existing` is this provider's own unlinked user (which it
    /// may push again). A user the provider does not manage (a local user, another provider's) gets one message for
    /// both, so that a provider cannot tell who else holds a name.
    static func refuseTakenUserName(_ existing: UserRecord, provider: Provider) throws(SCIMError) {
        guard existing.providerID == provider.id else {
            throw SCIMError.uniqueness(
                "userName '\(existing.userName)' is already taken; userNames are unique across the platform.")
        }
        if existing.linked {
            throw SCIMError.uniqueness(
                "A user with userName '\(existing.userName)' already exists (id \(existing.id)).")
        }
    }

    static func ownUser(_ id: String, provider: Provider, tx: any StoreTransaction) async throws -> UserRecord {
        try own(try await tx.user(id: id), id: id, provider: provider)
    }

    /// `user` (read by `id`) when it is a linked user of `provider`; otherwise 404, as if there were none.
    static func own(_ user: UserRecord?, id: String, provider: Provider) throws -> UserRecord {
        guard let user, user.providerID == provider.id, user.linked else {
            throw SCIMError.notFound("User '\(id)' not found.")
        }
        return user
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
    static func showingResolvedManagers(_ users: [UserRecord], providerID: String, tx: any StoreTransaction)
        async throws
        -> [UserRecord]
    {
        let managers = Set(users.compactMap(\.managerID))
        guard !managers.isEmpty else { return users }
        let existing = try await tx.existingUserIDs(Array(managers), providerID: providerID)
        guard existing.count < managers.count else { return users }
        return users.map { user in
            guard let manager = user.managerID, !existing.contains(manager),
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
    static func write(_ input: UserInput, over existing: UserRecord, in context: WriteContext) async throws
        -> UserRecord
    {
        let (provider, timestamp, requestID, tx) = context.parts
        var attributes = input.attributes
        guard attributes != existing.attributes else {
            try await tx.record(warnings(input.dropped, existing, provider, timestamp, requestID))
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
        try await recordBeforeImage(of: existing, in: context)
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
                log += try await LifecycleEffects.handle(.providerReactivated, user: &user, in: context)
            } else {
                log += try await deactivate(&user, in: context)
            }
        }
        try await tx.updateUser(user)
        // Only method `attribute` reads attributes; the provider says so before any rule is read.
        if MappingEffects.attributesMatter(provider) {
            var mapping = try await MappingEffects(in: context)
            log += try await mapping.reevaluate([user], in: context)
        }
        log += warnings(input.dropped + dropped.values, user, provider, timestamp, requestID)
        try await tx.record(log, users: [user])
        return user
    }

    /// Records the user as it is before the write changes it (what a revert puts back); with the groups an unlink
    /// takes it out of.
    static func recordBeforeImage(of user: UserRecord, groups: [MemberReference] = [], in context: WriteContext)
        async throws
    {
        try await context.tx.appendBeforeImages([
            BeforeImage(
                at: context.now, providerID: context.provider.id, requestID: context.requestID,
                change: .user(id: user.id, attributes: user.attributes, linked: user.linked, groups: groups))
        ])
    }

    /// The provider turned the user inactive: blocked now, deactivation scheduled (or held by the guard).
    static func deactivate(_ user: inout UserRecord, in context: WriteContext) async throws -> [SyncLogEntry] {
        let event = try await LifecycleEffects.providerDeactivation(
            provider: context.provider, at: context.now, tx: context.tx)
        return try await LifecycleEffects.handle(event, user: &user, in: context)
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
}
