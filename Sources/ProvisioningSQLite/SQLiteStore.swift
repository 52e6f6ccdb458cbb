import Foundation
import GRDB
public import Provisioning
import ProvisioningSQL
import SCIM

/// The embedded store: one SQLite file in WAL mode through GRDB, shared safely by the server and every CLI
/// command running at the same time (readers never block the writer; writers wait up to the busy timeout).
public final class SQLiteStore: ProvisioningStore {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            db.add(function: SQLiteStore.lowercase)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// `scim_lower(text)`: Unicode lowercasing as Swift does it, so SQL comparisons agree with the lowercased
    /// columns written from Swift (SQLite's `lower` folds ASCII only).
    static let lowercase = DatabaseFunction("scim_lower", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0])?.lowercased()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in Migrations.all(for: .sqlite) {
            migrator.registerMigration(migration.identifier) { db in
                for statement in migration.statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }

    public func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        do {
            return try await pool.write { db in try body(SQLiteTransaction(db: db)) }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ProvisioningError.conflict("A value that must be unique is already taken (\(error.message ?? "constraint")).")
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await pool.read { db in try body(SQLiteTransaction(db: db)) }
    }
}
