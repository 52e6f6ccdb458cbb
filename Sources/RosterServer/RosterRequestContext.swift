public import Hummingbird
public import NIOCore

/// The request context of every Roster route: Hummingbird's basic context plus the client's socket address, which
/// sign-in attempts are limited by.
public struct RosterRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection (the proxy's address behind a reverse proxy), `nil` when unknown (in tests).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
