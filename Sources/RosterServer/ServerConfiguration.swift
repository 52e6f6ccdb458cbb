/// How the server listens and how it names itself to identity providers.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The externally visible root URL Base URLs are built from (`https://roster.example.com`); defaults to
    /// `http://HOST:PORT`.
    public var publicURL: String
    /// The largest request body accepted; larger ones get 413.
    public var maxBodySize: Int
    /// bcrypt's cost factor for admin passwords (tests lower it; production keeps 12).
    public var bcryptCost: UInt8

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, maxBodySize: Int = 1 << 20,
        bcryptCost: UInt8 = 12
    ) {
        self.bcryptCost = bcryptCost
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.maxBodySize = maxBodySize
    }
}
