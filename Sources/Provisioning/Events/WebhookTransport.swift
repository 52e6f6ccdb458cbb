package import Foundation

/// Sends one signed delivery over HTTP. The server's implementation uses async-http-client; tests may pass their
/// own. It must not follow redirects, must read at most 4 KiB of the response, must give up after `timeout`, and
/// must refuse (throw) when the host resolves to an address ``WebhookURLPolicy`` refuses and `allowPrivate` is off.
package protocol WebhookTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, allowPrivate: Bool)
        async throws -> WebhookResponse
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
