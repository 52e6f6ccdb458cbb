import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import Prometheus
import Provisioning
import SCIM

/// The process's swift-metrics backend: one Prometheus registry, which `GET /metrics` renders.
///
/// `MetricsSystem.bootstrap` may run only once per process, and a process may build many routers (the tests build
/// one per test), so the registry is made and bootstrapped once, when the first router is built; every router
/// then records into it and renders from it. A process that embeds RosterServer must not bootstrap
/// `MetricsSystem` itself.
enum ProcessMetrics {
    /// The registry swift-metrics records into (bootstrapped on first use).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Histogram bucket upper bounds of request durations.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(10),
    ]
}

/// `GET /metrics`: the process's request metrics (``RequestMetricsMiddleware`` through swift-metrics), plus
/// what the store knows at the time of the scrape: the scheduler's backlog, the sync log by action, data warnings
/// by attribute, providers.
func metricsResponse(store: some ProvisioningStore) async throws -> Response {
    let now = Date()
    let (backlog, actions, providers, warnings) = try await store.read { tx in
        (
            try await tx.deactivationBacklog(at: now), try await tx.syncLogActionCounts(),
            try await tx.providers().count,
            try await tx.warningCounts()
        )
    }
    // A registry of this scrape's own: the values are this store's, and series that disappeared (a warning's
    // attribute whose entries expired) disappear from the answer too.
    let gauges = PrometheusCollectorRegistry()
    func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "roster", metricName: name, unitName: "", helpText: help)
    }
    gauges.makeGauge(descriptor: gauge("deactivations_pending", "Deactivations scheduled and not yet done."))
        .set(Int64(backlog.pending))
    gauges.makeGauge(
        descriptor: gauge("deactivations_due", "Pending deactivations already due (the scheduler's backlog).")
    ).set(Int64(backlog.due))
    let entries = gauge(
        "sync_log_entries", "Sync-log entries by action (provisioning actions, refusals, admin actions).")
    for action in SyncAction.allCases {
        gauges.makeGauge(descriptor: entries, labels: [("action", action.rawValue)]).set(Int64(actions[action] ?? 0))
    }
    let dataWarnings = gauge(
        "scim_data_warnings",
        "Values left out of accepted SCIM requests (invalid-data policy accept-and-warn), by attribute; "
            + "unknown attributes count together.")
    for (attribute, count) in warnings {
        gauges.makeGauge(descriptor: dataWarnings, labels: [("attribute", attribute)]).set(Int64(count))
    }
    gauges.makeGauge(descriptor: gauge("providers", "Provisioning providers.")).set(Int64(providers))
    var body = ProcessMetrics.registry.emitToBuffer()
    gauges.emit(into: &body)
    return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

/// Whether a `GET /metrics` may read the metrics: always when no metrics token is configured, otherwise only with
/// `Authorization: Bearer <token>` (compared in constant time).
func metricsAllowed(_ request: Request, token: String?) -> Bool {
    guard let token else { return true }
    guard let header = request.headers[.authorization], header.utf8.count > 7,
        header.prefix(7).lowercased() == "bearer "
    else { return false }
    return Credentials.constantTimeEquals(Array(header.utf8.dropFirst(7)), Array(token.utf8))
}

/// The answer to a `GET /metrics` without the configured token.
func metricsUnauthorized() -> Response {
    Response(
        status: .unauthorized,
        headers: [.wwwAuthenticate: "Bearer realm=\"Roster metrics\"", .contentType: "text/plain; charset=utf-8"],
        body: .init(
            byteBuffer: ByteBuffer(
                string: "GET /metrics needs the metrics token: send Authorization: Bearer <token>.\n")))
}
