package import Foundation
import SCIM

/// What admins do with webhook endpoints (the CLI, the admin API and the console call this).
package struct WebhookService: Sendable {
    let store: any ProvisioningStore
    let now: @Sendable () -> Date

    package init(store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Adds an endpoint that receives the events from now on (`events` are patterns such as `user.*`; empty for
    /// every type). Returns it with its signing secret, which is shown once.
    package func add(url: String, events: String = "", description: String = "", allowPrivate: Bool = false)
        async throws -> WebhookEndpoint
    {
        let checked = try WebhookURLPolicy.check(url, allowPrivate: allowPrivate)
        let patterns = try EventTypePattern.parseList(events)
        let timestamp = now()
        return try await store.withTransaction { tx in
            let endpoint = WebhookEndpoint(
                id: "wh_" + Credentials.generateIdentifier(length: 12), url: checked.absoluteString,
                description: description, eventTypes: patterns.map(\.text),
                secret: WebhookSignature.generateSecret(), allowPrivate: allowPrivate,
                cursor: try await tx.lastEventCursor(), nextAttemptAt: timestamp, createdAt: timestamp,
                updatedAt: timestamp)
            try await tx.insertWebhook(endpoint)
            return endpoint
        }
    }

    package func list() async throws -> [WebhookEndpoint] { try await store.read { tx in try await tx.webhooks() } }

    package func endpoint(_ id: String) async throws -> WebhookEndpoint {
        guard let endpoint = try await store.read({ tx in try await tx.webhook(id: id) }) else {
            throw Self.notFound(id)
        }
        return endpoint
    }

    package func remove(_ id: String) async throws {
        guard try await store.withTransaction({ tx in try await tx.deleteWebhook(id: id) }) else {
            throw Self.notFound(id)
        }
    }

    /// A new signing secret; deliveries from now on are signed with it. Returns it (shown once).
    package func rotateSecret(_ id: String) async throws -> WebhookEndpoint {
        try await change(id) { $0.secret = WebhookSignature.generateSecret() }
    }

    /// Resumes a disabled endpoint (or retries a failing one) now, from where it stopped: its backlog is kept.
    package func resume(_ id: String) async throws -> WebhookEndpoint {
        let timestamp = now()
        return try await change(id) {
            $0.state = .active
            $0.nextAttemptAt = timestamp
            $0.failingSince = nil
            $0.attempts = 0
        }
    }

    /// The newest deliveries of an endpoint.
    package func deliveries(_ id: String, limit: Int = 20) async throws -> [WebhookDelivery] {
        _ = try await endpoint(id)
        return try await store.read { tx in try await tx.deliveries(endpointID: id, limit: limit) }
    }

    /// Sends a `ping` event to the endpoint now, signed like every delivery, and records the attempt.
    package func test(_ id: String, transport: any WebhookTransport) async throws -> WebhookDelivery {
        let endpoint = try await endpoint(id)
        let event = ProvisioningEvent(
            type: .ping, at: now(), data: ["webhook": ["id": .string(endpoint.id), "url": .string(endpoint.url)]])
        let delivery = await WebhookDispatcher.send(event, to: endpoint, attempt: 1, transport: transport, now: now)
        try await store.withTransaction { tx in try await tx.appendDelivery(delivery) }
        return delivery
    }

    func change(_ id: String, _ edit: @escaping @Sendable (inout WebhookEndpoint) -> Void) async throws
        -> WebhookEndpoint
    {
        let timestamp = now()
        return try await store.withTransaction { tx in
            guard var endpoint = try await tx.webhook(id: id) else { throw Self.notFound(id) }
            edit(&endpoint)
            endpoint.updatedAt = timestamp
            try await tx.updateWebhook(endpoint)
            return endpoint
        }
    }

    static func notFound(_ id: String) -> ProvisioningError {
        .notFound("No webhook endpoint '\(id)'; `roster webhook list` shows them.")
    }
}
