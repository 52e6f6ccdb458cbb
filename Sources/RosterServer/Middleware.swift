import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// Turns every error into a response (``ErrorResponses``): the one place failures are rendered, with the body
/// each route speaks.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let responses: ErrorResponses

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return responses.response(for: error, request: request, logger: context.logger)
        }
    }
}

/// Records when each provider last made a successful SCIM request (`/scim/{provider}/…` answered 2xx, which only
/// an authenticated provider gets), written at most once a minute per provider. Answers that can come before
/// authentication (404 for an unknown path, 405, 429) never record, so strangers add nothing to the table and no
/// writes to the store.
struct ProviderActivityMiddleware<Context: RequestContext>: RouterMiddleware {
    let activity: ProviderActivity
    let store: any ProvisioningStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let response = try await next(request, context)
        guard let id = scimProviderID(request), response.status.kind == .successful else { return response }
        let providerID = String(id)
        let now = Date()
        if activity.record(providerID: providerID, at: now) {
            do {
                try await store.withTransaction { tx in try await tx.touchProvider(id: providerID, at: now) }
            } catch {
                context.logger.warning("Could not record provider activity: \(error)")
            }
        }
        return response
    }
}

/// Protects each provider's Base URL: a Base URL whose provider id cannot be one (see
/// ``Provider/isWellFormedID(_:)``) gets 404 before anything is kept or read for it; then a per-provider rate limit
/// (429 with `Retry-After`, a SCIM error body) and, once more than five authentications failed there within a
/// minute, a delay before each further 401. Requests that fail to authenticate do not count against the provider's
/// allowance. Both tables are bounded (see ``RateLimiter`` and ``FailureCounter``).
struct SCIMGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter?
    let failures = FailureCounter()
    let failureDelay: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let id = scimProviderID(request) else { return try await next(request, context) }
        guard Provider.isWellFormedID(id) else {
            throw SCIMError.notFound(
                "This is not a SCIM Base URL: a provider id is \(Provider.idLength) lowercase letters and digits (the console and `roster provider list` show each provider's Base URL)."
            )
        }
        let providerID = String(id)
        if let limiter, let wait = limiter.acquire(providerID, at: Date()) {
            let seconds = max(1, Int(wait.rounded(.up)))
            return SCIMResponses.error(
                SCIMError(
                    status: 429,
                    detail:
                        "Too many requests for this provider (the limit is \(Int(limiter.rate)) per second); retry after \(seconds) second\(seconds == 1 ? "" : "s")."
                ),
                headers: [.retryAfter: String(seconds)])
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as SCIMError where error.status == 401 {
            limiter?.refund(providerID)
            if failures.recordFailure(providerID, at: Date()) { try? await Task.sleep(for: failureDelay) }
            throw error
        }
        return response
    }
}

/// The provider id of a SCIM request's Base URL (`/scim/{provider}/…`), or `nil` for other paths.
func scimProviderID(_ request: Request) -> Substring? {
    let parts = request.uri.path.split(separator: "/", maxSplits: 2)
    guard parts.count >= 2, parts[0] == "scim" else { return nil }
    return parts[1]
}

/// The longest part of a request's path that goes into a log line or an error message; longer paths are cut there
/// and end with `…`, so that a huge path costs neither log space nor response size.
let loggedPathLength = 256

/// `path` as logs and error messages show it: at most ``loggedPathLength`` Unicode scalars.
func loggable(_ path: String) -> String {
    // A path of at most that many bytes has at most that many scalars: the common case counts nothing.
    guard path.utf8.count > loggedPathLength, path.unicodeScalars.count > loggedPathLength else { return path }
    var cut = String.UnicodeScalarView(path.unicodeScalars.prefix(loggedPathLength))
    cut.append("…")
    return String(cut)
}

/// Logs one line per request with its id, method, path, status and duration as metadata (`--log-format json`
/// makes them fields), and answers the id in `X-Request-Id`, so an IdP's support ticket can be matched to the log
/// and to the sync log (whose entries carry the same id). A caller's own `X-Request-Id` (up to 128 letters,
/// digits, `-`, `_`, `.`) is used instead of a generated one.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let incoming = request.headers[Self.header], Self.isValid(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        response.headers[Self.header] = context.id
        if context.logger.logLevel <= .info {
            let path = loggable(request.uri.path)
            let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            let duration = String(format: "%.1f", ms)
            context.logger.info(
                "\(request.method.rawValue) \(path) \(response.status.code) \(duration)ms",
                metadata: [
                    "method": .string(request.method.rawValue), "path": .string(path),
                    "status": .stringConvertible(response.status.code), "duration_ms": .string(duration),
                ])
        }
        return response
    }

    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
            && id.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                    || "-_.".unicodeScalars.contains($0)
            }
    }
}

/// Headers every response carries, error pages and redirects included: `X-Content-Type-Options: nosniff` (a
/// browser never runs a JSON or text answer as a script or page of another type) and `Referrer-Policy:
/// same-origin` (console URLs, which name users and providers, never leave in a `Referer` to another site; the
/// console's own links keep theirs, which its "back" links read). Added outside the error middleware, so it sees
/// every answer the router gives.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentTypeOptions: HTTPField.Name { HTTPField.Name("X-Content-Type-Options")! }
    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[Self.contentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "same-origin"
        return response
    }
}
