package import Foundation
package import Provisioning
import SCIM

/// The outbox of provisioning events.
extension SQLTransaction {
    /// The settings key that keeps the largest sequence number pruned.
    static let prunedEventsSetting = "events_pruned_through"

    /// The advisory lock that orders the events' appends on PostgreSQL (an arbitrary constant, `roster.events`).
    static let eventsLock: Int64 = 0x726F_7374_6576

    package func appendEvents(_ events: [ProvisioningEvent]) async throws {
        guard !events.isEmpty else { return }
        for chunk in Self.chunks(events, limit: 64) {
            var arguments: [any SQLValueConvertible] = []
            arguments.reserveCapacity(chunk.count * 8 + 1)
            for e in chunk {
                arguments +=
                    [
                        e.id, e.type.rawValue, RowCoding.milliseconds(e.at), e.providerID, e.userID, e.groupID,
                        e.requestID, RowCoding.document(e.data),
                    ] as [any SQLValueConvertible]
            }
            let columns = "id, type, at, provider_id, user_id, group_id, request_id, data"
            let values = Self.rows("(?, ?, ?, ?, ?, ?, ?, ?)", chunk.count)
            if dialect == .postgres {
                // Identity values are handed out at insert but become visible at commit, so two transactions could
                // commit their events out of sequence and a reader following the sequence would skip the later-
                // committed lower one. Held from the first append to the commit, this lock makes sequence order
                // commit order. Writes still run concurrently up to here; the appends are a transaction's last
                // statements. The lock is taken in the insert's own statement (a CTE calling a volatile function is
                // run, not inlined, before the rows it joins reach the insert and take their sequence values).
                try await enqueue(
                    """
                    WITH ordered AS (SELECT pg_advisory_xact_lock(?)) INSERT INTO events (\(columns))
                    SELECT v.* FROM ordered, (VALUES \(values)) AS v(\(columns))
                    """, [Self.eventsLock] + arguments)
            } else {
                try await enqueue("INSERT INTO events (\(columns)) VALUES \(values)", arguments)
            }
        }
    }

    package func events(_ query: EventQuery) async throws -> [ProvisioningEvent] {
        var arguments: [any SQLValueConvertible] = [query.after]
        var typeFilter = ""
        let all = Set(EventType.allCases.filter { $0 != .ping })
        if !query.types.isEmpty && query.types != all {
            let types = query.types.map(\.rawValue).sorted()
            typeFilter = " AND type IN (\(Self.rows("?", types.count)))"
            arguments += types as [any SQLValueConvertible]
        }
        arguments.append(Int64(clamping: query.limit))
        return try await fetchAll(
            """
            SELECT seq, id, type, at, provider_id, user_id, group_id, request_id, data FROM events
            WHERE seq > ?\(typeFilter) ORDER BY seq LIMIT ?
            """, arguments
        ).compactMap { row in
            guard let type = EventType(rawValue: row[2]) else { return nil }
            return ProvisioningEvent(
                id: row[1], sequence: row[0], type: type, at: RowCoding.date(row[3]), providerID: row[4],
                userID: row[5], groupID: row[6], requestID: row[7],
                data: RowCoding.attributes(fromDocument: row[8]))
        }
    }

    package func lastEventSequence() async throws -> Int64 {
        try await fetchValue("SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0
    }

    package func prunedEventSequence() async throws -> Int64 {
        Int64(try await setting(Self.prunedEventsSetting) ?? "") ?? 0
    }

    package func pruneEvents(before cutoff: Date) async throws -> Int {
        let through: Int64? = try await fetchValue(
            "SELECT MAX(seq) FROM events WHERE at < ?", [RowCoding.milliseconds(cutoff)])
        guard let through else { return 0 }
        let deleted = try await execute("DELETE FROM events WHERE seq <= ?", [through])
        if through > (try await prunedEventSequence()) {
            try await setSetting(Self.prunedEventsSetting, String(through))
        }
        return deleted
    }
}
