import Logging
import PostgresNIO
import Synchronization

/// A serving instance's share of the deployment's `pool`, as the postgres-nio pool its transactions lease from.
///
/// `pool` (``PostgresURL/poolSize``) is what the database serves for the whole deployment, however many instances
/// it runs: each serving instance takes `pool ÷ instances` of it (at least ``minimum``), and takes more or less as
/// instances come and go (``PostgresStore``'s presence). The share is the size of the instance's `PostgresClient`:
/// when it changes, a client of the new size takes the new transactions, and the old one closes once the
/// transactions that leased from it have ended. A client's own queue holds the transactions past its size, and a
/// connection goes from one transaction to the next without going idle (a permit counted in front of the client
/// made every connection go idle between transactions, and that cost a fifth of GET /Users/{id}'s throughput).
///
/// Why share: PostgreSQL's CPU per transaction grows with the sessions that run at once. Two instances with 10
/// connections each on two cores used a tenth to a fifth more of PostgreSQL's CPU per `POST /Users` than one
/// instance with 10 (docs/performance.md).
final class ConnectionShare: Sendable {
    /// The least share, so that an instance keeps some concurrency however many instances there are.
    static let minimum = 2

    /// The share of `pool` for one of `instances` serving instances.
    static func share(of pool: Int, among instances: Int) -> Int {
        max(min(pool, minimum), pool / max(instances, 1))
    }

    /// A client of one size and the transactions on it.
    final class Pool: Sendable {
        let client: PostgresClient
        let size: Int
        /// The statements prepared on its connections. Each pool has its own: a client numbers its connections
        /// from the start, so two pools' connections share ids.
        let preparedStatements = PreparedStatements()
        private struct State {
            var transactions = 0
            var retired = false
            var drained: Bool { retired && transactions == 0 }
        }
        private let state = Mutex(State())
        /// Ends once the pool is retired and its transactions have ended.
        private let drained: AsyncStream<Void>
        private let drain: AsyncStream<Void>.Continuation

        init(size: Int, configuration: PostgresClient.Configuration, logger: Logger) {
            var configuration = configuration
            configuration.options.maximumConnections = size
            self.size = size
            client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            (drained, drain) = AsyncStream.makeStream(of: Void.self)
        }

        /// Runs the client until it is retired and its transactions have ended, or until shutdown.
        func run() async {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.client.run() }
                group.addTask { for await _ in self.drained {} }
                await group.next()
                group.cancelAll()
            }
        }

        fileprivate func enter() { state.withLock { $0.transactions += 1 } }
        fileprivate func leave() { change { $0.transactions -= 1 } }
        fileprivate func retire() { change { $0.retired = true } }

        private func change(_ body: (inout State) -> Void) {
            let drained = state.withLock { state in
                body(&state)
                return state.drained
            }
            if drained { drain.finish() }
        }
    }

    private let configuration: PostgresClient.Configuration
    private let logger: Logger
    private let currentPool: Mutex<Pool>
    /// The pools to run: the first, and each that replaces another (``resize(to:)``).
    private let pools: AsyncStream<Pool>.Continuation
    let started: AsyncStream<Pool>

    init(size: Int, configuration: PostgresClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let first = Pool(size: size, configuration: configuration, logger: logger)
        currentPool = Mutex(first)
        (started, pools) = AsyncStream.makeStream(of: Pool.self)
        pools.yield(first)
    }

    /// The pool new transactions lease from.
    var current: Pool { currentPool.withLock { $0 } }

    /// The current share.
    var size: Int { current.size }

    /// Runs `body` on a connection leased from the current pool, with the statements prepared on that pool's
    /// connections; the pool is not closed before `body` ends.
    func withConnection<T>(_ body: (PostgresConnection, PreparedStatements) async throws -> T) async throws -> T {
        let pool = currentPool.withLock { pool in
            pool.enter()
            return pool
        }
        defer { pool.leave() }
        return try await pool.client.withConnection { try await body($0, pool.preparedStatements) }
    }

    /// Gives new transactions a pool of `size`; the current one closes once its transactions have ended. Nothing
    /// changes once the store stopped running pools.
    func resize(to size: Int) {
        guard size != self.size else { return }
        let pool = Pool(size: size, configuration: configuration, logger: logger)
        guard case .enqueued = pools.yield(pool) else { return }
        currentPool.withLock { current in
            current.retire()
            current = pool
        }
    }

    /// No pool starts after this (the store is shutting down).
    func finish() { pools.finish() }
}
