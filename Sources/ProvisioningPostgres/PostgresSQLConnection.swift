import Foundation
import Logging
import NIOCore
import PostgresNIO
import ProvisioningSQL
import Synchronization

// One type over 400 lines: the PostgreSQL adapter's send, wait, prepare and decode steps share its per-transaction
// state (statements sent, answers due, queries sent ahead, changes held back, whether the transaction is open);
// split, they would pass that state around. What can stand alone does: `WriteBatch` and `ReadBatch`.

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
    let roundTrips: Counter?
    /// Where the statements this connection sends are counted, if anywhere.
    let statements: Counter?
    /// The statements the store prepared on its connections, if its queries are prepared (a connection of the
    /// store's own, for migrations, runs everything unnamed).
    let preparedStatements: PreparedStatements?

    /// A statement sent: its place in the order of sending, and its answer to come.
    struct Sent {
        var number: Int
        var answer: EventLoopFuture<Answer>
    }

    /// What PostgreSQL answered: the rows, and how many rows the statement changed (for statements run unnamed;
    /// prepared ones are queries and statements whose count is not needed).
    struct Answer: Sendable {
        var rows: [PostgresRow]
        var affected: Int
    }

    /// How many statements were sent.
    private var sent = 0
    /// How many had been sent when the last wait began: waiting for one of them costs no round trip of its own.
    private var inFlight = 0
    /// Statements sent and not yet checked, in the order sent.
    private var pending: [Sent] = []
    /// Queries sent ahead (``prefetch(_:)``), by text and arguments, until the query that needs them runs.
    private var prefetched: [Prefetched: Ahead] = [:]
    /// The parts of statements that answer several reads sent ahead, by statement number, once answered.
    private var partsAnswered: [Int: [[SQLValue]?]?] = [:]

    /// A query sent ahead: the statement that answers it, its part if that statement answers several reads
    /// (``ReadBatch``), and whether it is a locking read sent before the transaction opened.
    struct Ahead {
        var sent: Sent
        var part: Int?
        var outside: Bool
    }
    /// Statements sent whose answers have not arrived, in the order sent.
    private var unanswered: [Sent] = []
    /// Answers that arrived and are not yet checked or read, by statement number.
    private var answered: [Int: Result<Answer, any Error>] = [:]

    struct Prefetched: Hashable {
        var sql: String
        var arguments: [SQLValue]
    }

    /// Whether the connection opens a write transaction itself, at the first statement that needs one
    /// (``begin()``), and coalesces the changes enqueued in a row into statements of several CTEs
    /// (``WriteBatch``). Off for a connection whose transaction the caller opens, or that runs none.
    private let opensTransaction: Bool
    /// Whether `BEGIN` was sent.
    private(set) var begun = false
    /// Changes enqueued and not yet sent (a connection that opens its transaction itself).
    private var buffered: [WriteBatch.Statement] = []

    init(
        connection: PostgresConnection, logger: Logger, roundTrips: Counter? = nil, statements: Counter? = nil,
        preparedStatements: PreparedStatements? = nil, opensTransaction: Bool = false
    ) {
        self.connection = connection
        self.logger = logger
        self.roundTrips = roundTrips
        self.statements = statements
        self.preparedStatements = preparedStatements
        self.opensTransaction = opensTransaction
    }

    var dialect: SQLDialect { .postgres }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> Int {
        await beforeSending(sql, changes: true)
        return try await answer(record(send(sql, arguments))).affected
    }

    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        if let ahead = prefetched.removeValue(forKey: Prefetched(sql: sql, arguments: arguments)) {
            let rows: [SQLRow]?
            if let part = ahead.part {
                // No parts: the statement found more than one row for a read that should find one at most; the
                // read runs again on its own.
                rows = try await parts(of: ahead.sent).map { parts in parts[part].map { [SQLRow($0)] } ?? [] }
            } else {
                rows = try await answer(ahead.sent).rows.map { row in SQLRow(row.map(Self.value)) }
            }
            // A locking read run before the transaction opened that found a row runs again inside it.
            if let rows, !ahead.outside || rows.isEmpty { return rows }
        }
        await beforeSending(sql, changes: false)
        let statement = try await sending(sql, arguments)
        return try await answer(statement).rows.map { row in SQLRow(row.map(Self.value)) }
    }

    /// The parts of a statement that answers several reads: each read's row, or `nil` where it found none; `nil`
    /// when it answered more than one row (a read found more than one).
    private func parts(of statement: Sent) async throws -> [[SQLValue]?]? {
        if let known = partsAnswered[statement.number] { return known }
        let answer = try await answer(statement)
        let parts =
            answer.rows.count > 1
            ? nil : ReadBatch.parts(of: answer.rows.first.map { row in row.map { ($0.columnName, Self.value($0)) } })
        partsAnswered[statement.number] = parts
        return parts
    }

    var prefetches: Bool { true }

    /// Sends the queries now, in as few statements as keep their meaning (``ReadBatch``); they are checked with
    /// the statements sent before the next one waited for, and each answer is kept for the query with the same
    /// text and arguments. A query already sent ahead is not sent again.
    func prefetch(_ reads: [SQLRead]) async {
        var group: [SQLRead] = []
        var named = Set<Prefetched>()
        for read in reads {
            let key = Prefetched(sql: read.sql, arguments: read.arguments)
            guard prefetched[key] == nil, named.insert(key).inserted else { continue }
            let locks = WriteBatch.takesLocks(read.sql)
            if read.atMostOneRow {
                group.append(read)
                // Reads named after a lock run once it is held: a lock ends its statement.
                if locks { await send(group: &group) }
            } else {
                if locks { await send(group: &group) }
                await sendAhead([read])
            }
        }
        await send(group: &group)
    }

    private func send(group: inout [SQLRead]) async {
        guard !group.isEmpty else { return }
        await sendAhead(group)
        group.removeAll()
    }

    /// Sends reads ahead as one statement: one read as it is, several (each finding one row or none, a lock only
    /// in the last) as the parts of one (``ReadBatch``).
    private func sendAhead(_ reads: [SQLRead]) async {
        guard let last = reads.last else { return }
        let locks = WriteBatch.takesLocks(last.sql)
        let outside = locks && last.usuallyEmpty && opensTransaction && !begun && buffered.isEmpty
        if !outside { await beforeSending(last.sql, changes: false) }
        let batch = reads.count == 1 ? (sql: last.sql, arguments: last.arguments) : ReadBatch.statement(reads)
        let statement: Sent
        do {
            statement = try await sending(batch.sql, batch.arguments)
        } catch {
            // Failed before it was sent (while preparing it): the failure is checked in its turn.
            statement = record(connection.eventLoop.makeFailedFuture(error))
        }
        for (index, read) in reads.enumerated() {
            prefetched[Prefetched(sql: read.sql, arguments: read.arguments)] = Ahead(
                sent: statement, part: reads.count == 1 ? nil : index, outside: outside && index == reads.count - 1)
        }
        pending.append(statement)
    }

    func enqueue(_ sql: String, _ arguments: [SQLValue]) async throws {
        if opensTransaction {
            buffered.append(WriteBatch.Statement(sql: sql, arguments: arguments))
        } else {
            pending.append(try await sending(sql, arguments))
        }
    }

    // MARK: A write transaction opened when needed

    /// What a write transaction's connection does before sending `sql`: opens the transaction if the statement
    /// changes something, takes a lock, or follows changes not yet sent (reads before any of those run on their
    /// own, each seeing what is committed, as they would at `READ COMMITTED`), then sends those changes.
    private func beforeSending(_ sql: String, changes: Bool) async {
        guard opensTransaction else { return }
        if !begun && (changes || !buffered.isEmpty || WriteBatch.takesLocks(sql)) { begin() }
        await flush()
    }

    private func begin() {
        begun = true
        sendChecked("BEGIN")
    }

    /// Sends the changes enqueued, coalesced, without waiting for them. A change that fails before it is sent
    /// (while preparing it) is checked in its turn, as the transaction's failure.
    private func flush() async {
        guard !buffered.isEmpty else { return }
        let batches = WriteBatch.coalesce(buffered)
        buffered.removeAll()
        await send(batches)
    }

    private func send(_ batches: [WriteBatch.Statement]) async {
        for batch in batches {
            do {
                pending.append(try await sending(batch.sql, batch.arguments))
            } catch {
                pending.append(record(connection.eventLoop.makeFailedFuture(error)))
            }
        }
    }

    /// Rolls the transaction back; the changes not yet sent are dropped, not sent to be undone.
    func rollback() async {
        buffered.removeAll()
        _ = try? await answer(record(send("ROLLBACK")))
    }

    /// Ends a write transaction: its changes and `COMMIT`. A transaction whose changes are one statement and
    /// that opened nothing before sends that statement alone, atomic as any statement is; one that changed
    /// nothing sends nothing.
    func commit() async throws {
        let batches = WriteBatch.coalesce(buffered)
        buffered.removeAll()
        if !begun && batches.count > 1 { begin() }
        await send(batches)
        do {
            if begun {
                _ = try await answer(record(send("COMMIT")))
            } else {
                try await checkPending()
            }
        } catch {
            // A change that failed before it was sent leaves the transaction open: it is rolled back before
            // the connection goes back to the pool (after a COMMIT, PostgreSQL only warns).
            if begun && !connection.isClosed { await rollback() }
            throw error
        }
    }

    /// The answer to a statement already sent, with a unique violation reported as ``SQLStoreError``. The
    /// statements sent before it and not yet checked are checked first, in order (their answers come before its
    /// own: no extra round trip); the first failure is the transaction's. Statements sent after it are left for
    /// later, so that waiting for a query sent ahead does not wait for writes pipelined behind it.
    ///
    /// Everything sent up to the statement (or up to the last query sent ahead, if later) and still unanswered is
    /// waited for at once: one suspension per round trip, however many statements it answers (each wait is a hop
    /// to the connection's event loop and back).
    func answer(_ statement: Sent) async throws -> Answer {
        if answered[statement.number] == nil {
            if statement.number > inFlight {
                inFlight = sent
                roundTrips?.count()
            }
            // Queries sent ahead are read next: their answers are waited for in the same suspension.
            let upTo = max(statement.number, prefetched.values.map(\.sent.number).max() ?? 0)
            let count = unanswered.prefix { $0.number <= upTo }.count
            let waiting = unanswered.prefix(count)
            let loop = connection.eventLoop
            let all = EventLoopFuture.whenAllComplete(waiting.map(\.answer), on: loop)
            let results = try await Self.watched(all, on: connection, deadline: .now() + deadline).get()
            for (sent, result) in zip(waiting, results) { answered[sent.number] = result }
            unanswered.removeFirst(count)
        }
        while let first = pending.first, first.number < statement.number {
            pending.removeFirst()
            // A query sent ahead keeps its answer for the query that reads it.
            let result =
                prefetched.values.contains { $0.sent.number == first.number }
                ? answered[first.number] : answered.removeValue(forKey: first.number)
            if case .failure(let error)? = result {
                pending.removeAll()
                throw Self.translated(error)
            }
        }
        pending.removeAll { $0.number == statement.number }
        guard let result = answered.removeValue(forKey: statement.number) else {
            throw NoAnswer(reason: "statement \(statement.number) was answered and read before")
        }
        do {
            return try result.get()
        } catch {
            throw Self.translated(error)
        }
    }

    /// Sends every statement not yet checked and checks them (the transaction's end).
    func checkPending() async throws {
        guard let last = pending.last else { return }
        _ = try await answer(last)
    }

    /// A unique violation as ``SQLStoreError``; other errors as they are.
    static func translated(_ error: any Error) -> any Error {
        if PostgresStore.sqlState(error) == "23505" {
            return SQLStoreError.uniqueViolation(PostgresStore.serverMessage(error) ?? "unique violation")
        }
        return error
    }

    /// Sends a statement whose outcome is checked before the next one waited for (`BEGIN`).
    func sendChecked(_ sql: String) {
        pending.append(record(send(sql, [])))
    }

    /// Sends a statement whose count of changed rows is not needed (a query, or a change sent ahead), prepared
    /// if the store prepares it, and numbers it.
    private func sending(_ sql: String, _ arguments: [SQLValue]) async throws -> Sent {
        if let statements = preparedStatements,
            let prepared = try await prepared(sql, arguments, statements)
        {
            let binds = arguments.map(Self.data)
            self.statements?.count()
            return record(prepared.execute(binds).map { Answer(rows: $0, affected: 0) })
        }
        return record(send(sql, arguments))
    }

    /// Numbers a statement sent.
    private func record(_ answer: EventLoopFuture<Answer>) -> Sent {
        sent += 1
        let statement = Sent(number: sent, answer: answer)
        unanswered.append(statement)
        return statement
    }

    /// The statement prepared on this connection for `sql` with arguments of these types, preparing it now if the
    /// store prepares it (one wait, once per connection). Its parameters are typed after the arguments (as an
    /// unnamed statement's are), so a text with other argument types is a statement of its own.
    ///
    /// PostgreSQL refuses to prepare inside an aborted transaction: a failure of a statement sent before is then
    /// the transaction's, not the refusal.
    private func prepared(
        _ sql: String, _ arguments: [SQLValue], _ statements: PreparedStatements
    ) async throws -> PreparedQuery? {
        let text = Self.numberingPlaceholders(sql, typedAfter: arguments)
        if let known = statements.prepared(text, on: connection) { return known }
        guard statements.shouldPrepare(text, on: connection) else { return nil }
        do {
            let prepared = try await Self.watched(
                connection.prepare(query: text), on: connection, deadline: .now() + deadline
            ).get()
            statements.keep(prepared, for: text, on: connection)
            return prepared
        } catch {
            try await checkPending()
            throw error
        }
    }

    /// An argument as postgres-nio's legacy binding (the one its prepared queries take).
    static func data(_ value: SQLValue) -> PostgresData {
        switch value {
        case .text(let s): PostgresData(string: s)
        case .integer(let i): PostgresData(int64: i)
        case .real(let d): PostgresData(double: d)
        case .null: .null
        }
    }

    /// How long a statement may go unanswered on an open connection: a lock wait (`lock_timeout`) and a long
    /// statement have room; a connection gone silent does not hold a request forever.
    var deadline: TimeAmount { .seconds(60) }

    /// `future`, failed with ``NoAnswer`` if the connection closes first or no answer comes by `deadline`. One
    /// timer per wait, every second while it is unanswered (most are answered long before the first).
    static func watched<Value: Sendable>(
        _ future: EventLoopFuture<Value>, on connection: PostgresConnection, deadline: NIODeadline
    ) -> EventLoopFuture<Value> {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: Value.self)
        let watch = Watch()
        @Sendable func check() {
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
        loop.execute {
            guard !watch.done else { return }
            check()
        }
        future.whenComplete { result in
            watch.done = true
            watch.timer?.cancel()
            watch.timer = nil
            promise.completeWith(result)
        }
        return promise.futureResult
    }

    /// The timer of one watched statement; used only on the connection's event loop.
    final class Watch: @unchecked Sendable {
        var timer: Scheduled<Void>?
        var done = false
    }

    /// A statement that got no answer: the connection is lost.
    struct NoAnswer: Error, CustomStringConvertible {
        var reason: String
        var description: String { "PostgreSQL gave no answer: \(reason)" }
    }

    /// Sends a statement without waiting for its answer. A connection runs its statements in order: statements
    /// sent one after the other queue on the connection, which sends each as soon as the one before is answered
    /// (postgres-nio does not pipeline on the wire), with no task waiting in between; the next awaited answer
    /// follows theirs.
    @discardableResult
    func send(_ sql: String, _ arguments: [SQLValue] = []) -> EventLoopFuture<Answer> {
        statements?.count()
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
        return connection.query(query, logger: logger).map { Answer(rows: $0.rows, affected: $0.metadata.rows ?? 0) }
    }

    /// `?` placeholders as PostgreSQL's `$1`, `$2`, …, leaving quoted literals and identifiers alone; statements
    /// seen before come from a cache (the store's statements are a few hundred texts).
    static func numberingPlaceholders(_ sql: String) -> String {
        if let known = numbered.withLock({ $0[Numbered(sql: sql, types: nil)] }) { return known }
        let result = numberingPlaceholdersUncached(sql)
        numbered.withLock { cache in
            if cache.count >= 2048 { cache.removeAll() }
            cache[Numbered(sql: sql, types: nil)] = result
        }
        return result
    }

    /// `?` placeholders as `$1::int8`, `$2::text`, …: typed after `arguments` (a `NULL` argument's placeholder stays
    /// untyped, for PostgreSQL to infer).
    static func numberingPlaceholders(_ sql: String, typedAfter arguments: [SQLValue]) -> String {
        let types = arguments.map(\.typeLetter)
        let key = Numbered(sql: sql, types: types)
        if let known = numbered.withLock({ $0[key] }) { return known }
        let result = numberingPlaceholdersUncached(sql, types: types)
        numbered.withLock { cache in
            if cache.count >= 2048 { cache.removeAll() }
            cache[key] = result
        }
        return result
    }

    private struct Numbered: Hashable {
        var sql: String
        var types: [UInt8]?
    }

    private static let numbered = Mutex<[Numbered: String]>([:])

    static func numberingPlaceholdersUncached(_ sql: String, types: [UInt8]? = nil) -> String {
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
                if let types, n <= types.count {
                    switch types[n - 1] {
                    case UInt8(ascii: "t"): out += "::text"
                    case UInt8(ascii: "i"): out += "::int8"
                    case UInt8(ascii: "r"): out += "::float8"
                    default: break
                    }
                }
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// A cell as a ``SQLValue``: integers and booleans as integers, floating point and numeric as reals (integral
    /// numerics as integers), everything else as text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        // postgres-nio asks for every result in binary format, whatever format a cell is labelled with. The types
        // a row is mostly made of are read straight from that form (big-endian integers, a bool's one byte,
        // text's UTF-8): postgres-nio's generic `decode` costs a metadata lookup and a copy per cell, and a
        // 100-user page has 1,700 cells.
        switch (cell.dataType, bytes.readableBytes) {
        case (.int8, 8): return bytes.readInteger(as: Int64.self).map(SQLValue.integer) ?? .null
        case (.int4, 4): return bytes.readInteger(as: Int32.self).map { .integer(Int64($0)) } ?? .null
        case (.int2, 2): return bytes.readInteger(as: Int16.self).map { .integer(Int64($0)) } ?? .null
        case (.bool, 1): return bytes.readInteger(as: UInt8.self).map { .integer($0 == 0 ? 0 : 1) } ?? .null
        case (.text, _), (.varchar, _): return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        default: break
        }
        // A prepared query's cells are labelled with the format its description gave (text), so the label is set
        // right before decoding.
        var cell = cell
        cell.format = .binary
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
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }
}

/// A running count of something a store did (the waits for PostgreSQL, the statements sent), for tests and
/// benchmarks.
package final class Counter: Sendable {
    private let total = Atomic<Int>(0)

    package init() {}

    func count() { total.add(1, ordering: .relaxed) }

    /// The count so far.
    package var value: Int { total.load(ordering: .relaxed) }
}

extension SQLValue {
    /// The argument's type, as a letter: `t`ext, `i`nteger, `r`eal or `n`ull.
    fileprivate var typeLetter: UInt8 {
        switch self {
        case .text: UInt8(ascii: "t")
        case .integer: UInt8(ascii: "i")
        case .real: UInt8(ascii: "r")
        case .null: UInt8(ascii: "n")
        }
    }
}
