/// How the server listens and how it names itself to identity providers.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The externally visible root URL Base URLs are built from (`https://roster.example.com`); defaults to
    /// `http://HOST:PORT`.
    public var publicURL: String
    /// The largest request body accepted; larger ones get 413. `/Bulk` has its own limit, ``bulkMaxPayloadSize``.
    public var maxBodySize: Int
    /// The most operations one `POST /Bulk` may hold (announced as `bulk.maxOperations`); more get 413.
    public var bulkMaxOperations: Int
    /// The largest `POST /Bulk` body, in bytes (announced as `bulk.maxPayloadSize`); larger ones get 413.
    public var bulkMaxPayloadSize: Int
    /// How many consecutive bulk operations may share one commit (each stays atomic and independent; a failing one
    /// runs alone); 1 gives every operation a transaction of its own.
    public var bulkCommitGroup: Int
    /// bcrypt's cost factor for admin passwords (tests lower it; production keeps 12).
    public var bcryptCost: UInt8
    /// SCIM requests per second each provider may make on average (bursts of twice as many); 0 turns the limit off.
    public var rateLimit: Double
    /// How long the answer to a failed SCIM authentication waits once a provider's Base URL saw more than five
    /// failures within a minute (slows down guessing; correct credentials are never delayed).
    public var failedAuthenticationDelay: Duration
    /// How long a connection may go without sending anything before the server closes it (also while a request's
    /// head or body is half sent), so that slow or stalled clients cannot hold connections forever.
    public var idleTimeout: Duration
    /// Password sign-ins each client address may try per minute (bursts of as many); more get 429 with
    /// `Retry-After` before any password is checked. 0 turns the limit off.
    public var signInLimitPerAddress: Int
    /// Password sign-ins all clients together may try per minute; 0 turns the limit off.
    public var signInLimit: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, maxBodySize: Int = 1 << 20,
        bulkMaxOperations: Int = 1000, bulkMaxPayloadSize: Int = 4 << 20, bulkCommitGroup: Int = 1,
        bcryptCost: UInt8 = 12, rateLimit: Double = 500, failedAuthenticationDelay: Duration = .seconds(1),
        idleTimeout: Duration = .seconds(30), signInLimitPerAddress: Int = 10, signInLimit: Int = 120
    ) {
        self.signInLimitPerAddress = signInLimitPerAddress
        self.signInLimit = signInLimit
        self.idleTimeout = idleTimeout
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
