import Foundation
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
public import Provisioning
import ProvisioningSQL
import Synchronization

/// The store for several instances: PostgreSQL through postgres-nio.
///
/// **Transactions.** The domain's transaction bodies are synchronous, so the store runs each body on a thread of
/// its own pool (one thread per connection, never an event loop), where every statement waits for its result.
/// Writes are serialized across every instance by a transaction-scoped advisory lock taken first in each write
/// transaction: the same single-writer rule SQLite has, so the domain's read-check-write sequences (userName
/// uniqueness, `If-Match` versions, membership counts, the deactivation scheduler's claims) mean the same on both
/// databases, while reads, which are most requests, run in parallel on every instance. A write waits at most
/// `lock_timeout` seconds for the lock, then answers 503. The unique indexes back the rule up.
///
/// **Failures.** A lost connection, a server that is restarting, a full disk or a lock timeout roll the
/// transaction back and throw ``ProvisioningError/Code/unavailable`` (503 with `Retry-After`); the broken
/// connection is dropped and the next request opens a new one, so the service recovers without a restart.
public final class PostgresStore: ProvisioningStore {
    public let url: PostgresURL
    let pool: ConnectionPool
    let threads: NIOThreadPool
    let writeLockKey: Int64

    /// Connects, creates the schema if the URL names one, and runs pending migrations: once, even when several
    /// instances start together (a session advisory lock guards them).
    public static func open(_ url: PostgresURL, logger: Logger = Logger(label: "roster.postgres")) async throws
        -> PostgresStore
    {
        let store = try PostgresStore(url: url, logger: logger)
        do {
            try await store.onThread { try store.migrate() }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    init(url: PostgresURL, logger: Logger) throws {
        self.url = url
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        pool = ConnectionPool(url: url, configuration: configuration, logger: logger)
        threads = NIOThreadPool(numberOfThreads: url.poolSize)
        threads.start()
        writeLockKey = Self.lockKey("roster-write:\(url.schema ?? "public")")
    }

    deinit {
        pool.closeAll()
        threads.shutdownGracefully { _ in }
    }

    /// Closes every connection and stops the store's threads.
    public func close() async throws {
        pool.closeAll()
        try await threads.shutdownGracefully()
    }

    public func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await onThread(write: true, body)
    }

    public func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await onThread(write: false, body)
    }

    /// Runs a transaction body on a store thread. The body does not escape: the thread lets go of it before the
    /// caller resumes (the box is emptied on the thread), which `withoutActuallyEscaping` checks.
    func onThread<T: Sendable>(write: Bool, _ body: @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let box = BodyBox(body)
            return try await onThread {
                defer { box.body = nil }
                guard let body = box.body else { throw ProvisioningError.unavailable("The transaction was abandoned.") }
                return try self.transaction(write: write, body)
            }
        }
    }

    func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await threads.runIfActive(work)
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw ProvisioningError.unavailable("The store is closed.")
        }
    }

    /// One transaction on a pooled connection: read-only at a snapshot, or a write holding the write lock.
    func transaction<T>(write: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T {
        try withConnection { sql in
            try Self.rollingBack(sql) {
                // Pipelined: the transaction's opening statements go out without waiting for their answers (a
                // connection runs its statements in order, so the body's first statement runs after them); their
                // outcome is checked before the commit. A read's COMMIT is not waited for either: it cannot fail
                // but with the connection, and the connection's next statement queues behind it.
                var opening = [sql.send(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [])]
                if write { opening.append(sql.send("SELECT pg_advisory_xact_lock(?)", [.integer(writeLockKey)])) }
                let result: T
                do {
                    result = try body(SQLTransaction(sql))
                } catch {
                    for future in opening { _ = try sql.answer(future) }  // a failed BEGIN or lock explains the error
                    throw error
                }
                for future in opening { _ = try sql.answer(future) }
                if write {
                    try sql.execute("COMMIT", [])
                } else {
                    sql.send("COMMIT", []).whenFailure { _ in }
                }
                return result
            }
        }
    }

    /// Runs `body` on a pooled connection, on the calling (store) thread. A connection that failed, or that could
    /// not roll back, is closed instead of going back to the pool. Errors come out as the domain sees them.
    func withConnection<T>(_ body: (PostgresSQLConnection) throws -> T) throws -> T {
        let connection: PostgresConnection
        do {
            connection = try pool.checkout()
        } catch {
            throw Self.translate(error)
        }
        var healthy = true
        defer { pool.checkin(connection, healthy: healthy) }
        do {
            return try body(PostgresSQLConnection(connection: connection, logger: pool.logger, deadline: pool.deadline))
        } catch let broken as BrokenConnection {
            healthy = false
            throw Self.translate(broken.underlying)
        } catch {
            healthy = !Self.isConnectionFailure(error)
            throw Self.translate(error)
        }
    }

    /// Runs `body` inside the connection's open transaction and rolls it back when `body` throws; a connection
    /// that cannot roll back is marked broken.
    static func rollingBack<T>(_ sql: PostgresSQLConnection, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            if !isConnectionFailure(error), (try? sql.execute("ROLLBACK", [])) != nil { throw error }
            throw BrokenConnection(underlying: error)
        }
    }

    /// A failure after which the connection must not be reused.
    struct BrokenConnection: Error {
        var underlying: any Error
    }

    // MARK: Migrations

    /// Runs pending migrations under a session advisory lock: a second instance starting at the same time waits,
    /// then finds nothing left to do. Each migration runs in a transaction of its own.
    func migrate() throws {
        let key = Self.lockKey("roster-migrate:\(url.schema ?? "public")")
        try withConnection { sql in
            try sql.execute("SELECT pg_advisory_lock(?)", [.integer(key)])
            defer { _ = try? sql.execute("SELECT pg_advisory_unlock(?)", [.integer(key)]) }
            if let schema = url.schema { try sql.execute("CREATE SCHEMA IF NOT EXISTS \(schema)", []) }
            try sql.execute(
                "CREATE TABLE IF NOT EXISTS roster_migrations (identifier TEXT PRIMARY KEY NOT NULL, applied_at BIGINT NOT NULL)",
                [])
            let applied = Set(try sql.query("SELECT identifier FROM roster_migrations", []).map { $0[0] as String })
            for migration in Migrations.all(for: .postgres) where !applied.contains(migration.identifier) {
                try sql.execute("BEGIN", [])
                try Self.rollingBack(sql) {
                    for statement in migration.statements { try sql.execute(statement, []) }
                    try sql.execute(
                        "INSERT INTO roster_migrations (identifier, applied_at) VALUES (?, ?)",
                        [.text(migration.identifier), .integer(RowCoding.milliseconds(Date()))])
                    try sql.execute("COMMIT", [])
                }
            }
        }
    }

    /// The migrations applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await onThread {
            try self.withConnection {
                try $0.query("SELECT identifier FROM roster_migrations ORDER BY applied_at, identifier", []).map { $0[0] }
            }
        }
    }

    /// Drops the schema the URL names, with everything in it, and closes the store: for tests and throwaway
    /// deployments. Refuses when the URL names no schema (Roster never drops `public`).
    public func dropSchema() async throws {
        guard let schema = url.schema else {
            throw ProvisioningError.invalid("Only a store opened with ?schema=NAME can drop its schema.")
        }
        try await onThread { try self.withConnection { try $0.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE", []) } }
        try await close()
    }

    // MARK: Errors

    /// A stable 64-bit key for an advisory lock (FNV-1a of `name`).
    static func lockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || state.hasPrefix("57P")
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .sslUnsupported,
                .failedToAddSSLHandler, .messageDecodingFailure, .unexpectedBackendMessage:
                return true
            default:
                return false
            }
        }
        return error is IOError || error is ChannelError || error is NIOConnectionError
            || error is ConnectionPool.ConnectFailure || error is PostgresSQLConnection.NoAnswer
    }

    /// The domain's view of a failure: unique violations are conflicts; an unreachable or restarting server, a
    /// full disk and lock or statement timeouts are `unavailable` (the transaction was rolled back, so a retry is
    /// safe); domain errors pass through.
    static func translate(_ error: any Error) -> any Error {
        if let error = error as? SQLStoreError { return error.provisioningError }
        if isConnectionFailure(error) {
            return ProvisioningError.unavailable("The database cannot be reached; nothing was changed. Retry in a few seconds.")
        }
        if let error = error as? PSQLError, error.code == .server {
            let state = error.serverInfo?[.sqlState] ?? ""
            switch state {
            case "55P03", "57014":
                return ProvisioningError.unavailable("The database is busy; nothing was changed. Retry in a few seconds.")
            case "40001", "40P01":
                return ProvisioningError.unavailable("The change collided with another; nothing was changed. Retry.")
            case _ where state.hasPrefix("53"):
                return ProvisioningError.unavailable(
                    "The database is out of resources (\(state)); nothing was changed. Retry later.")
            default:
                break
            }
        }
        return error
    }
}

/// Idle connections, opened on demand (at most one per store thread, so a thread never waits for one).
final class ConnectionPool: Sendable {
    let url: PostgresURL
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    let idle = Mutex<(connections: [PostgresConnection], nextID: Int)>(([], 0))

    struct ConnectFailure: Error, CustomStringConvertible {
        var description: String
    }

    init(url: PostgresURL, configuration: PostgresConnection.Configuration, logger: Logger) {
        self.url = url
        self.configuration = configuration
        self.logger = logger
    }

    /// How long a statement may go unanswered: a write's wait for the lock (`lock_timeout`) and a long statement
    /// (a migration's backfill) have room; a connection gone silent does not hold a request forever.
    var deadline: TimeAmount { .seconds(Int64(url.lockTimeout) + 50) }

    /// How the store's sessions appear in `pg_stat_activity`.
    var applicationName: String { "roster" + (url.schema.map { "/" + $0 } ?? "") }

    func checkout() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.connections.popLast() }) {
            if !connection.isClosed { return connection }
            Self.discard(connection)
        }
        return try connect()
    }

    func checkin(_ connection: PostgresConnection, healthy: Bool) {
        if healthy && !connection.isClosed {
            idle.withLock { $0.connections.append(connection) }
        } else {
            Self.discard(connection)
        }
    }

    /// Closes a connection in the background, keeping it alive until it is closed (postgres-nio insists).
    static func discard(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    func closeAll() {
        let connections = idle.withLock { state in
            defer { state.connections = [] }
            return state.connections
        }
        for connection in connections { Self.discard(connection) }
    }

    /// Opens a connection and sets the session up: the schema first on the search path, and how long a write
    /// waits for a lock.
    func connect() throws -> PostgresConnection {
        let id = idle.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger
            ).wait()
        } catch let error as PSQLError where error.code == .server {
            throw error
        } catch {
            throw ConnectFailure(description: "cannot connect to \(url): \(error)")
        }
        let sql = PostgresSQLConnection(connection: connection, logger: logger)
        do {
            try sql.execute("SET lock_timeout = '\(url.lockTimeout)s'", [])
            try sql.execute("SET application_name = '\(applicationName)'", [])
            if let schema = url.schema { try sql.execute("SET search_path TO \(schema)", []) }
        } catch {
            Self.discard(connection)
            throw error
        }
        return connection
    }
}

/// Hands a transaction body to a store thread and takes it back (see ``PostgresStore/onThread(write:_:)``).
final class BodyBox<T>: @unchecked Sendable {
    var body: (@Sendable (any StoreTransaction) throws -> T)?
    init(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) { self.body = body }
}
