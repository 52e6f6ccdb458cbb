package import Foundation
import Synchronization

/// Counts failed authentications per key within a sliding window, so that answers to guessing can be slowed down.
///
/// The table holds at most ``capacity`` keys: past it, failures that left the window are dropped, then, if that is
/// not enough, the half of the keys with the fewest recent failures (a key being guessed at has the most, so a
/// flood of keys that fail once cannot push it out). Each key keeps at most `freeFailures + 1` timestamps.
package final class FailureCounter: Sendable {
    package let window: TimeInterval
    package let freeFailures: Int
    package let capacity: Int
    let failures = Mutex<[String: [Date]]>([:])

    package init(window: TimeInterval = 60, freeFailures: Int = 5, capacity: Int = 10_000) {
        self.window = window
        self.freeFailures = freeFailures
        self.capacity = max(2, capacity)
    }

    /// Records a failure; returns whether `key` is now over its free failures in the window.
    package func recordFailure(_ key: String, at now: Date) -> Bool {
        failures.withLock { failures in
            var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            recent.append(now)
            if recent.count > freeFailures + 1 { recent.removeFirst(recent.count - freeFailures - 1) }
            failures[key] = recent
            if failures.count > capacity { prune(&failures, keeping: key, at: now) }
            return recent.count > freeFailures
        }
    }

    /// How many keys have recent failures (for tests).
    var count: Int { failures.withLock { $0.count } }

    func prune(_ failures: inout [String: [Date]], keeping key: String, at now: Date) {
        failures = failures.filter { now.timeIntervalSince($0.value.last!) < window }
        guard failures.count > capacity / 2 else { return }
        let kept = failures.sorted { $0.value.count > $1.value.count }.prefix(capacity / 2)
        var pruned = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        pruned[key] = failures[key]
        failures = pruned
    }
}
