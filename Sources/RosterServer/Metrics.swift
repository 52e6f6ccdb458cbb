import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM
import Synchronization

/// Request counts and latencies by route, method and status, kept in memory and written in Prometheus' text
/// format (no metrics library, no global state: one registry per application).
final class RequestMetrics: Sendable {
    struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    struct Series {
        var count = 0
        var sum = 0.0
        var buckets = [Int](repeating: 0, count: RequestMetrics.bounds.count)

        mutating func record(_ seconds: Double) {
            count += 1
            sum += seconds
            for (i, bound) in RequestMetrics.bounds.enumerated() where seconds <= bound { buckets[i] += 1 }
        }
    }

    /// Histogram bucket upper bounds, in seconds.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]
    let series = Mutex<[Key: Series]>([:])

    func record(route: String, method: String, status: Int, seconds: Double) {
        let key = Key(route: route, method: method, status: status)
        series.withLock { all in
            // Updated in place: copying a series out and back made every request copy its buckets.
            all[key, default: Series()].record(seconds)
        }
    }

    /// The request metrics in Prometheus' text exposition format.
    func render() -> String {
        let snapshot = series.withLock { $0 }.sorted { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }
        var out = "# HELP roster_http_requests_total HTTP requests answered, by route, method and status.\n"
        out += "# TYPE roster_http_requests_total counter\n"
        for (key, s) in snapshot {
            out += "roster_http_requests_total{\(Self.labels(key))} \(s.count)\n"
        }
        out += "# HELP roster_http_request_duration_seconds Time to answer HTTP requests, by route, method and status.\n"
        out += "# TYPE roster_http_request_duration_seconds histogram\n"
        for (key, s) in snapshot {
            let labels = Self.labels(key)
            for (i, bound) in Self.bounds.enumerated() {
                out += "roster_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(s.buckets[i])\n"
            }
            out += "roster_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(s.count)\n"
            out += "roster_http_request_duration_seconds_sum{\(labels)} \(s.sum)\n"
            out += "roster_http_request_duration_seconds_count{\(labels)} \(s.count)\n"
        }
        return out
    }

    static func labels(_ key: Key) -> String {
        "route=\"\(escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\""
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Records every request's route (the matched pattern, never ids), method, final status and duration. Added
/// first, so it sees the responses the error middleware made from errors.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code,
            seconds: seconds)
        return response
    }
}

/// `GET /metrics`: request metrics, plus what the store knows: the scheduler's backlog, the sync log by action,
/// providers.
func metricsResponse(_ metrics: RequestMetrics, store: some ProvisioningStore) async throws -> Response {
    let now = Date()
    let (backlog, actions, providers, warnings) = try await store.read { tx in
        (
            try await tx.deactivationBacklog(at: now), try await tx.syncLogActionCounts(), try await tx.providers().count,
            try await tx.warningCounts()
        )
    }
    var out = metrics.render()
    out += "# HELP roster_deactivations_pending Deactivations scheduled and not yet done.\n"
    out += "# TYPE roster_deactivations_pending gauge\nroster_deactivations_pending \(backlog.pending)\n"
    out += "# HELP roster_deactivations_due Pending deactivations already due (the scheduler's backlog).\n"
    out += "# TYPE roster_deactivations_due gauge\nroster_deactivations_due \(backlog.due)\n"
    out += "# HELP roster_sync_log_entries Sync-log entries by action (provisioning actions, refusals, admin actions).\n"
    out += "# TYPE roster_sync_log_entries gauge\n"
    for action in SyncAction.allCases {
        out += "roster_sync_log_entries{action=\"\(action.rawValue)\"} \(actions[action] ?? 0)\n"
    }
    out += "# HELP roster_scim_data_warnings Values left out of accepted SCIM requests (invalid-data policy "
    out += "accept-and-warn), by attribute; unknown attributes count together.\n"
    out += "# TYPE roster_scim_data_warnings gauge\n"
    for (attribute, count) in warnings.sorted(by: { $0.key < $1.key }) {
        out += "roster_scim_data_warnings{attribute=\"\(RequestMetrics.escape(attribute))\"} \(count)\n"
    }
    out += "# HELP roster_providers Provisioning providers.\n# TYPE roster_providers gauge\nroster_providers \(providers)\n"
    return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: out)))
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
        body: .init(byteBuffer: ByteBuffer(string: "GET /metrics needs the metrics token: send Authorization: Bearer <token>.\n")))
}
