import Foundation

/// The activity charts' counts in memory: the sync log is counted each time, and the hourly roll-up is a table
/// like the SQL stores'.
extension MemoryTransaction {
    func activityCounts(providerID: String?, from: Date, to: Date, bucketSeconds: Int) async throws
        -> [ActivityCount]
    {
        counts(from: from, to: to, bucketSeconds: bucketSeconds) { providerID == nil || $0.providerID == providerID }
    }

    /// Counts of the entries in `[from, to)` that `matches` takes.
    private func counts(from: Date, to: Date, bucketSeconds: Int, where matches: (SyncLogEntry) -> Bool)
        -> [ActivityCount]
    {
        let actions = Set(ActivityKind.actions)
        var table: [ActivityCount: Int] = [:]
        for e in state.syncLog where e.at >= from && e.at < to && actions.contains(e.action) && matches(e) {
            let bucket = ActivityService.milliseconds(e.at) / (Int64(bucketSeconds) * 1000)
            table[ActivityCount(bucket: bucket, action: e.action.rawValue, count: 0), default: 0] += 1
            if e.action == .rejected, e.detail?.hasPrefix("403") == true {
                table[ActivityCount(bucket: bucket, action: ActivityCount.refused, count: 0), default: 0] += 1
            }
        }
        return table.map { ActivityCount(bucket: $0.key.bucket, action: $0.key.action, count: $0.value) }
    }

    func rolledUpActivity(providerID: String?, fromHour: Int64, toHour: Int64) async throws -> [ActivityCount] {
        var table: [ActivityCount: Int] = [:]
        for row in state.activityHours where row.hour >= fromHour && row.hour < toHour {
            guard providerID == nil || row.providerID == providerID else { continue }
            table[ActivityCount(bucket: row.hour, action: row.action, count: 0), default: 0] += row.count
        }
        return table.map { ActivityCount(bucket: $0.key.bucket, action: $0.key.action, count: $0.value) }
    }

    func rollUpActivity(fromHour: Int64, toHour: Int64) async throws {
        let from = Date(timeIntervalSince1970: Double(fromHour) * 3600)
        let to = Date(timeIntervalSince1970: Double(toHour) * 3600)
        let existing = Set(state.activityHours.map { "\($0.providerID) \($0.hour) \($0.action)" })
        for providerID in Set(state.syncLog.map { $0.providerID ?? "" }) {
            let rows = counts(from: from, to: to, bucketSeconds: 3600) { ($0.providerID ?? "") == providerID }
            for c in rows where !existing.contains("\(providerID) \(c.bucket) \(c.action)") {
                state.activityHours.append(
                    .init(providerID: providerID, hour: c.bucket, action: c.action, count: c.count))
            }
        }
    }

    func actionCounts(providerID: String?, from: Date, to: Date) async throws -> [SyncAction: Int] {
        state.syncLog.reduce(into: [:]) { counts, e in
            guard e.at >= from, e.at < to, providerID == nil || e.providerID == providerID else { return }
            counts[e.action, default: 0] += 1
        }
    }
}
