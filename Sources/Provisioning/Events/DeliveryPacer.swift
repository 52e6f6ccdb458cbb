import Synchronization

/// Keeps webhook deliveries from taking the cores from SCIM requests: deliveries are background work.
///
/// While the server is busy (`busy()`, the server's answer: as many SCIM requests in flight as it has cores), the
/// deliveries may use `share` of one core's time (`cpuTime()`, the CPU time of the thread they run on) in each
/// `window`; once they used it, the next delivery waits for the window's end. While the server is not busy they
/// run as fast as the endpoints answer. An initial sync that keeps the server busy therefore delivers more slowly
/// while it lasts and catches up after; a delivery is never dropped, only later, and its order is kept (it is the
/// same one delivery, waiting).
package final class DeliveryPacer: Sendable {
    let share: Double
    let window: Duration
    let busy: @Sendable () -> Bool
    let cpuTime: @Sendable () -> Duration
    let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<(start: ContinuousClock.Instant, cpuAtStart: Duration)>

    /// `now` is the time windows are counted in (tests pass their own).
    package init(
        share: Double, window: Duration = .milliseconds(100), busy: @escaping @Sendable () -> Bool,
        cpuTime: @escaping @Sendable () -> Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.share = share
        self.window = window
        self.busy = busy
        self.cpuTime = cpuTime
        self.now = now
        state = Mutex((now(), cpuTime()))
    }

    /// Waits, before a delivery, until the deliveries may use the CPU again.
    package func pace() async {
        while let wait = self.wait() {
            try? await Task.sleep(for: wait)
            if Task.isCancelled { return }
        }
    }

    /// How long the next delivery must wait, or `nil` to go now.
    func wait() -> Duration? {
        let now = now()
        let cpu = cpuTime()
        return state.withLock { state in
            if now - state.start >= window {
                state = (now, cpu)
                return nil
            }
            guard busy(), cpu - state.cpuAtStart >= window * share else { return nil }
            return state.start + window - now
        }
    }
}
