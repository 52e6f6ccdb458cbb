package import Provisioning

/// One database connection inside a transaction, as the shared SQL store code sees it. A driver (SQLite through
/// GRDB, PostgreSQL through postgres-nio) adapts its connection to this; ``SQLTransaction`` does the rest.
///
/// Statements use `?` placeholders; a driver that numbers them (`$1`, `$2`, …) rewrites them.
package protocol SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs one statement. Returns how many rows it inserted, updated or deleted.
    ///
    /// A unique or primary-key violation throws ``SQLStoreError/uniqueViolation(_:)``, whatever the driver.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> Int
    /// The rows of one query, each column by position.
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow]
    /// Runs one statement whose outcome the caller does not need at once. A driver that talks over a network may
    /// send it without waiting for its answer (pipelined with the next statements); a failure then surfaces, as
    /// the transaction's first failure, at the next statement that is waited for, or at the commit.
    func enqueue(_ sql: String, _ arguments: [SQLValue]) async throws
    /// Queries the transaction will run next (``StoreTransaction/prefetch(_:)``): a network driver sends them now,
    /// as few statements as it can, and answers each ``query(_:_:)`` with the same text and arguments from them.
    func prefetch(_ reads: [SQLRead]) async
    /// Whether ``prefetch(_:)`` does anything: when it does not, ``SQLTransaction`` does not even build the
    /// statements it would name.
    var prefetches: Bool { get }
}

extension SQLConnection {
    /// Nothing to do for a driver whose queries answer in place.
    package func prefetch(_ reads: [SQLRead]) async {}
    package var prefetches: Bool { false }

    /// Runs the statement at once (a driver whose statements answer in place gains nothing by deferring).
    package func enqueue(_ sql: String, _ arguments: [SQLValue]) async throws {
        _ = try await execute(sql, arguments)
    }
}

/// A query named ahead (``SQLConnection/prefetch(_:)``).
package struct SQLRead: Sendable, Hashable {
    package var sql: String
    package var arguments: [SQLValue]
    /// Whether it finds one row or none, by its key: a driver may answer several such reads with one statement.
    package var atMostOneRow: Bool
    /// A locking read that mostly finds nothing (the user a POST names): a driver that opens its transaction when
    /// first needed may run it before opening it, and run it again inside the transaction when it finds a row (a
    /// read that finds nothing locks nothing, in a transaction or not).
    package var usuallyEmpty: Bool

    package init(_ sql: String, _ arguments: [SQLValue], atMostOneRow: Bool = false, usuallyEmpty: Bool = false) {
        self.sql = sql
        self.arguments = arguments
        self.atMostOneRow = atMostOneRow
        self.usuallyEmpty = usuallyEmpty
    }
}

/// What the shared SQL code needs to know of a driver's failure.
package enum SQLStoreError: Error, Sendable {
    /// A value that must be unique is taken (the message is the database's).
    case uniqueViolation(String)

    /// The domain's view of the failure, which every SQL store reports the same way: a `conflict`.
    package var provisioningError: ProvisioningError {
        switch self {
        case .uniqueViolation(let message):
            .conflict("A value that must be unique is already taken (\(message)).")
        }
    }
}

/// One result row; columns are read by position with the type the caller expects (`let name: String = row[1]`).
///
/// Reading is lenient on purpose: both databases return integers for the 0/1 columns that hold booleans, and a
/// NULL read as a non-optional gives the type's empty value rather than stopping the process.
package struct SQLRow: Sendable {
    package var values: [SQLValue]

    package init(_ values: [SQLValue]) { self.values = values }

    package subscript<T: SQLDecodable>(_ index: Int) -> T {
        T(sqlValue: index < values.count ? values[index] : .null)
    }
}

/// A Swift type a column can be read as.
package protocol SQLDecodable {
    init(sqlValue: SQLValue)
}

extension String: SQLDecodable {
    package init(sqlValue: SQLValue) {
        switch sqlValue {
        case .text(let s): self = s
        case .integer(let i): self = String(i)
        case .real(let d): self = String(d)
        case .null: self = ""
        }
    }
}

extension Int64: SQLDecodable {
    package init(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let i): self = i
        case .real(let d): self = Int64(exactly: d.rounded(.towardZero)) ?? 0
        case .text(let s): self = Int64(s) ?? 0
        case .null: self = 0
        }
    }
}

extension Int: SQLDecodable {
    package init(sqlValue: SQLValue) { self = Int(truncatingIfNeeded: Int64(sqlValue: sqlValue)) }
}

extension Double: SQLDecodable {
    package init(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let i): self = Double(i)
        case .real(let d): self = d
        case .text(let s): self = Double(s) ?? 0
        case .null: self = 0
        }
    }
}

extension Bool: SQLDecodable {
    package init(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let i): self = i != 0
        case .real(let d): self = d != 0
        case .text(let s): self = s == "1" || s.lowercased() == "true" || s == "t"
        case .null: self = false
        }
    }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    package init(sqlValue: SQLValue) {
        if case .null = sqlValue { self = .none } else { self = Wrapped(sqlValue: sqlValue) }
    }
}

/// A Swift value that binds to a statement parameter. Booleans bind as 0/1 (the schema keeps them in integer
/// columns on both databases, so the same SQL compares them).
package protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
}

extension String: SQLValueConvertible {
    package var sqlValue: SQLValue { .text(self) }
}

extension Int64: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(self) }
}

extension Int: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Double: SQLValueConvertible {
    package var sqlValue: SQLValue { .real(self) }
}

extension Bool: SQLValueConvertible {
    package var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}

extension SQLValue: SQLValueConvertible {
    package var sqlValue: SQLValue { self }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    package var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
