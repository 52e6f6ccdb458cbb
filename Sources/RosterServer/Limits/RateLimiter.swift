package import Foundation
import Synchronization

/// A token bucket per key (a provider): `rate` requests per second on average, bursts up to `burst`.
///
/// The table stays small whoever calls: a bucket that has refilled to `burst` is the same as no bucket, so once the
/// table holds more than ``pruneThreshold`` keys (and again each time it doubles since), full buckets are dropped.
/// Keys that only ever fail to authenticate get their token back at once and are dropped at the next pruning.
package final class RateLimiter: Sendable {
    package let rate: Double
    package let burst: Double
    /// How many keys the table may hold before full buckets are dropped.
    static let pruneThreshold = 1024
    struct State {
        var buckets: [String: (tokens: Double, at: Date)] = [:]
        var pruneAt = RateLimiter.pruneThreshold
    }
    let state = Mutex(State())

    package init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes one token for `key`. Returns `nil` when the request may go ahead, or how long until it could.
    package func acquire(_ key: String, at now: Date) -> TimeInterval? {
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
    package func refund(_ key: String) {
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
