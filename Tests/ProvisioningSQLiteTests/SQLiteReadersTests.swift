import Foundation
import GRDB
import Provisioning
import ProvisioningSQL
import Testing

@testable import ProvisioningSQLite

/// The store's own read connections (SQLite's C API, not GRDB's reader pool).
@Suite struct SQLiteReadersTests {
    static func count(_ connection: SQLiteReadConnection) throws -> Int {
        try connection.query("SELECT COUNT(*) FROM providers", [])[0][0]
    }

    /// A read is one transaction: a commit made while it runs is not seen until the next read.
    @Test func aReadSeesOneSnapshot() async throws {
        try await SQLiteStoreTests.withStore { store in
            let admin = AdminService(store: store)
            _ = try await admin.addProvider(name: "Okta")
            let seen = try await store.readers.read { connection in
                let before = try Self.count(connection)
                try store.pool.writeWithoutTransaction { db in
                    try db.execute(
                        sql: """
                            INSERT INTO providers (id, name, username, secret_hash, deactivation_delay_seconds,
                            user_name_format, created_at, updated_at) VALUES ('x', 'X', 'u', 'h', 900, 'email', 0, 0)
                            """)
                }
                return (before, try Self.count(connection))
            }
            #expect(seen.0 == 1 && seen.1 == 1)
            #expect(try await store.readers.read(Self.count) == 2)
        }
    }

    @Test func valuesRoundTripAsBound() async throws {
        try await SQLiteStoreTests.withStore { store in
            let row = try await store.readers.read { connection in
                try connection.query(
                    "SELECT ?, ?, ?, ?, ? = '', typeof(?)",
                    [.text("Zoë ✓"), .integer(-42), .real(1.5), .null, .text(""), .text("")])[0]
            }
            #expect(row.values == [.text("Zoë ✓"), .integer(-42), .real(1.5), .null, .integer(1), .text("text")])
        }
    }

    /// The filter compiler's case-insensitive comparisons call `scim_lower`, which the read connections and the
    /// writer's register alike (one implementation): Unicode lowercasing, NULL for NULL and for non-text values.
    @Test func scimLowerLowercasesUnicode() async throws {
        try await SQLiteStoreTests.withStore { store in
            let sql = "SELECT scim_lower('ÅSA Ünal'), scim_lower(NULL), scim_lower(''), scim_lower(42)"
            let expected: [SQLValue] = [.text("åsa ünal"), .null, .text(""), .null]
            let read = try await store.readers.read { connection in try connection.query(sql, [])[0] }
            #expect(read.values == expected)
            let written = try await store.pool.write { db in try SQLiteConnection(db: db).query(sql, [])[0] }
            #expect(written.values == expected)
        }
    }

    /// A failed read rolls back and leaves a connection that later reads reuse; connections are kept, not opened
    /// per read.
    @Test func aFailedReadLeavesTheConnectionUsable() async throws {
        try await SQLiteStoreTests.withStore { store in
            await #expect(throws: DatabaseError.self) {
                try await store.readers.read { connection in _ = try connection.query("SELECT * FROM nowhere", []) }
            }
            var handles: [OpaquePointer] = []
            for _ in 0..<5 { handles.append(try await store.readers.read { connection in connection.handle }) }
            #expect(Set(handles).count == 1)
            #expect(try await store.readers.read(Self.count) == 0)
        }
    }

    /// Read connections cannot write: a body that tries fails and changes nothing.
    @Test func readConnectionsAreReadOnly() async throws {
        try await SQLiteStoreTests.withStore { store in
            await #expect(throws: DatabaseError.self) {
                try await store.readers.read { connection in
                    try connection.execute("DELETE FROM grdb_migrations", [])
                }
            }
            let applied = try store.appliedMigrations()
            #expect(applied == Migrations.all(for: .sqlite).map(\.identifier))
        }
    }

    /// Every filter shape is a statement of its own; the cache stays bounded however many shapes arrive.
    @Test func theStatementCacheIsBounded() async throws {
        try await SQLiteStoreTests.withStore { store in
            let results = try await store.readers.read { connection in
                try (0..<600).map { n in
                    let row = try connection.query("SELECT ? + \(n)", [.integer(1)])[0]
                    #expect(connection.statements.count <= SQLiteReadConnection.maximumStatements)
                    return row[0] as Int
                }
            }
            #expect(results == (0..<600).map { $0 + 1 })
        }
    }
}
