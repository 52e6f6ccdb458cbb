import Foundation
import Logging
import NIOCore
import PostgresNIO
import ProvisioningSQL

/// A postgres-nio connection inside a transaction, as ``SQLTransaction`` uses it. Every statement is awaited, never
/// waited for: the task that runs the transaction is suspended while PostgreSQL answers.
struct PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger

    var dialect: SQLDialect { .postgres }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> Int {
        try await answer(send(sql, arguments)).metadata.rows ?? 0
    }

    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await answer(send(sql, arguments)).rows.map { row in SQLRow(row.map(Self.value)) }
    }

    /// The answer to a statement already sent, with a unique violation reported as ``SQLStoreError``.
    func answer(_ future: EventLoopFuture<PostgresQueryResult>) async throws -> PostgresQueryResult {
        do {
            return try await future.get()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw SQLStoreError.uniqueViolation(error.serverInfo?[.message] ?? "unique violation")
        }
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
