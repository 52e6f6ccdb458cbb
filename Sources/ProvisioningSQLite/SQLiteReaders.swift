import Foundation
import GRDB
import GRDBSQLite
import ProvisioningSQL
import Synchronization

/// The store's read-only connections, kept in a small pool and used straight through SQLite's C API.
///
/// Reads are most of a SCIM server's requests (an IdP looks every user up before it writes), and GRDB's read path
/// costs more than the reads themselves: its reader pool (semaphore, locks, a dispatch queue per connection), a
/// `PRAGMA schema_version` check and unprepared `BEGIN` and `COMMIT` statements per transaction. Here a read takes an idle connection (or opens one),
/// runs `BEGIN`, its queries and `COMMIT` as statements prepared once per connection, and gives the connection
/// back: no thread switch, nothing parsed twice. GRDB keeps the writer, migrations and backups.
///
/// Each read is one transaction, so everything it fetches comes from one snapshot of the database (WAL mode:
/// readers never wait for the writer).
final class SQLiteReaders: Sendable {
    let path: String
    let busyTimeout: Double
    let idle = Mutex<[SQLiteReadConnection]>([])

    /// Idle connections kept open (each with its own page cache); more are opened while more reads run at once.
    static let maximumIdle = 4

    init(path: String, busyTimeout: Double) {
        self.path = path
        self.busyTimeout = busyTimeout
    }

    /// Runs `body` in a read transaction on a connection of the pool.
    func read<T>(_ body: (SQLiteReadConnection) async throws -> T) async throws -> T {
        let connection =
            try idle.withLock { $0.popLast() } ?? SQLiteReadConnection(path: path, busyTimeout: busyTimeout)
        defer {
            if connection.isReusable {
                idle.withLock { if $0.count < Self.maximumIdle { $0.append(connection) } }
            }
        }
        try connection.run("BEGIN")
        let result: T
        do {
            result = try await body(connection)
        } catch {
            try? connection.run("ROLLBACK")
            throw error
        }
        try connection.run("COMMIT")
        return result
    }
}

/// One read-only SQLite connection, used by one thread at a time (the pool hands it out), with its prepared
/// statements. Values are always bound, never part of the SQL; still, every shape of SCIM filter compiles to a
/// statement of its own, so the cache is emptied when it reaches ``maximumStatements`` (a client sending ever new
/// filter shapes cannot grow it without bound).
final class SQLiteReadConnection: SQLConnection, @unchecked Sendable {
    let handle: OpaquePointer
    var statements: [String: OpaquePointer] = [:]
    static let maximumStatements = 256

    var dialect: SQLDialect { .sqlite }

    /// False once the connection failed in a way that may have left it in a transaction.
    var isReusable: Bool { sqlite3_get_autocommit(handle) != 0 }

    init(path: String, busyTimeout: Double) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close_v2(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(busyTimeout * 1000))
        SQLiteC.addScimLower(to: handle)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs a statement that returns no rows (`BEGIN`, `COMMIT`).
    func run(_ sql: String) throws {
        _ = try execute(sql, [])
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        _ = try SQLiteC.run(try prepared(sql), arguments, connection: handle, sql: sql)
        return Int(sqlite3_changes(handle))
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try SQLiteC.run(try prepared(sql), arguments, connection: handle, sql: sql)
    }

    /// The statement for `sql`, prepared on first use.
    func prepared(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        if statements.count >= Self.maximumStatements {
            for statement in statements.values { sqlite3_finalize(statement) }
            statements.removeAll(keepingCapacity: true)
        }
        var new: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &new, nil)
        guard code == SQLITE_OK, let new else { throw SQLiteC.error(handle, sql) }
        statements[sql] = new
        return new
    }
}
