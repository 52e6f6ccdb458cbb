import Provisioning
import Synchronization
import Testing

@testable import Provisioning

/// Webhook deliveries as background work: held back to their share of a core only while the server is busy.
@Suite struct DeliveryPacerTests {
    /// A CPU clock, a wall clock and a busy flag the test moves by hand.
    final class Fake: Sendable {
        let cpu = Mutex<Duration>(.zero)
        let elapsed = Mutex<Duration>(.zero)
        let busy = Mutex(false)
        let start = ContinuousClock.now

        func pacer(share: Double = 0.1, window: Duration = .seconds(10)) -> DeliveryPacer {
            DeliveryPacer(
                share: share, window: window, busy: { self.busy.withLock { $0 } },
                cpuTime: { self.cpu.withLock { $0 } }, now: { self.start + self.elapsed.withLock { $0 } })
        }
    }

    @Test func anIdleServerNeverHoldsDeliveriesBack() {
        let fake = Fake()
        let pacer = fake.pacer()
        fake.cpu.withLock { $0 = .seconds(9) }
        #expect(pacer.wait() == nil, "90% of a core used, but no request waits for the cores")
    }

    @Test func aBusyServerHoldsThemOnceTheirShareIsUsed() throws {
        let fake = Fake()
        let pacer = fake.pacer(share: 0.1, window: .seconds(10))
        fake.busy.withLock { $0 = true }
        fake.cpu.withLock { $0 = .milliseconds(999) }
        #expect(pacer.wait() == nil, "under a second of a ten-second window: within the share")
        fake.cpu.withLock { $0 = .seconds(1) }
        fake.elapsed.withLock { $0 = .seconds(4) }
        #expect(try #require(pacer.wait(), "the share is used") == .seconds(6), "until the window's end")
        fake.busy.withLock { $0 = false }
        #expect(pacer.wait() == nil, "the server is no longer busy: they go at once")
    }

    @Test func aNewWindowGivesTheShareAgain() {
        let fake = Fake()
        let pacer = fake.pacer(share: 0.5, window: .seconds(1))
        fake.busy.withLock { $0 = true }
        fake.cpu.withLock { $0 = .milliseconds(600) }
        #expect(pacer.wait() == .seconds(1))
        fake.elapsed.withLock { $0 = .seconds(1) }
        #expect(pacer.wait() == nil, "a fresh window, counted from the CPU time at its start")
        fake.cpu.withLock { $0 += .milliseconds(499) }
        #expect(pacer.wait() == nil, "within the new window's share")
        fake.cpu.withLock { $0 += .milliseconds(1) }
        fake.elapsed.withLock { $0 += .milliseconds(250) }
        #expect(pacer.wait() == .milliseconds(750), "used up again")
    }

    /// `pace()` sleeps out the window and returns in the next one, whose share is unused. The clock moves 30 ms at
    /// each reading, so the window ends at the fourth reading whatever the machine's load.
    @Test func pacingSleepsOutTheWindow() async {
        let cpu = Mutex<Duration>(.zero)
        let readings = Mutex(0)
        let start = ContinuousClock.now
        let pacer = DeliveryPacer(
            share: 0.5, window: .milliseconds(100), busy: { true }, cpuTime: { cpu.withLock { $0 } },
            now: {
                start + .milliseconds(30)
                    * readings.withLock { n in
                        defer { n += 1 }
                        return n
                    }
            })
        cpu.withLock { $0 = .seconds(1) }
        #expect(pacer.wait() == .milliseconds(70), "the share is used")
        await pacer.pace()
        #expect(readings.withLock { $0 } == 5, "slept twice (40 ms, then 10 ms), a new window at 120 ms")
        #expect(pacer.wait() == nil, "whose share is unused")
    }
}
