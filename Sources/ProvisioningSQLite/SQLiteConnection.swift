import GRDB
import GRDBSQLite
import ProvisioningSQL

/// The writer's GRDB connection inside a transaction, as ``SQLTransaction`` uses it. Every statement is prepared
/// once per connection and kept (GRDB's statement cache, which also finalizes them), then bound and stepped through
/// SQLite's C API (``SQLiteC``). The statements' texts are bounded: values are always bound, never part of the SQL.
struct SQLiteConnection: SQLConnection {
    let db: Database

    var dialect: SQLDialect { .sqlite }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try translatingErrors {
            _ = try SQLiteC.run(
                try db.cachedStatement(sql: sql).sqliteStatement, arguments, connection: db.sqliteConnection, sql: sql)
            return Int(sqlite3_changes(db.sqliteConnection))
        }
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try translatingErrors {
            try SQLiteC.run(
                try db.cachedStatement(sql: sql).sqliteStatement, arguments, connection: db.sqliteConnection, sql: sql)
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
}
