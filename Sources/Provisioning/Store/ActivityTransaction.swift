package import Foundation

/// Counts of the sync log by time bucket, for the activity charts (see ``ActivityService``). Part of
/// ``StoreTransaction``.
package protocol ActivityTransaction {
    /// Counts of the charted actions (``ActivityKind/actions``, and ``ActivityCount/refused``) with `at` in
    /// `[from, to)`, by bucket of `bucketSeconds`, counted from the sync log (through its index on action and
    /// time); one provider's, or every entry's when `providerID` is nil.
    func activityCounts(providerID: String?, from: Date, to: Date, bucketSeconds: Int) async throws
        -> [ActivityCount]
    /// The same counts by hour, read from the hourly roll-up for hours `[fromHour, toHour)` (hour indexes since
    /// 1970).
    func rolledUpActivity(providerID: String?, fromHour: Int64, toHour: Int64) async throws -> [ActivityCount]
    /// Rolls the sync log's hours `[fromHour, toHour)` up into the hourly table (per provider); an hour rolled
    /// up twice keeps its first counts.
    func rollUpActivity(fromHour: Int64, toHour: Int64) async throws
    /// How many entries of each action have `at` in `[from, to)`; one provider's, or every entry's.
    func actionCounts(providerID: String?, from: Date, to: Date) async throws -> [SyncAction: Int]
}
