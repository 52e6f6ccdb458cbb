import Foundation
import Synchronization
import Testing

@testable import RosterServer

@Suite struct RequestLimitsTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_014_800)

    @Test func tokenBucketAllowsBurstsThenTheRate() throws {
        let limiter = RateLimiter(rate: 10, burst: 20)
        for _ in 0..<20 { #expect(limiter.acquire("okta", at: Self.t0) == nil) }
        let wait = try #require(limiter.acquire("okta", at: Self.t0))
        #expect(abs(wait - 0.1) < 1e-9)
        #expect(limiter.acquire("entra", at: Self.t0) == nil)  // buckets are per provider
        #expect(limiter.acquire("okta", at: Self.t0.addingTimeInterval(0.1)) == nil)  // one token refilled
        #expect(limiter.acquire("okta", at: Self.t0.addingTimeInterval(0.1)) != nil)
        limiter.refund("okta")
        #expect(limiter.acquire("okta", at: Self.t0.addingTimeInterval(0.1)) == nil)
        // A long pause refills only up to the burst.
        for _ in 0..<20 { #expect(limiter.acquire("okta", at: Self.t0.addingTimeInterval(100)) == nil) }
        #expect(limiter.acquire("okta", at: Self.t0.addingTimeInterval(100)) != nil)
    }

    @Test func failuresAreCountedInASlidingWindow() {
        let counter = FailureCounter(window: 60, freeFailures: 5)
        for i in 0..<5 { #expect(!counter.recordFailure("okta", at: Self.t0.addingTimeInterval(Double(i)))) }
        #expect(counter.recordFailure("okta", at: Self.t0.addingTimeInterval(5)))
        #expect(!counter.recordFailure("entra", at: Self.t0.addingTimeInterval(5)))
        // A minute later the early failures have left the window.
        #expect(!counter.recordFailure("okta", at: Self.t0.addingTimeInterval(64)))
    }

    /// Strangers who fail to authenticate on ever new Base URLs get their token back, so their buckets are full
    /// and dropped; a provider that used up its allowance keeps its bucket.
    @Test func fullBucketsAreForgotten() throws {
        let limiter = RateLimiter(rate: 10, burst: 20)
        for _ in 0..<20 { #expect(limiter.acquire("okta", at: Self.t0) == nil) }
        for i in 0..<50_000 {
            let key = "stranger\(i)"
            _ = limiter.acquire(key, at: Self.t0)
            limiter.refund(key)
        }
        #expect(limiter.count <= RateLimiter.pruneThreshold + 1)
        #expect(limiter.acquire("okta", at: Self.t0) != nil)
    }

    /// A flood of keys that fail once each cannot grow the table past its capacity, nor push out a key being
    /// guessed at; one key keeps only the timestamps it needs.
    @Test func failureTableStaysBounded() throws {
        let counter = FailureCounter(window: 60, freeFailures: 5, capacity: 100)
        for i in 0..<1000 { _ = counter.recordFailure("okta", at: Self.t0.addingTimeInterval(Double(i) / 1000)) }
        for i in 0..<50_000 { _ = counter.recordFailure("stranger\(i)", at: Self.t0.addingTimeInterval(1)) }
        #expect(counter.count <= 100)
        #expect(counter.recordFailure("okta", at: Self.t0.addingTimeInterval(2)))
        #expect(counter.failures.withLock { $0["okta"]?.count } == 6)
    }
}

@Suite struct ProviderActivityTests {
    @Test func writesAtMostOncePerInterval() {
        let activity = ProviderActivity(interval: 60)
        let t0 = Date(timeIntervalSince1970: 1_796_014_800)
        #expect(activity.record(providerID: "okta", at: t0))
        #expect(!activity.record(providerID: "okta", at: t0.addingTimeInterval(59)))
        #expect(activity.record(providerID: "entra", at: t0.addingTimeInterval(59)))
        #expect(activity.record(providerID: "okta", at: t0.addingTimeInterval(60)))
    }
}
