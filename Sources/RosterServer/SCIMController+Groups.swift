import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// /Groups (RFC 7644 §3.3, §3.4.1, §3.5): a group's representation and the single-group routes.
extension SCIMController {
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
        return resourceResponse(
            body, at: "Groups/\(group.id)", version: group.version, provider: provider, status: status)
    }

    /// The groups of a page as list resources (RFC 7644 §3.4.2), with their members when `members` holds them.
    func groupResources(
        _ groups: [GroupRecord], members: [String: [MemberReference]]?, provider: Provider, query: ListQuery
    ) -> [JSONValue] {
        groups.map { group in
            .object(
                groupRepresentation(
                    group, members: members.map { $0[group.id] ?? [] }, provider: provider,
                    attributes: query.attributes, excluded: query.excludedAttributes))
        }
    }

    func createGroup(_ request: Request, _ context: Context) async throws -> Response {
        let (provider, result) = try await write(.post, .groups, request, context)
        return try await groupResponse(result.group, provider: provider, request: request, status: .created)
    }

    func getGroup(_ request: Request, _ context: Context) async throws -> Response {
        let (attributes, excluded) = projection(request)
        let (provider, group, members) = try await service.readGroup(
            try credentials(request, context), id: try context.parameters.require("id"),
            withMembers: Self.wants("members", attributes: attributes, excluded: excluded))
        return try await groupResponse(group, members: .some(members), provider: provider, request: request)
    }

    func replaceGroup(_ request: Request, _ context: Context) async throws -> Response {
        let (provider, result) = try await write(.put, .groups, request, context)
        return try await groupResponse(result.group, provider: provider, request: request)
    }

    func patchGroup(_ request: Request, _ context: Context) async throws -> Response {
        let (provider, result) = try await write(.patch, .groups, request, context)
        return try await groupResponse(
            result.group, provider: provider, request: request, memberLimit: SCIMService.membersInResponseLimit)
    }
}
