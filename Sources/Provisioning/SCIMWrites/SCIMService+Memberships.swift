import Foundation
import SCIM

// MARK: - Memberships
//
// Member changes go straight to membership rows, set-wise: a PATCH adding one member to a group of 100,000
// costs what it costs for a group of 10.

extension SCIMService {
    /// Users added to and removed from a group by one request.
    struct MemberDelta {
        var added: [String] = []
        /// With the `display` each membership had (what a revert puts back).
        var removed: [MemberReference] = []
        var isEmpty: Bool { added.isEmpty && removed.isEmpty }
        /// Everyone whose membership changed.
        var userIDs: [String] { added + removed.map(\.id) }
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
                "Group members must be users of this provider; not found: \(unknown.prefix(10).map { "'\($0)'" }.joined(separator: ", "))."
            )
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
            return MemberDelta(
                removed: try await tx.removeMembers(groupID: group, userIDs: memberReferences(.array(values)).map(\.id))
            )
        case .removeMatching(_, let filter):
            guard let ids = valueIDs(in: filter) else {
                throw SCIMError.invalidFilter(
                    "Member filters may only compare 'value' with 'eq' (for example members[value eq \"id\"]), got '\(filter)'."
                )
            }
            return MemberDelta(removed: try await tx.removeMembers(groupID: group, userIDs: ids))
        case .removeAll:
            let current = try await tx.members(groupID: group, limit: .max).map(\.id)
            return MemberDelta(removed: try await tx.removeMembers(groupID: group, userIDs: current))
        case .replace(_, let values):
            return try await replaceMembers(
                of: group, with: memberReferences(.array(values)), provider: provider, tx: tx)
        }
    }

    /// The ids named by `value eq "x"` or an `or` of those.
    static func valueIDs(in filter: Filter) -> [String]? {
        switch filter {
        case .comparison(let path, .eq, .string(let id))
        where path.attribute.equalsIgnoringCase("value") && path.subAttribute == nil:
            return [id]
        case .or(let a, let b):
            guard let x = valueIDs(in: a), let y = valueIDs(in: b) else { return nil }
            return x + y
        default:
            return nil
        }
    }
}
