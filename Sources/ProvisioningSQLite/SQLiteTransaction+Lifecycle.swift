import Foundation
import GRDB
import Provisioning
import ProvisioningSQL

/// The sync log and scheduled deactivations on SQLite.
extension SQLiteTransaction {
    func appendSyncLog(_ entries: [SyncLogEntry]) throws {
        guard !entries.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO sync_log (at, provider_id, user_id, user_name, group_id, action, detail, request_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for e in entries {
            try statement.execute(arguments: [
                RowCoding.milliseconds(e.at), e.providerID, e.userID, e.userName, e.groupID, e.action.rawValue, e.detail,
                e.requestID,
            ])
        }
    }

    func syncLog(_ query: SyncLogQuery) throws -> [SyncLogEntry] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let user = query.userID { conditions.append("user_id = ?"); arguments.append(user) }
        if let provider = query.providerID { conditions.append("provider_id = ?"); arguments.append(provider) }
        if let action = query.action { conditions.append("action = ?"); arguments.append(action.rawValue) }
        if let since = query.since { conditions.append("at >= ?"); arguments.append(RowCoding.milliseconds(since)) }
        if let before = query.before { conditions.append("seq < ?"); arguments.append(before) }
        if let after = query.after { conditions.append("seq > ?"); arguments.append(after) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(query.limit)
        return try fetchAll(
            sql: """
                SELECT seq, at, provider_id, user_id, user_name, group_id, action, detail, request_id FROM sync_log
                \(filter) ORDER BY seq DESC LIMIT ?
                """,
            arguments: StatementArguments(arguments)
        ).map { row in
            SyncLogEntry(
                sequence: row["seq"], at: RowCoding.date(row["at"]), providerID: row["provider_id"],
                userID: row["user_id"], userName: row["user_name"], groupID: row["group_id"],
                action: SyncAction(rawValue: row["action"]) ?? .rejected, detail: row["detail"],
                requestID: row["request_id"])
        }
    }

    func syncLogActionCounts() throws -> [SyncAction: Int] {
        var counts: [SyncAction: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT action, COUNT(*) FROM sync_log GROUP BY action") {
            if let action = SyncAction(rawValue: row[0]) { counts[action] = row[1] }
        }
        return counts
    }

    func deactivationBacklog(at now: Date) throws -> (pending: Int, due: Int) {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*), COALESCE(SUM(deactivation_due_at <= ?), 0) FROM users
                WHERE deactivation_due_at IS NOT NULL
                """,
            arguments: [RowCoding.milliseconds(now)])
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    func syncLogCount(providerID: String, action: SyncAction, since: Date) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM sync_log WHERE provider_id = ? AND action = ? AND at >= ?",
            arguments: [providerID, action.rawValue, RowCoding.milliseconds(since)]) ?? 0
    }

    func dueDeactivations(at now: Date, limit: Int) throws -> [UserRecord] {
        try fetchAll(
            sql: """
                SELECT \(Self.userColumns) FROM users u WHERE u.deactivation_due_at IS NOT NULL
                AND u.deactivation_due_at <= ? ORDER BY u.deactivation_due_at LIMIT ?
                """,
            arguments: [RowCoding.milliseconds(now), limit]
        ).map(Self.user(from:))
    }

    func nextDeactivationDue() throws -> Date? {
        try Int64.fetchOne(
            db, sql: "SELECT MIN(deactivation_due_at) FROM users WHERE deactivation_due_at IS NOT NULL"
        ).map(RowCoding.date)
    }

    func heldDeactivations(providerID: String) throws -> [UserRecord] {
        try fetchAll(
            sql: "SELECT \(Self.userColumns) FROM users u WHERE u.provider_id = ? AND u.held = ? ORDER BY u.seq",
            arguments: [providerID, HoldReason.massDeactivationGuard.rawValue]
        ).map(Self.user(from:))
    }
}
