import Foundation
import GRDB
package import Provisioning
import ProvisioningSQL
import SCIM
package import ServiceLifecycle
import Synchronization

/// The embedded store: one SQLite file in WAL mode through GRDB, shared safely by the server and every CLI
/// command running at the same time (readers never block the writer; writers wait up to the busy timeout).
package final class SQLiteStore: ProvisioningStore, Service {
    let pool: DatabasePool
    let readers: SQLiteReaders

    /// When a commit reaches the disk (SQLite's `synchronous` in WAL mode).
    package enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=NORMAL`: a commit survives a crash of the process; the last commits before a power loss
        /// or an OS crash may be rolled back (the database stays consistent). The IdP re-sends what it still
        /// holds, which is why this is the default.
        case normal
        /// `synchronous=FULL`: every commit is on disk before it is acknowledged (an fsync per write).
        case full
    }

    /// Opens (creating if needed) the database at `path` and runs pending migrations. A write waits up to
    /// `busyTimeout` seconds for another process's write (the CLI beside the server) before giving up.
    package init(path: String, durability: Durability = .normal, busyTimeout: Double = 10) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            SQLiteC.addScimLower(to: db.sqliteConnection)
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // Keeps savepoints' sub-journals in memory. Every queued write runs in a savepoint (see
            // `withTransaction`), and a savepoint that changed more than 64 KiB of pages (a new user touches about
            // fifteen) spilled its sub-journal to a temporary file: access, open, unlink, write and close on every
            // such write. Temporary tables and sort files, which Roster does not use at scale, stay in memory too.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        pool = try Self.openPool(path: path, configuration: configuration, timeout: busyTimeout)
        try Self.migrate(pool)
        readers = SQLiteReaders(path: path, busyTimeout: busyTimeout)
    }

    /// Opens the pool, retrying while another process holds the file. Opening a new file switches it to WAL mode,
    /// which needs the file to itself; when another process opens the same new file at that moment, SQLite answers
    /// "database is locked" at once instead of waiting (it does not call the busy handler where waiting could
    /// deadlock), so the busy timeout alone does not cover it. Four stores opening one new file together failed
    /// this way in 3 of 75 rounds of `storesOpeningANewDatabaseTogetherMigrateItOnce`, none of 100 since.
    static func openPool(path: String, configuration: Configuration, timeout: Double) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline
            {
                Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.025))
            }
        }
    }

    /// Applies the migrations this database lacks, all in one `IMMEDIATE` transaction, so that deciding what is
    /// missing and applying it are one step. Processes that open a new database at the same moment (the server
    /// and a CLI command, several CLI commands) each find it either untouched or fully migrated: the later ones
    /// wait for the write lock (the busy timeout), then find nothing to do. GRDB's `DatabaseMigrator` lists what is
    /// missing before it takes the lock, so the later process failed with "table … already exists". Applied
    /// identifiers are kept in GRDB's `grdb_migrations` table, so databases it migrated stay as they are. A
    /// migration that rebuilds a table would have to run with foreign keys off, outside this transaction.
    static func migrate(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
                for migration in Migrations.all(for: .sqlite) where !applied.contains(migration.identifier) {
                    for statement in migration.statements { try db.execute(sql: statement) }
                    try db.execute(
                        sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.identifier])
                }
                return .commit
            }
        }
    }

    /// The migrations applied to this database, in the order they were applied.
    package func appliedMigrations() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
    }

    /// Runs `body` in a write transaction of its own, as far as anyone can tell: writes that arrive while another
    /// is being written wait in a queue, and the next SQLite transaction runs each waiting body in a savepoint of its
    /// own, one after the other, then commits once (group commit). A body that throws rolls back its savepoint
    /// only; every caller resumes after the commit that made its changes durable. Under concurrent load this
    /// writes shared pages (a provider's counters, index pages, the sync log's tail) to the WAL once per batch
    /// instead of once per request.
    package func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws
        -> T
    {
        try await withoutActuallyEscaping(body) { body in
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let outcome = Outcome<T>()
                let write = PendingWrite(
                    run: { db in
                        do {
                            try Self.inSavepoint(db) {
                                let tx = SQLTransaction(SQLiteConnection(db: db))
                                outcome.result = .success(try InlineExecution.run { try await body(tx) })
                            }
                        } catch let error as DatabaseError where error.resultCode != .SQLITE_CONSTRAINT {
                            // Busy, full, I/O: SQLite may have rolled the whole transaction back. The batch stops
                            // and every body in it fails (none was committed), rather than guess what survived.
                            throw error
                        } catch {
                            outcome.result = .failure(Self.translate(error))
                        }
                    },
                    finish: { batchError in
                        if let batchError {
                            continuation.resume(throwing: Self.translate(batchError))
                        } else {
                            continuation.resume(
                                with: outcome.result ?? .failure(ProvisioningError.unavailable("The write was lost.")))
                        }
                    })
                let startDraining = writes.withLock { queue in
                    queue.pending.append(write)
                    defer { queue.draining = true }
                    return !queue.draining
                }
                if startDraining { wakeWriter() }
            }
        }
    }

    /// Runs `body` in a savepoint of the writer's transaction: released when it returns; rolled back to, then
    /// released, when it throws. The three statements are prepared once and reused (GRDB's `inSavepoint` parses
    /// its SQL on every call). A failure that already rolled the whole transaction back (disk full, I/O) leaves
    /// no savepoint to roll back to; the batch then fails as a whole.
    static func inSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        let connection = SQLiteConnection(db: db)
        func run(_ sql: String) throws { try connection.execute(sql, []) }
        try run("SAVEPOINT queued_write")
        do {
            try body()
        } catch {
            try? run("ROLLBACK TO queued_write")
            try? run("RELEASE queued_write")
            throw error
        }
        try run("RELEASE queued_write")
    }

    /// Runs `body` in an `IMMEDIATE` transaction (the write lock taken at once, so that it cannot fail to upgrade
    /// later), committed when `body` returns and rolled back when it or the commit throws. Like the savepoints,
    /// `BEGIN`, `COMMIT` and `ROLLBACK` are statements prepared once: GRDB's `write` parses both of its statements
    /// on every transaction.
    static func inImmediateTransaction(_ db: Database, _ body: () throws -> Void) throws {
        let connection = SQLiteConnection(db: db)
        try connection.execute("BEGIN IMMEDIATE", [])
        do {
            try body()
            try connection.execute("COMMIT", [])
        } catch {
            // A failed COMMIT leaves the transaction open; SQLite may already have rolled it back (disk full, I/O).
            if db.isInsideTransaction { _ = try? connection.execute("ROLLBACK", []) }
            throw error
        }
    }

    /// Writes queued bodies, a batch per SQLite transaction, until the queue is empty.
    func drain() async {
        while true {
            let batch: [PendingWrite] = writes.withLock { queue in
                let batch = Array(queue.pending.prefix(Self.maximumBatch))
                queue.pending.removeFirst(batch.count)
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            var batchError: (any Error)?
            do {
                try await pool.writeWithoutTransaction { db in
                    try Self.inImmediateTransaction(db) { for write in batch { try write.run?(db) } }
                }
            } catch {
                batchError = error
            }
            // The bodies go before their callers resume (they must not outlive `withoutActuallyEscaping`).
            for write in batch { write.run = nil }
            for write in batch {
                write.finish?(batchError)
                write.finish = nil
            }
        }
    }

    /// At most this many bodies share one SQLite transaction (bounds the wait of the last one).
    static let maximumBatch = 64

    let writes = Mutex<(pending: [PendingWrite], draining: Bool)>(([], false))
    /// Wakes ``run()`` to write the queue, while it runs.
    let writer = Mutex<AsyncStream<Void>.Continuation?>(nil)

    /// Has the queue written: by ``run()`` when the store runs as a service (in the server's service group, or
    /// beside a command: `roster`'s `CommandServices`), else by a task started for it (a store a test opens, or
    /// a write before the service runs). The task ends when the queue is empty.
    func wakeWriter() {
        if let writer = writer.withLock({ $0 }) {
            writer.yield()
        } else {
            Task { await self.drain() }
        }
    }

    /// The store runs itself (``run()``).
    package var service: (any Service)? { self }

    /// Whether ``run()`` is writing the queue (else each write's caller starts a task for it).
    package var isRunning: Bool { writer.withLock { $0 != nil } }

    /// Writes the queue whenever writes arrive, until the task is cancelled or the service group shuts down;
    /// writes that arrive after that are written by a task of their own (``wakeWriter()``), so none waits forever.
    package func run() async throws {
        let (wakeups, writer) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.writer.withLock { $0 = writer }
        await withTaskCancellationOrGracefulShutdownHandler {
            for await _ in wakeups { await drain() }
        } onCancelOrGracefulShutdown: {
            writer.finish()
        }
        self.writer.withLock { $0 = nil }
        // A write queued while the service stopped found it still set; it is written now.
        let queued = writes.withLock { !$0.pending.isEmpty }
        if queued { await drain() }
    }

    /// The domain's view of a failure: unique violations are conflicts, transient SQLite failures `unavailable`.
    static func translate(_ error: any Error) -> any Error {
        if let error = error as? SQLStoreError { return error.provisioningError }
        if let error = error as? DatabaseError { return unavailable(error) ?? error }
        return error
    }

    /// A transient failure of the database as ``ProvisioningError/Code/unavailable``: busy or locked past the
    /// timeout, disk or quota full, I/O errors. The transaction was rolled back, so retrying is safe.
    static func unavailable(_ error: DatabaseError) -> ProvisioningError? {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .unavailable("The database is busy; nothing was changed. Retry in a few seconds.")
        case .SQLITE_FULL:
            return .unavailable("The database's disk is full; nothing was changed. Free space, then retry.")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY:
            return .unavailable(
                "The database could not be written (\(error.resultCode)); nothing was changed. Retry later.")
        default:
            return nil
        }
    }

    /// Reads run on the calling task, on the store's own read connections (``SQLiteReaders``): in WAL mode a read
    /// never waits for a writer, an indexed lookup takes microseconds, and handing it to a dispatch queue and back
    /// would cost more (two thread switches per read) than the read itself. Writes, which may wait for the write
    /// lock, go to GRDB's writer queue.
    package func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        do {
            return try await readers.read { connection in try await body(SQLTransaction(connection)) }
        } catch {
            throw Self.translate(error)
        }
    }

    /// Writes a consistent copy of the database to `path` while the service keeps running (SQLite's online backup:
    /// the copy is one snapshot; writers are not blocked for the whole copy). Refuses to overwrite a file.
    package func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ProvisioningError.conflict("'\(path)' exists already; choose a new file name for the backup.")
        }
        let destination = try DatabaseQueue(path: path)
        try pool.backup(to: destination)
        try destination.close()
    }
}

/// A body waiting for the writer, and how to resume its caller (see ``SQLiteStore/withTransaction(_:)``).
final class PendingWrite: @unchecked Sendable {
    var run: ((Database) throws -> Void)?
    var finish: (((any Error)?) -> Void)?

    init(run: @escaping (Database) throws -> Void, finish: @escaping ((any Error)?) -> Void) {
        self.run = run
        self.finish = finish
    }
}

/// What one body produced inside a batch.
final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
