public import Foundation
import Synchronization

/// A token bucket per key (a provider): `rate` requests per second on average, bursts up to `burst`.
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    let buckets = Mutex<[String: (tokens: Double, at: Date)]>([:])

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes one token for `key`. Returns `nil` when the request may go ahead, or how long until it could.
    public func acquire(_ key: String, at now: Date) -> TimeInterval? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? (burst, now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * rate)
            bucket.at = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Gives back the token of a request that should not count (one that failed to authenticate, so that
    /// strangers cannot use up a provider's allowance).
    public func refund(_ key: String) {
        buckets.withLock { buckets in
            guard var bucket = buckets[key] else { return }
            bucket.tokens = min(burst, bucket.tokens + 1)
            buckets[key] = bucket
        }
    }
}

/// Counts failed authentications per key within a sliding window, so that answers to guessing can be slowed down.
public final class FailureCounter: Sendable {
    public let window: TimeInterval
    public let freeFailures: Int
    let failures = Mutex<[String: [Date]]>([:])

    public init(window: TimeInterval = 60, freeFailures: Int = 5) {
        self.window = window
        self.freeFailures = freeFailures
    }

    /// Records a failure; returns whether `key` is now over its free failures in the window.
    public func recordFailure(_ key: String, at now: Date) -> Bool {
        failures.withLock { failures in
            var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            recent.append(now)
            failures[key] = recent
            if failures.count > 10_000 { failures = failures.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < window } }
            return recent.count > freeFailures
        }
    }
}
