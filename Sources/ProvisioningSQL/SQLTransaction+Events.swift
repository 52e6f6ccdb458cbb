package import Foundation
package import Provisioning
import SCIM

/// The outbox of provisioning events.
extension SQLTransaction {
    /// The settings key that keeps the last position pruned (``EventCursor``'s text).
    static let prunedEventsSetting = "events_pruned_through"

    /// On PostgreSQL, the condition that keeps to the events a reader may see: those of transactions older than
    /// every transaction of this store still running (``EventCursor``). A later event can then only come after
    /// them in feed order. The statement's snapshot lists the transactions running when it was taken
    /// (`pg_snapshot_xip`); of those, the ones `pg_stat_activity` shows belong to another database or another
    /// application (another schema's store, anything but Roster) cannot write these events and are not waited
    /// for, so a long transaction elsewhere on the cluster does not hold the feed back. A transaction whose session
    /// cannot be read is waited for, and so is one that ended between the snapshot and the read of
    /// `pg_stat_activity` (it cannot be told from the store's own): safe, what it held back shows at the next
    /// read. With none to wait for, every transaction before the snapshot's `xmax` has finished.
    static let finishedEvents = "tx < \(eventHorizon)"

    /// The first transaction id whose events a reader may not see yet (``finishedEvents``).
    static let eventHorizon = """
        (SELECT LEAST(MIN(own.xid), MAX(pg_snapshot_xmax(s.snap)::text::bigint))
            FROM (SELECT pg_current_snapshot() AS snap) s
            LEFT JOIN LATERAL (
                SELECT x::text::bigint AS xid FROM pg_snapshot_xip(s.snap) x
                WHERE x::text::bigint % 4294967296 NOT IN (
                    SELECT backend_xid::text::bigint FROM pg_stat_activity
                    WHERE backend_xid IS NOT NULL AND datname IS NOT NULL AND application_name IS NOT NULL
                    AND (datname <> current_database() OR application_name <> current_setting('application_name')))
            ) own ON true)
        """

    package func appendEvents(_ events: [ProvisioningEvent]) async throws {
        guard !events.isEmpty else { return }
        for chunk in Self.chunks(events, limit: 64) {
            var arguments: [any SQLValueConvertible] = []
            arguments.reserveCapacity(chunk.count * 8)
            for e in chunk {
                arguments +=
                    [
                        e.id, e.type.rawValue, RowCoding.milliseconds(e.at), e.providerID, e.userID, e.groupID,
                        e.requestID, RowCoding.document(e.data),
                    ] as [any SQLValueConvertible]
            }
            // `tx` is the column's default: the writing transaction's id on PostgreSQL, 0 on SQLite.
            try await enqueue(
                """
                INSERT INTO events (id, type, at, provider_id, user_id, group_id, request_id, data)
                VALUES \(Self.rows("(?, ?, ?, ?, ?, ?, ?, ?)", chunk.count))
                """, arguments)
        }
    }

    /// The events on one side of `cursor` (`comparison` is `>` or `<=`): `(tx, seq)` against the cursor on
    /// PostgreSQL; on SQLite, where every event's `tx` is 0, `seq` alone, the rowid its reads go by.
    func position(_ comparison: String, _ cursor: EventCursor) -> (sql: String, arguments: [any SQLValueConvertible]) {
        dialect == .postgres
            ? ("(tx, seq) \(comparison) (?, ?)", [cursor.transaction, cursor.sequence])
            : ("seq \(comparison) ?", [cursor.sequence])
    }

    /// The position of the last event in feed order that a reader may see and that `condition` keeps.
    func lastEvent(where condition: String?, _ arguments: [any SQLValueConvertible] = []) async throws
        -> EventCursor?
    {
        let conditions = [condition, dialect == .postgres ? Self.finishedEvents : nil].compactMap { $0 }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let row = try await fetchOne(
            "SELECT tx, seq FROM events\(filter) ORDER BY tx DESC, seq DESC LIMIT 1", arguments)
        return row.map { EventCursor(transaction: $0[0], sequence: $0[1]) }
    }

    package func events(_ query: EventQuery) async throws -> [ProvisioningEvent] {
        let after = position(">", query.after)
        let position = dialect == .postgres ? after.sql + " AND \(Self.finishedEvents)" : after.sql
        var arguments = after.arguments
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
            SELECT seq, tx, id, type, at, provider_id, user_id, group_id, request_id, data FROM events
            WHERE \(position)\(typeFilter) ORDER BY tx, seq LIMIT ?
            """, arguments
        ).compactMap { row in
            guard let type = EventType(rawValue: row[3]) else { return nil }
            return ProvisioningEvent(
                id: row[2], sequence: row[0], transaction: row[1], type: type, at: RowCoding.date(row[4]),
                providerID: row[5], userID: row[6], groupID: row[7], requestID: row[8],
                data: RowCoding.attributes(fromDocument: row[9]))
        }
    }

    package func lastEventCursor() async throws -> EventCursor {
        try await lastEvent(where: nil) ?? .start
    }

    package func feedHold() async throws -> FeedHold? {
        guard dialect == .postgres else { return nil }
        // The horizon's transaction is the oldest of the store's still running: its session, if it shows.
        let row = try await fetchOne(
            """
            WITH h AS (SELECT \(Self.eventHorizon) AS horizon),
            held AS (SELECT COUNT(*) AS events, MIN(at) AS oldest FROM events, h WHERE tx >= h.horizon),
            holder AS (
                SELECT pid, EXTRACT(EPOCH FROM clock_timestamp() - xact_start)::bigint AS seconds,
                    LEFT(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query
                FROM pg_stat_activity, h WHERE backend_xid IS NOT NULL
                AND backend_xid::text::bigint = h.horizon % 4294967296 LIMIT 1)
            SELECT held.events, held.oldest, holder.pid, holder.seconds, holder.query
            FROM held LEFT JOIN holder ON true
            """)
        guard let row, let events = row[0] as Int64?, events > 0, let oldest = row[1] as Int64? else { return nil }
        let holder = (row[2] as Int64?).map { pid in
            FeedHold.Holder(pid: Int(pid), seconds: Int((row[3] as Int64?) ?? 0), query: (row[4] as String?) ?? "")
        }
        return FeedHold(events: Int(events), oldest: RowCoding.date(oldest), holder: holder)
    }

    package func prunedEventCursor() async throws -> EventCursor {
        try await setting(Self.prunedEventsSetting).flatMap { EventCursor($0) } ?? .start
    }

    package func pruneEvents(before cutoff: Date) async throws -> Int {
        guard let through = try await lastEvent(where: "at < ?", [RowCoding.milliseconds(cutoff)]) else { return 0 }
        let upTo = position("<=", through)
        let deleted = try await execute("DELETE FROM events WHERE \(upTo.sql)", upTo.arguments)
        if through > (try await prunedEventCursor()) {
            try await setSetting(Self.prunedEventsSetting, through.description)
        }
        return deleted
    }
}
