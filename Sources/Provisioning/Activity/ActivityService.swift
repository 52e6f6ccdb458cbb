package import Foundation

/// The activity charts' numbers: counts of the sync log by hour (last 7 days) or minute (last 2 hours).
///
/// Hours that closed at least ``settle`` ago are rolled up once into an hourly table (``rollUp()``, run by the
/// scheduler's minute sweep), so that a week of a busy log (a million entries) is read as 168 rows per kind; the
/// hours after the roll-up, and the minute view, are counted from the sync log through its index on action and
/// time. The sync log is append-only, so a rolled-up hour never changes, except by an entry committed more than
/// ``settle`` after its own time, which no write transaction takes.
package struct ActivityService: Sendable {
    /// The setting that holds the first hour (index since 1970) not rolled up yet.
    static let rolledThroughKey = "activity_rolled_through"
    /// How long after an hour ends it is rolled up: longer than any write transaction that stamps its entries.
    package static let settle: TimeInterval = 300
    /// Hours rolled up in one transaction, so that catching up on a long log never holds the writer long.
    static let hoursPerTransaction: Int64 = 24

    let store: any ProvisioningStore
    let now: @Sendable () -> Date

    package init(store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// One provider's activity (every provider's when `providerID` is nil) over `range`, ending with the bucket
    /// that holds now.
    package func activity(providerID: String?, range: ActivityRange) async throws -> Activity {
        let t = now()
        let bucketMs = Int64(range.bucketSeconds) * 1000
        let last = Self.milliseconds(t) / bucketMs
        let first = last - Int64(range.buckets) + 1
        return try await store.read { tx in
            if let providerID, try await tx.provider(id: providerID) == nil {
                throw ProvisioningError.notFound("No provider with id '\(providerID)'.")
            }
            var counts: [ActivityCount] = []
            var liveFrom = first
            if range == .week {
                let rolled = Int64(try await tx.setting(Self.rolledThroughKey) ?? "") ?? 0
                if rolled > first {
                    counts = try await tx.rolledUpActivity(
                        providerID: providerID, fromHour: first, toHour: min(rolled, last + 1))
                    liveFrom = min(rolled, last + 1)
                }
            }
            counts += try await tx.activityCounts(
                providerID: providerID, from: Self.date(liveFrom * bucketMs), to: Self.date((last + 1) * bucketMs),
                bucketSeconds: range.bucketSeconds)
            let backlog = try await tx.deactivationBacklog(at: t, providerID: providerID)
            var held = 0
            var providers: [String] = []
            if let providerID { providers = [providerID] } else { providers = try await tx.providers().map(\.id) }
            for id in providers {
                held += try await tx.heldDeactivations(providerID: id).count
            }
            return Activity(
                range: range, buckets: Activity.buckets(counts, range: range, first: first), pending: backlog.pending,
                held: held)
        }
    }

    /// Rolls up every hour that closed at least ``settle`` ago and is not rolled up yet (at most the last 8 days:
    /// older hours are never charted); returns how many hours were rolled up.
    @discardableResult
    package func rollUp() async throws -> Int {
        let closed = (Self.milliseconds(now()) - Int64(Self.settle * 1000)) / 3_600_000
        var total = 0
        while true {
            let done = try await store.withTransaction { tx -> Int64 in
                let rolled = Int64(try await tx.setting(Self.rolledThroughKey) ?? "") ?? 0
                let from = max(rolled, closed - 8 * 24)
                let to = min(closed, from + Self.hoursPerTransaction)
                guard from < to else { return 0 }
                try await tx.rollUpActivity(fromHour: from, toHour: to)
                try await tx.setSetting(Self.rolledThroughKey, String(to))
                return to - from
            }
            guard done > 0 else { return total }
            total += Int(done)
        }
    }

    package static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
