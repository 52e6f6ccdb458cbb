public import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Provisioning
import ProvisioningSQLite
import RosterServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the SCIM service.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Public URL Base URLs are built from (default http://HOST:PORT).") var publicURL: String?
    @Option(help: "Largest request body accepted, in bytes (POST /Bulk has its own limit).") var maxBodySize = 1 << 20
    @Option(help: "Most operations in one POST /Bulk (announced as bulk.maxOperations).") var bulkMaxOperations = 1000
    @Option(help: "Largest POST /Bulk body, in bytes (announced as bulk.maxPayloadSize).")
    var bulkMaxPayloadSize = 4 << 20
    @Option(
        help: "Consecutive POST /Bulk operations sharing one commit (each stays atomic; a failing one runs alone); 1 gives each its own transaction.")
    var bulkCommitGroup = 1
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).") var logLevel = "info"
    @Option(help: "Log lines as text (default) or json (one object per line, for log collectors).")
    var logFormat: LogFormat = .text
    @Option(help: "SCIM requests per second per provider (bursts of twice as many); 0 turns the limit off.")
    var rateLimit: Double = 500
    @Option(help: "Seconds a connection may send nothing (also mid-request) before it is closed.")
    var idleTimeout: Double = 30
    @Option(help: "Seconds a client has to send a whole request, head and body (from when the server waits for it); later ones get 408 and are closed.")
    var requestTimeout: Double = 60
    @Option(help: "Most connections served at once (default 4096, fewer when the open-files limit is lower); more wait to be accepted.")
    var maxConnections: Int?
    @Option(help: "Require `Authorization: Bearer TOKEN` on GET /metrics (or set ROSTER_METRICS_TOKEN, which keeps it out of the process list).")
    var metricsToken: String?
    @Option(
        help: "normal: commits survive a process crash (default); full: fsync every commit, also surviving power loss.")
    var durability: SQLiteStore.Durability = .normal

    func validate() throws {
        guard requestTimeout > 0, requestTimeout <= 86_400 else {
            throw ValidationError("--request-timeout must be between 0 and 86400 seconds, got \(requestTimeout).")
        }
        if let maxConnections, maxConnections < 1 {
            throw ValidationError("--max-connections must be at least 1, got \(maxConnections).")
        }
    }

    func run() async throws {
        switch logFormat {
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        case .text: LoggingSystem.bootstrap { TextLogHandler(label: $0) }
        }
        var logger = Logger(label: "roster")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let store = try await db.openStore(durability: durability)
        let configuration = ServerConfiguration(
            host: host, port: port,
            publicURL: publicURL ?? ProcessInfo.processInfo.environment["ROSTER_PUBLIC_URL"],
            maxBodySize: maxBodySize, bulkMaxOperations: bulkMaxOperations, bulkMaxPayloadSize: bulkMaxPayloadSize,
            bulkCommitGroup: bulkCommitGroup, rateLimit: rateLimit, idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
            requestTimeout: .milliseconds(Int64(requestTimeout * 1000)),
            maxConnections: maxConnections ?? ServerConfiguration.defaultMaxConnections,
            metricsToken: metricsToken ?? ProcessInfo.processInfo.environment["ROSTER_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        try await AdminService(store: store).setPublicURL(configuration.publicURL)
        logger.info("Roster serving \(configuration.publicURL) with database \(db.displayName)")
        if let token = try await AdminAccounts(store: store).issueSetupToken() {
            var root = configuration.publicURL
            while root.hasSuffix("/") { root.removeLast() }
            logger.notice(
                "No admin yet. Create the first one at \(root)/console/setup?token=\(token) (this link works once; `roster admin add` works too).")
        }
        let app = try buildApplication(configuration: configuration, store: store, logger: logger)
        // SIGINT and SIGTERM end the service group gracefully: in-flight requests finish, then the server stops.
        try await app.runService()
        logger.info("Roster stopped")
    }
}

extension SQLiteStore.Durability: ExpressibleByArgument {}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
