import Foundation
import Testing

@testable import RosterServer

/// The sign-in throttle: per address, overall, and a table that stays within its capacity however many addresses
/// try.
@Suite struct SignInThrottleTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_014_800)

    @Test func eachAddressGetsItsBurstThenWaits() {
        let throttle = SignInThrottle(perAddress: 10, overall: 0)
        for _ in 0..<10 { #expect(throttle.acquire("10.0.0.1", at: Self.t0) == nil) }
        #expect(throttle.acquire("10.0.0.1", at: Self.t0) == 6)  // one more attempt a minute: every 6 s
        #expect(throttle.acquire("10.0.0.2", at: Self.t0) == nil)  // other addresses are not held up
        #expect(throttle.acquire("10.0.0.1", at: Self.t0.addingTimeInterval(6)) == nil)
    }

    @Test func theOverallLimitHoldsAcrossAddresses() {
        let throttle = SignInThrottle(perAddress: 10, overall: 3)
        for i in 0..<3 { #expect(throttle.acquire("10.0.0.\(i)", at: Self.t0) == nil) }
        #expect(throttle.acquire("10.0.0.9", at: Self.t0) == 20)
        // A refused attempt takes nothing from its address's allowance.
        #expect(throttle.acquire("10.0.0.9", at: Self.t0.addingTimeInterval(20)) == nil)
    }

    @Test func zeroTurnsALimitOff() {
        let throttle = SignInThrottle(perAddress: 0, overall: 0)
        for _ in 0..<1000 { #expect(throttle.acquire("10.0.0.1", at: Self.t0) == nil) }
        #expect(throttle.count == 0)
    }

    @Test func theAddressTableStaysWithinItsCapacity() {
        let throttle = SignInThrottle(perAddress: 10, overall: 0, capacity: 100)
        for i in 0..<10_000 {
            _ = throttle.acquire("address-\(i)", at: Self.t0.addingTimeInterval(Double(i) / 1000))
            #expect(throttle.count <= 100)
        }
        // The most recent addresses are still counted.
        for _ in 0..<9 { _ = throttle.acquire("address-9999", at: Self.t0.addingTimeInterval(10)) }
        #expect(throttle.acquire("address-9999", at: Self.t0.addingTimeInterval(10)) != nil)
    }
}
