import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// Providers in the admin API: the IdP connections, their credentials, data warnings and mappings.
extension AdminAPIController {
    /// `/api/v1/providers`: list, add, read, change, remove, rotate the secret, warnings, mappings and applying them.
    func addProviderRoutes(to routes: RouteCollection<Context>) {
        routes.get("api/v1/providers") { r, c in await handle(r, c) { try await providers() } }
        routes.post("api/v1/providers") { r, c in await handle(r, c) { try await addProvider(r) } }
        routes.get("api/v1/providers/:id") { r, c in
            await handle(r, c) { try await provider(try c.parameters.require("id")) }
        }
        routes.get("api/v1/providers/:id/warnings") { r, c in
            await handle(r, c) { try await warnings(r, id: try c.parameters.require("id")) }
        }
        routes.patch("api/v1/providers/:id") { r, c in
            await handle(r, c) { try await updateProvider(r, id: try c.parameters.require("id")) }
        }
        routes.delete("api/v1/providers/:id") { r, c in
            await handle(r, c) {
                try await admin.removeProvider(id: try c.parameters.require("id"))
                return Response(status: .noContent)
            }
        }
        routes.post("api/v1/providers/:id/rotate-secret") { r, c in
            await handle(r, c) {
                let issued = try await admin.rotateSecret(id: try c.parameters.require("id"))
                return PlatformResponses.json(credentials(issued))
            }
        }
        routes.get("api/v1/providers/:id/mappings") { r, c in
            await handle(r, c) { try await mappings(try c.parameters.require("id")) }
        }
        routes.post("api/v1/providers/:id/apply-mappings") { r, c in
            await handle(r, c) {
                let dryRun = try Self.flag(r, "dryRun")
                let report = try await admin.applyMappings(providerID: try c.parameters.require("id"), dryRun: dryRun)
                return PlatformResponses.json(report.json)
            }
        }
    }

    func providerJSON(_ s: AdminService.ProviderStatus) -> JSONObject {
        let p = s.provider
        return [
            "id": .string(p.id), "name": .string(p.name),
            "baseURL": .string(p.baseURL(publicURL: configuration.publicURL)),
            "username": .string(p.username), "deactivationDelay": .string(p.deactivationDelay.adminText),
            "userNameFormat": .string(p.userNameFormat.rawValue), "invalidData": .string(p.invalidData.rawValue),
            "pausedAt": p.pausedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "recordRequests": .bool(p.recordsRequests),
            "deactivationGuard": [
                "enabled": .bool(p.deactivationGuard.enabled), "percent": .int(p.deactivationGuard.percent),
                "minimum": .int(p.deactivationGuard.minimum),
                "trippedAt": p.guardTrippedAt.map { .string(Timestamp.format($0)) } ?? .null,
            ],
            "organizationMapping": [
                "method": .string(p.organizationMapping.method.rawValue),
                "organizationId": .string(p.organizationMapping.organizationID),
                "attribute": p.organizationMapping.attribute.map(JSONValue.string) ?? .null,
                "parentId": .string(p.organizationMapping.parentID),
            ],
            "roleMapping": .string(p.roleMappingMode.rawValue),
            "users": .int(s.users), "groups": .int(s.groups), "heldDeactivations": .int(s.held),
            "errorsLast24h": .int(s.errors24h), "warningsLast24h": .int(s.warnings24h),
            "lastActivity": s.lastActivity.map { .string(Timestamp.format($0)) } ?? .null,
            "lastRequest": s.lastRequest.map { .string(Timestamp.format($0)) } ?? .null,
            "createdAt": .string(Timestamp.format(p.createdAt)),
        ]
    }

    func providers() async throws -> Response {
        PlatformResponses.json([
            "providers": .array(try await admin.providerStatuses().map { .object(providerJSON($0)) })
        ])
    }

    func provider(_ id: String) async throws -> Response {
        PlatformResponses.json(providerJSON(try await admin.providerStatus(id: id)))
    }

    func credentials(_ issued: AdminService.IssuedCredentials) -> JSONObject {
        [
            "id": .string(issued.provider.id), "name": .string(issued.provider.name),
            "baseURL": .string(issued.provider.baseURL(publicURL: configuration.publicURL)),
            "username": .string(issued.provider.username), "secret": .string(issued.secret),
        ]
    }

    func addProvider(_ request: Request) async throws -> Response {
        let body = try await body(request)
        let delay = try Self.duration(body, .deactivationDelay) ?? Provider.defaultDeactivationDelay
        let format =
            try Self.optionalString(body, "userNameFormat").map { text in
                guard let f = UserNameFormat(rawValue: text) else {
                    throw ProvisioningError.invalid("'userNameFormat' must be 'email' or 'any', got '\(text)'.")
                }
                return f
            } ?? .email
        let issued = try await admin.addProvider(
            name: try Self.string(body, "name"), deactivationDelay: delay, userNameFormat: format,
            invalidData: try Self.invalidDataPolicy(body) ?? .acceptAndWarn)
        return PlatformResponses.json(credentials(issued), status: .created)
    }

    /// `invalidData` of a provider body, if given.
    static func invalidDataPolicy(_ body: JSONObject) throws -> InvalidDataPolicy? {
        try optionalString(body, "invalidData").map { text in
            guard let policy = InvalidDataPolicy(rawValue: text) else {
                throw ProvisioningError.invalid("'invalidData' must be 'accept-and-warn' or 'reject', got '\(text)'.")
            }
            return policy
        }
    }

    /// `GET /api/v1/providers/{id}/warnings?since=24h`: the provider's data warnings grouped by attribute and rule.
    func warnings(_ request: Request, id: String) async throws -> Response {
        var since: Date? = nil
        if let text = request.uri.queryParameters["since"].map(String.init) {
            since = Date().addingTimeInterval(-Double(try SettingLimit.lookBack.duration(text).wholeSeconds))
        }
        let groups = try await admin.warningSummary(providerID: id, since: since)
        return PlatformResponses.json([
            "groups": .array(
                groups.map { g in
                    .object([
                        "attribute": .string(g.attribute), "rule": .string(g.rule), "count": .int(g.count),
                        "users": .int(g.users), "examples": .array(g.examples.map { .object($0.json) }),
                    ])
                })
        ])
    }

    func updateProvider(_ request: Request, id: String) async throws -> Response {
        let body = try await body(request)
        let format = try Self.optionalString(body, "userNameFormat").map { text in
            guard let f = UserNameFormat(rawValue: text) else {
                throw ProvisioningError.invalid("'userNameFormat' must be 'email' or 'any', got '\(text)'.")
            }
            return f
        }
        // Everything is parsed and checked before anything is saved, so that a refused request changes nothing.
        let delay = try Self.duration(body, .deactivationDelay)
        let policy = try Self.invalidDataPolicy(body)
        let recordRequests = try JSONRequest.optionalBool(body, "recordRequests")
        var guardChange: (enabled: Bool?, percent: Int?, minimum: Int?)? = nil
        if let value = body["deactivationGuard"], !value.isNull {
            guard let g = value.objectValue else {
                throw ProvisioningError.invalid(
                    "'deactivationGuard' must be an object with enabled, percent and minimum.")
            }
            let enabled = try JSONRequest.optionalBool(g, "enabled", label: "deactivationGuard.enabled")
            guardChange = (
                enabled, try Self.optionalInteger(g, "percent", .guardPercent),
                try Self.optionalInteger(g, "minimum", .guardMinimum)
            )
        }
        _ = try await admin.updateProvider(
            id: id, name: try Self.optionalString(body, "name"), deactivationDelay: delay, userNameFormat: format,
            invalidData: policy)
        if let recordRequests { _ = try await admin.setRecordsRequests(id: id, recordRequests) }
        if let change = guardChange {
            _ = try await admin.updateGuard(providerID: id) { g in
                if let enabled = change.enabled { g.enabled = enabled }
                if let percent = change.percent { g.percent = percent }
                if let minimum = change.minimum { g.minimum = minimum }
            }
        }
        return try await provider(id)
    }

    func mappings(_ id: String) async throws -> Response {
        PlatformResponses.json(try await mappingsJSON(id))
    }

    func mappingsJSON(_ id: String) async throws -> JSONObject {
        let o = try await admin.mappingOverview(providerID: id)
        func strings(_ s: [String]) -> JSONValue { .array(s.map(JSONValue.string)) }
        return [
            "organizationMapping": [
                "method": .string(o.provider.organizationMapping.method.rawValue),
                "organization": .string(o.organization),
                "attribute": o.provider.organizationMapping.attribute.map(JSONValue.string) ?? .null,
                "parent": .string(o.parent),
                "rules": .array(
                    o.organizationRules.map {
                        .object([
                            "group": .string($0.group), "organization": .string($0.organization),
                            "priority": .int($0.priority),
                        ])
                    }),
            ],
            "roleMapping": [
                "mode": .string(o.provider.roleMappingMode.rawValue),
                "rules": .array(o.roleRules.map { .object(["group": .string($0.group), "roles": strings($0.roles)]) }),
                "unmappedGroups": strings(o.groupsWithoutRoles.map(\.displayName)),
                "message": o.roleMappingMessage.map(JSONValue.string) ?? .null,
            ],
            "watchlistMapping": .array(
                o.watchlistRules.map { .object(["group": .string($0.group), "watchlist": .string($0.watchlist)]) }),
            "groups": .array(
                o.groups.map {
                    .object(["id": .string($0.id), "displayName": .string($0.displayName), "members": .int($0.members)])
                }),
        ]
    }
}
