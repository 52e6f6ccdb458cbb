import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// Turns every error into a response with a JSON body: SCIM errors as themselves, Hummingbird's routing and
/// body-size errors as the matching SCIM errors, and anything unexpected as a 500 that says nothing internal
/// (the details go to the log).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as SCIMError {
            var headers: HTTPFields = [:]
            if error.status == 401 { headers[.wwwAuthenticate] = "Basic realm=\"Roster SCIM\", Bearer realm=\"Roster SCIM\"" }
            if error.status == 503 { headers[.retryAfter] = "5" }
            return SCIMResponses.error(error, headers: headers)
        } catch let error as ProvisioningError where request.uri.path.hasPrefix("/scim/") {
            // A domain error outside a SCIM operation's own mapping (a read that found the store unavailable).
            let status = error.httpStatus
            return SCIMResponses.error(
                SCIMError(status: status.code, detail: error.message),
                headers: status == .serviceUnavailable ? [.retryAfter: "5"] : [:])
        } catch let error as HTTPError where request.uri.path.hasPrefix("/console") {
            let message = error.status == .notFound
                ? "There is no page at \(request.uri.path)." : (error.body ?? error.status.reasonPhrase)
            return ConsoleRenderer.plainErrorPage(status: error.status, message: message)
        } catch let error as HTTPError where request.uri.path.hasPrefix("/api/") {
            let message = switch error.status {
            case .notFound: "No endpoint at \(request.method.rawValue) \(request.uri.path)."
            case .methodNotAllowed: "\(request.method.rawValue) is not supported on \(request.uri.path)."
            default: error.body ?? error.status.reasonPhrase
            }
            return PlatformResponses.error(message, status: error.status)
        } catch let error as HTTPError {
            return SCIMResponses.error(Self.scimError(for: error, request: request))
        } catch is NIOTooManyBytesError {
            return SCIMResponses.error(.payloadTooLarge("The request body is larger than the server accepts."))
        } catch {
            context.logger.error("Unhandled error: \(String(reflecting: error))", metadata: ["path": "\(request.uri.path)"])
            return SCIMResponses.error(.internalError("The server could not complete the request; the error was logged."))
        }
    }

    static func scimError(for error: HTTPError, request: Request) -> SCIMError {
        switch error.status {
        case .notFound: .notFound("No resource or endpoint at \(request.method.rawValue) \(request.uri.path).")
        case .methodNotAllowed: .methodNotAllowed("\(request.method.rawValue) is not supported on \(request.uri.path).")
        case .contentTooLarge: .payloadTooLarge("The request body is larger than the server accepts.")
        default: SCIMError(status: error.status.code, detail: error.body ?? error.status.reasonPhrase)
        }
    }
}

/// Records when each provider last made an authenticated SCIM request (`/scim/{provider}/…` answered with anything
/// but 401), written at most once a minute per provider.
struct ProviderActivityMiddleware<Context: RequestContext, Store: ProvisioningStore>: RouterMiddleware {
    let activity: ProviderActivity
    let store: Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let response = try await next(request, context)
        guard let providerID = scimProviderID(request), response.status != .unauthorized else { return response }
        let now = Date()
        if activity.record(providerID: providerID, at: now) {
            do {
                try await store.withTransaction { tx in try tx.touchProvider(id: providerID, at: now) }
            } catch {
                context.logger.warning("Could not record provider activity: \(error)")
            }
        }
        return response
    }
}

/// Protects each provider's Base URL: a per-provider rate limit (429 with `Retry-After`, a SCIM error body) and,
/// once more than five authentications failed there within a minute, a delay before each further 401. Requests
/// that fail to authenticate do not count against the provider's allowance.
struct SCIMGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter?
    let failures = FailureCounter()
    let failureDelay: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let providerID = scimProviderID(request) else { return try await next(request, context) }
        if let limiter, let wait = limiter.acquire(providerID, at: Date()) {
            let seconds = max(1, Int(wait.rounded(.up)))
            return SCIMResponses.error(
                SCIMError(
                    status: 429,
                    detail: "Too many requests for this provider (the limit is \(Int(limiter.rate)) per second); retry after \(seconds) second\(seconds == 1 ? "" : "s")."),
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
func scimProviderID(_ request: Request) -> String? {
    let parts = request.uri.path.split(separator: "/", maxSplits: 2)
    guard parts.count >= 2, parts[0] == "scim" else { return nil }
    return String(parts[1])
}

/// Logs one line per request: method, path, status and duration.
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
            let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            let duration = String(format: "%.1f", ms)
            context.logger.info(
                "\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(duration)ms",
                metadata: [
                    "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                    "status": .stringConvertible(response.status.code), "duration_ms": .string(duration),
                ])
        }
        return response
    }

    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
            && id.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0) }
    }
}
