package import Hummingbird
import HummingbirdCore
package import Logging
package import Provisioning
import SCIM
package import ServiceLifecycle

/// The composition root of the service: routes, middleware and everything long-lived in the application's one
/// service group, ready to run: the store's own service (its pool or writer; first, so that it stops last, after
/// everything that writes), `services` (such as the OTLP exporter), the deactivation scheduler (sleeping on `clock`;
/// tests pass their own), the webhook dispatcher, the request recorder, then the HTTP server. Before the server
/// accepts a connection it records the public URL Base URLs are built from and, while there is no admin yet, logs
/// the console's one-time setup link.
///
/// The store comes opened (the executable picks the driver from `--database`): this module never links a database
/// driver.
package func buildApplication<C: Clock<Duration>>(
    configuration: ServerConfiguration, store: any ProvisioningStore, logger: Logger, services: [any Service] = [],
    clock: C = ContinuousClock()
) throws -> some ApplicationProtocol {
    let recorder = RequestRecorder(store: store, logger: logger)
    let load = RequestLoad()
    let router = try buildRouter(configuration: configuration, store: store, recorder: recorder, load: load)
    let scheduler = DeactivationScheduler(store: store, clock: clock, logger: logger)
    let webhooks = HTTPWebhookDelivery(
        store: store, load: load, busyShare: configuration.webhookBusyShare, logger: logger)
    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .milliseconds(Int64(configuration.idleTimeout / .milliseconds(1))),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: ServerConfiguration.maxRequestLineSize,
            maxHeaderListSize: ServerConfiguration.maxRequestHeadSize))
    let (requestTimeout, maxConnections) = (configuration.requestTimeout, max(1, configuration.maxConnections))
    let connections = ConnectionCount()
    var app = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            RosterHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: http1), requestTimeout: requestTimeout,
                maxConnections: maxConnections, connections: connections)
        },
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "Roster",
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
        services: (store.service.map { [$0] } ?? []) + services + [scheduler, webhooks, recorder],
        logger: logger)
    app.beforeServerStarts {
        try await prepareToServe(configuration: configuration, store: store, logger: logger)
    }
    return app
}

/// What serving needs written first, with the store running: the public URL, and the setup link while there is no
/// admin.
func prepareToServe(configuration: ServerConfiguration, store: any ProvisioningStore, logger: Logger) async throws {
    try await AdminService(store: store).setPublicURL(configuration.publicURL)
    if let token = try await AdminAccounts(store: store).issueSetupToken() {
        var root = configuration.publicURL
        while root.hasSuffix("/") { root.removeLast() }
        logger.notice(
            "No admin yet. Create the first one at \(root)/console/setup?token=\(token) (this link works once; `roster admin add` works too)."
        )
    }
}

/// The router alone, for tests that drive it without a socket. Without a `recorder` the request inspector records
/// nothing; with one, its ``RequestRecorder/flush()`` writes what it gathered (the application runs it as a Service).
/// `load` counts the SCIM requests in flight for the webhook deliveries' pacing.
package func buildRouter(
    configuration: ServerConfiguration, store: any ProvisioningStore, recorder: RequestRecorder? = nil,
    load: RequestLoad? = nil
) throws -> Router<RosterRequestContext> {
    let router = Router(context: RosterRequestContext.self)
    if configuration.tracing {
        // Query values that carry secrets (the console's setup token) or personal data (SCIM filters, searches).
        router.add(
            middleware: TracingMiddleware<RosterRequestContext>(
                redactingQueryParameters: ["token", "filter", "q", "user"]))
    }
    // The process's metrics backend, bootstrapped once, before the middleware makes its first metric.
    _ = ProcessMetrics.registry
    if let load { router.add(middleware: RequestLoadMiddleware<RosterRequestContext>(load: load)) }
    router.add(middleware: RequestMetricsMiddleware<RosterRequestContext>())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: RequestLogMiddleware())
    if let recorder {
        router.add(middleware: RequestRecordingMiddleware(recorder: recorder))
    }
    let renderer = try ConsoleRenderer()
    router.add(
        middleware: ErrorMiddleware(
            responses: ErrorResponses(renderer: renderer, maxBodySize: configuration.maxBodySize)))
    router.add(middleware: ProviderActivityMiddleware(activity: ProviderActivity(), store: store))
    router.add(
        middleware: SCIMGuardMiddleware(
            limiter: configuration.rateLimit > 0
                ? RateLimiter(rate: configuration.rateLimit, burst: configuration.rateLimit * 2) : nil,
            failureDelay: configuration.failedAuthenticationDelay))
    let domain = DomainServices(store: store, bcryptCost: configuration.bcryptCost)
    router.addRoutes(SCIMController(service: domain.scim, configuration: configuration).endpoints)
    router.addRoutes(PlatformController(service: domain.platform).endpoints)
    router.addRoutes(
        EventsController(
            feed: domain.events, accounts: domain.accounts, platform: domain.platform,
            maxBodySize: configuration.maxBodySize
        ).endpoints)
    router.addRoutes(
        ConsoleController(
            renderer: renderer, admin: domain.admin, accounts: domain.accounts, platform: domain.platform,
            webhooks: domain.webhooks, inspector: domain.inspector, activity: domain.activity, revert: domain.revert,
            configuration: configuration,
            throttle: SignInThrottle(
                perAddress: configuration.signInLimitPerAddress, overall: configuration.signInLimit)
        ).endpoints)
    router.addRoutes(
        AdminAPIController(
            admin: domain.admin, accounts: domain.accounts, platform: domain.platform, webhooks: domain.webhooks,
            events: domain.events, inspector: domain.inspector, activity: domain.activity, revert: domain.revert,
            configuration: configuration,
            openAPI: renderer.openAPI,
            maxBodySize: configuration.maxBodySize
        ).endpoints)
    router.get("healthz") { _, _ in SCIMResponses.json(["status": "ok"]) }
    router.get("metrics") { request, _ in
        guard metricsAllowed(request, token: configuration.metricsToken) else { return metricsUnauthorized() }
        return try await metricsResponse(store: store)
    }
    router.get("readyz") { _, _ in
        _ = try await store.read { tx in try await tx.providers().count }
        return SCIMResponses.json(["status": "ready"])
    }
    return router
}
