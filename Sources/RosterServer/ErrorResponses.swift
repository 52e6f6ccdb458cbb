import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// Every failure's response, in one place: what it means (a status, a message, a `Retry-After`), decided once for
/// every route, and the body the route speaks: SCIM's error for `/scim/`, the JSON of the platform and admin APIs
/// for `/api/`, an HTML page for `/console`. Domain errors take their status from
/// ``Provisioning/ProvisioningError/scimError``, so one error answers the same status everywhere.
struct ErrorResponses: Sendable {
    /// The body a route answers failures with.
    enum Body: Sendable, Hashable {
        case scim, json, html

        init(path: String) {
            if path.hasPrefix("/api/") {
                self = .json
            } else if path == "/console" || path.hasPrefix("/console/") {
                self = .html
            } else {
                self = .scim
            }
        }
    }

    /// What a failure means, whatever the body it is written in.
    struct Failure: Sendable {
        var error: SCIMError
        var retryAfter: Int?
        /// A plain page for the console (routing errors, which happen before any console code ran).
        var plain = false
        var status: HTTPResponse.Status { HTTPResponse.Status(code: error.status) }
    }

    /// The console's page renderer; without one (tests of the API alone), console failures get a plain page.
    var renderer: ConsoleRenderer?
    /// The body size limit, named in the 413's message.
    var maxBodySize: Int?

    /// The response for `error` on `request`'s route. An error that is not a SCIM, domain or routing error is a
    /// bug: it is logged, and the client hears a neutral 500.
    func response(for error: any Error, request: Request, logger: Logger) -> Response {
        let body = Body(path: request.uri.path)
        let failure = Self.failure(for: error, body: body, request: request, maxBodySize: maxBodySize) {
            logger.error(
                "Unhandled error: \(String(reflecting: error))", metadata: ["path": "\(loggable(request.uri.path))"])
        }
        return render(failure, body: body)
    }

    /// What `error` means on a route with this body; `unexpected` runs for an error that is a bug.
    static func failure(
        for error: any Error, body: Body, request: Request, maxBodySize: Int?, unexpected: () -> Void = {}
    ) -> Failure {
        switch error {
        case let error as SCIMError:
            return Failure(
                error: error, retryAfter: error.status == 503 ? ProvisioningError.unavailableRetryAfter : nil)
        case let error as ProvisioningError:
            return Failure(error: error.scimError, retryAfter: error.retryAfterSeconds)
        case let error as HTTPError:
            return Failure(error: routingError(error, body: body, request: request), plain: true)
        case is NIOTooManyBytesError:
            let detail =
                switch body {
                case .html: "The form is larger than the console accepts."
                case .json:
                    maxBodySize.map { "The request body is larger than the limit of \($0) bytes." }
                        ?? "The request body is larger than the server accepts."
                case .scim: "The request body is larger than the server accepts."
                }
            return Failure(error: .payloadTooLarge(detail))
        default:
            unexpected()
            let detail =
                body == .html
                ? "Something went wrong on our side; the error was logged. Try again."
                : "The server could not complete the request; the error was logged."
            return Failure(error: .internalError(detail))
        }
    }

    /// Hummingbird's routing and body errors, said for the route.
    static func routingError(_ error: HTTPError, body: Body, request: Request) -> SCIMError {
        let (method, path) = (request.method.rawValue, loggable(request.uri.path))
        switch (error.status, body) {
        case (.notFound, .html): return .notFound("There is no page at \(path).")
        case (.notFound, .json): return .notFound("No endpoint at \(method) \(path).")
        case (.notFound, .scim): return .notFound("No resource or endpoint at \(method) \(path).")
        case (.methodNotAllowed, _): return .methodNotAllowed("\(method) is not supported on \(path).")
        case (.contentTooLarge, _): return .payloadTooLarge("The request body is larger than the server accepts.")
        default: return SCIMError(status: error.status.code, detail: error.body ?? error.status.reasonPhrase)
        }
    }

    /// `failure` in the route's body, with `Retry-After` when it has one.
    func render(_ failure: Failure, body: Body) -> Response {
        var headers: HTTPFields = [:]
        if let seconds = failure.retryAfter { headers[.retryAfter] = String(seconds) }
        switch body {
        case .scim:
            if failure.error.status == 401 {
                headers[.wwwAuthenticate] = "Basic realm=\"Roster SCIM\", Bearer realm=\"Roster SCIM\""
            }
            return SCIMResponses.error(failure.error, headers: headers)
        case .json:
            return PlatformResponses.error(failure.error.detail, status: failure.status, headers: headers)
        case .html:
            var response: Response
            if let renderer, !failure.plain {
                let status = failure.status
                response = renderer.page(
                    "error", Layout(title: status.reasonPhrase),
                    ErrorPage(heading: status.reasonPhrase, message: failure.error.detail), status: status)
            } else {
                response = ConsoleRenderer.plainErrorPage(status: failure.status, message: failure.error.detail)
            }
            response.headers.append(contentsOf: headers)
            return response
        }
    }
}

extension ProvisioningError {
    /// The HTTP status of a domain error: ``Provisioning/ProvisioningError/status`` as Hummingbird's type.
    var httpStatus: HTTPResponse.Status { HTTPResponse.Status(code: status) }
}
