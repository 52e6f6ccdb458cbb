import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// Lists and searches (RFC 7644 §3.4.2, §3.4.3): /Users, /Groups, their `.search`, and `.search` at the root.
extension SCIMController {
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
        case .users:
            let withGroups = Self.wants("groups", attributes: query.attributes, excluded: query.excludedAttributes)
            let (provider, page, groups) = try await service.readUsers(
                credentials, query: query, withGroups: withGroups)
            let resources = page.items.map { user in
                userJSON(
                    user, groups: groups[user.id] ?? [], provider: provider, attributes: query.attributes,
                    excluded: query.excludedAttributes)
            }
            return SCIMResponses.json(
                bytes: ListResponse.serialized(
                    resources: resources, totalResults: page.totalResults, startIndex: query.startIndex,
                    itemsPerPage: resources.count))
        case .groups:
            let withMembers = Self.wants("members", attributes: query.attributes, excluded: query.excludedAttributes)
            let (provider, page, members) = try await service.readGroups(
                credentials, query: query, withMembers: withMembers)
            let resources = groupResources(
                page.items, members: withMembers ? members : nil, provider: provider, query: query)
            return Self.listResponse(resources, totalResults: page.totalResults, startIndex: query.startIndex)
        }
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
            resources += userResources(page.items, groups: groups, provider: provider, query: query)
        }
        let remaining = query.count - resources.count
        if remaining > 0 {
            var q = query
            q.startIndex = max(1, offset - userTotal + 1)
            q.count = remaining
            let (provider, page, members) = try await service.readGroups(
                credentials, query: q, withMembers: withMembers)
            resources += groupResources(
                page.items, members: withMembers ? members : nil, provider: provider, query: query)
        }
        return Self.listResponse(resources, totalResults: userTotal + groupTotal, startIndex: query.startIndex)
    }

    /// A ListResponse (RFC 7644 §3.4.2) of `resources`, one page of `totalResults`.
    static func listResponse(_ resources: [JSONValue], totalResults: Int, startIndex: Int) -> Response {
        SCIMResponses.json(
            ListResponse.json(
                resources: resources, totalResults: totalResults, startIndex: startIndex,
                itemsPerPage: resources.count))
    }
}
