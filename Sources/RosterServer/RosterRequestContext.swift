package import Hummingbird
package import NIOCore

/// The request context of every Roster route: Hummingbird's basic context plus the client's socket address, which
/// sign-in attempts are limited by.
package struct RosterRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The peer of the connection (the proxy's address behind a reverse proxy), `nil` when unknown (in tests).
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
