import Foundation
import Logging
import NIOCore
import PostgresNIO
import ProvisioningSQL

/// A postgres-nio connection inside a transaction, as ``SQLTransaction`` uses it. The store runs transaction
/// bodies on its own threads (never on an event loop), so each statement can wait for its result: the domain's
/// transaction bodies are synchronous by design.
struct PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    /// How long a statement may go unanswered on an open connection before the connection is closed.
    var deadline: TimeAmount = .seconds(60)

    var dialect: SQLDialect { .postgres }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try run(sql, arguments).rows.map { row in SQLRow(row.map(Self.value)) }
    }

    func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        do {
            return try answer(send(sql, arguments))
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw SQLStoreError.uniqueViolation(error.serverInfo?[.message] ?? "unique violation")
        }
    }

    /// Waits for the answer to a statement, but not forever. postgres-nio can leave a statement unanswered when
    /// the server closes the connection under it (seen while PostgreSQL restarts): a closed connection fails the
    /// wait within a second, and an open one that gives no answer within `deadline` is closed. The store's thread
    /// watches while it waits, so a statement costs the event loop nothing beyond its answer's callback.
    func answer<R: Sendable>(_ future: EventLoopFuture<R>) throws -> R {
        let answer = Answer<R>()
        future.whenComplete { result in
            answer.result = result
            answer.arrived.signal()
        }
        let giveUp = NIODeadline.now() + deadline
        while answer.arrived.wait(timeout: .now() + 1) == .timedOut {
            if connection.isClosed { throw NoAnswer(reason: "the connection closed") }
            if NIODeadline.now() > giveUp {
                let connection = self.connection
                connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                throw NoAnswer(reason: "no answer in time")
            }
        }
        return try answer.result!.get()
    }

    /// A statement's answer, handed from the event loop to the waiting thread (the semaphore orders the two).
    final class Answer<R>: @unchecked Sendable {
        var result: Result<R, any Error>?
        let arrived = DispatchSemaphore(value: 0)
    }

    /// A statement that got no answer: the connection is lost.
    struct NoAnswer: Error, CustomStringConvertible {
        var reason: String
        var description: String { "PostgreSQL gave no answer: \(reason)" }
    }

    /// Sends a statement without waiting for its answer.
    @discardableResult
    func send(_ sql: String, _ arguments: [SQLValue]) -> EventLoopFuture<PostgresQueryResult> {
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

    /// `?` placeholders as PostgreSQL's `$1`, `$2`, …, leaving quoted literals and identifiers alone.
    static func numberingPlaceholders(_ sql: String) -> String {
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
