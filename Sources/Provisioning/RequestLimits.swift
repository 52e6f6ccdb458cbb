public import Foundation
import Synchronization

/// A token bucket per key (a provider): `rate` requests per second on average, bursts up to `burst`.
///
/// The table stays small whoever calls: a bucket that has refilled to `burst` is the same as no bucket, so once the
/// table holds more than ``pruneThreshold`` keys (and again each time it doubles since), full buckets are dropped.
/// Keys that only ever fail to authenticate get their token back at once and are dropped at the next pruning.
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    /// How many keys the table may hold before full buckets are dropped.
    static let pruneThreshold = 1024
    struct State {
        var buckets: [String: (tokens: Double, at: Date)] = [:]
        var pruneAt = RateLimiter.pruneThreshold
    }
    let state = Mutex(State())

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes one token for `key`. Returns `nil` when the request may go ahead, or how long until it could.
    public func acquire(_ key: String, at now: Date) -> TimeInterval? {
        state.withLock { state in
            var bucket = state.buckets[key] ?? (burst, now)
            bucket.tokens = refilled(bucket, at: now)
            bucket.at = now
            defer {
                state.buckets[key] = bucket
                if state.buckets.count > state.pruneAt { prune(&state, at: now) }
            }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Gives back the token of a request that should not count (one that failed to authenticate, so that
    /// strangers cannot use up a provider's allowance).
    public func refund(_ key: String) {
        state.withLock { state in
            guard var bucket = state.buckets[key] else { return }
            bucket.tokens = min(burst, bucket.tokens + 1)
            state.buckets[key] = bucket
        }
    }

    /// How many keys have a bucket (for tests).
    var count: Int { state.withLock { $0.buckets.count } }

    func refilled(_ bucket: (tokens: Double, at: Date), at now: Date) -> Double {
        min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * rate)
    }

    /// Drops every full bucket; the next pruning waits until the table has doubled, so that pruning costs O(1) per
    /// request however many keys stay busy.
    func prune(_ state: inout State, at now: Date) {
        state.buckets = state.buckets.filter { refilled($0.value, at: now) < burst }
        state.pruneAt = max(Self.pruneThreshold, 2 * state.buckets.count)
    }
}

/// Counts failed authentications per key within a sliding window, so that answers to guessing can be slowed down.
///
/// The table holds at most ``capacity`` keys: past it, failures that left the window are dropped, then, if that is
/// not enough, the half of the keys with the fewest recent failures (a key being guessed at has the most, so a
/// flood of keys that fail once cannot push it out). Each key keeps at most `freeFailures + 1` timestamps.
public final class FailureCounter: Sendable {
    public let window: TimeInterval
    public let freeFailures: Int
    public let capacity: Int
    let failures = Mutex<[String: [Date]]>([:])

    public init(window: TimeInterval = 60, freeFailures: Int = 5, capacity: Int = 10_000) {
        self.window = window
        self.freeFailures = freeFailures
        self.capacity = max(2, capacity)
    }

    /// Records a failure; returns whether `key` is now over its free failures in the window.
    public func recordFailure(_ key: String, at now: Date) -> Bool {
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
