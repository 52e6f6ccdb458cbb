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
    /// Where the round trips this connection waits for are counted (the store's total), if anywhere.
    let roundTrips: RoundTrips?

    /// A statement sent: its place in the order of sending, and its answer to come.
    struct Sent {
        var number: Int
        var answer: EventLoopFuture<PostgresQueryResult>
    }

    /// How many statements were sent.
    private var sent = 0
    /// How many had been sent when the last wait began: waiting for one of them costs no round trip of its own.
    private var inFlight = 0
    /// Statements sent and not yet checked, in the order sent.
    private var pending: [Sent] = []
    /// Queries sent ahead (``prefetch(_:_:)``), by text and arguments, until the query that needs them runs.
    private var prefetched: [Prefetched: Sent] = [:]

    struct Prefetched: Hashable {
        var sql: String
        var arguments: [SQLValue]
    }

    init(connection: PostgresConnection, logger: Logger, roundTrips: RoundTrips? = nil) {
        self.connection = connection
        self.logger = logger
        self.roundTrips = roundTrips
    }

    var dialect: SQLDialect { .postgres }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> Int {
        try await answer(sending(sql, arguments)).metadata.rows ?? 0
    }

    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        let statement = prefetched.removeValue(forKey: Prefetched(sql: sql, arguments: arguments)) ?? sending(sql, arguments)
        return try await answer(statement).rows.map { row in SQLRow(row.map(Self.value)) }
    }

    /// Sends the query now; it is checked with the statements sent before the next one waited for, and its answer
    /// is kept for the query with the same text and arguments. A second prefetch of one query sends nothing.
    func prefetch(_ sql: String, _ arguments: [SQLValue]) async {
        let key = Prefetched(sql: sql, arguments: arguments)
        guard prefetched[key] == nil else { return }
        let statement = sending(sql, arguments)
        prefetched[key] = statement
        pending.append(statement)
    }

    func enqueue(_ sql: String, _ arguments: [SQLValue]) async throws {
        pending.append(sending(sql, arguments))
    }

    /// The answer to a statement already sent, with a unique violation reported as ``SQLStoreError``. The
    /// statements sent before it and not yet checked are checked first, in order (their answers come before its
    /// own: no extra round trip); the first failure is the transaction's. Statements sent after it are left for
    /// later, so that waiting for a query sent ahead does not wait for writes pipelined behind it.
    ///
    /// The wait ends when the connection closes, answered or not: postgres-nio can leave a statement unanswered
    /// when the server closes the connection under it (seen while PostgreSQL restarts), and a lease that never
    /// ends would starve the pool. A statement still unanswered after `deadline` closes its connection.
    func answer(_ statement: Sent) async throws -> PostgresQueryResult {
        if statement.number > inFlight {
            inFlight = sent
            roundTrips?.count()
        }
        while let first = pending.first, first.number < statement.number {
            pending.removeFirst()
            do {
                _ = try await wait(first.answer)
            } catch {
                pending.removeAll()
                throw error
            }
        }
        pending.removeAll { $0.number == statement.number }
        return try await wait(statement.answer)
    }

    /// Sends every statement not yet checked and checks them (the transaction's end).
    func checkPending() async throws {
        guard let last = pending.last else { return }
        _ = try await answer(last)
    }

    private func wait(_ future: EventLoopFuture<PostgresQueryResult>) async throws -> PostgresQueryResult {
        do {
            return try await Self.watched(future, on: connection, deadline: .now() + deadline).get()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw SQLStoreError.uniqueViolation(error.serverInfo?[.message] ?? "unique violation")
        }
    }

    /// Sends a statement whose outcome is checked before the next one waited for (`BEGIN`).
    func sendChecked(_ sql: String) {
        pending.append(sending(sql, []))
    }

    /// Sends a statement and numbers it.
    private func sending(_ sql: String, _ arguments: [SQLValue]) -> Sent {
        sent += 1
        return Sent(number: sent, answer: send(sql, arguments))
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

/// How many times a store's transactions waited for PostgreSQL: a wait after statements went out is one round
/// trip, however many statements it answers (pipelined ones included). For tests and benchmarks.
public final class RoundTrips: Sendable {
    private let total = Atomic<Int>(0)

    public init() {}

    func count() { total.add(1, ordering: .relaxed) }

    /// Round trips so far.
    public var value: Int { total.load(ordering: .relaxed) }
}
