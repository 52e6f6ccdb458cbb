import Foundation
package import SCIM

/// Turns what the sync log records into events, in the same transaction: every write that logs a change calls
/// ``StoreTransaction/record(_:users:groups:)`` instead of appending to the sync log alone, so the log and the
/// event feed never disagree.
extension StoreTransaction {
    /// Appends `entries` to the sync log and their events (``EventType/init(_:)``) to the outbox. Each event
    /// carries its user or group as it is now, at the end of the write: from `users` and `groups` when the caller
    /// holds them in their final state, read from the transaction otherwise.
    package func record(_ entries: [SyncLogEntry], users: [UserRecord] = [], groups: [GroupRecord] = []) async throws {
        guard !entries.isEmpty else { return }
        try await appendSyncLog(entries)
        var snapshots = try await Snapshots(tx: self, users: users, groups: groups, entries: entries)
        var events: [ProvisioningEvent] = []
        for entry in entries {
            guard let type = EventType(entry.action) else { continue }
            events.append(try await snapshots.event(type, for: entry))
        }
        try await appendEvents(events)
    }
}

/// The resources a batch of events carries, each read at most once: roles and watchlists in one read for all the
/// users whose entries need them, users and groups the caller did not pass as they are needed.
private struct Snapshots {
    let tx: any StoreTransaction
    var users: [String: UserRecord]
    var groups: [String: GroupRecord]
    let roles: [String: [String]]
    let watchlists: [String: [String]]

    init(tx: any StoreTransaction, users: [UserRecord], groups: [GroupRecord], entries: [SyncLogEntry]) async throws {
        self.tx = tx
        // A placement changes the user's organization after the caller's copy was taken: those users are read.
        let placed = Set(entries.lazy.filter { $0.action == .orgChanged }.compactMap(\.userID))
        self.users = Dictionary(
            users.lazy.filter { !placed.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.groups = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        func userIDs(_ types: Set<EventType>) -> [String] {
            Array(Set(entries.filter { EventType($0.action).map(types.contains) ?? false }.compactMap(\.userID)))
        }
        let roleUsers = userIDs([.userRolesChanged])
        let watchlistUsers = userIDs([.userWatchlistsChanged])
        roles = roleUsers.isEmpty ? [:] : try await tx.roles(ofUsers: roleUsers)
        watchlists = watchlistUsers.isEmpty ? [:] : try await tx.watchlists(ofUsers: watchlistUsers)
    }

    mutating func event(_ type: EventType, for entry: SyncLogEntry) async throws -> ProvisioningEvent {
        var data: JSONObject = [:]
        if let detail = entry.detail { data["detail"] = .string(detail) }
        switch type {
        case .userUpdated:
            data["changed"] = .array(
                (entry.detail ?? "").split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        case .groupMemberAdded, .groupMemberRemoved:
            if let userID = entry.userID {
                data["member"] = ["id": .string(userID), "userName": entry.userName.map(JSONValue.string) ?? .null]
            }
        default:
            break
        }
        if type.isAboutGroup, let groupID = entry.groupID {
            data["group"] = try await group(groupID).map { .object($0.eventJSON) } ?? ["id": .string(groupID)]
        } else if type.isAboutUser, let userID = entry.userID, let user = try await user(userID) {
            var json = user.eventJSON
            if type == .userRolesChanged { json["roles"] = .array((roles[userID] ?? []).map(JSONValue.string)) }
            if type == .userWatchlistsChanged {
                json["watchlists"] = .array((watchlists[userID] ?? []).map(JSONValue.string))
            }
            data["user"] = .object(json)
        }
        return ProvisioningEvent(
            type: type, at: entry.at, providerID: entry.providerID, userID: entry.userID,
            groupID: type.isAboutGroup ? entry.groupID : nil, requestID: entry.requestID, data: data)
    }

    mutating func user(_ id: String) async throws -> UserRecord? {
        if let known = users[id] { return known }
        let read = try await tx.user(id: id)
        users[id] = read
        return read
    }

    mutating func group(_ id: String) async throws -> GroupRecord? {
        if let known = groups[id] { return known }
        let read = try await tx.group(id: id)
        groups[id] = read
        return read
    }
}

extension UserRecord {
    /// The user as events carry it: its identity, its platform state and the attributes the provider sent.
    package var eventJSON: JSONObject {
        func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            "id": .string(id), "userName": .string(userName), "externalId": string(externalID),
            "displayName": string(displayName), "active": .bool(scimActive), "status": .string(status.rawValue),
            "providerId": string(providerID), "linked": .bool(linked), "organizationId": .string(organizationID),
            "legalHold": .bool(legalHold),
            "deactivationDueAt": deactivationDueAt.map { .string(Timestamp.format($0)) } ?? .null,
            "version": .int(version), "attributes": .object(attributes),
        ]
    }
}

extension GroupRecord {
    /// The group as events carry it (members are events of their own).
    package var eventJSON: JSONObject {
        [
            "id": .string(id), "displayName": .string(displayName),
            "externalId": externalID.map(JSONValue.string) ?? .null, "providerId": .string(providerID),
            "memberCount": .int(memberCount), "version": .int(version),
        ]
    }
}
