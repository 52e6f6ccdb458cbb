import Foundation
import GRDB
import Provisioning
import ProvisioningSQL
import ProvisioningTesting
import SCIM
import Synchronization
import Testing

@testable import ProvisioningSQLite

@Suite struct SQLiteStoreTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("roster-test-\(UUID().uuidString).sqlite").path
    }

    /// A store on a new file, removed (with its WAL files) afterwards.
    static func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let path = temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await body(try SQLiteStore(path: path))
    }

    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: String) async throws {
        try await Self.withStore { store in try await StoreConformance.run(check, on: store) }
    }

    @Test func reopeningKeepsDataAndMigratesOnce() async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let admin = AdminService(store: try SQLiteStore(path: path))
        let issued = try await admin.addProvider(name: "Okta")
        let reopened = AdminService(store: try SQLiteStore(path: path))
        let provider = try await reopened.provider(id: issued.provider.id)
        #expect(provider.name == "Okta")
        #expect(Credentials.verify(secret: issued.secret, storedHash: provider.secretHash))
    }

    /// A database made before the counts were sharded keeps its counts: `v7-concurrent-counts` rebuilds them from
    /// the users (linked users of each provider, per 1,024-`seq` block), and the new triggers keep them after.
    @Test func shardingTheCountsKeepsThemExact() async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let before = Migrations.all(for: .sqlite).prefix { $0.identifier != "v7-concurrent-counts" }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            SQLiteC.addScimLower(to: db.sqliteConnection)
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for migration in before {
                for statement in migration.statements { try db.execute(sql: statement) }
                try db.execute(
                    sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.identifier])
            }
            for p in ["p1", "p2"] {
                try db.execute(
                    sql: """
                        INSERT INTO providers (id, name, username, secret_hash, deactivation_delay_seconds, created_at,
                        updated_at) VALUES (?, ?, ?, 'h', 900, 0, 0)
                        """, arguments: [p, p, "user-" + p])
            }
            // 2,500 users: every 3rd of p2, every 10th of p1 unlinked.
            for i in 0..<2_500 {
                let owner = i % 3 == 0 ? "p2" : "p1"
                try db.execute(
                    sql: """
                        INSERT INTO users (id, provider_id, linked, user_name, user_name_lower, scim_active, status,
                        doc, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 'active', '{}', 1, ?, ?)
                        """, arguments: ["u\(i)", owner, i % 10 == 1 ? 0 : 1, "u\(i)@x", "u\(i)@x", i, i])
            }
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        let expected = (0..<2_500).filter { $0 % 3 != 0 && $0 % 10 != 1 }
        let (p1, p2) = try await store.read { tx in
            (try await tx.userCount(providerID: "p1"), try await tx.userCount(providerID: "p2"))
        }
        #expect(p1 == expected.count)
        #expect(p2 == (0..<2_500).filter { $0 % 3 == 0 && $0 % 10 != 1 }.count)
        let page = try await store.read { tx in
            try await tx.users(providerID: "p1", query: StoreQuery(filter: nil, sort: nil, offset: 2_100, limit: 10))
        }
        #expect(page.totalResults == expected.count)
        #expect(page.items.map(\.id) == expected.dropFirst(2_100).prefix(10).map { "u\($0)" })
        // The new triggers count from here: an unlink and a delete.
        try await store.withTransaction { tx in
            var user = try #require(try await tx.user(id: "u2"))
            user.linked = false
            user.version += 1
            try await tx.updateUser(user)
        }
        #expect(try await store.read { try await $0.userCount(providerID: "p1") } == expected.count - 1)
    }

    /// The server and a CLI command opening a new database at the same moment: each store (connections of its
    /// own, like a process) opens it, and every migration is applied exactly once. Before migrations ran in one
    /// transaction, the later opener failed with "table … already exists".
    @Test func storesOpeningANewDatabaseTogetherMigrateItOnce() async throws {
        for _ in 0..<5 {
            let path = Self.temporaryPath()
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            // Four threads of their own (not the task pool's two), released together.
            let opened = Mutex<[Result<SQLiteStore, any Error>]>([])
            let start = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            for _ in 0..<4 {
                done.enter()
                Thread.detachNewThread {
                    start.wait()
                    let result = Result { try SQLiteStore(path: path) }
                    opened.withLock { $0.append(result) }
                    done.leave()
                }
            }
            for _ in 0..<4 { start.signal() }
            done.wait()
            let stores = try opened.withLock { try $0.map { try $0.get() } }
            #expect(stores.count == 4)
            let expected = Migrations.all(for: .sqlite).map(\.identifier)
            for store in stores { #expect(try store.appliedMigrations() == expected) }
            let issued = try await AdminService(store: stores[3]).addProvider(name: "Okta")
            #expect(try await AdminService(store: stores[0]).provider(id: issued.provider.id).name == "Okta")
        }
    }

    /// Writes that arrive together share one SQLite transaction (group commit), each body in a savepoint of its
    /// own: a body that throws after writing leaves nothing behind, and the bodies beside it in its batch commit.
    /// Run as a service, the store writes its queue in `run()`; once the service stops, writes still complete (a
    /// task of their own writes them).
    @Test func theWriterRunsAsAServiceAndWritesAfterItStops() async throws {
        try await Self.withStore { store in
            let admin = AdminService(store: store)
            let service = Task { try await store.run() }
            for _ in 0..<100 where store.writer.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(10)) }
            let running = store.writer.withLock { $0 != nil }
            #expect(running)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<20 { group.addTask { _ = try await admin.addProvider(name: "during \(n)") } }
                try await group.waitForAll()
            }
            service.cancel()
            try await service.value
            let stopped = store.writer.withLock { $0 == nil }
            #expect(stopped)
            _ = try await admin.addProvider(name: "after")
            #expect(try await admin.providers().count == 21)
        }
    }

    @Test func aFailingWriteInABatchRollsBackOnlyItself() async throws {
        struct Refused: Error {}
        try await Self.withStore { store in
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for i in 0..<40 {
                    group.addTask {
                        do {
                            try await store.withTransaction { tx in
                                try await tx.insertProvider(
                                    Provider(
                                        id: "p\(i)", name: "P\(i)", username: "u\(i)", secretHash: "h",
                                        deactivationDelay: .seconds(900), createdAt: Date(), updatedAt: Date()))
                                if i % 2 == 1 { throw Refused() }
                            }
                            return (i, true)
                        } catch is Refused {
                            return (i, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.count == 40)
            #expect(outcomes.allSatisfy { $0.value == ($0.key % 2 == 0) })
            let stored = try await store.read { tx in try await tx.providers().map(\.id) }
            #expect(Set(stored) == Set((0..<40).filter { $0 % 2 == 0 }.map { "p\($0)" }))
        }
    }

    /// The writer's own `BEGIN IMMEDIATE` … `COMMIT`: a body that throws, and a commit that fails (a deferred
    /// foreign key), leave nothing written and no transaction open, and the next transaction commits.
    @Test func theWritersTransactionCommitsOrRollsBackWhole() async throws {
        struct Refused: Error {}
        try await Self.withStore { store in
            try store.pool.writeWithoutTransaction { db in
                #expect(throws: Refused.self) {
                    try SQLiteStore.inImmediateTransaction(db) {
                        try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('thrown', '1')")
                        throw Refused()
                    }
                }
                #expect(!db.isInsideTransaction)
                let failedCommit = #expect(throws: DatabaseError.self) {
                    try SQLiteStore.inImmediateTransaction(db) {
                        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                        try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('uncommitted', '1')")
                        try db.execute(
                            sql:
                                "INSERT INTO devices (id, user_id, name, created_at) VALUES ('d', 'nobody', 'laptop', 0)"
                        )
                    }
                }
                #expect(failedCommit?.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY)
                #expect(!db.isInsideTransaction)
                try SQLiteStore.inImmediateTransaction(db) {
                    try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('committed', '1')")
                }
                #expect(!db.isInsideTransaction)
            }
            let keys = try store.pool.read { db in
                try String.fetchAll(
                    db, sql: "SELECT key FROM settings WHERE key IN ('thrown', 'uncommitted', 'committed')")
            }
            #expect(keys == ["committed"])
            #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM devices") } == 0)
        }
    }

    /// Every connection keeps temporary data (savepoints' sub-journals) in memory: each queued write runs in a
    /// savepoint, and on disk a large one spilled to a temporary file created and deleted per write.
    @Test func connectionsKeepSubJournalsInMemory() async throws {
        try await Self.withStore { store in
            let memory = 2  // PRAGMA temp_store: 0 default, 1 file, 2 memory
            let writer = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") }
            let reader = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") }
            #expect(writer == memory && reader == memory)
        }
    }

    @Test func onlineBackupIsAConsistentCopy() async throws {
        let path = Self.temporaryPath()
        let copy = Self.temporaryPath()
        defer {
            for file in [path, copy] {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
            }
        }
        let store = try SQLiteStore(path: path)
        let admin = AdminService(store: store)
        let issued = try await admin.addProvider(name: "Okta")
        for i in 0..<50 { _ = try await admin.addLocalUser(email: "u\(i)@example.com", name: nil) }
        // Writes go on while the copy is taken; the copy holds a snapshot that opens as a store.
        async let writes: Void = {
            for i in 50..<100 { _ = try await admin.addLocalUser(email: "u\(i)@example.com", name: nil) }
        }()
        try store.backup(to: copy)
        try await writes
        let restored = AdminService(store: try SQLiteStore(path: copy))
        #expect(try await restored.provider(id: issued.provider.id).name == "Okta")
        let users = try await restored.users(limit: 1000)
        #expect(users.count >= 50 && users.count <= 100)
        #expect(users.map(\.userName) == (0..<users.count).map { "u\($0)@example.com" })
        #expect(try await restored.syncLog(SyncLogQuery(limit: 1000)).count == users.count)
        // It never overwrites.
        #expect(throws: ProvisioningError.self) { try store.backup(to: copy) }
    }

    /// A full disk (simulated with `max_page_count`) fails the whole transaction as `unavailable`, writes nothing,
    /// and the store recovers as soon as there is room, without reopening.
    @Test func diskFullIsUnavailableAndRecovers() async throws {
        try await Self.withStore { store in
            let admin = AdminService(store: store)
            _ = try await admin.addLocalUser(email: "first@example.com", name: nil)
            let pages = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            try await store.pool.write { db in try db.execute(sql: "PRAGMA max_page_count = \(pages + 2)") }
            do {
                try await store.withTransaction { tx in
                    for i in 0..<2000 {
                        try await tx.insertUser(
                            UserRecord(
                                id: "u\(i)", providerID: nil, userName: "bulk\(i)@example.com", scimActive: true,
                                attributes: [
                                    "userName": .string("bulk\(i)@example.com"),
                                    "title": .string(String(repeating: "x", count: 200)),
                                ],
                                createdAt: Date(), updatedAt: Date()))
                    }
                }
                Issue.record("the transaction should not fit")
            } catch let error as ProvisioningError {
                #expect(error.code == .unavailable && error.message.contains("disk is full"))
            }
            #expect(try await admin.users(limit: 10_000).count == 1)
            try await store.pool.write { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            _ = try await admin.addLocalUser(email: "second@example.com", name: nil)
            #expect(try await admin.users(limit: 10_000).count == 2)
            #expect(try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        }
    }

    /// Another process holding the write lock past the busy timeout makes a write `unavailable`; it goes through
    /// once the lock is released.
    @Test func lockedDatabaseIsUnavailableAndRecovers() async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path, busyTimeout: 0.2)
        let admin = AdminService(store: store)
        // Another connection (as another process would) takes the write lock and holds it until released.
        let other = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Task {
            try await other.write { db in
                try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('holder', 'x')")
                locked.signal()
                release.wait()
            }
        }
        locked.wait()
        await #expect(
            throws: ProvisioningError.unavailable("The database is busy; nothing was changed. Retry in a few seconds.")
        ) {
            try await admin.addLocalUser(email: "waiting@example.com", name: nil)
        }
        release.signal()
        try await holder.value
        _ = try await admin.addLocalUser(email: "waiting@example.com", name: nil)
        #expect(try await admin.users(limit: 10).map(\.userName) == ["waiting@example.com"])
    }
}
