import Foundation
import Logging
import NIOCore
import PostgresNIO
import ProvisioningSQL
import Synchronization

/// A postgres-nio connection inside a transaction, as ``SQLTransaction`` uses it. Every statement is awaited, never
/// waited for: the task that runs the transaction is suspended while PostgreSQL answers.
///
/// Statements whose outcome is not needed at once (``enqueue(_:_:)``: inserts, updates, the sync log) are sent
/// without waiting: they go out with the next statement that is waited for, or with the `COMMIT`, in one round
/// trip. Their answers are checked, in order, before that statement's; the first failure is the transaction's.
/// Used by one task at a time (the transaction's).
final class PostgresSQLConnection: SQLConnection, @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// Statements sent and not yet checked, oldest first.
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    var dialect: SQLDialect { .postgres }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> Int {
        try await answer(send(sql, arguments)).metadata.rows ?? 0
    }

    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await answer(send(sql, arguments)).rows.map { row in SQLRow(row.map(Self.value)) }
    }

    func enqueue(_ sql: String, _ arguments: [SQLValue]) async throws {
        pending.append(send(sql, arguments))
    }

    /// Checks every statement sent and not yet checked (their answers are on their way: no extra round trip when
    /// a statement sent after them is waited for next).
    func checkPending() async throws {
        while !pending.isEmpty {
            let next = pending.removeFirst()
            do {
                _ = try await answer(next)
            } catch {
                pending.removeAll()
                throw error
            }
        }
    }

    /// The answer to a statement already sent, with a unique violation reported as ``SQLStoreError``.
    ///
    /// The wait ends when the connection closes, answered or not: postgres-nio can leave a statement unanswered
    /// when the server closes the connection under it (seen while PostgreSQL restarts), and a lease that never
    /// ends would starve the pool. A statement still unanswered after `deadline` closes its connection.
    func answer(_ future: EventLoopFuture<PostgresQueryResult>) async throws -> PostgresQueryResult {
        if !pending.isEmpty { try await checkPending() }
        do {
            return try await Self.watched(future, on: connection, deadline: .now() + deadline).get()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw SQLStoreError.uniqueViolation(error.serverInfo?[.message] ?? "unique violation")
        }
    }

    /// How long a statement may go unanswered on an open connection: a lock wait (`lock_timeout`) and a long
    /// statement have room; a connection gone silent does not hold a request forever.
    var deadline: TimeAmount { .seconds(60) }

    /// `future`, failed with ``NoAnswer`` if the connection closes first or no answer comes by `deadline`. One
    /// timer per statement, every second while it is unanswered (most are answered long before the first).
    static func watched(
        _ future: EventLoopFuture<PostgresQueryResult>, on connection: PostgresConnection, deadline: NIODeadline
    ) -> EventLoopFuture<PostgresQueryResult> {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: PostgresQueryResult.self)
        let watch = Watch()
        func check() {
            watch.timer = loop.scheduleTask(in: .seconds(1)) {
                if connection.isClosed {
                    promise.fail(NoAnswer(reason: "the connection closed"))
                } else if .now() > deadline {
                    connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                    promise.fail(NoAnswer(reason: "no answer in time"))
                } else {
                    check()
                }
            }
        }
        loop.execute { check() }
        future.whenComplete { result in
            watch.timer?.cancel()
            watch.timer = nil
            promise.completeWith(result)
        }
        return promise.futureResult
    }

    /// The timer of one watched statement; used only on the connection's event loop.
    final class Watch: @unchecked Sendable {
        var timer: Scheduled<Void>?
    }

    /// A statement that got no answer: the connection is lost.
    struct NoAnswer: Error, CustomStringConvertible {
        var reason: String
        var description: String { "PostgreSQL gave no answer: \(reason)" }
    }

    /// Sends a statement without waiting for its answer. A connection runs its statements in order, so statements
    /// sent one after the other go out together (pipelined) and the next awaited answer follows theirs.
    @discardableResult
    func send(_ sql: String, _ arguments: [SQLValue] = []) -> EventLoopFuture<PostgresQueryResult> {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .text(let s): binds.append(s)
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .null: binds.appendNull()
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numberingPlaceholders(sql), binds: binds)
        return connection.query(query, logger: logger)
    }

    /// `?` placeholders as PostgreSQL's `$1`, `$2`, …, leaving quoted literals and identifiers alone; statements
    /// seen before come from a cache (the store's statements are a few hundred texts).
    static func numberingPlaceholders(_ sql: String) -> String {
        if let known = numbered.withLock({ $0[sql] }) { return known }
        let result = numberingPlaceholdersUncached(sql)
        numbered.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[sql] = result
        }
        return result
    }

    private static let numbered = Mutex<[String: String]>([:])

    static func numberingPlaceholdersUncached(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// A cell as a ``SQLValue``: integers and booleans as integers, floating point and numeric as reals (integral
    /// numerics as integers), everything else as text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .numeric:
            guard let d = try? cell.decode(Decimal.self) else { return .null }
            let double = NSDecimalNumber(decimal: d).doubleValue
            if let i = Int64(exactly: double) { return .integer(i) }
            return .real(double)
        default:
            if let s = try? cell.decode(String.self) { return .text(s) }
            guard var bytes = cell.bytes else { return .null }
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }
}
