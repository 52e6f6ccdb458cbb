import Foundation
import SCIM

// MARK: - Group writes
//
// The transaction bodies of POST, PUT, PATCH and DELETE on /Groups; members are rows (SCIMService+Memberships).

extension SCIMService {
    /// POST /Groups in a transaction, with normalized attributes and the members apart.
    static func createGroup(_ input: GroupInput, in context: WriteContext) async throws -> GroupRecord {
        let (provider, timestamp, requestID, tx) = context.parts
        try provider.invalidData.check(input.dropped)
        let (attributes, members) = (input.attributes, input.members)
        let displayName = attributes["displayName"]!.stringValue!
        try await refuseTakenDisplayName(displayName, provider: provider, tx: tx)
        try await checkMembers(members.map(\.id), provider: provider, tx: tx)
        var group = GroupRecord(
            id: ResourceID.generate(), providerID: provider.id, displayName: displayName,
            attributes: attributes, createdAt: timestamp, updatedAt: timestamp)
        try await tx.insertGroup(group)
        let added = try await tx.addMembers(groupID: group.id, members: members)
        group.memberCount = added.count
        var log = [groupEntry(.groupCreated, group, timestamp, requestID, detail: displayName)]
        log += try await memberEntries(
            added: added, removed: [], group: group, at: timestamp, requestID: requestID, tx: tx)
        log += warnings(input.dropped, group, timestamp, requestID)
        try await tx.record(log, groups: [group])
        return group
    }

    /// PUT /Groups/{id} in a transaction, with normalized attributes and the members apart.
    static func replaceGroup(_ id: String, with input: GroupInput, ifMatch: String?, in context: WriteContext)
        async throws -> GroupRecord
    {
        let (provider, timestamp, requestID, tx) = context.parts
        try provider.invalidData.check(input.dropped)
        var group = try await ownGroup(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: group.version)
        let before = group.attributes
        let renamed = try await apply(input.attributes, to: &group, provider: provider, tx: tx)
        let delta = try await replaceMembers(of: id, with: input.members, provider: provider, tx: tx)
        group.memberCount += delta.added.count - delta.removed.count
        try await finish(
            &group, attributesChanged: renamed, before: before, delta: delta,
            warnings: warnings(input.dropped, group, timestamp, requestID), in: context)
        return group
    }

    /// PATCH /Groups/{id} in a transaction, with a decoded PATCH request.
    static func patchGroup(_ id: String, with request: PatchRequest, ifMatch: String?, in context: WriteContext)
        async throws -> GroupRecord
    {
        let (provider, timestamp, requestID, tx) = context.parts
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
            &group, attributesChanged: renamed, before: before, delta: delta,
            warnings: warnings(dropped.values, group, timestamp, requestID), in: context)
        return group
    }

    /// DELETE /Groups/{id} in a transaction.
    static func deleteGroup(_ id: String, ifMatch: String?, in context: WriteContext) async throws {
        let (provider, timestamp, requestID, tx) = context.parts
        let group = try await ownGroup(id, provider: provider, tx: tx)
        try checkPrecondition(ifMatch, version: group.version)
        // A mapped group's members are re-evaluated once the group and its memberships are gone (the rules read
        // before still name the group, but no one is in it any more, so they match no one).
        var mapping = try await MappingEffects(in: context)
        let mapped = mapping.isMapped(groupID: group.id)
        // The members as removed (with the display each membership had) and the rules that named the group:
        // what a revert recreates it with.
        let current = try await tx.members(groupID: group.id, limit: .max).map(\.id)
        let members = try await tx.removeMembers(groupID: group.id, userIDs: current)
        try await tx.appendBeforeImages([
            BeforeImage(
                at: timestamp, providerID: provider.id, requestID: requestID,
                change: .deletedGroup(group, members: members, rules: mapping.rules.naming(groupID: group.id)))
        ])
        try await tx.deleteGroup(id: group.id)
        var log = [
            groupEntry(
                .groupDeleted, group, timestamp, requestID,
                detail: "\(group.displayName) (\(group.memberCount) members)")
        ]
        if mapped {
            log += try await mapping.reevaluate(userIDs: members.map(\.id), in: context)
        }
        try await tx.record(log, groups: [group])
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

    /// Bumps the version when anything changed and logs what did.
    static func finish(
        _ group: inout GroupRecord, attributesChanged: Bool, before: JSONObject, delta: MemberDelta,
        warnings: [SyncLogEntry], in context: WriteContext
    ) async throws {
        let (provider, timestamp, requestID, tx) = context.parts
        guard attributesChanged || !delta.isEmpty else {
            try await tx.record(warnings)
            return
        }
        group.version += 1
        group.updatedAt = timestamp
        try await tx.updateGroup(group)
        try await tx.appendBeforeImages([
            BeforeImage(
                at: timestamp, providerID: provider.id, requestID: requestID,
                change: .group(
                    id: group.id, attributes: attributesChanged ? before : nil, added: delta.added,
                    removed: delta.removed))
        ])
        var log: [SyncLogEntry] = []
        if attributesChanged {
            let names = changedAttributeNames(before, group.attributes).joined(separator: ", ")
            log.append(groupEntry(.groupUpdated, group, timestamp, requestID, detail: names))
        }
        log += try await memberEntries(
            added: delta.added, removed: delta.removed.map(\.id), group: group, at: timestamp, requestID: requestID,
            tx: tx)
        if !delta.isEmpty {
            var mapping = try await MappingEffects(in: context)
            if mapping.isMapped(groupID: group.id) {
                log += try await mapping.reevaluate(userIDs: delta.userIDs, in: context)
            }
        }
        try await tx.record(log + warnings, groups: [group])
    }

    static func groupEntry(
        _ action: SyncAction, _ group: GroupRecord, _ at: Date, _ requestID: String?, detail: String?
    )
        -> SyncLogEntry
    {
        SyncLogEntry(
            at: at, providerID: group.providerID, groupID: group.id, action: action, detail: detail,
            requestID: requestID)
    }

    static func ownGroup(_ id: String, provider: Provider, tx: any StoreTransaction) async throws -> GroupRecord {
        guard let group = try await tx.group(id: id), group.providerID == provider.id else {
            throw SCIMError.notFound("Group '\(id)' not found.")
        }
        return group
    }

    /// Applies new group attributes (a rename is checked for uniqueness). Returns whether anything changed.
    static func apply(
        _ attributes: JSONObject, to group: inout GroupRecord, provider: Provider, tx: any StoreTransaction
    )
        async throws -> Bool
    {
        guard attributes != group.attributes else { return false }
        let displayName = attributes["displayName"]!.stringValue!
        if !displayName.equalsIgnoringCase(group.displayName) {
            try await refuseTakenDisplayName(displayName, provider: provider, except: group.id, tx: tx)
        }
        group.displayName = displayName
        group.attributes = attributes
        return true
    }

    /// 409 `uniqueness` when another group of the provider (not `except`) has this `displayName`,
    /// case-insensitively.
    static func refuseTakenDisplayName(
        _ displayName: String, provider: Provider, except id: String? = nil, tx: any StoreTransaction
    ) async throws {
        if let other = try await tx.group(providerID: provider.id, displayName: displayName), other.id != id {
            throw SCIMError.uniqueness("A group with displayName '\(displayName)' already exists for this provider.")
        }
    }
}
