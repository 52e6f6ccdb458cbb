package import Foundation

/// Sends one signed delivery over HTTP. The server's implementation uses async-http-client; tests may pass their
/// own. It must not follow redirects, must read at most 4 KiB of the response, must give up after `timeout`, and
/// must refuse (throw) when the host resolves to an address ``WebhookURLPolicy`` refuses and `allowPrivate` is off.
package protocol WebhookTransport: Sendable {
    /// Where the dispatcher runs the deliveries through this transport, if anywhere in particular. The server's
    /// transport names the thread its HTTP connections live on, so that a delivery's own work (reading the event,
    /// signing it) and its I/O share one thread instead of handing each delivery back and forth between two.
    var taskExecutor: (any TaskExecutor)? { get }

    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, allowPrivate: Bool)
        async throws -> WebhookResponse
}

extension WebhookTransport {
    package var taskExecutor: (any TaskExecutor)? { nil }
}

/// What an endpoint answered.
package struct WebhookResponse: Sendable, Hashable {
    package var status: Int
    /// The start of the body (at most 4 KiB read).
    package var excerpt: String

    package init(status: Int, excerpt: String) {
        self.status = status
        self.excerpt = excerpt
    }
}
