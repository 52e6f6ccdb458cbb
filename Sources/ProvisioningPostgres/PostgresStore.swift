import Foundation
package import Logging
import NIOCore
import NIOSSL
import PostgresNIO
package import Provisioning
import ProvisioningSQL
package import ServiceLifecycle

/// The store for several instances: PostgreSQL through postgres-nio's connection pool (`PostgresClient`).
///
/// **Running.** The pool is a `Service`: it opens, keeps alive and closes connections while ``run()`` runs, in the
/// server's service group or, for a command, beside it (see `roster`'s `CommandServices`). A transaction leases a
/// connection for its length; every statement is awaited, so a waiting transaction holds a connection but no
/// thread.
///
/// **Concurrency.** Writes run concurrently, at `READ COMMITTED`, on every instance. Each rule of the domain
/// holds through row-level means (docs/deployment.md lists them): unique indexes for names (a violation is a
/// `conflict`), a lock on each row a write reads to change it (so `If-Match` and versions are exact), in-place
/// increments on sharded counters, a lock on the provider's row for the mass-deactivation guard and for batches of
/// "apply org and role settings", and `SKIP LOCKED` claims for the deactivation scheduler. A transaction that
/// PostgreSQL ends as a serialization failure or a deadlock is run again, a few times, before the caller hears of
/// it. Reads run at `REPEATABLE READ, READ ONLY`: one snapshot for everything a request reads.
///
/// **Failures.** A lost connection, a server that is restarting, a full disk or a lock timeout roll the
/// transaction back and throw ``ProvisioningError/Code/unavailable`` (503 with `Retry-After`); the pool drops the
/// broken connection and opens a new one, so the service recovers without a restart.
///
/// **Sharing the database.** `pool` is the deployment's: a store opened to serve (the server's) counts itself
/// among the schema's instances while it runs, by a shared advisory lock held on a session of its own, and keeps
/// its transactions to its share of `pool` (``ConnectionShare``), `pool ÷ instances`, recounted every second.
/// An instance that stops or dies leaves the count with its session.
package final class PostgresStore: ProvisioningStore, Service {
    package let url: PostgresURL
    let connection: PostgresConnection.Configuration
    let logger: Logger
    /// Every wait of its transactions for PostgreSQL: a wait after statements went out is one, however many
    /// statements it answers (those queued before it included).
    package let roundTrips = Counter()
    /// Every statement its transactions sent, `BEGIN` and `COMMIT` included: each is an exchange with the server of
    /// its own (postgres-nio sends a connection's next statement once the previous one is answered).
    package let statements = Counter()
    /// The statements prepared on the current pool's connections.
    var preparedStatements: PreparedStatements { share.current.preparedStatements }
    /// The postgres-nio pool its transactions lease from, sized to its share of `pool`.
    let share: ConnectionShare
    /// Whether it counts among the deployment's instances while it runs (a server's store; a command's does not).
    let serving: Bool
    /// How often a serving store counts the instances.
    let presenceInterval: Duration

    /// How many times a transaction that ended in a serialization failure or a deadlock is run in all.
    static let attempts = 4

    /// Connects once, creates the schema if the URL names one, and runs pending migrations: once, even when
    /// several instances start together (a session advisory lock guards them). The pool starts with ``run()``.
    ///
    /// A `serving` store (the server's) counts itself among the deployment's instances while it runs and takes its
    /// share of `pool`; a command's store uses up to `pool` for the moment it runs.
    package static func open(
        _ url: PostgresURL, logger: Logger = Logger(label: "roster.postgres"), serving: Bool = false,
        presenceInterval: Duration = .seconds(1)
    ) async throws -> PostgresStore {
        let store = try PostgresStore(
            url: url, logger: logger, serving: serving, presenceInterval: presenceInterval)
        try await store.migrate()
        return store
    }

    init(url: PostgresURL, logger: Logger, serving: Bool = false, presenceInterval: Duration = .seconds(1)) throws {
        self.url = url
        self.logger = logger
        self.serving = serving
        self.presenceInterval = presenceInterval
        let tls: PostgresClient.Configuration.TLS
        let connectionTLS: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable:
            tls = .disable
            connectionTLS = .disable
        case .prefer:
            tls = .prefer(.makeClientConfiguration())
            connectionTLS = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require:
            tls = .require(.makeClientConfiguration())
            connectionTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        // Every session starts with the schema first on its search path, how long a statement waits for a lock,
        // a name in `pg_stat_activity`, and generic plans: startup parameters, so no statement is spent on them.
        //
        // Generic plans: a prepared statement is planned once per connection, never for its values. PostgreSQL's
        // default plans each statement's first five runs for their values, then keeps a generic plan only while it
        // looks no dearer than those; after an autoanalyze it may go back to planning every run. In the bench's
        // two-instance runs that happened to the user insert in some rounds and not others (8,200 plans for 30,000
        // inserts in one round, 124 in the next). Roster's statements are written so that their index is usable
        // whatever the values (no `LIKE` on a parameter, partial indexes' conditions as literals), and
        // `PostgresPlanTests` checks the plans of the hot ones on tables never analyzed, explained as executed.
        var session = [
            ("application_name", Self.applicationName(url)),
            ("lock_timeout", "\(url.lockTimeout)s"),
            ("plan_cache_mode", "force_generic_plan"),
        ]
        if let schema = url.schema { session.append(("search_path", schema)) }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = url.poolSize
        configuration.options.additionalStartupParameters = session
        // The pool's one warning is a lease asked for before `run()` began; a command starts its store's pool beside
        // it (`CommandServices`) and its first lease may come first, which only waits for the pool to start.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        share = ConnectionShare(size: url.poolSize, configuration: configuration, logger: background)
        var connection = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: connectionTLS)
        connection.options.connectTimeout = .seconds(5)
        connection.options.additionalStartupParameters = session
        self.connection = connection
    }

    /// How the store's sessions appear in `pg_stat_activity`.
    var applicationName: String { Self.applicationName(url) }

    static func applicationName(_ url: PostgresURL) -> String { "roster" + (url.schema.map { "/" + $0 } ?? "") }

    /// The store runs itself (``run()``).
    package var service: (any Service)? { self }

    /// Runs the connection pool until the task is cancelled or the service group shuts down; a serving store also
    /// keeps its place among the deployment's instances (``keepPresence()``).
    package func run() async throws {
        await withDiscardingTaskGroup { group in
            // No pool starts once shutdown began (the pools running stop with it).
            group.addTask {
                try? await gracefulShutdown()
                self.share.finish()
            }
            if serving { group.addTask { await cancelWhenGracefulShutdown { await self.keepPresence() } } }
            // The first pool, and each that takes over from another as instances come and go. Each runs until it
            // is retired and drained, or until shutdown.
            for await pool in share.started {
                group.addTask { await pool.run() }
            }
        }
    }

    /// The most connections its transactions hold at once: its share of `pool`.
    package var shareOfPool: Int { share.size }

    /// Sets its share of `pool` (what its presence does as instances come and go).
    package func resizeShare(to size: Int) { share.resize(to: size) }

    /// Holds a shared advisory lock on a session of its own while it runs, and every ``presenceInterval`` counts
    /// the sessions that hold it (one per serving instance of the schema, on any host) to set its ``share``. A lost
    /// session is opened again; until then the share stays as it was.
    func keepPresence() async {
        let key = Self.lockKey("roster-instances:\(url.schema ?? "public")")
        let bits = UInt64(bitPattern: key)
        // `pg_locks` shows a bigint advisory key as its high and low 32 bits.
        let high = Int64(bits >> 32)
        let low = Int64(bits & 0xFFFF_FFFF)
        // Whether the last attempt failed: an outage is logged once, not every second.
        var failing = false
        while !Task.isCancelled {
            do {
                try await withOwnConnection { sql in
                    _ = try await sql.execute("SELECT pg_advisory_lock_shared(?)", [.integer(key)])
                    while true {
                        let rows = try await sql.query(
                            """
                            SELECT count(*) FROM pg_locks
                            WHERE locktype = 'advisory' AND granted AND objsubid = 1
                                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                                AND classid::bigint = ? AND objid::bigint = ?
                            """, [.integer(high), .integer(low)])
                        let instances: Int = rows.first?[0] ?? 1
                        let share = ConnectionShare.share(of: url.poolSize, among: instances)
                        if failing {
                            logger.info("Counting the instances sharing the database again")
                            failing = false
                        }
                        if share != self.share.size {
                            logger.info(
                                "Serving instances on this schema: \(instances); this one holds up to \(share) of pool=\(url.poolSize) connections at once",
                                metadata: ["postgres.instances": "\(instances)", "postgres.share": "\(share)"])
                            self.share.resize(to: share)
                        }
                        try await Task.sleep(for: presenceInterval)
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if !failing {
                    logger.warning(
                        "Cannot count the instances sharing the database (the share stays \(share.size) of pool=\(url.poolSize)): \(error)"
                    )
                }
                failing = true
                try? await Task.sleep(for: presenceInterval)
            }
        }
    }

    /// Runs the pool for the length of `body` (a store that ``open(_:logger:)`` returned, not yet running).
    package func whileRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    package func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws
        -> T
    {
        try await transaction(.write, body)
    }

    package func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await transaction(.snapshot, body)
    }

    package func readLatest<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await transaction(.latest, body)
    }

    /// How a body runs on its connection.
    enum Mode {
        /// A read-write transaction at `READ COMMITTED`.
        case write
        /// A read-only transaction at `REPEATABLE READ`: one snapshot for every statement.
        case snapshot
        /// No transaction: each statement commits on its own and sees what is committed when it runs.
        case latest
    }

    /// One transaction on a leased connection, run again when PostgreSQL ends it as a serialization failure or a
    /// deadlock (the rolled-back attempt changed nothing).
    func transaction<T>(_ mode: Mode, _ body: (any StoreTransaction) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await once(mode, body)
            } catch  where attempt < Self.attempts && Self.isCollision(error) {
                attempt += 1
                try? await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 << attempt))))
            } catch  where attempt < Self.attempts && Self.isStalePlan(error) {
                // The connection that kept the plan was closed (``once``); the next lease prepares afresh.
                attempt += 1
            } catch {
                throw Self.translate(error)
            }
        }
    }

    func once<T>(_ mode: Mode, _ body: (any StoreTransaction) async throws -> T) async throws -> T {
        var leased = false
        do {
            return try await share.withConnection { connection, preparedStatements in
                leased = true
                let sql = PostgresSQLConnection(
                    connection: connection, logger: logger, roundTrips: roundTrips, statements: statements,
                    preparedStatements: preparedStatements, opensTransaction: mode == .write)
                // A write transaction opens at its first change or lock (``PostgresSQLConnection/commit()``). A
                // snapshot's opening is queued before the body's first statements and checked with the first one
                // waited for; its COMMIT is not waited for: it cannot fail but with the connection, and the
                // connection's next statement queues behind it.
                if mode == .snapshot { sql.sendChecked("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") }
                let result: T
                do {
                    result = try await body(SQLTransaction(sql, locksRows: mode == .write))
                } catch {
                    // A closed connection rolled back with its session; the pool drops it.
                    if Self.isStalePlan(error) {
                        // Its prepared statements describe tables as they were: it is not used again.
                        try? await connection.close()
                    } else if !connection.isClosed && (mode == .snapshot || sql.begun) {
                        await sql.rollback()
                    }
                    throw error
                }
                switch mode {
                case .write:
                    // The COMMIT goes out with the statements still unchecked; if one of them failed, PostgreSQL
                    // answers the COMMIT with a rollback, and that statement's failure is the transaction's.
                    try await sql.commit()
                case .snapshot:
                    try await sql.checkPending()
                    sql.send("COMMIT").whenFailure { _ in }
                case .latest:
                    try await sql.checkPending()
                }
                return result
            }
        } catch  where !leased {
            // No connection: the server is down or refuses connections (the pool's circuit breaker opens after a
            // while of failed attempts, or it is shutting down).
            logger.warning("PostgreSQL connection unavailable: \(String(reflecting: error))")
            throw ProvisioningError.unavailable(
                "The database cannot be reached; nothing was changed. Retry in a few seconds.")
        }
    }

    // MARK: Migrations

    /// Runs `body` on a connection of its own, outside the pool (migrations and maintenance).
    func withOwnConnection<T>(_ body: (PostgresSQLConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: self.connection, id: 0,
                logger: logger
            ).get()
        } catch let error as PSQLError where error.code == .server {
            throw error
        } catch {
            throw ProvisioningError.unavailable("cannot connect to \(url): \(error)")
        }
        do {
            let result = try await body(PostgresSQLConnection(connection: connection, logger: logger))
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw Self.translate(error)
        }
    }

    /// Runs pending migrations under a session advisory lock: a second instance starting at the same time waits,
    /// then finds nothing left to do. Each migration runs in a transaction of its own.
    func migrate() async throws {
        let key = Self.lockKey("roster-migrate:\(url.schema ?? "public")")
        try await withOwnConnection { sql in
            // Another instance may be migrating: wait for it longer than a request waits for a row.
            try await sql.execute("SET lock_timeout = '300s'", [])
            try await sql.execute("SELECT pg_advisory_lock(?)", [.integer(key)])
            if let schema = url.schema { try await sql.execute("CREATE SCHEMA IF NOT EXISTS \(schema)", []) }
            try await sql.execute(
                "CREATE TABLE IF NOT EXISTS roster_migrations (identifier TEXT PRIMARY KEY NOT NULL, applied_at BIGINT NOT NULL)",
                [])
            let applied = Set(
                try await sql.query("SELECT identifier FROM roster_migrations", []).map { $0[0] as String })
            for migration in Migrations.all(for: .postgres) where !applied.contains(migration.identifier) {
                try await sql.execute("BEGIN", [])
                do {
                    for statement in migration.statements { try await sql.execute(statement, []) }
                    try await sql.execute(
                        "INSERT INTO roster_migrations (identifier, applied_at) VALUES (?, ?)",
                        [.text(migration.identifier), .integer(RowCoding.milliseconds(Date()))])
                    try await sql.execute("COMMIT", [])
                } catch {
                    _ = try? await sql.execute("ROLLBACK", [])
                    throw error
                }
            }
            // Closing the connection releases the lock too; this frees it at once.
            _ = try? await sql.execute("SELECT pg_advisory_unlock(?)", [.integer(key)])
        }
    }

    /// The migrations applied, in order.
    package func appliedMigrations() async throws -> [String] {
        try await withOwnConnection {
            try await $0.query("SELECT identifier FROM roster_migrations ORDER BY applied_at, identifier", []).map {
                $0[0]
            }
        }
    }

    /// Drops the schema the URL names, with everything in it: for tests and throwaway deployments. Refuses when
    /// the URL names no schema (Roster never drops `public`).
    package func dropSchema() async throws {
        guard let schema = url.schema else {
            throw ProvisioningError.invalid("Only a store opened with ?schema=NAME can drop its schema.")
        }
        _ = try await withOwnConnection { try await $0.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE", []) }
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

    /// A serialization failure or a deadlock: PostgreSQL rolled the transaction back, and running it again may
    /// succeed.
    static func isCollision(_ error: any Error) -> Bool {
        let state = sqlState(error)
        return state == "40001" || state == "40P01"
    }

    /// The SQLSTATE of an error PostgreSQL reported. postgres-nio reports it as `PSQLError`, or, through the
    /// prepared queries' API, as the older `PostgresError`.
    static func sqlState(_ error: any Error) -> String? {
        if let error = error as? PSQLError, error.code == .server { return error.serverInfo?[.sqlState] }
        if case .server(let message)? = error as? PostgresError { return message.fields[.sqlState] }
        return nil
    }

    /// The primary message of an error PostgreSQL reported (see ``sqlState(_:)``).
    static func serverMessage(_ error: any Error) -> String? {
        if let error = error as? PSQLError, error.code == .server { return error.serverInfo?[.message] }
        if case .server(let message)? = error as? PostgresError { return message.fields[.message] }
        return nil
    }

    /// A prepared statement whose result type changed under it (another instance migrated a table it reads).
    static func isStalePlan(_ error: any Error) -> Bool {
        sqlState(error) == "0A000"
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let state = sqlState(error) { return state.hasPrefix("08") || state.hasPrefix("57P") }
        if case .connectionClosed? = error as? PostgresError { return true }
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .sslUnsupported,
                .failedToAddSSLHandler, .messageDecodingFailure, .unexpectedBackendMessage, .poolClosed:
                return true
            default:
                return false
            }
        }
        return error is IOError || error is ChannelError || error is NIOConnectionError
            || error is PostgresSQLConnection.NoAnswer
    }

    /// The domain's view of a failure: unique violations are conflicts; an unreachable or restarting server, a
    /// full disk and lock or statement timeouts are `unavailable` (the transaction was rolled back, so a retry is
    /// safe); domain errors pass through.
    static func translate(_ error: any Error) -> any Error {
        if let error = error as? SQLStoreError { return error.provisioningError }
        if isConnectionFailure(error) {
            return ProvisioningError.unavailable(
                "The database cannot be reached; nothing was changed. Retry in a few seconds.")
        }
        if let state = sqlState(error) {
            switch state {
            case "55P03", "57014":
                return ProvisioningError.unavailable(
                    "The database is busy; nothing was changed. Retry in a few seconds.")
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
