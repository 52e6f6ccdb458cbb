import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// /Users (RFC 7644 §3.3, §3.4.1, §3.5): a user's representation and the single-user routes.
extension SCIMController {
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
        return SCIMResponses.json(
            bytes: userJSON(user, groups: groups, provider: provider, attributes: attributes, excluded: excluded),
            status: status,
            headers: resourceHeaders(version: user.version, location: "\(baseURL(provider))/Users/\(user.id)"))
    }

    /// The users of a page as list resources (RFC 7644 §3.4.2), projected as `query` asks.
    func userResources(
        _ users: [UserRecord], groups: [String: [MemberReference]], provider: Provider, query: ListQuery
    ) -> [JSONValue] {
        users.map { user in
            .object(
                userRepresentation(
                    user, groups: groups[user.id] ?? [], provider: provider, attributes: query.attributes,
                    excluded: query.excludedAttributes))
        }
    }

    /// ``userRepresentation(_:groups:provider:attributes:excluded:)`` serialized. With nothing projected and
    /// nothing to withhold, that is the representation, and a user read from the store has its attributes copied
    /// from their stored text (``Representation/userJSON(_:groups:baseURL:)``): a page of users, or a GET.
    func userJSON(
        _ user: UserRecord, groups: [MemberReference], provider: Provider, attributes: [AttributePath],
        excluded: [AttributePath]
    ) -> [UInt8] {
        if attributes.isEmpty, excluded.isEmpty, let stored = user.storedAttributes,
            !ResourceType.user.mayContainWithheldAttributes(hasMember: stored.hasMember)
        {
            return Representation.userJSON(user, groups: groups, baseURL: baseURL(provider))
        }
        return JSONValue.object(
            userRepresentation(user, groups: groups, provider: provider, attributes: attributes, excluded: excluded)
        ).serialized()
    }

    func createUser(_ request: Request, _ context: Context) async throws -> Response {
        let (provider, result) = try await write(.post, .users, request, context)
        // A created (or linked again) user belongs to no group yet: DELETE removed its memberships, and only
        // linked users can be added to groups, so there is nothing to read.
        return try await userResponse(result.user, groups: [], provider: provider, request: request, status: .created)
    }

    func getUser(_ request: Request, _ context: Context) async throws -> Response {
        let (attributes, excluded) = projection(request)
        let (provider, user, groups) = try await service.readUser(
            try credentials(request, context), id: try context.parameters.require("id"),
            withGroups: Self.wants("groups", attributes: attributes, excluded: excluded))
        return try await userResponse(user, groups: groups, provider: provider, request: request)
    }

    /// PUT and PATCH /Users/{id}.
    func changeUser(_ method: BulkOperation.Method, _ request: Request, _ context: Context) async throws -> Response {
        let (provider, result) = try await write(method, .users, request, context)
        return try await userResponse(result.user, provider: provider, request: request)
    }
}
