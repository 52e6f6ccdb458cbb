import Foundation

/// How the server listens and how it names itself to identity providers.
package struct ServerConfiguration: Sendable {
    package var host: String
    package var port: Int
    /// The externally visible root URL Base URLs are built from (`https://roster.example.com`); defaults to
    /// `http://HOST:PORT`.
    package var publicURL: String
    /// The largest request body accepted; larger ones get 413. `/Bulk` has its own limit, ``bulkMaxPayloadSize``.
    package var maxBodySize: Int
    /// The most operations one `POST /Bulk` may hold (announced as `bulk.maxOperations`); more get 413.
    package var bulkMaxOperations: Int
    /// The largest `POST /Bulk` body, in bytes (announced as `bulk.maxPayloadSize`); larger ones get 413.
    package var bulkMaxPayloadSize: Int
    /// How many consecutive bulk operations may share one commit (each stays atomic and independent; a failing one
    /// runs alone); 1 gives every operation a transaction of its own.
    package var bulkCommitGroup: Int
    /// bcrypt's cost factor for admin passwords (tests lower it; production keeps 12).
    package var bcryptCost: UInt8
    /// SCIM requests per second each provider may make on average (bursts of twice as many); 0 turns the limit off.
    package var rateLimit: Double
    /// How long the answer to a failed SCIM authentication waits once a provider's Base URL saw more than five
    /// failures within a minute (slows down guessing; correct credentials are never delayed).
    package var failedAuthenticationDelay: Duration
    /// How long a connection may go without sending anything before the server closes it (also while a request's
    /// head or body is half sent), so that slow or stalled clients cannot hold connections forever.
    package var idleTimeout: Duration
    /// Password sign-ins each client address may try per minute (bursts of as many); more get 429 with
    /// `Retry-After` before any password is checked. 0 turns the limit off.
    package var signInLimitPerAddress: Int
    /// Password sign-ins all clients together may try per minute; 0 turns the limit off.
    package var signInLimit: Int
    /// How long a client has to send a whole request, head and body, counted from when the server waits for it
    /// (the connection opened, or the previous response was sent); a later request gets 408 and its connection is
    /// closed. The idle timeout alone lets a client that sends a byte every few seconds hold a connection forever.
    package var requestTimeout: Duration
    /// The most connections served at once; past it, new connections wait in the listen queue (and are refused
    /// once that is full) until one closes. See ``defaultMaxConnections``.
    package var maxConnections: Int
    /// When set, `GET /metrics` answers only requests with `Authorization: Bearer <token>` (401 otherwise).
    package var metricsToken: String?
    /// Whether every request gets a tracing span (Hummingbird's `TracingMiddleware`, reporting to the process's
    /// tracer). Off by default, which adds no tracing middleware at all; `roster serve` turns it on when it exports
    /// spans (``OTLPExport``).
    package var tracing: Bool
    /// The share of one core webhook deliveries may use while SCIM requests keep the server busy (``DeliveryPacer``,
    /// ``RequestLoad``); 1 never holds them back. Deliveries are background work: the IdP's sync comes first, and
    /// its events are delivered later, in order.
    package var webhookBusyShare: Double

    /// The longest request line (so the longest URL) and the longest header line, in bytes: room for a
    /// `GET /Users` whose filter has the filter parser's maximum of 4,096 characters, each percent-encoded (a
    /// longer filter still gets the parser's SCIM error, 400 `invalidFilter`). Longer lines get a bodiless 400
    /// from the HTTP decoder, and the connection is closed.
    package static let maxRequestLineSize = 16 * 1024
    /// The largest request head (request line and every header together), in bytes.
    package static let maxRequestHeadSize = 32 * 1024

    /// 4,096, or fewer when the process may open fewer files: the soft `RLIMIT_NOFILE` less 256 descriptors kept
    /// for the database, its WAL and the listening socket (at least 64), so that the server refuses connections
    /// itself before the system refuses it descriptors.
    package static var defaultMaxConnections: Int {
        var limit = rlimit()
        #if os(Linux)
            let resource = Int32(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 4096 }
        return min(4096, max(64, Int(clamping: limit.rlim_cur) - 256))
    }

    package init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, maxBodySize: Int = 1 << 20,
        bulkMaxOperations: Int = 1000, bulkMaxPayloadSize: Int = 4 << 20, bulkCommitGroup: Int = 1,
        bcryptCost: UInt8 = 12, rateLimit: Double = 500, failedAuthenticationDelay: Duration = .seconds(1),
        idleTimeout: Duration = .seconds(30), signInLimitPerAddress: Int = 10, signInLimit: Int = 120,
        requestTimeout: Duration = .seconds(60), maxConnections: Int = ServerConfiguration.defaultMaxConnections,
        metricsToken: String? = nil, tracing: Bool = false, webhookBusyShare: Double = 0.1
    ) {
        self.webhookBusyShare = webhookBusyShare
        self.signInLimitPerAddress = signInLimitPerAddress
        self.signInLimit = signInLimit
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
        self.metricsToken = metricsToken
        self.tracing = tracing
        self.bulkCommitGroup = bulkCommitGroup
        self.bulkMaxOperations = bulkMaxOperations
        self.bulkMaxPayloadSize = bulkMaxPayloadSize
        self.bcryptCost = bcryptCost
        self.rateLimit = rateLimit
        self.failedAuthenticationDelay = failedAuthenticationDelay
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.maxBodySize = maxBodySize
    }
}
