import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

// One controller over 400 lines: every route of RFC 7644 §3 under a provider's Base URL, each a few lines
// (authenticate, decode, call SCIMService, encode), with the plumbing they share.

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
        routes.put("\(base)/Users/:id") { try await self.replaceUser($0, $1) }
        routes.patch("\(base)/Users/:id") { try await self.patchUser($0, $1) }
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

    // MARK: Users

    func userRepresentation(
        _ user: UserRecord, groups: [MemberReference], provider: Provider, attributes: [AttributePath],
        excluded: [AttributePath]
    ) -> JSONObject {
        let full = Representation.user(user, groups: groups, baseURL: baseURL(provider))
        return ResourceType.user.project(full, attributes: attributes, excludedAttributes: excluded)
    }

    /// The response for one user; after a write the groups are read afresh (when the response shows them).
    func userResponse(
        _ user: UserRecord, groups known: [MemberReference]? = nil, provider: Provider, request: Request,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (attributes, excluded) = projection(request)
        var groups = known ?? []
        if known == nil, Self.wants("groups", attributes: attributes, excluded: excluded) {
            groups = try await service.groups(ofUser: user.id)
        }
        let body = userRepresentation(
            user, groups: groups, provider: provider, attributes: attributes, excluded: excluded)
        let location = "\(baseURL(provider))/Users/\(user.id)"
        return SCIMResponses.json(
            body, status: status, headers: resourceHeaders(version: user.version, location: location))
    }

    func createUser(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let user = try await perform(.post, .users, body: try await body(request), provider, request, context).user
        // A created (or linked again) user belongs to no group yet: DELETE removed its memberships, and only
        // linked users can be added to groups, so there is nothing to read.
        return try await userResponse(user, groups: [], provider: provider, request: request, status: .created)
    }

    func getUser(_ request: Request, _ context: Context) async throws -> Response {
        let (attributes, excluded) = projection(request)
        let (provider, user, groups) = try await service.readUser(
            try credentials(request, context), id: try context.parameters.require("id"),
            withGroups: Self.wants("groups", attributes: attributes, excluded: excluded))
        return try await userResponse(user, groups: groups, provider: provider, request: request)
    }

    func replaceUser(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let user = try await perform(.put, .users, body: try await body(request), provider, request, context).user
        return try await userResponse(user, provider: provider, request: request)
    }

    func patchUser(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let user = try await perform(.patch, .users, body: try await body(request), provider, request, context).user
        return try await userResponse(user, provider: provider, request: request)
    }

    /// DELETE /Users/{id} and /Groups/{id}.
    func delete(_ endpoint: BulkPath.Endpoint, _ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        _ = try await perform(.delete, endpoint, body: nil, provider, request, context)
        return SCIMResponses.noContent()
    }

    /// GET /Users and /Groups.
    func list(_ endpoint: BulkPath.Endpoint, _ request: Request, _ context: Context) async throws -> Response {
        try await list(endpoint, try credentials(request, context), query: try query(request))
    }

    /// POST /Users/.search and /Groups/.search (RFC 7644 §3.4.3): authenticated before the body is read.
    func search(_ endpoint: BulkPath.Endpoint, _ request: Request, _ context: Context) async throws -> Response {
        let credentials = try credentials(request, context)
        _ = try await service.authenticate(credentials)
        return try await list(endpoint, credentials, query: try ListQuery(searchRequest: try await body(request)))
    }

    func list(_ endpoint: BulkPath.Endpoint, _ credentials: SCIMService.ProviderCredentials, query: ListQuery)
        async throws -> Response
    {
        switch endpoint {
        case .users: try await userList(credentials, query: query)
        case .groups: try await groupList(credentials, query: query)
        }
    }

    func userList(_ credentials: SCIMService.ProviderCredentials, query: ListQuery) async throws -> Response {
        let withGroups = Self.wants("groups", attributes: query.attributes, excluded: query.excludedAttributes)
        let (provider, page, groups) = try await service.readUsers(credentials, query: query, withGroups: withGroups)
        var resources: [JSONValue] = []
        resources.reserveCapacity(page.items.count)
        for user in page.items {
            resources.append(
                .object(
                    userRepresentation(
                        user, groups: groups[user.id] ?? [], provider: provider, attributes: query.attributes,
                        excluded: query.excludedAttributes)))
        }
        return SCIMResponses.json(
            ListResponse.json(
                resources: resources, totalResults: page.totalResults, startIndex: query.startIndex,
                itemsPerPage: resources.count))
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

    // MARK: Groups

    func groupRepresentation(
        _ group: GroupRecord, members: [MemberReference]?, provider: Provider, attributes: [AttributePath],
        excluded: [AttributePath]
    ) -> JSONObject {
        let full = Representation.group(group, members: members, baseURL: baseURL(provider))
        return ResourceType.group.project(full, attributes: attributes, excludedAttributes: excluded)
    }

    /// The response for one group; after a write the members are read afresh when the response shows them
    /// (and the group has at most `memberLimit`).
    func groupResponse(
        _ group: GroupRecord, members known: [MemberReference]?? = nil, provider: Provider, request: Request,
        status: HTTPResponse.Status = .ok, memberLimit: Int = .max
    ) async throws -> Response {
        let (attributes, excluded) = projection(request)
        var members: [MemberReference]? = nil
        if let known {
            members = known
        } else if Self.wants("members", attributes: attributes, excluded: excluded), group.memberCount <= memberLimit {
            members = try await service.members(ofGroup: group.id, limit: .max)
        }
        let body = groupRepresentation(
            group, members: members, provider: provider, attributes: attributes, excluded: excluded)
        let location = "\(baseURL(provider))/Groups/\(group.id)"
        return SCIMResponses.json(
            body, status: status, headers: resourceHeaders(version: group.version, location: location))
    }

    func createGroup(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let group = try await perform(.post, .groups, body: try await body(request), provider, request, context).group
        return try await groupResponse(group, provider: provider, request: request, status: .created)
    }

    func getGroup(_ request: Request, _ context: Context) async throws -> Response {
        let (attributes, excluded) = projection(request)
        let (provider, group, members) = try await service.readGroup(
            try credentials(request, context), id: try context.parameters.require("id"),
            withMembers: Self.wants("members", attributes: attributes, excluded: excluded))
        return try await groupResponse(group, members: .some(members), provider: provider, request: request)
    }

    func replaceGroup(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let group = try await perform(.put, .groups, body: try await body(request), provider, request, context).group
        return try await groupResponse(group, provider: provider, request: request)
    }

    func patchGroup(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let group = try await perform(.patch, .groups, body: try await body(request), provider, request, context).group
        return try await groupResponse(
            group, provider: provider, request: request,
            memberLimit: SCIMService.membersInResponseLimit)
    }

    func groupList(_ credentials: SCIMService.ProviderCredentials, query: ListQuery) async throws -> Response {
        let withMembers = Self.wants("members", attributes: query.attributes, excluded: query.excludedAttributes)
        let (provider, page, members) = try await service.readGroups(
            credentials, query: query, withMembers: withMembers)
        var resources: [JSONValue] = []
        for group in page.items {
            resources.append(
                .object(
                    groupRepresentation(
                        group, members: withMembers ? members[group.id] ?? [] : nil, provider: provider,
                        attributes: query.attributes, excluded: query.excludedAttributes)))
        }
        return SCIMResponses.json(
            ListResponse.json(
                resources: resources, totalResults: page.totalResults, startIndex: query.startIndex,
                itemsPerPage: resources.count))
    }

    /// POST /.search at the root (RFC 7644 §3.4.3): Users then Groups, paged together.
    func searchAll(_ request: Request, _ context: Context) async throws -> Response {
        let credentials = try credentials(request, context)
        _ = try await service.authenticate(credentials)
        let query = try ListQuery(searchRequest: try await body(request))
        // Count both, then fill the page from users first and groups after.
        var countOnly = query
        countOnly.count = 0
        let userTotal = try await service.readUsers(credentials, query: countOnly, withGroups: false).page.totalResults
        let groupTotal = try await service.readGroups(credentials, query: countOnly, withMembers: false).page
            .totalResults
        var resources: [JSONValue] = []
        let offset = query.startIndex - 1
        let withGroups = Self.wants("groups", attributes: query.attributes, excluded: query.excludedAttributes)
        let withMembers = Self.wants("members", attributes: query.attributes, excluded: query.excludedAttributes)
        if offset < userTotal, query.count > 0 {
            var q = query
            q.count = min(query.count, userTotal - offset)
            let (provider, page, groups) = try await service.readUsers(credentials, query: q, withGroups: withGroups)
            for user in page.items {
                resources.append(
                    .object(
                        userRepresentation(
                            user, groups: groups[user.id] ?? [], provider: provider, attributes: query.attributes,
                            excluded: query.excludedAttributes)))
            }
        }
        let remaining = query.count - resources.count
        if remaining > 0 {
            var q = query
            q.startIndex = max(1, offset - userTotal + 1)
            q.count = remaining
            let (provider, page, members) = try await service.readGroups(
                credentials, query: q, withMembers: withMembers)
            for group in page.items {
                resources.append(
                    .object(
                        groupRepresentation(
                            group, members: withMembers ? members[group.id] ?? [] : nil, provider: provider,
                            attributes: query.attributes, excluded: query.excludedAttributes)))
            }
        }
        return SCIMResponses.json(
            ListResponse.json(
                resources: resources, totalResults: userTotal + groupTotal, startIndex: query.startIndex,
                itemsPerPage: resources.count))
    }

    // MARK: Bulk (RFC 7644 §3.7)

    /// POST /Bulk: the body up to `bulkMaxPayloadSize` and at most `bulkMaxOperations` operations (413 beyond,
    /// RFC 7644 §3.7.4), run by ``SCIMService/bulk(_:_:requestID:commitGroup:)``; the answer is 200 with a BulkResponse whatever
    /// the operations' outcomes.
    func bulk(_ request: Request, _ context: Context) async throws -> Response {
        let provider = try await writer(request, context)
        let body = try await body(
            request, limit: configuration.bulkMaxPayloadSize, limitName: "maxPayloadSize (RFC 7644 §3.7.4)")
        let bulk = try BulkRequest(json: body, maxOperations: configuration.bulkMaxOperations)
        let results = try await service.bulk(
            provider, bulk, requestID: context.id, commitGroup: configuration.bulkCommitGroup)
        let base = baseURL(provider)
        let operations = results.map { result in
            if let unexpected = result.unexpectedError {
                context.logger.error(
                    "Bulk operation failed unexpectedly: \(unexpected)", metadata: ["operation": "\(result.index)"])
            }
            return BulkResponse.Operation(
                method: result.method, bulkId: result.bulkId, location: result.resource.map { base + $0.description },
                version: result.version.map(ETag.forVersion), status: result.status, error: result.error)
        }
        return SCIMResponses.json(BulkResponse.json(operations: operations))
    }

    // MARK: Discovery (RFC 7644 §4)

    func discovery(_ request: Request, _ context: Context, path: String) async throws -> Response {
        let provider = try await provider(request, context)
        let base = baseURL(provider)
        let schemas = [Schema.user, Schema.enterpriseUser, Schema.group]
        let types = [ResourceType.user, ResourceType.group]
        switch path {
        case "ServiceProviderConfig":
            let config = ServiceProviderConfig(
                bulk: .supported(
                    maxOperations: configuration.bulkMaxOperations, maxPayloadSize: configuration.bulkMaxPayloadSize))
            return SCIMResponses.json(config.representation(baseURL: base))
        case "Schemas":
            let resources = schemas.map { JSONValue.object($0.representation(baseURL: base)) }
            return SCIMResponses.json(
                ListResponse.json(
                    resources: resources, totalResults: resources.count, startIndex: 1, itemsPerPage: resources.count))
        case "ResourceTypes":
            let resources = types.map { JSONValue.object($0.representation(baseURL: base)) }
            return SCIMResponses.json(
                ListResponse.json(
                    resources: resources, totalResults: resources.count, startIndex: 1, itemsPerPage: resources.count))
        case "Schemas/:id":
            let id = try context.parameters.require("id")
            guard let schema = schemas.first(where: { $0.id.equalsIgnoringCase(id) }) else {
                throw SCIMError.notFound("Schema '\(id)' not found.")
            }
            return SCIMResponses.json(schema.representation(baseURL: base))
        default:
            let id = try context.parameters.require("id")
            guard let type = types.first(where: { $0.name.equalsIgnoringCase(id) }) else {
                throw SCIMError.notFound("Resource type '\(id)' not found.")
            }
            return SCIMResponses.json(type.representation(baseURL: base))
        }
    }
}
