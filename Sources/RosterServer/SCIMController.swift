import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// The SCIM 2.0 API of every provider under its Base URL `/scim/{provider}/v2` (RFC 7644 §3): thin handlers that
/// authenticate, decode, call ``SCIMService`` and encode.
struct SCIMController<Context: RequestContext> {
    let service: SCIMService
    let configuration: ServerConfiguration

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        let base = "scim/:provider/v2"
        routes.get("\(base)/Users") { try await self.list(.users, $0, $1) }
        routes.post("\(base)/Users") { try await self.createUser($0, $1) }
        routes.post("\(base)/Users/.search") { try await self.search(.users, $0, $1) }
        routes.get("\(base)/Users/:id") { try await self.getUser($0, $1) }
        routes.put("\(base)/Users/:id") { try await self.changeUser(.put, $0, $1) }
        routes.patch("\(base)/Users/:id") { try await self.changeUser(.patch, $0, $1) }
        routes.delete("\(base)/Users/:id") { try await self.delete(.users, $0, $1) }
        routes.get("\(base)/Groups") { try await self.list(.groups, $0, $1) }
        routes.post("\(base)/Groups") { try await self.createGroup($0, $1) }
        routes.post("\(base)/Groups/.search") { try await self.search(.groups, $0, $1) }
        routes.get("\(base)/Groups/:id") { try await self.getGroup($0, $1) }
        routes.put("\(base)/Groups/:id") { try await self.replaceGroup($0, $1) }
        routes.patch("\(base)/Groups/:id") { try await self.patchGroup($0, $1) }
        routes.delete("\(base)/Groups/:id") { try await self.delete(.groups, $0, $1) }
        routes.post("\(base)/.search") { try await self.searchAll($0, $1) }
        routes.post("\(base)/Bulk") { try await self.bulk($0, $1) }
        for method in [HTTPRequest.Method.get, .put, .patch, .delete] {
            routes.on("\(base)/Bulk", method: method) { _, _ -> Response in
                throw SCIMError.methodNotAllowed(
                    "\(method.rawValue) is not allowed on /Bulk; send a BulkRequest with POST (RFC 7644 §3.7).")
            }
        }
        for path in ["ServiceProviderConfig", "Schemas", "Schemas/:id", "ResourceTypes", "ResourceTypes/:id"] {
            routes.get("\(base)/\(path)") { try await self.discovery($0, $1, path: path) }
            for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
                routes.on("\(base)/\(path)", method: method) { request, _ -> Response in
                    throw SCIMError.methodNotAllowed(
                        "\(method.rawValue) is not allowed on /\(path.split(separator: "/")[0]); it is read-only (RFC 7644 §4)."
                    )
                }
            }
        }
        return routes
    }

    // MARK: Request plumbing

    /// The authenticated provider named in the path: `Authorization: Basic` (username and secret, as Okta sends)
    /// or `Bearer` (the secret, as Entra ID, OneLogin and JumpCloud send). Writes authenticate before they read
    /// their body, and their transaction checks again that the provider still has these credentials.
    func provider(_ request: Request, _ context: Context) async throws -> Provider {
        try await service.authenticate(try credentials(request, context))
    }

    /// ``provider(_:_:)`` for a write, which may skip the read (see ``SCIMService/authenticateForWrite(_:)``).
    func writer(_ request: Request, _ context: Context) async throws -> Provider {
        try await service.authenticateForWrite(try credentials(request, context))
    }

    /// The provider id of the Base URL and the credentials of the `Authorization` header.
    func credentials(_ request: Request, _ context: Context) throws -> SCIMService.ProviderCredentials {
        let providerID = context.parameters.get("provider") ?? ""
        guard let header = request.headers[.authorization] else {
            throw SCIMError.unauthorized(
                "Authentication required: send the provider's API credentials as Basic or Bearer.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { throw SCIMError.unauthorized("Malformed Authorization header.") }
        let scheme = parts[0].lowercased()
        let value = String(parts[1]).trimmingSpaces  // not Foundation's CharacterSet trimming, which costs more
        switch scheme {
        case "bearer":
            return .init(providerID: providerID, username: nil, secret: value)
        case "basic":
            guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { throw SCIMError.unauthorized("Malformed Basic credentials.") }
            return .init(
                providerID: providerID, username: String(text[..<colon]),
                secret: String(text[text.index(after: colon)...]))
        default:
            throw SCIMError.unauthorized("Unsupported authorization scheme '\(parts[0])'; use Basic or Bearer.")
        }
    }

    func baseURL(_ provider: Provider) -> String { provider.baseURL(publicURL: configuration.publicURL) }

    /// The request body as a JSON object. Bodies over the limit (`maxBodySize` unless given) get 413; anything but
    /// an object gets 400.
    func body(_ request: Request, limit: Int? = nil, limitName: String = "the limit") async throws -> JSONObject {
        let limit = limit ?? configuration.maxBodySize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw SCIMError.payloadTooLarge("The request body has \(length) bytes; \(limitName) is \(limit).")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw SCIMError.payloadTooLarge("The request body is larger than \(limitName) of \(limit) bytes.")
        }
        if let capture = CapturedBody.current { capture.keepRequest(Array(buffer.readableBytesView)) }
        let value = try JSONValue(parsing: buffer.readableBytesView)
        guard let object = value.objectValue else {
            throw SCIMError.invalidSyntax("The request body must be a JSON object, got \(value.typeName).")
        }
        return object
    }

    func query(_ request: Request) throws(SCIMError) -> ListQuery {
        try ListQuery(parameters: Self.queryParameters(request))
    }

    /// The request's query parameters, decoded as IdPs encode them: `+` is a space, as in HTML forms (see
    /// ``QueryString``); Hummingbird's `queryParameters` keeps a `+` as it is.
    static func queryParameters(_ request: Request) -> [(name: String, value: String)] {
        QueryString.parameters(request.uri.query ?? "")
    }

    /// `attributes` / `excludedAttributes` of a request's query string.
    func projection(_ request: Request) -> (attributes: [AttributePath], excluded: [AttributePath]) {
        var attributes: [AttributePath] = []
        var excluded: [AttributePath] = []
        for (key, value) in Self.queryParameters(request) {
            switch key.lowercased() {
            case "attributes": attributes += ResourceType.parseAttributeList(value)
            case "excludedattributes": excluded += ResourceType.parseAttributeList(value)
            default: break
            }
        }
        return (attributes, excluded)
    }

    static func wants(_ attribute: String, attributes: [AttributePath], excluded: [AttributePath]) -> Bool {
        if excluded.contains(where: { $0.schema == nil && $0.attribute.equalsIgnoringCase(attribute) }) { return false }
        if attributes.isEmpty { return true }
        return attributes.contains { $0.attribute.equalsIgnoringCase(attribute) }
    }

    func resourceHeaders(version: Int, location: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [:]
        headers[.eTag] = ETag.forVersion(version)
        if let location { headers[.location] = location }
        return headers
    }

    /// The response for one resource: its representation with its `ETag` and its `Location` under the Base URL.
    func resourceResponse(
        _ body: JSONObject, at path: String, version: Int, provider: Provider, status: HTTPResponse.Status
    ) -> Response {
        SCIMResponses.json(
            body, status: status,
            headers: resourceHeaders(version: version, location: "\(baseURL(provider))/\(path)"))
    }

    // MARK: Writes

    /// DELETE /Users/{id} and /Groups/{id}.
    func delete(_ endpoint: BulkPath.Endpoint, _ request: Request, _ context: Context) async throws -> Response {
        _ = try await write(.delete, endpoint, request, context, body: false)
        return SCIMResponses.noContent()
    }

    /// Authenticates a write and runs it with the request's body (`body`), see ``perform(_:_:body:_:_:_:)``.
    func write(
        _ method: BulkOperation.Method, _ endpoint: BulkPath.Endpoint, _ request: Request, _ context: Context,
        body: Bool = true
    ) async throws -> (provider: Provider, result: WriteResult) {
        let provider = try await writer(request, context)
        let data = body ? try await self.body(request) : nil
        return (provider, try await perform(method, endpoint, body: data, provider, request, context))
    }

    /// Runs one write through the service: the request as the operation it would be in a bulk request (its `id`
    /// from the path, its `If-Match` as the operation's `version`).
    func perform(
        _ method: BulkOperation.Method, _ endpoint: BulkPath.Endpoint, body: JSONObject?, _ provider: Provider,
        _ request: Request, _ context: Context
    ) async throws -> WriteResult {
        let id = method == .post ? nil : try context.parameters.require("id")
        let operation = BulkOperation(
            method: method, path: BulkPath(endpoint: endpoint, id: id), version: request.headers[.ifMatch], data: body)
        return try await service.perform(operation, for: provider, requestID: context.id)
    }
}
