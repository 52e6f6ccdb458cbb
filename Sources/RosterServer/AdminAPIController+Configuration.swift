import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// The rest of what the CLI does, in the admin API: mapping configuration, the guard and held deactivations,
/// organizations' default roles, watchlist members, settings, admins and tokens, platform API keys.
extension AdminAPIController {
    func addConfigurationRoutes(to routes: RouteCollection<Context>) {
        let provider = "api/v1/providers/:id"
        routes.post("\(provider)/held/:decision") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                let n: Int
                switch try c.parameters.require("decision") {
                case "release": n = try await admin.releaseHeldDeactivations(providerID: id)
                case "cancel": n = try await admin.cancelHeldDeactivations(providerID: id)
                default: throw ProvisioningError.notFound("Held deactivations can be 'release'd or 'cancel'led.")
                }
                return PlatformResponses.json(["count": .int(n)])
            }
        }
        routes.put("\(provider)/organization-mapping") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                let body = try await body(r)
                let text = try Self.string(body, "method")
                guard let method = OrganizationMapping.Method(rawValue: text) else {
                    throw ProvisioningError.invalid("'method' must be single, groups or attribute, got '\(text)'.")
                }
                let (_, note) = try await admin.setOrganizationMapping(
                    providerID: id, method: method, organization: try Self.optionalString(body, "organization"),
                    attribute: try Self.optionalString(body, "attribute"),
                    parent: try Self.optionalString(body, "parent"))
                var json = try await mappingsJSON(id)
                json["note"] = note.map(JSONValue.string) ?? .null
                return PlatformResponses.json(json)
            }
        }
        routes.put("\(provider)/role-mapping") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                let text = try Self.string(try await body(r), "mode")
                guard let mode = RoleMappingMode(rawValue: text) else {
                    throw ProvisioningError.invalid("'mode' must be groups or manual, got '\(text)'.")
                }
                _ = try await admin.setRoleMappingMode(providerID: id, mode: mode)
                return PlatformResponses.json(try await mappingsJSON(id))
            }
        }
        // One constant path per kind: the router prefers a constant segment (the PUT …/role-mapping above) over a
        // parameter and does not backtrack, so `:kind/rules` would never be reached.
        for kind in MappingRuleKind.allCases {
            let path = "\(provider)/\(Self.segment(kind))/rules"
            routes.post(RouterPath(path)) { r, c in
                await handle(r, c) {
                    let id = try c.parameters.require("id")
                    let body = try await body(r)
                    let group = try Self.string(body, "group")
                    switch kind {
                    case .organization:
                        _ = try await admin.addOrganizationRule(
                            providerID: id, group: group, organization: try Self.string(body, "organization"),
                            priority: try Self.optionalInteger(body, "priority", .rulePriority))
                    case .role:
                        _ = try await admin.addRoleRule(
                            providerID: id, group: group, roles: try Self.strings(body, "roles"))
                    case .watchlist:
                        _ = try await admin.addWatchlistRule(
                            providerID: id, group: group, watchlist: try Self.string(body, "watchlist"))
                    }
                    return PlatformResponses.json(try await mappingsJSON(id), status: .created)
                }
            }
            routes.delete(RouterPath(path)) { r, c in
                await handle(r, c) {
                    let id = try c.parameters.require("id")
                    let q = r.uri.queryParameters
                    guard let group = q["group"].map(String.init) else {
                        throw ProvisioningError.invalid("'group' is required.")
                    }
                    try await admin.removeRule(
                        kind, providerID: id, group: group, watchlist: q["watchlist"].map(String.init))
                    return Response(status: .noContent)
                }
            }
        }
        routes.patch("api/v1/organizations/:id") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                let body = try await body(r)
                guard let org = try await admin.organizations().first(where: { $0.organization.id == id }) else {
                    throw ProvisioningError.notFound("No organization with id '\(id)'.")
                }
                let updated = try await admin.setDefaultRoles(
                    organization: org.organization.name, roles: try Self.strings(body, "defaultRoles"))
                return PlatformResponses.json(
                    [
                        "id": .string(updated.id), "name": .string(updated.name),
                        "defaultRoles": .array(updated.defaultRoles.map(JSONValue.string)),
                    ])
            }
        }
        routes.get("api/v1/watchlists/:id/members") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                guard let list = try await admin.watchlists().first(where: { $0.watchlist.id == id }) else {
                    throw ProvisioningError.notFound("No watchlist with id '\(id)'.")
                }
                let (_, users) = try await admin.watchlistMembers(name: list.watchlist.name, limit: 10_000)
                return PlatformResponses.json([
                    "users": .array(users.map { .object(["id": .string($0.id), "userName": .string($0.userName)]) })
                ])
            }
        }
        routes.get("api/v1/settings") { r, c in await handle(r, c) { try await settings() } }
        routes.patch("api/v1/settings") { r, c in
            await handle(r, c) {
                let body = try await body(r)
                if let days = try Self.optionalInteger(body, "coldStorageRetentionDays", .coldStorageRetentionDays) {
                    try await admin.setColdStorageRetention(days: days)
                }
                if let days = try Self.optionalInteger(body, "eventRetentionDays", .eventRetentionDays) {
                    try await events.setRetentionDays(days)
                }
                let given = body["sensitiveAttributes"].map { !$0.isNull } ?? false
                let sensitive = given ? try Self.strings(body, "sensitiveAttributes") : nil
                if let on = try JSONRequest.optionalBool(body, "dailyReportEvent") {
                    try await activity.setDailyReport(on)
                }
                _ = try await inspector.updateSettings(
                    requestsKept: try Self.optionalInteger(body, "requestsKept", .requestsKept),
                    failuresKept: try Self.optionalInteger(body, "failuresKept", .failuresKept),
                    sensitiveAttributes: sensitive)
                return try await settings()
            }
        }
        routes.get("api/v1/admins") { r, c in
            await handle(r, c) {
                PlatformResponses.json([
                    "admins": .array(
                        try await accounts.admins().map {
                            .object([
                                "id": .string($0.id), "email": .string($0.email),
                                "lastSignInAt": $0.lastSignInAt.map { .string(Timestamp.format($0)) } ?? .null,
                                "createdAt": .string(Timestamp.format($0.createdAt)),
                            ])
                        })
                ])
            }
        }
        routes.post("api/v1/admins") { r, c in
            await handle(r, c) {
                let body = try await body(r)
                let created = try await accounts.addAdmin(
                    email: try Self.string(body, "email"), password: try Self.string(body, "password"))
                return PlatformResponses.json(
                    ["id": .string(created.id), "email": .string(created.email)], status: .created)
            }
        }
        routes.delete("api/v1/admins/:id") { r, c in
            await handle(r, c) {
                try await accounts.removeAdmin(id: try c.parameters.require("id"))
                return Response(status: .noContent)
            }
        }
        routes.delete("api/v1/admin-tokens/:id") { r, c in
            await handle(r, c) {
                try await accounts.revokeToken(id: try c.parameters.require("id"))
                return Response(status: .noContent)
            }
        }
        routes.delete("api/v1/api-keys/:id") { r, c in
            await handle(r, c) {
                try await platform.revokeAPIKey(id: try c.parameters.require("id"))
                return Response(status: .noContent)
            }
        }
        routes.get("api/v1/admin-tokens") { r, c in
            await handle(r, c) {
                let emails = Dictionary(
                    try await accounts.admins().map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
                return PlatformResponses.json([
                    "tokens": .array(
                        try await accounts.tokens().map {
                            .object([
                                "id": .string($0.id), "name": .string($0.name),
                                "admin": .string(emails[$0.adminID] ?? $0.adminID),
                                "createdAt": .string(Timestamp.format($0.createdAt)),
                                "lastUsedAt": Self.time($0.lastUsedAt), "expiresAt": Self.time($0.expiresAt),
                            ])
                        })
                ])
            }
        }
        routes.post("api/v1/admin-tokens") { r, c in
            await handle(r, c) {
                let body = try await body(r)
                let (token, secret) = try await accounts.createToken(
                    email: try Self.string(body, "admin"), name: try Self.optionalString(body, "name") ?? "api",
                    expiresIn: try Self.duration(body, .credentialLifetime))
                return PlatformResponses.json(
                    [
                        "id": .string(token.id), "name": .string(token.name), "token": .string(secret),
                        "expiresAt": Self.time(token.expiresAt),
                    ],
                    status: .created)
            }
        }
        routes.get("api/v1/api-keys") { r, c in
            await handle(r, c) {
                PlatformResponses.json([
                    "apiKeys": .array(
                        try await platform.apiKeys().map {
                            .object([
                                "id": .string($0.id), "name": .string($0.name),
                                "createdAt": .string(Timestamp.format($0.createdAt)),
                                "lastUsedAt": Self.time($0.lastUsedAt), "expiresAt": Self.time($0.expiresAt),
                            ])
                        })
                ])
            }
        }
        routes.post("api/v1/api-keys") { r, c in
            await handle(r, c) {
                let body = try await body(r)
                let (key, secret) = try await platform.createAPIKey(
                    name: try Self.optionalString(body, "name") ?? "platform",
                    expiresIn: try Self.duration(body, .credentialLifetime))
                return PlatformResponses.json(
                    [
                        "id": .string(key.id), "name": .string(key.name), "key": .string(secret),
                        "expiresAt": Self.time(key.expiresAt),
                    ],
                    status: .created)
            }
        }
    }

    /// A time as JSON: RFC 3339, or `null` for none.
    static func time(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.format($0)) } ?? .null }

    /// The path segment of a kind of mapping.
    static func segment(_ kind: MappingRuleKind) -> String {
        switch kind {
        case .organization: "organization-mapping"
        case .role: "role-mapping"
        case .watchlist: "watchlist-mapping"
        }
    }

    func settings() async throws -> Response {
        let recording = try await inspector.settings()
        return PlatformResponses.json([
            "coldStorageRetentionDays": .int(try await admin.coldStorageRetentionDays()),
            "eventRetentionDays": .int(try await events.retentionDays()),
            "requestsKept": .int(recording.requestsKept), "failuresKept": .int(recording.failuresKept),
            "sensitiveAttributes": .array(recording.sensitiveAttributes.map { .string($0) }),
            "dailyReportEvent": .bool(try await activity.dailyReportEnabled()),
        ])
    }

    /// An optional integer member `name`, within `limit` (whose name the error gives); anything else, a number
    /// that is not a whole one or is out of range included, is refused with the limit's message.
    static func optionalInteger(_ body: JSONObject, _ name: String, _ limit: SettingLimit) throws -> Int? {
        guard let value = body[name], !value.isNull else { return nil }
        guard case .int(let n) = value else { throw limit.error(value.jsonText) }
        return try limit.check(n)
    }

    /// A required array of strings; anything else in it is refused, not dropped.
    static func strings(_ body: JSONObject, _ name: String) throws -> [String] {
        guard let value = body[name] else { throw ProvisioningError.invalid("'\(name)' is required.") }
        guard let items = value.arrayValue else {
            throw ProvisioningError.invalid("'\(name)' must be an array of strings, got \(value.typeName).")
        }
        return try items.map { item in
            guard let s = item.stringValue else {
                throw ProvisioningError.invalid("'\(name)' must contain only strings, found \(item.typeName).")
            }
            return s
        }
    }
}
