import NIOCore
import PostgresNIO
import Synchronization

/// The statements a store has prepared on each of its connections, so that PostgreSQL parses and plans a statement
/// once per connection instead of once per use (after five uses of a prepared statement PostgreSQL keeps a generic
/// plan when it costs no more than the custom ones; the hot statements are index lookups whose generic plan is the
/// custom one).
///
/// A statement text is prepared on a connection the second time the store sees it; its parameters are typed after
/// its arguments, as an unnamed statement's are, so it means what the unnamed one means. Each connection holds at
/// most ``perConnection`` statements: the store's statements are a few hundred texts, but a filter or an `IN` list
/// of a size seen once makes a text of its own, and those are run unnamed once the connection is full. A
/// connection's statements are forgotten when it closes.
final class PreparedStatements: Sendable {
    /// The most statements prepared on one connection.
    static let perConnection = 256

    private struct State {
        var byConnection: [PostgresConnection.ID: [String: PreparedQuery]] = [:]
        var seen: [String: Int] = [:]
    }

    private let state = Mutex(State())

    /// The statement prepared for `sql` on `connection`, if any.
    func prepared(_ sql: String, on connection: PostgresConnection) -> PreparedQuery? {
        state.withLock { $0.byConnection[connection.id]?[sql] }
    }

    /// Whether `sql` should be prepared on `connection` now: seen before, and room left. Counts the sighting.
    func shouldPrepare(_ sql: String, on connection: PostgresConnection) -> Bool {
        state.withLock { state in
            if state.seen.count >= 4096 { state.seen.removeAll(keepingCapacity: true) }
            let seen = (state.seen[sql] ?? 0) + 1
            state.seen[sql] = seen
            return seen >= 2 && (state.byConnection[connection.id]?.count ?? 0) < Self.perConnection
        }
    }

    /// Keeps a statement prepared on `connection`; the first one kept for a connection arranges for its
    /// statements to be forgotten when it closes.
    func keep(_ prepared: PreparedQuery, for sql: String, on connection: PostgresConnection) {
        let first = state.withLock { state in
            let first = state.byConnection[connection.id] == nil
            state.byConnection[connection.id, default: [:]][sql] = prepared
            return first
        }
        if first {
            let id = connection.id
            connection.closeFuture.whenComplete { [weak self] _ in
                self?.state.withLock { _ = $0.byConnection.removeValue(forKey: id) }
            }
        }
    }

    /// How many statements are prepared on each connection (for tests).
    var counts: [PostgresConnection.ID: Int] {
        state.withLock { $0.byConnection.mapValues(\.count) }
    }
}
