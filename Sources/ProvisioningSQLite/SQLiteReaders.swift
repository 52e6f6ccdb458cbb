import Foundation
import GRDB
import GRDBSQLite
import ProvisioningSQL
import Synchronization

/// The store's read-only connections, kept in a small pool and used straight through SQLite's C API.
///
/// Reads are most of a SCIM server's requests (an IdP looks every user up before it writes), and GRDB's read path
/// cost more than the reads themselves: its reader pool (semaphore, locks, a dispatch queue per connection), a
/// `PRAGMA schema_version` check and unprepared `BEGIN` and `COMMIT` statements per transaction came to about half
/// of every read's CPU in a profile of the initial sync. Here a read takes an idle connection (or opens one),
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
    func read<T>(_ body: (SQLiteReadConnection) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? SQLiteReadConnection(path: path, busyTimeout: busyTimeout)
        defer {
            if connection.isReusable {
                idle.withLock { if $0.count < Self.maximumIdle { $0.append(connection) } }
            }
        }
        try connection.run("BEGIN")
        let result: T
        do {
            result = try body(connection)
        } catch {
            try? connection.run("ROLLBACK")
            throw error
        }
        try connection.run("COMMIT")
        return result
    }
}

/// One read-only SQLite connection, used by one thread at a time (the pool hands it out), with its prepared
/// statements. Values are always bound, so the statements' texts, the cache's keys, are bounded.
final class SQLiteReadConnection: SQLConnection, @unchecked Sendable {
    let handle: OpaquePointer
    var statements: [String: OpaquePointer] = [:]

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
        sqlite3_create_function_v2(
            handle, "scim_lower", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, scimLower, nil, nil, nil)
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
        let statement = try prepared(sql, arguments)
        defer { sqlite3_reset(statement) }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else { throw error(code, sql) }
        return Int(sqlite3_changes(handle))
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let statement = try prepared(sql, arguments)
        defer { sqlite3_reset(statement) }
        let columns = sqlite3_column_count(statement)
        var rows: [SQLRow] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw error(code, sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns { values.append(value(statement, column)) }
            rows.append(SQLRow(values))
        }
    }

    /// The statement for `sql`, prepared on first use, with `arguments` bound.
    func prepared(_ sql: String, _ arguments: [SQLValue]) throws -> OpaquePointer {
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var new: OpaquePointer?
            let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &new, nil)
            guard code == SQLITE_OK, let new else { throw error(code, sql) }
            statements[sql] = new
            statement = new
        }
        sqlite3_clear_bindings(statement)
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let value): code = sqlite3_bind_int64(statement, index, value)
            case .real(let value): code = sqlite3_bind_double(statement, index, value)
            case .text(var value):
                code = value.withUTF8 { bytes in
                    // An empty buffer may have no address, which SQLite would bind as NULL rather than ''.
                    guard let address = bytes.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, transient) }
                    return sqlite3_bind_text(
                        statement, index, UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self),
                        Int32(bytes.count), transient)
                }
            }
            guard code == SQLITE_OK else { throw error(code, sql) }
        }
        return statement
    }

    func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        default:
            // Text, and blobs read as UTF-8 text, as the GRDB connection reads them.
            guard let bytes = sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
    }

    /// GRDB's error for a failed call, so that the store classifies it as it does the writer's.
    func error(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(handle)),
            message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

/// SQLite's "copy this buffer now" destructor.
nonisolated(unsafe) private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// `scim_lower(text)` on the read connections: the same Unicode lowercasing as ``SQLiteStore/lowercase``.
private let scimLower: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
    context, _, arguments in
    guard let argument = arguments?[0], sqlite3_value_type(argument) != SQLITE_NULL,
        let text = sqlite3_value_text(argument)
    else {
        sqlite3_result_null(context)
        return
    }
    let count = Int(sqlite3_value_bytes(argument))
    var lowered = String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self).lowercased()
    lowered.withUTF8 { bytes in
        guard let address = bytes.baseAddress else { return sqlite3_result_text(context, "", 0, transient) }
        sqlite3_result_text(
            context, UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
    }
}
