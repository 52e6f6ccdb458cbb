import Provisioning
import Synchronization
import Testing

@testable import Provisioning

/// Webhook deliveries as background work: held back to their share of a core only while the server is busy.
@Suite struct DeliveryPacerTests {
    /// A CPU clock and a busy flag the test moves by hand.
    final class Fake: Sendable {
        let cpu = Mutex<Duration>(.zero)
        let busy = Mutex(false)
        func pacer(share: Double = 0.1, window: Duration = .seconds(10)) -> DeliveryPacer {
            DeliveryPacer(
                share: share, window: window, busy: { self.busy.withLock { $0 } },
                cpuTime: { self.cpu.withLock { $0 } })
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
        let wait = try #require(pacer.wait(), "the share is used")
        #expect(wait > .seconds(9) && wait <= .seconds(10), "until the window's end")
        fake.busy.withLock { $0 = false }
        #expect(pacer.wait() == nil, "the server is no longer busy: they go at once")
    }

    @Test func aNewWindowGivesTheShareAgain() async throws {
        let fake = Fake()
        let pacer = fake.pacer(share: 0.5, window: .milliseconds(50))
        fake.busy.withLock { $0 = true }
        fake.cpu.withLock { $0 = .milliseconds(30) }
        #expect(pacer.wait() != nil)
        let started = ContinuousClock.now
        await pacer.pace()
        #expect(ContinuousClock.now - started >= .milliseconds(20), "waited for the window to end")
        #expect(pacer.wait() == nil, "a fresh window, counted from the CPU time at its start")
        fake.cpu.withLock { $0 += .milliseconds(25) }
        #expect(pacer.wait() != nil, "and used up again")
    }
}
