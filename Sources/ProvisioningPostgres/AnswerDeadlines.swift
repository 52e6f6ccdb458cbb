import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// How long a store's transactions wait for PostgreSQL's answers: a connection whose answer is overdue (a server or
/// a network gone silent, a statement running far longer than any of Roster's should) is closed. Closing it fails
/// the statements it was running and the ones queued behind them (postgres-nio fails a closed connection's work), so
/// the wait ends with a connection failure (503 with `Retry-After`) and the pool drops the connection. A connection
/// that closes under a wait fails it at once, without this.
///
/// One sweep for all of a store's waits, every ``interval`` while any wait is open, instead of a timer per wait: a
/// wait registers and unregisters under a lock, and never hops to its connection's event loop to arm and cancel a
/// timer of its own (that cost about 4% of the CPU of a `POST /Users` on PostgreSQL: two round trips, two timers).
final class AnswerDeadlines: Sendable {
    /// How long a wait may last.
    let timeout: TimeAmount
    /// How often the open waits are checked: a wait ends at most this long after its deadline.
    let interval: TimeAmount
    let logger: Logger

    private struct Wait {
        var connection: PostgresConnection
        var deadline: NIODeadline
    }

    private struct State {
        var next = 0
        var waits: [Int: Wait] = [:]
        /// Whether a sweep is scheduled (there is one while any wait is open).
        var sweeping = false
    }

    private let state = Mutex(State())

    init(timeout: TimeAmount = .seconds(60), interval: TimeAmount = .seconds(1), logger: Logger) {
        self.timeout = timeout
        self.interval = interval
        self.logger = logger
    }

    /// Runs `wait`, a wait for answers from `connection`, closing the connection if it lasts past ``timeout``.
    func watching<T>(_ connection: PostgresConnection, _ wait: () async throws -> T) async throws -> T {
        let deadline = NIODeadline.now() + timeout
        let (id, startSweeping) = state.withLock { state in
            state.next += 1
            state.waits[state.next] = Wait(connection: connection, deadline: deadline)
            defer { state.sweeping = true }
            return (state.next, !state.sweeping)
        }
        if startSweeping { scheduleSweep(on: connection.eventLoop) }
        defer { _ = state.withLock { $0.waits.removeValue(forKey: id) } }
        return try await wait()
    }

    /// How many waits are open.
    var open: Int { state.withLock { $0.waits.count } }

    private func scheduleSweep(on loop: any EventLoop) {
        loop.scheduleTask(in: interval) { self.sweep(on: loop) }
    }

    /// Closes the connections of the overdue waits, and sweeps again while any wait is open.
    private func sweep(on loop: any EventLoop) {
        let now = NIODeadline.now()
        let (overdue, more) = state.withLock { state in
            var overdue: [ObjectIdentifier: PostgresConnection] = [:]
            for wait in state.waits.values where wait.deadline <= now && !wait.connection.isClosed {
                overdue[ObjectIdentifier(wait.connection)] = wait.connection
            }
            state.sweeping = !state.waits.isEmpty
            return (overdue.values, state.sweeping)
        }
        for connection in overdue {
            logger.warning(
                "PostgreSQL gave no answer in \(Duration.nanoseconds(timeout.nanoseconds)): closing the connection",
                metadata: ["postgres.connection": "\(connection.id)"])
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
        if more { scheduleSweep(on: loop) }
    }
}
