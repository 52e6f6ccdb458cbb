import Foundation
import SCIM

// MARK: - Restores
//
// The transaction bodies a revert runs as the provider (``RevertService``): a user's earlier attributes written over
// it, a group's earlier attributes and members, a deleted group made again. They go through the same paths as the
// provider's own writes, so the lifecycle (reactivation cancels a pending deactivation, restores archives), the
// mappings (organization, roles, watchlists), the sync log, the events and the before-images follow as they would
// for a push.

extension SCIMService {
    /// Writes `attributes` (as they were) over the provider's user `id`, linking it again when the provider had
    /// deleted it. Refusals are the write's own (a `userName` taken since, a lifecycle refusal).
    static func restoreUser(_ id: String, to attributes: JSONObject, in context: WriteContext) async throws {
        let (provider, timestamp, requestID, tx) = context.parts
        guard var user = try await tx.user(id: id), user.providerID == provider.id else {
            throw ProvisioningError.conflict("User \(id) is no longer managed by this provider.")
        }
        if !user.linked {
            try await recordBeforeImage(of: user, in: context)
            user.linked = true
            user.version += 1
            user.updatedAt = timestamp
            var log = [entry(.created, user, provider, timestamp, requestID, detail: "linked again by a revert")]
            let active = attributes["active"]?.boolValue ?? true
            if attributes == user.attributes && active && !user.scimActive {
                // The DELETE that unlinked it deactivated it and left `active` as it was: nothing for write() to see.
                log += try await LifecycleEffects.handle(.providerReactivated, user: &user, in: context)
            }
            try await tx.updateUser(user)
            var mapping = try await MappingEffects(in: context)
            log += try await mapping.reevaluate([user], in: context)
            try await tx.record(log, users: [user])
        }
        _ = try await write(UserInput(attributes: attributes, dropped: []), over: user, in: context)
    }

    /// Gives the provider's group `id` back its earlier attributes (when `attributes` is not nil), adds `add` (those
    /// still linked users of the provider) and removes `remove`.
    static func restoreGroup(
        _ id: String, attributes: JSONObject?, add: [MemberReference], remove: [String], in context: WriteContext
    ) async throws {
        let (provider, tx) = (context.provider, context.tx)
        var group = try await ownGroup(id, provider: provider, tx: tx)
        let before = group.attributes
        var renamed = false
        if let attributes { renamed = try await apply(attributes, to: &group, provider: provider, tx: tx) }
        let linked = try await tx.existingUserIDs(add.map(\.id), providerID: provider.id)
        var delta = MemberDelta()
        delta.added = try await tx.addMembers(groupID: id, members: add.filter { linked.contains($0.id) })
        delta.removed = try await tx.removeMembers(groupID: id, userIDs: remove)
        group.memberCount += delta.added.count - delta.removed.count
        try await finish(&group, attributesChanged: renamed, before: before, delta: delta, warnings: [], in: context)
    }

    /// Makes a group the provider deleted again, with its id, attributes, members (those still linked users of the
    /// provider) and the mapping rules that named it.
    static func recreateGroup(
        _ deleted: GroupRecord, members: [MemberReference], rules: MappingRules, in context: WriteContext
    )
        async throws
    {
        let (provider, timestamp, requestID, tx) = context.parts
        guard try await tx.group(id: deleted.id) == nil else { return }
        try await refuseTakenDisplayName(deleted.displayName, provider: provider, tx: tx)
        var group = deleted
        group.version += 1
        group.memberCount = 0
        group.updatedAt = timestamp
        try await tx.insertGroup(group)
        for rule in rules.organizations { try await tx.insertOrganizationRule(providerID: provider.id, rule) }
        for rule in rules.roles { try await tx.insertRoleRule(providerID: provider.id, rule) }
        for rule in rules.watchlists { try await tx.insertWatchlistRule(providerID: provider.id, rule) }
        let linked = try await tx.existingUserIDs(members.map(\.id), providerID: provider.id)
        let added = try await tx.addMembers(groupID: group.id, members: members.filter { linked.contains($0.id) })
        group.memberCount = added.count
        try await tx.updateGroup(group)  // the memory store keeps the count on the record
        var log = [
            groupEntry(
                .groupCreated, group, timestamp, requestID, detail: "\(group.displayName) (recreated by a revert)")
        ]
        log += try await memberEntries(
            added: added, removed: [], group: group, at: timestamp, requestID: requestID, tx: tx)
        var mapping = try await MappingEffects(in: context)
        if mapping.isMapped(groupID: group.id) {
            log += try await mapping.reevaluate(userIDs: added, in: context)
        }
        try await tx.record(log, groups: [group])
    }
}
