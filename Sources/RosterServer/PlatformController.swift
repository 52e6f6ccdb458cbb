import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// The platform API under `/api/v1`, called by the backup platform's own services with a platform API key
/// (`Authorization: Bearer <key>`): device registration, agents' sign-in, and session checks. Not SCIM: bodies
/// are plain JSON (`application/json`), errors are `{"error": "...", "status": n}`. Handlers return their error
/// responses themselves, so that nothing reaches the SCIM error middleware.
struct PlatformController<Context: RequestContext> {
    let service: PlatformService
    /// Largest request body accepted; platform requests are a few fields.
    var maxBodySize = 64 * 1024

    static var sessionTokenHeader: HTTPField.Name { HTTPField.Name("X-Session-Token")! }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("api/v1/devices") { request, context in
            await self.handle(request, context) { try await self.registerDevice(request) }
        }
        routes.post("api/v1/sessions") { request, context in
            await self.handle(request, context) { try await self.signIn(request) }
        }
        routes.get("api/v1/sessions/current") { request, context in
            await self.handle(request, context) { try await self.currentSession(request) }
        }
        return routes
    }

    // MARK: Handlers

    /// `POST /api/v1/devices` `{"userName", "name"}` → 201 with the device and its archive.
    func registerDevice(_ request: Request) async throws -> Response {
        let body = try await body(request)
        let (device, archive) = try await service.registerDevice(
            userName: try Self.string(body, "userName"), name: try Self.string(body, "name"))
        let user = try await service.user(id: device.userID)
        return PlatformResponses.json(
            [
                "device": [
                    "id": .string(device.id), "userName": .string(user.userName), "name": .string(device.name),
                    "createdAt": .string(Timestamp.format(device.createdAt)),
                ],
                "archive": [
                    "id": .string(archive.id), "tier": .string(archive.tier.rawValue),
                    "coldUntil": archive.coldUntil.map { .string(Timestamp.format($0)) } ?? .null,
                ],
            ], status: .created)
    }

    /// `POST /api/v1/sessions` `{"userName", "deviceId"?}` → 201 with the session token (shown once).
    func signIn(_ request: Request) async throws -> Response {
        let body = try await body(request)
        let deviceID: String?
        switch body["deviceId"] {
        case nil, .null?: deviceID = nil
        case .string(let s)?: deviceID = s
        case let other?: throw ProvisioningError.invalid("'deviceId' must be a string, got \(other.typeName).")
        }
        let (token, session) = try await service.signIn(userName: try Self.string(body, "userName"), deviceID: deviceID)
        let user = try await service.user(id: session.userID)
        return PlatformResponses.json(
            ["token": .string(token), "userName": .string(user.userName), "expiresAt": .null], status: .created)
    }

    /// `GET /api/v1/sessions/current` with `X-Session-Token` → 200 with the session, 401 once revoked or unknown.
    func currentSession(_ request: Request) async throws -> Response {
        guard let token = request.headers[Self.sessionTokenHeader]?.trimmingCharacters(in: .whitespaces), !token.isEmpty
        else { throw ProvisioningError.unauthenticated("Send the session token in the X-Session-Token header.") }
        let session = try await service.currentSession(token: token)
        let user = try await service.user(id: session.userID)
        return PlatformResponses.json([
            "userName": .string(user.userName),
            "deviceId": session.deviceID.map { .string($0) } ?? .null,
            "createdAt": .string(Timestamp.format(session.createdAt)),
        ])
    }

    // MARK: Plumbing

    /// Authenticates the request with a platform API key, runs `body`, and turns every error into a JSON error
    /// response: 400 invalid, 401 unauthenticated, 403 refused, 404 not found, 409 conflict, 413 too large, 500
    /// otherwise (logged, with a neutral message).
    func handle(_ request: Request, _ context: Context, _ body: () async throws -> Response) async -> Response {
        do {
            guard try await authenticated(request) else {
                return PlatformResponses.error(
                    "Authentication required: send a platform API key as 'Authorization: Bearer <key>'.",
                    status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"Roster platform\""])
            }
            return try await body()
        } catch {
            return PlatformResponses.response(
                for: error, request: request, logger: context.logger, maxBodySize: maxBodySize)
        }
    }

    /// Whether the request carries a known platform API key as a Bearer token.
    func authenticated(_ request: Request) async throws -> Bool {
        guard let key = request.bearerToken else { return false }
        return try await service.verifyAPIKey(key) != nil
    }

    /// The request body as a JSON object (an empty body is a syntax error here).
    func body(_ request: Request) async throws -> JSONObject {
        try await JSONRequest.object(request, maxBodySize: maxBodySize, emptyIsObject: false)
    }

    static func string(_ body: JSONObject, _ name: String) throws -> String { try JSONRequest.string(body, name) }
}

/// Responses of the platform API: JSON with `Content-Type: application/json`.
enum PlatformResponses {
    static func json(_ object: JSONObject, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:])
        -> Response
    {
        let bytes = JSONValue.object(object).serialized()
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"error": message, "status": code}`.
    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        json(["error": .string(message), "status": .int(status.code)], status: status, headers: headers)
    }

    /// The JSON error response for an error thrown by a platform or admin API handler (``ErrorResponses``).
    static func response(for error: any Error, request: Request, logger: Logger, maxBodySize: Int) -> Response {
        ErrorResponses(maxBodySize: maxBodySize).response(for: error, request: request, logger: logger)
    }
}
