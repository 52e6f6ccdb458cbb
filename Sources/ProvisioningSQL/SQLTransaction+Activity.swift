package import Foundation
package import Provisioning

/// The activity charts' counts: the sync log by time bucket, through its index on (action, at) or (provider,
/// action, at), and the hourly roll-up.
extension SQLTransaction {
    static var chartedActions: String {
        ActivityKind.actions.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }

    package func activityCounts(providerID: String?, from: Date, to: Date, bucketSeconds: Int) async throws
        -> [ActivityCount]
    {
        let length = Int64(bucketSeconds) * 1000
        let provider = providerID == nil ? "" : " AND provider_id = ?"
        let range: [any SQLValueConvertible] =
            [RowCoding.milliseconds(from), RowCoding.milliseconds(to)] + (providerID.map { [$0] } ?? [])
        // The counts read the index alone; the refusals among the rejections read those rows' detail.
        let counts = try await fetchAll(
            """
            SELECT at / \(length), action, COUNT(*) FROM sync_log
            WHERE action IN (\(Self.chartedActions)) AND at >= ? AND at < ?\(provider) GROUP BY 1, 2
            """, range)
        let refused = try await fetchAll(
            """
            SELECT at / \(length), COUNT(*) FROM sync_log
            WHERE action = 'rejected' AND at >= ? AND at < ?\(provider) AND detail LIKE '403%' GROUP BY 1
            """, range)
        return counts.map { ActivityCount(bucket: $0[0], action: $0[1], count: Int($0[2] as Int64)) }
            + refused.map { ActivityCount(bucket: $0[0], action: ActivityCount.refused, count: Int($0[1] as Int64)) }
    }

    package func rolledUpActivity(providerID: String?, fromHour: Int64, toHour: Int64) async throws
        -> [ActivityCount]
    {
        let provider = providerID == nil ? "" : " AND provider_id = ?"
        return try await fetchAll(
            """
            SELECT hour, action, SUM(count) FROM activity_hours WHERE hour >= ? AND hour < ?\(provider)
            GROUP BY hour, action
            """, [fromHour, toHour] + (providerID.map { [$0] } ?? [])
        ).map { ActivityCount(bucket: $0[0], action: $0[1], count: Int($0[2] as Int64)) }
    }

    package func rollUpActivity(fromHour: Int64, toHour: Int64) async throws {
        let range: [any SQLValueConvertible] = [fromHour * 3_600_000, toHour * 3_600_000]
        try await execute(
            """
            INSERT INTO activity_hours (provider_id, hour, action, count)
            SELECT COALESCE(provider_id, ''), at / 3600000, action, COUNT(*) FROM sync_log
            WHERE action IN (\(Self.chartedActions)) AND at >= ? AND at < ? GROUP BY 1, 2, 3
            ON CONFLICT DO NOTHING
            """, range)
        try await execute(
            """
            INSERT INTO activity_hours (provider_id, hour, action, count)
            SELECT COALESCE(provider_id, ''), at / 3600000, '\(ActivityCount.refused)', COUNT(*) FROM sync_log
            WHERE action = 'rejected' AND at >= ? AND at < ? AND detail LIKE '403%' GROUP BY 1, 2
            ON CONFLICT DO NOTHING
            """, range)
    }

    package func actionCounts(providerID: String?, from: Date, to: Date) async throws -> [SyncAction: Int] {
        let provider = providerID == nil ? "" : " AND provider_id = ?"
        let rows = try await fetchAll(
            "SELECT action, COUNT(*) FROM sync_log WHERE at >= ? AND at < ?\(provider) GROUP BY action",
            [RowCoding.milliseconds(from), RowCoding.milliseconds(to)] + (providerID.map { [$0] } ?? []))
        var counts: [SyncAction: Int] = [:]
        for row in rows {
            if let action = SyncAction(rawValue: row[0]) { counts[action] = Int(row[1] as Int64) }
        }
        return counts
    }
}
