import Provisioning

/// ``StoreTransaction`` in SQL, shared by the SQLite and PostgreSQL stores: the driver opens the transaction and
/// hands over its connection; every statement here runs on both databases (the schema keeps booleans as 0/1
/// integers and timestamps as milliseconds on both, and ``SQLDialect`` words the few expressions that differ).
/// This file holds the statement helpers every aggregate uses; the aggregates are in `SQLTransaction+*.swift`.
package struct SQLTransaction: StoreTransaction {
    package let connection: any SQLConnection
    /// Whether the rows this transaction reads to change are locked as it reads them: PostgreSQL's write
    /// transactions, which run concurrently (SQLite runs one write at a time and has no row locks).
    let locksRows: Bool

    package init(_ connection: any SQLConnection, locksRows: Bool = false) {
        self.connection = connection
        self.locksRows = locksRows && connection.dialect == .postgres
    }

    /// What a lookup of a row about to be changed appends: `FOR NO KEY UPDATE`, the lock an `UPDATE` takes (it
    /// does not block the key-share locks of foreign-key checks, so inserting memberships of a locked user does
    /// not wait).
    var forUpdate: String { locksRows ? " FOR NO KEY UPDATE" : "" }

    var dialect: SQLDialect { connection.dialect }

    // MARK: Settings

    package func setting(_ key: String) async throws -> String? {
        try await fetchValue("SELECT value FROM settings WHERE key = ?", [key])
    }

    package func setSetting(_ key: String, _ value: String) async throws {
        try await execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value])
    }

    // MARK: Statements

    /// Runs one statement; returns how many rows it changed.
    @discardableResult
    package func execute(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> Int {
        try await connection.execute(sql, arguments.map(\.sqlValue))
    }

    /// Runs one statement whose row count is not needed; a network driver pipelines it (``SQLConnection/enqueue``).
    package func enqueue(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws {
        try await connection.enqueue(sql, arguments.map(\.sqlValue))
    }

    /// The first row of a query, if any.
    func fetchOne(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> SQLRow? {
        try await connection.query(sql, arguments.map(\.sqlValue)).first
    }

    /// All rows of a query.
    package func fetchAll(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> [SQLRow] {
        try await connection.query(sql, arguments.map(\.sqlValue))
    }

    /// The first column of the first row, if there is a row and the value is not NULL.
    func fetchValue<T: SQLDecodable>(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> T? {
        guard let row = try await fetchOne(sql, arguments), let first = row.values.first, first != .null else {
            return nil
        }
        return T(sqlValue: first)
    }

    /// Runs `body`, turning the database's unique violation into a domain conflict with `message`.
    func unique<T>(_ message: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch SQLStoreError.uniqueViolation {
            throw ProvisioningError.conflict(message())
        }
    }
}
