package import Foundation
package import Logging
import SCIM
package import ServiceLifecycle
import Synchronization

/// Delivers events to webhook endpoints: a Service in the application's group.
///
/// - **In order, at least once.** Each endpoint is delivered to one event at a time, after its cursor; the cursor
///   moves only once the endpoint answered 2xx (or the event is of a type it does not take). A crash between the
///   answer and the cursor's commit sends that event again, with the same `webhook-id`.
/// - **One instance per endpoint.** An endpoint is leased (``WebhookTransaction/claimWebhooks(owner:now:until:limit:)``,
///   `FOR UPDATE SKIP LOCKED` on PostgreSQL) for `lease`; another instance takes it over only once the lease ran
///   out, so two instances deliver the same event only as a retry of one that outlived its lease.
/// - **Backoff.** A failed attempt waits 1 s × 2^(attempt−1), at most an hour, ±20 % jitter; an endpoint failing
///   for longer than `retryWindow` (3 days) is disabled and keeps its backlog until an admin resumes it.
/// - **Isolation.** Each endpoint's deliveries run in a task of their own with a per-request timeout, so a slow
///   endpoint delays only itself; SCIM requests never wait on a delivery. The tasks prefer the transport's
///   executor (``WebhookTransport/taskExecutor``): the server's runs them on the webhook client's own thread.
/// - **Background work.** With a ``DeliveryPacer`` (the server passes one), each delivery first waits until the
///   pacer lets the deliveries use the CPU: while SCIM requests keep the server busy, deliveries take a small share
///   of a core and catch up afterwards.
package struct WebhookDispatcher: Service {
    package struct Options: Sendable {
        package var pollInterval: Duration = .milliseconds(200)
        package var lease: Duration = .seconds(20)
        package var timeout: Duration = .seconds(10)
        package var baseDelay: Duration = .seconds(1)
        package var maxDelay: Duration = .seconds(3600)
        package var retryWindow: Duration = .seconds(3 * 86_400)
        /// Endpoints leased at once by this instance.
        package var concurrency = 16
        /// Events read at once for one endpoint.
        package var batch = 100
        /// Deliveries between two commits of an endpoint's progress.
        package var commitEvery = 50
        package init() {}
    }

    let store: any ProvisioningStore
    let transport: any WebhookTransport
    let now: @Sendable () -> Date
    let options: Options
    let owner: String
    let pacer: DeliveryPacer?
    let logger: Logger

    package init(
        store: any ProvisioningStore, transport: any WebhookTransport, now: @escaping @Sendable () -> Date = { Date() },
        options: Options = Options(), owner: String = "instance-" + Credentials.generateIdentifier(length: 8),
        pacer: DeliveryPacer? = nil, logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.pacer = pacer
        self.now = now
        self.options = options
        self.owner = owner
        self.logger = logger
    }

    package func run() async throws {
        let busy = BusyEndpoints()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    let free = options.concurrency - busy.count
                    let timestamp = now()
                    // Looked for with a read first: an idle instance then never opens a write transaction.
                    if free > 0, try await anyDue(at: timestamp) {
                        let until = timestamp.addingTimeInterval(options.lease.seconds)
                        let claimed = try await store.withTransaction { tx in
                            try await tx.claimWebhooks(owner: owner, now: timestamp, until: until, limit: free)
                        }
                        for endpoint in claimed where busy.insert(endpoint.id) {
                            group.addTask(executorPreference: transport.taskExecutor) {
                                await deliver(to: endpoint)
                                busy.remove(endpoint.id)
                            }
                        }
                    }
                } catch {
                    logger.error("Webhook dispatcher: \(error)")
                }
                try? await Task.sleep(for: options.pollInterval)
            }
        }
    }

    /// Whether any endpoint is due (``WebhookEndpoint/isDue(at:newestEvent:)``); the claim checks again.
    func anyDue(at timestamp: Date) async throws -> Bool {
        try await store.read { tx in
            let newest = try await tx.lastEventCursor()
            return try await tx.webhooks().contains { $0.isDue(at: timestamp, newestEvent: newest) }
        }
    }

    /// Delivers an endpoint's due events, in order, until none is left, one fails, or the lease runs short; then
    /// gives the lease back. Progress (the cursor and the attempts) is committed every `commitEvery` deliveries
    /// and at the end, renewing the lease each time: a crash in between sends those deliveries again.
    func deliver(to leased: WebhookEndpoint) async {
        var endpoint = leased
        var pending: [WebhookDelivery] = []
        do {
            let types = endpoint.types
            var page: [ProvisioningEvent] = []
            deliveries: while !Task.isCancelled {
                if page.isEmpty {
                    let query = EventQuery(after: endpoint.cursor, limit: options.batch, types: types)
                    // The newest position first, then the page: a read may see more committed between its
                    // statements (PostgreSQL reads at READ COMMITTED), never less.
                    let (last, events) = try await store.read { tx in
                        (try await tx.lastEventCursor(), try await tx.events(query))
                    }
                    page = events
                    if page.isEmpty {
                        // Nothing of its types up to `last`: those are skipped. Positions the store gives are final
                        // (``EventCursor``), so the page saw every event up to `last`.
                        if last > endpoint.cursor { endpoint.cursor = last }
                        break
                    }
                }
                let event = page.removeFirst()
                await pacer?.pace()
                let delivery = await Self.send(
                    event, to: endpoint, attempt: endpoint.attempts + 1, transport: transport, now: now,
                    timeout: options.timeout)
                pending.append(delivery)
                if delivery.succeeded {
                    endpoint.cursor = event.cursor ?? endpoint.cursor
                    endpoint.attempts = 0
                    endpoint.failingSince = nil
                    endpoint.lastError = nil
                } else {
                    fail(&endpoint, delivery)
                }
                let leaseShort =
                    (endpoint.leaseUntil ?? now()).timeIntervalSince(now()) < options.timeout.seconds + 5
                if !delivery.succeeded || pending.count >= options.commitEvery || leaseShort {
                    endpoint.leaseUntil = now().addingTimeInterval(options.lease.seconds)
                    guard try await commit(endpoint, pending) else { return }
                    pending = []
                }
                if !delivery.succeeded { break deliveries }
            }
            endpoint.leaseOwner = nil
            endpoint.leaseUntil = nil
            _ = try await commit(endpoint, pending)
        } catch {
            logger.error("Webhook \(endpoint.id): \(error)")
        }
    }

    /// Records deliveries and the endpoint's progress; `false` when the endpoint was removed meanwhile.
    func commit(_ endpoint: WebhookEndpoint, _ deliveries: [WebhookDelivery]) async throws -> Bool {
        try await store.withTransaction { tx in
            guard let stored = try await tx.webhook(id: endpoint.id) else { return false }
            for delivery in deliveries { try await tx.appendDelivery(delivery) }
            try await tx.updateWebhook(Self.merge(endpoint, over: stored))
            return true
        }
    }

    /// The dispatcher's copy of an endpoint over the stored one: what an admin may have changed meanwhile (its
    /// URL, types, secret) stays as the admin left it.
    static func merge(_ mine: WebhookEndpoint, over stored: WebhookEndpoint) -> WebhookEndpoint {
        var merged = mine
        merged.url = stored.url
        merged.description = stored.description
        merged.eventTypes = stored.eventTypes
        merged.secret = stored.secret
        merged.allowPrivate = stored.allowPrivate
        return merged
    }

    /// Records a failed attempt: backoff, and disabling past the retry window.
    func fail(_ endpoint: inout WebhookEndpoint, _ delivery: WebhookDelivery) {
        let timestamp = now()
        endpoint.attempts += 1
        let since = endpoint.failingSince ?? timestamp
        endpoint.failingSince = since
        endpoint.lastError = delivery.error ?? delivery.statusCode.map { "HTTP \($0)" }
        if timestamp.timeIntervalSince(since) >= options.retryWindow.seconds {
            endpoint.state = .disabled
            endpoint.lastError =
                "Disabled after failing for \(Duration.seconds(Int64(options.retryWindow.seconds)).adminText): "
                + (endpoint.lastError ?? "")
            logger.warning("Webhook \(endpoint.id) disabled: \(endpoint.lastError ?? "")")
        }
        endpoint.nextAttemptAt = timestamp.addingTimeInterval(Self.delay(attempt: endpoint.attempts, options: options))
        endpoint.updatedAt = timestamp
    }

    /// Seconds before attempt `attempt + 1`: exponential from `baseDelay`, capped at `maxDelay`, ±20 % jitter.
    package static func delay(attempt: Int, options: Options) -> TimeInterval {
        let exponential = options.baseDelay.seconds * pow(2, Double(min(max(attempt - 1, 0), 30)))
        return min(exponential, options.maxDelay.seconds) * Double.random(in: 0.8...1.2)
    }

    /// Sends one event, signed, and says how it went (never throws: a failure is a delivery without a 2xx).
    static func send(
        _ event: ProvisioningEvent, to endpoint: WebhookEndpoint, attempt: Int, transport: any WebhookTransport,
        now: @Sendable () -> Date, timeout: Duration = .seconds(10)
    ) async -> WebhookDelivery {
        let body = JSONValue.object(event.json).serialized()
        let started = ContinuousClock.now
        let at = now()
        var delivery = WebhookDelivery(
            endpointID: endpoint.id, eventID: event.id, eventSequence: event.sequence ?? 0,
            eventType: event.type.rawValue, attempt: attempt, at: at, statusCode: nil, latencyMilliseconds: 0)
        do {
            let response = try await transport.post(
                url: endpoint.url,
                headers: WebhookSignature.headers(eventID: event.id, body: body, secret: endpoint.secret, at: at),
                body: body, timeout: timeout, allowPrivate: endpoint.allowPrivate)
            delivery.statusCode = response.status
            delivery.responseExcerpt = String(response.excerpt.prefix(512))
            if !delivery.succeeded { delivery.error = "HTTP \(response.status)" }
        } catch {
            delivery.error = "\(error)"
        }
        delivery.latencyMilliseconds = Int((ContinuousClock.now - started).seconds * 1000)
        return delivery
    }
}

/// The endpoints this instance is delivering to now.
final class BusyEndpoints: Sendable {
    private let ids = Mutex<Set<String>>([])
    var count: Int { ids.withLock { $0.count } }
    func insert(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }
    func remove(_ id: String) { _ = ids.withLock { $0.remove(id) } }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
