public import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OTel
import Provisioning
import ProvisioningSQLite
import RosterServer
import ServiceLifecycle

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
        help:
            "Consecutive POST /Bulk operations sharing one commit (each stays atomic; a failing one runs alone); 1 gives each its own transaction."
    )
    var bulkCommitGroup = 1
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).") var logLevel = "info"
    @Option(help: "Log lines as text (default) or json (one object per line, for log collectors).")
    var logFormat: LogFormat = .text
    @Option(help: "SCIM requests per second per provider (bursts of twice as many); 0 turns the limit off.")
    var rateLimit: Double = 500
    @Option(help: "Seconds a connection may send nothing (also mid-request) before it is closed.")
    var idleTimeout: Double = 30
    @Option(help: "Console sign-ins each client address may try per minute; more get 429. 0 turns the limit off.")
    var signInLimitPerAddress = 10
    @Option(help: "Console sign-ins all clients together may try per minute; more get 429. 0 turns the limit off.")
    var signInLimit = 120
    @Option(
        help:
            "Seconds a client has to send a whole request, head and body (from when the server waits for it); later ones get 408 and are closed."
    )
    var requestTimeout: Double = 60
    @Option(
        help:
            "Most connections served at once (default 4096, fewer when the open-files limit is lower); more wait to be accepted."
    )
    var maxConnections: Int?
    @Option(
        help:
            "Require `Authorization: Bearer TOKEN` on GET /metrics (or set ROSTER_METRICS_TOKEN, which keeps it out of the process list)."
    )
    var metricsToken: String?
    @Option(
        help:
            "Export a span per request over OTLP/HTTP to this collector (base URL, e.g. http://localhost:4318; or set OTEL_EXPORTER_OTLP_ENDPOINT). Off by default."
    )
    var otelEndpoint: String?
    @Option(
        help: "normal: commits survive a process crash (default); full: fsync every commit, also surviving power loss.")
    var durability: SQLiteStore.Durability = .normal
    @Option(
        help:
            "Percent of one core webhook deliveries may use while SCIM requests keep every core busy (they catch up afterwards, in order); 100 never holds them back."
    )
    var webhookBusyShare: Double = 10

    /// The ranges of the numeric options; the one message of each names the option, its range and the value.
    enum Limits {
        static let port = SettingLimit(name: "--port", range: 0...65_535)
        static let maxBodySize = SettingLimit(
            name: "--max-body-size", range: 1024...(1 << 30), kind: .integer(unit: "bytes"))
        static let bulkMaxOperations = SettingLimit(name: "--bulk-max-operations", range: 1...100_000)
        static let bulkMaxPayloadSize = SettingLimit(
            name: "--bulk-max-payload-size", range: 1024...(1 << 30), kind: .integer(unit: "bytes"))
        static let bulkCommitGroup = SettingLimit(name: "--bulk-commit-group", range: 1...10_000)
        static let rateLimit = SettingLimit(
            name: "--rate-limit", range: 0...1_000_000, kind: .number(unit: "requests per second"))
        static let idleTimeout = SettingLimit(name: "--idle-timeout", range: 1...86_400, kind: .number(unit: "seconds"))
        static let requestTimeout = SettingLimit(
            name: "--request-timeout", range: 1...86_400, kind: .number(unit: "seconds"))
        static let maxConnections = SettingLimit(name: "--max-connections", range: 1...1_000_000)
        static let signInLimitPerAddress = SettingLimit(name: "--sign-in-limit-per-address", range: 0...1_000_000)
        static let signInLimit = SettingLimit(name: "--sign-in-limit", range: 0...1_000_000)
        static let webhookBusyShare = SettingLimit(
            name: "--webhook-busy-share", range: 1...100, kind: .number(unit: "percent"))
    }

    func validate() throws {
        try checked {
            try Limits.port.check(port)
            try Limits.maxBodySize.check(maxBodySize)
            try Limits.bulkMaxOperations.check(bulkMaxOperations)
            try Limits.bulkMaxPayloadSize.check(bulkMaxPayloadSize)
            try Limits.bulkCommitGroup.check(bulkCommitGroup)
            try Limits.rateLimit.check(rateLimit)
            try Limits.idleTimeout.check(idleTimeout)
            try Limits.requestTimeout.check(requestTimeout)
            if let maxConnections { try Limits.maxConnections.check(maxConnections) }
            try Limits.signInLimitPerAddress.check(signInLimitPerAddress)
            try Limits.signInLimit.check(signInLimit)
            try Limits.webhookBusyShare.check(webhookBusyShare)
        }
        if let otelEndpoint, !otelEndpoint.hasPrefix("http://"), !otelEndpoint.hasPrefix("https://") {
            throw ValidationError("--otel-endpoint must be an http:// or https:// URL, not \(otelEndpoint).")
        }
    }

    func run() async throws {
        switch logFormat {
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        case .text: LoggingSystem.bootstrap { TextLogHandler(label: $0) }
        }
        var logger = Logger(label: "roster")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // The application runs the store's service in its service group.
        let store = try await db.openStore(durability: durability, running: false)
        let export = OTLPExport(endpoint: otelEndpoint, environment: ProcessInfo.processInfo.environment)
        let configuration = ServerConfiguration(
            host: host, port: port,
            publicURL: publicURL ?? ProcessInfo.processInfo.environment["ROSTER_PUBLIC_URL"],
            maxBodySize: maxBodySize, bulkMaxOperations: bulkMaxOperations, bulkMaxPayloadSize: bulkMaxPayloadSize,
            bulkCommitGroup: bulkCommitGroup, rateLimit: rateLimit, idleTimeout: .saturating(seconds: idleTimeout),
            signInLimitPerAddress: signInLimitPerAddress, signInLimit: signInLimit,
            requestTimeout: .saturating(seconds: requestTimeout),
            maxConnections: maxConnections ?? ServerConfiguration.defaultMaxConnections,
            metricsToken: metricsToken
                ?? ProcessInfo.processInfo.environment["ROSTER_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
            tracing: export != nil, webhookBusyShare: webhookBusyShare / 100)
        logger.info("Roster serving \(configuration.publicURL) with database \(db.displayName)")
        let services = try export.map { [try Self.startTracing($0, logger: logger)] } ?? []
        let app = try buildApplication(configuration: configuration, store: store, logger: logger, services: services)
        // SIGINT and SIGTERM end the service group gracefully: in-flight requests finish, then the server stops.
        try await app.runService()
        logger.info("Roster stopped")
    }

    /// Bootstraps the process's tracer with swift-otel's OTLP exporter (traces only: logs keep Roster's handlers and
    /// metrics are scraped at `/metrics`), and returns the service that batches and sends the spans.
    static func startTracing(_ export: OTLPExport, logger: Logger) throws -> any Service {
        var otel = OTel.Configuration.default
        otel.serviceName = "roster"
        otel.diagnosticLogger = .custom(logger)
        otel.logs.enabled = false
        otel.metrics.enabled = false
        let service = try OTel.bootstrap(configuration: otel, environment: export.environment)
        logger.info("Exporting request spans over OTLP")
        return service
    }
}

extension SQLiteStore.Durability: ExpressibleByArgument {}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
