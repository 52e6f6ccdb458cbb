import GRDB
import ProvisioningSQL

/// A GRDB connection inside a transaction, as ``SQLTransaction`` uses it. Every statement is prepared once per
/// connection and kept (GRDB's statement cache): the hot lookups run on every SCIM request and should not parse
/// SQL each time. The statements' texts are bounded: values are always bound, never part of the SQL.
struct SQLiteConnection: SQLConnection {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try translatingErrors {
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
            return db.changesCount
        }
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try translatingErrors {
            let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: Self.arguments(arguments))
            var rows: [SQLRow] = []
            while let row = try cursor.next() {
                rows.append(SQLRow(row.databaseValues.map(Self.value)))
            }
            return rows
        }
    }

    /// A unique or primary-key violation becomes the driver-independent ``SQLStoreError/uniqueViolation(_:)``;
    /// every other error stays GRDB's, for the store to classify.
    func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        {
            throw SQLStoreError.uniqueViolation(error.message ?? "constraint")
        }
    }

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(
            values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let s): s
                case .integer(let i): i
                case .real(let d): d
                case .null: nil
                }
            })
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let i): .integer(i)
        case .double(let d): .real(d)
        case .string(let s): .text(s)
        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
        }
    }
}
