import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// Discovery (RFC 7644 §4): ServiceProviderConfig, Schemas and ResourceTypes, read-only.
extension SCIMController {
    /// GET of a discovery endpoint at `path` (a route pattern).
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
            return Self.listResponse(resources, totalResults: resources.count, startIndex: 1)
        case "ResourceTypes":
            let resources = types.map { JSONValue.object($0.representation(baseURL: base)) }
            return Self.listResponse(resources, totalResults: resources.count, startIndex: 1)
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
