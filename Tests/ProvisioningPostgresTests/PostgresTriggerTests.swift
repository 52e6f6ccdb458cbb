import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
import ProvisioningSQL
import Testing

/// The statement coalescing knows which tables a table's triggers write (``Migrations/tablesWrittenByTriggers``):
/// read from the migrated database, every table a trigger function inserts into, updates or deletes from is named
/// there, so that a trigger added later without it fails here.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresTriggerTests {
    @Test func everyTableATriggerWritesIsKnownToTheCoalescing() async throws {
        try await PostgresTesting.withStore { store in
            let triggers = try await store.read { tx in
                let sql = try #require(tx as? SQLTransaction)
                return try await sql.fetchAll(
                    """
                    SELECT c.relname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid
                    WHERE NOT t.tgisinternal AND n.nspname = current_schema()
                    """
                ).map { row -> (table: String, source: String) in (row[0], row[1]) }
            }
            #expect(triggers.contains { $0.table == "users" }, "the count triggers are there to be read")
            // An upsert's `DO UPDATE SET` writes the table it inserts into: not a table name.
            let written = /(?i)(?:INSERT\s+INTO|UPDATE(?!\s+SET\b)|DELETE\s+FROM)\s+([a-z_]+)/
            for trigger in triggers {
                let tables = Set(trigger.source.matches(of: written).map { String($0.1).lowercased() })
                let known = Migrations.tablesWrittenByTriggers[trigger.table] ?? []
                #expect(tables.isSubset(of: known), "\(trigger.table)'s trigger writes \(tables.subtracting(known))")
            }
        }
    }
}
