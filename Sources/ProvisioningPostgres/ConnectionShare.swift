import Synchronization

/// How many transactions of this instance may hold a connection at once: its share of the deployment's `pool`.
///
/// `pool` (``PostgresURL/poolSize``) is what the database serves for the whole deployment, however many instances
/// it runs: each serving instance takes `pool ÷ instances` of it (at least ``minimum``), and takes more or less as
/// instances come and go (``PostgresStore``'s presence). The share is a count of permits: a transaction takes one
/// before it leases a connection and gives it back when it ends; past the share, transactions wait in the order they
/// came. A waiting transaction is not cancelled: it waits for its turn, at most as long as the transactions ahead of
/// it take.
///
/// Why: PostgreSQL's CPU per transaction grows with the sessions that run at once. Two instances with 10
/// connections each on two cores used about a fifth more of PostgreSQL's CPU per `POST /Users` than one instance
/// with 10, and the pair created fewer users per second than the one (docs/performance.md).
package final class ConnectionShare: Sendable {
    /// The least share: a body that reads while it writes never waits on itself.
    package static let minimum = 2

    private struct State {
        var limit: Int
        var inUse = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    package init(limit: Int) {
        state = Mutex(State(limit: limit))
    }

    /// The share of `pool` for one of `instances` serving instances.
    package static func share(of pool: Int, among instances: Int) -> Int {
        max(min(pool, minimum), pool / max(instances, 1))
    }

    /// The permits there are.
    package var limit: Int { state.withLock { $0.limit } }

    /// The permits taken.
    package var inUse: Int { state.withLock { $0.inUse } }

    /// The transactions waiting for a permit.
    package var waiting: Int { state.withLock { $0.waiters.count } }

    /// Takes a permit, waiting for one if all are taken.
    package func acquire() async {
        let granted = state.withLock { state in
            guard state.inUse < state.limit && state.waiters.isEmpty else { return false }
            state.inUse += 1
            return true
        }
        if granted { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard state.inUse < state.limit && state.waiters.isEmpty else {
                    state.waiters.append(waiter)
                    return false
                }
                state.inUse += 1
                return true
            }
            if now { waiter.resume() }
        }
    }

    /// Gives a permit back: to the first waiter, unless the share shrank below the permits taken.
    package func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if !state.waiters.isEmpty && state.inUse <= state.limit { return state.waiters.removeFirst() }
            state.inUse -= 1
            return nil
        }
        next?.resume()
    }

    /// Sets the share; a larger one lets waiters in at once, a smaller one takes effect as permits come back.
    package func setLimit(_ limit: Int) {
        let woken = state.withLock { state in
            state.limit = limit
            var woken: [CheckedContinuation<Void, Never>] = []
            while state.inUse < state.limit && !state.waiters.isEmpty {
                woken.append(state.waiters.removeFirst())
                state.inUse += 1
            }
            return woken
        }
        for waiter in woken { waiter.resume() }
    }
}
