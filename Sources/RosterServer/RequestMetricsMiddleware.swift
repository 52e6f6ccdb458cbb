import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Request metrics through swift-metrics: `roster_http_requests_total` and `roster_http_request_duration_seconds`
/// by route pattern, method and status, `roster_http_active_requests` by method, and
/// `roster_http_request_errors_total` for an error that reaches this layer unanswered.
///
/// Hummingbird's own `MetricsMiddleware` records after the response body is written, by wrapping every body in a
/// closure. A wrapped body loses Hummingbird's fast path, which writes a whole-buffer response (head, body and end)
/// in one write; the three writes instead cost about 4% more server CPU per GET /Users/{id} on SQLite
/// (docs/performance.md). Every Roster answer is one buffer by the time its handler returns, so this middleware
/// records then: the duration is the request's but for the socket write, and the body is left as it is.
///
/// The metric handles are made once per route, method and status and kept: a request costs a dictionary lookup
/// under a lock, not a lookup in the Prometheus registry.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status

        /// The series' Prometheus labels.
        var labels: [(String, String)] {
            [("route", route), ("method", method.rawValue), ("status", String(status.code))]
        }
    }

    struct Handles: Sendable {
        let requests: Counter
        let duration: Timer
    }

    final class Cache: Sendable {
        let handles = Mutex<[Key: Handles]>([:])
        let active = Mutex<[HTTPRequest.Method: Meter]>([:])
    }

    let cache = Cache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = DispatchTime.now().uptimeNanoseconds
        let active = meter(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            record(key(request, context, response.status), since: started)
            return response
        } catch {
            let key = key(request, context, (error as? any HTTPResponseError)?.status ?? .internalServerError)
            record(key, since: started)
            Counter(label: "roster_http_request_errors_total", dimensions: key.labels).increment()
            throw error
        }
    }

    /// The request's series: the matched route's pattern (`/scim/{provider}/v2/Users/{id}`: ids never become
    /// labels) or `unmatched`, the method and the status.
    func key(_ request: Request, _ context: Context, _ status: HTTPResponse.Status) -> Key {
        let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        return Key(route: route, method: request.method, status: status)
    }

    func record(_ key: Key, since started: UInt64) {
        let handles = cache.handles.withLock { handles in
            if let known = handles[key] { return known }
            let made = Handles(
                requests: Counter(label: "roster_http_requests_total", dimensions: key.labels),
                duration: Timer(
                    label: "roster_http_request_duration_seconds", dimensions: key.labels,
                    preferredDisplayUnit: .seconds))
            handles[key] = made
            return made
        }
        handles.requests.increment()
        handles.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
    }

    func meter(_ method: HTTPRequest.Method) -> Meter {
        cache.active.withLock { meters in
            if let known = meters[method] { return known }
            let made = Meter(label: "roster_http_active_requests", dimensions: [("method", method.rawValue)])
            meters[method] = made
            return made
        }
    }

}
