package import Foundation
package import Provisioning
import SCIM

/// The sync log and scheduled deactivations.
extension SQLTransaction {
    package func appendSyncLog(_ entries: [SyncLogEntry]) async throws {
        // Several entries per statement (a PATCH of 3,000 members writes 3,000), in order: `seq` follows it.
        for chunk in Self.chunks(entries, limit: 64) {
            var arguments: [any SQLValueConvertible] = []
            arguments.reserveCapacity(chunk.count * 10)
            for e in chunk {
                arguments +=
                    [
                        RowCoding.milliseconds(e.at), e.providerID, e.userID, e.userName, e.groupID, e.action.rawValue,
                        e.detail, e.requestID, e.attribute, e.rule,
                    ] as [any SQLValueConvertible]
            }
            try await enqueue(
                """
                INSERT INTO sync_log (at, provider_id, user_id, user_name, group_id, action, detail, request_id,
                attribute, rule) VALUES \(Self.rows("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.count))
                """, arguments)
        }
    }

    package func syncLog(_ query: SyncLogQuery) async throws -> [SyncLogEntry] {
        var conditions: [String] = []
        var arguments: [any SQLValueConvertible] = []
        if let user = query.userID {
            conditions.append("user_id = ?")
            arguments.append(user)
        }
        if let provider = query.providerID {
            conditions.append("provider_id = ?")
            arguments.append(provider)
        }
        if let action = query.action {
            conditions.append("action = ?")
            arguments.append(action.rawValue)
        }
        if let attribute = query.attribute {
            conditions.append("attribute = ?")
            arguments.append(attribute)
        }
        if let rule = query.rule {
            conditions.append("rule = ?")
            arguments.append(rule)
        }
        if let since = query.since {
            conditions.append("at >= ?")
            arguments.append(RowCoding.milliseconds(since))
        }
        if let requestID = query.requestID {
            conditions.append("request_id = ?")
            arguments.append(requestID)
        }
        if let before = query.before {
            conditions.append("seq < ?")
            arguments.append(before)
        }
        if let after = query.after {
            conditions.append("seq > ?")
            arguments.append(after)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(query.limit)
        return try await fetchAll(
            """
            SELECT seq, at, provider_id, user_id, user_name, group_id, action, detail, request_id, attribute, rule
            FROM sync_log \(filter) ORDER BY seq DESC LIMIT ?
            """, arguments
        ).map { row in
            SyncLogEntry(
                sequence: row[0], at: RowCoding.date(row[1]), providerID: row[2], userID: row[3], userName: row[4],
                groupID: row[5], action: SyncAction(rawValue: row[6]) ?? .rejected, detail: row[7], requestID: row[8],
                attribute: row[9], rule: row[10])
        }
    }

    package func syncLogActionCounts() async throws -> [SyncAction: Int] {
        var counts: [SyncAction: Int] = [:]
        for row in try await fetchAll("SELECT action, COUNT(*) FROM sync_log GROUP BY action") {
            if let action = SyncAction(rawValue: row[0]) { counts[action] = row[1] }
        }
        return counts
    }

    package func deactivationBacklog(at now: Date, providerID: String?) async throws -> (pending: Int, due: Int) {
        let row = try await fetchOne(
            """
            SELECT COUNT(*), COALESCE(SUM(CASE WHEN deactivation_due_at <= ? THEN 1 ELSE 0 END), 0) FROM users
            WHERE deactivation_due_at IS NOT NULL\(providerID == nil ? "" : " AND provider_id = ?")
            """, [RowCoding.milliseconds(now)] + (providerID.map { [$0] } ?? []))
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    package func syncLogCount(providerID: String, action: SyncAction, since: Date) async throws -> Int {
        guard let row = try await fetchOne(.syncLogCount(providerID: providerID, action: action, since: since)) else {
            return 0
        }
        return row[0]
    }

    package func warningSummary(providerID: String, since: Date, examples: Int) async throws -> [WarningGroup] {
        let from = RowCoding.milliseconds(since)
        let groups = try await fetchAll(
            """
            SELECT attribute, rule, COUNT(*), COUNT(DISTINCT user_id) FROM sync_log
            WHERE provider_id = ? AND action = 'warning' AND at >= ? GROUP BY attribute, rule
            ORDER BY COUNT(*) DESC, attribute, rule
            """, [providerID, from])
        var summary: [WarningGroup] = []
        for row in groups {
            let attribute: String = (row[0] as String?) ?? ""
            let rule: String = (row[1] as String?) ?? ""
            var query = SyncLogQuery(providerID: providerID, action: .warning, since: since, limit: examples)
            query.attribute = attribute
            query.rule = rule
            let newest = try await syncLog(query)
            summary.append(
                WarningGroup(attribute: attribute, rule: rule, count: row[2], users: row[3], examples: newest))
        }
        return summary
    }

    package func warningCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await fetchAll(
            """
            SELECT CASE WHEN rule = ? THEN ? ELSE attribute END AS label, COUNT(*) FROM sync_log
            WHERE action = 'warning' GROUP BY label
            """, [DroppedValue.Rule.unknownAttribute.rawValue, WarningGroup.unknownAttributeLabel])
        {
            counts[(row[0] as String?) ?? "", default: 0] += row[1]
        }
        return counts
    }

    package func dueDeactivations(at now: Date, limit: Int) async throws -> [UserRecord] {
        try await fetchAll(
            """
            SELECT \(Self.userColumns) FROM users u WHERE u.deactivation_due_at IS NOT NULL
            AND u.deactivation_due_at <= ? ORDER BY u.deactivation_due_at LIMIT ?\(locksRows ? " FOR NO KEY UPDATE SKIP LOCKED" : "")
            """, [RowCoding.milliseconds(now), limit]
        ).map(Self.user(from:))
    }

    package func nextDeactivationDue() async throws -> Date? {
        let due: Int64? = try await fetchValue(
            "SELECT MIN(deactivation_due_at) FROM users WHERE deactivation_due_at IS NOT NULL")
        return due.map(RowCoding.date)
    }

    package func heldDeactivations(providerID: String) async throws -> [UserRecord] {
        try await fetchAll(
            "SELECT \(Self.userColumns) FROM users u WHERE u.provider_id = ? AND u.held = ? ORDER BY u.seq",
            [providerID, HoldReason.massDeactivationGuard.rawValue]
        ).map(Self.user(from:))
    }
}
