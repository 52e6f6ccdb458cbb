import GRDB
import GRDBSQLite
import ProvisioningSQL

/// Binding, stepping and reading statements through SQLite's C API, shared by the writer's connection (GRDB's,
/// whose prepared statements are reused) and the store's read connections. GRDB's own path converted every
/// argument to an existential and every row through a cursor: about a third of a new user's time in the writer.
enum SQLiteC {
    /// Binds `arguments` (after clearing the statement's earlier ones), then steps `statement` to its end,
    /// collecting its rows; the statement is reset afterwards, also when it fails.
    static func run(
        _ statement: OpaquePointer, _ arguments: [SQLValue], connection: OpaquePointer?, sql: String
    ) throws -> [SQLRow] {
        defer { sqlite3_reset(statement) }
        try bind(arguments, to: statement, connection: connection, sql: sql)
        let columns = sqlite3_column_count(statement)
        var rows: [SQLRow] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw error(connection, sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns { values.append(value(statement, column)) }
            rows.append(SQLRow(values))
        }
    }

    static func bind(_ arguments: [SQLValue], to statement: OpaquePointer, connection: OpaquePointer?, sql: String)
        throws
    {
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
                    guard let address = bytes.baseAddress else {
                        return sqlite3_bind_text(statement, index, "", 0, Self.transient)
                    }
                    return sqlite3_bind_text(
                        statement, index, UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self),
                        Int32(bytes.count), Self.transient)
                }
            }
            guard code == SQLITE_OK else { throw error(connection, sql) }
        }
    }

    static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        default:
            // Text, and blobs read as UTF-8 text (the store writes none).
            guard let bytes = sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
    }

    /// GRDB's error for the connection's last failure (with the extended result code), so that the store
    /// classifies every failure the same way, whichever connection it came from.
    static func error(_ connection: OpaquePointer?, _ sql: String) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
            message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }

    /// Adds `scim_lower(text)` to a connection (the writer's and the read connections): Unicode lowercasing as
    /// Swift does it, so SQL comparisons agree with the lowercased columns written from Swift (SQLite's `lower`
    /// folds ASCII only). Anything but text (or a blob, read as UTF-8) gives NULL.
    static func addScimLower(to connection: OpaquePointer?) {
        sqlite3_create_function_v2(
            connection, "scim_lower", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, scimLower, nil, nil, nil)
    }

    static let scimLower: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let argument = arguments?[0],
            [SQLITE_TEXT, SQLITE_BLOB].contains(sqlite3_value_type(argument)),
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

    /// SQLite's "copy this buffer now" destructor.
    nonisolated(unsafe) static let transient = unsafeBitCast(
        OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
