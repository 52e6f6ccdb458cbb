import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

// One controller over 400 lines: the admin API's routes, each a few lines over AdminService and AdminAccounts,
// in the order of openapi.json (its configuration routes are in AdminAPIController+Configuration.swift).

/// The admin API under `/api/v1`: what the CLI and the console do, as JSON, for automation. Authenticated with an
/// admin API token (`Authorization: Bearer rat_…`, from `roster admin token create`). Resources are named like
/// the CLI's. Errors are `{"error": message, "status": code}`. Documented in `openapi.json`, served at
/// `/api/v1/openapi.json`.
struct AdminAPIController<Context: RequestContext>: Sendable {
    let admin: AdminService
    let accounts: AdminAccounts
    let platform: PlatformService
    let webhooks: WebhookService
    let events: EventFeed
    let configuration: ServerConfiguration
    let openAPI: ByteBuffer
    var maxBodySize = 64 * 1024

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPI))
        }
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
                return PlatformResponses.json(Self.json(report))
            }
        }
        routes.get("api/v1/users") { r, c in await handle(r, c) { try await users(r) } }
        routes.post("api/v1/users") { r, c in await handle(r, c) { try await addUser(r) } }
        routes.get("api/v1/users/:id") { r, c in
            await handle(r, c) {
                PlatformResponses.json(
                    try await admin.view(of: try await admin.user(id: try c.parameters.require("id"))))
            }
        }
        routes.post("api/v1/users/:id/:action") { r, c in
            await handle(r, c) {
                try await userAction(r, id: try c.parameters.require("id"), action: try c.parameters.require("action"))
            }
        }
        routes.get("api/v1/organizations") { r, c in await handle(r, c) { try await organizations() } }
        routes.post("api/v1/organizations") { r, c in await handle(r, c) { try await addOrganization(r) } }
        routes.get("api/v1/roles") { r, c in
            await handle(r, c) {
                PlatformResponses.json([
                    "roles": .array(
                        Role.catalogue.map { .object(["name": .string($0.name), "summary": .string($0.summary)]) })
                ])
            }
        }
        routes.get("api/v1/watchlists") { r, c in
            await handle(r, c) {
                let lists = try await admin.watchlists()
                return PlatformResponses.json([
                    "watchlists": .array(
                        lists.map {
                            .object([
                                "id": .string($0.watchlist.id), "name": .string($0.watchlist.name),
                                "users": .int($0.users),
                            ])
                        })
                ])
            }
        }
        routes.post("api/v1/watchlists") { r, c in
            await handle(r, c) {
                let body = try await body(r)
                let watchlist = try await admin.addWatchlist(name: try Self.string(body, "name"))
                return PlatformResponses.json(
                    ["id": .string(watchlist.id), "name": .string(watchlist.name), "users": 0], status: .created)
            }
        }
        routes.get("api/v1/legal-holds") { r, c in
            await handle(r, c) {
                let holds = try await admin.legalHolds()
                return PlatformResponses.json([
                    "users": .array(
                        holds.map {
                            .object([
                                "id": .string($0.id), "userName": .string($0.userName),
                                "status": .string($0.status.rawValue),
                                "matter": $0.legalHoldMatter.map(JSONValue.string) ?? .null,
                            ])
                        })
                ])
            }
        }
        routes.get("api/v1/sync-log") { r, c in await handle(r, c) { try await syncLog(r) } }
        addConfigurationRoutes(to: routes)
        addWebhookRoutes(to: routes)
        return routes
    }

    // MARK: Providers

    func providerJSON(_ s: AdminService.ProviderStatus) -> JSONObject {
        let p = s.provider
        return [
            "id": .string(p.id), "name": .string(p.name),
            "baseURL": .string(p.baseURL(publicURL: configuration.publicURL)),
            "username": .string(p.username), "deactivationDelay": .string(p.deactivationDelay.adminText),
            "userNameFormat": .string(p.userNameFormat.rawValue), "invalidData": .string(p.invalidData.rawValue),
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
        var guardChange: (enabled: Bool?, percent: Int?, minimum: Int?)? = nil
        if let value = body["deactivationGuard"], !value.isNull {
            guard let g = value.objectValue else {
                throw ProvisioningError.invalid(
                    "'deactivationGuard' must be an object with enabled, percent and minimum.")
            }
            var enabled: Bool? = nil
            if let e = g["enabled"], !e.isNull {
                guard let b = e.boolValue else {
                    throw ProvisioningError.invalid("'deactivationGuard.enabled' must be a boolean.")
                }
                enabled = b
            }
            guardChange = (
                enabled, try Self.optionalInteger(g, "percent", .guardPercent),
                try Self.optionalInteger(g, "minimum", .guardMinimum)
            )
        }
        _ = try await admin.updateProvider(
            id: id, name: try Self.optionalString(body, "name"), deactivationDelay: delay, userNameFormat: format,
            invalidData: policy)
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

    static func json(_ report: AdminService.ApplyReport) -> JSONObject {
        func strings(_ s: [String]) -> JSONValue { .array(s.map(JSONValue.string)) }
        return [
            "dryRun": .bool(report.dryRun), "runId": report.runID.map(JSONValue.string) ?? .null,
            "resumed": .bool(report.resumed), "processed": .int(report.processed), "changed": .int(report.changed),
            "organizationMoves": .int(report.organizationMoves), "roleChanges": .int(report.roleChanges),
            "watchlistAdditions": .int(report.watchlistAdditions), "watchlistRemovals": .int(report.watchlistRemovals),
            "organizationsCreated": strings(report.organizationsCreated),
            "changes": .array(
                report.changes.map { c in
                    var o: JSONObject = ["userId": .string(c.userID), "userName": .string(c.userName)]
                    if let to = c.organizationTo {
                        o["organization"] = ["from": .string(c.organizationFrom ?? ""), "to": .string(to)]
                    }
                    if let to = c.rolesTo { o["roles"] = ["from": strings(c.rolesFrom), "to": strings(to)] }
                    if !c.watchlistsAdded.isEmpty { o["watchlistsAdded"] = strings(c.watchlistsAdded) }
                    if !c.watchlistsRemoved.isEmpty { o["watchlistsRemoved"] = strings(c.watchlistsRemoved) }
                    return .object(o)
                }),
        ]
    }

    // MARK: Users

    func users(_ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        var search = UserSearch()
        search.text = q["q"].map(String.init)
        if let s = q["status"].map(String.init) {
            guard let status = UserStatus(rawValue: s) else {
                throw ProvisioningError.invalid("'status' must be active, blocked or deactivated, got '\(s)'.")
            }
            search.status = status
        }
        if let p = q["provider"].map(String.init) { search.providerID = p == "local" ? "" : p }
        search.organizationID = q["organization"].map(String.init)
        search.legalHold = try Self.flag(request, "legalHold")
        search.offset = try Self.integer(request, .pageOffset, default: 0)
        search.limit = try Self.integer(request, .pageSize, default: 100)
        let page = try await admin.searchUsers(search)
        var items: [JSONValue] = []
        for user in page.items { items.append(.object(try await admin.view(of: user))) }
        return PlatformResponses.json([
            "total": .int(page.totalResults), "offset": .int(search.offset), "limit": .int(search.limit),
            "users": .array(items),
        ])
    }

    func addUser(_ request: Request) async throws -> Response {
        let body = try await body(request)
        let user = try await admin.addLocalUser(
            email: try Self.string(body, "email"), name: try Self.optionalString(body, "name"),
            organization: try Self.optionalString(body, "organization"))
        return PlatformResponses.json(try await admin.view(of: user), status: .created)
    }

    func userAction(_ request: Request, id: String, action: String) async throws -> Response {
        let user = try await admin.user(id: id)
        switch action {
        case "block": try await admin.perform(.block, email: user.userName)
        case "unblock": try await admin.perform(.unblock, email: user.userName)
        case "deactivate": try await admin.perform(.deactivate, email: user.userName)
        case "reactivate": try await admin.perform(.reactivate, email: user.userName)
        case "legal-hold":
            let body = try await body(request)
            try await admin.placeLegalHold(email: user.userName, matter: try Self.optionalString(body, "matter"))
        case "release-legal-hold": try await admin.releaseLegalHold(email: user.userName)
        case "move":
            let body = try await body(request)
            try await admin.moveUser(email: user.userName, organization: try Self.string(body, "organization"))
        case "roles":
            try await admin.setRoles(email: user.userName, roles: try Self.strings(try await body(request), "roles"))
        default:
            throw ProvisioningError.notFound(
                "No user action '\(action)'; actions: block, unblock, deactivate, reactivate, legal-hold, release-legal-hold, move, roles."
            )
        }
        return PlatformResponses.json(try await admin.view(of: try await admin.user(id: id)))
    }

    // MARK: Organizations, sync log

    func organizations() async throws -> Response {
        let all = try await admin.organizations()
        return PlatformResponses.json([
            "organizations": .array(
                all.map {
                    .object([
                        "id": .string($0.organization.id), "name": .string($0.organization.name),
                        "parentId": $0.organization.parentID.map(JSONValue.string) ?? .null,
                        "defaultRoles": .array($0.organization.defaultRoles.map(JSONValue.string)),
                        "users": .int($0.users),
                        "createdByProvider": $0.organization.createdByProvider.map(JSONValue.string) ?? .null,
                    ])
                })
        ])
    }

    func addOrganization(_ request: Request) async throws -> Response {
        let body = try await body(request)
        let roles: [String]? =
            body["defaultRoles"].map { $0.isNull } == false ? try Self.strings(body, "defaultRoles") : nil
        let org = try await admin.addOrganization(
            name: try Self.string(body, "name"), parent: try Self.optionalString(body, "parent"), defaultRoles: roles)
        return PlatformResponses.json(
            [
                "id": .string(org.id), "name": .string(org.name),
                "parentId": org.parentID.map(JSONValue.string) ?? .null,
                "defaultRoles": .array(org.defaultRoles.map(JSONValue.string)), "users": 0,
            ],
            status: .created)
    }

    func syncLog(_ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        var query = SyncLogQuery(limit: try Self.integer(request, .pageSize, default: 100))
        query.providerID = q["provider"].map(String.init)
        if let a = q["action"].map(String.init) {
            guard let action = SyncAction(rawValue: a) else {
                throw ProvisioningError.invalid("'\(a)' is not a sync-log action.")
            }
            query.action = action
        }
        query.attribute = q["attribute"].map(String.init)
        if let u = q["user"].map(String.init) { query.userID = try await admin.user(email: u).id }
        if let s = q["since"].map(String.init) {
            guard let ms = Timestamp.parse(s) else {
                throw ProvisioningError.invalid("'since' must be an RFC 3339 time.")
            }
            query.since = Timestamp.date(milliseconds: ms)
        }
        if q["before"] != nil {
            let limit = SettingLimit(name: "before", range: 1...Int64.max)
            query.before = Int64(try Self.integer(request, limit, default: 0))
        }
        let entries = try await admin.syncLog(query)
        var result: JSONObject = ["entries": .array(entries.map { .object($0.json) })]
        if entries.count == query.limit, let last = entries.last?.sequence {
            result["next"] = .string("before=\(last)")
        }
        return PlatformResponses.json(result)
    }

    // MARK: Plumbing

    /// Authenticates with an admin API token, runs `body`, and turns every error into a JSON error response.
    func handle(_ request: Request, _ context: Context, _ body: () async throws -> Response) async -> Response {
        do {
            guard let token = request.bearerToken, try await accounts.authenticate(apiToken: token) != nil else {
                return PlatformResponses.error(
                    "Authentication required: send an admin API token as 'Authorization: Bearer <token>' (`roster admin token create`).",
                    status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"Roster admin API\""])
            }
            return try await body()
        } catch {
            return PlatformResponses.response(
                for: error, request: request, logger: context.logger, maxBodySize: maxBodySize)
        }
    }

    /// The request body as a JSON object; actions without parameters may send none.
    func body(_ request: Request) async throws -> JSONObject {
        try await JSONRequest.object(request, maxBodySize: maxBodySize, emptyIsObject: true)
    }

    static func string(_ body: JSONObject, _ name: String) throws -> String { try JSONRequest.string(body, name) }

    static func optionalString(_ body: JSONObject, _ name: String) throws -> String? {
        try JSONRequest.optionalString(body, name)
    }

    /// A boolean query parameter: `true`/`1`/`yes` or `false`/`0`/`no` (any case); anything else is a 400, so that
    /// a typo never turns a dry run into a real one.
    static func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let text = request.uri.queryParameters[Substring(name)].map({ String($0).lowercased() }) else {
            return false
        }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ProvisioningError.invalid("'\(name)' must be true or false, got '\(text)'.")
        }
    }

    /// An integer query parameter named and bounded by `limit`; a value that is not one is a 400.
    static func integer(_ request: Request, _ limit: SettingLimit, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(limit.name)].map(String.init) else { return value }
        return try limit.integer(text)
    }

    /// A duration member named and bounded by `limit` (`"15m"`); anything else, a number or text out of range
    /// included, is a 400 naming the member and its range.
    static func duration(_ body: JSONObject, _ limit: SettingLimit) throws -> Duration? {
        guard let value = body[limit.name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw limit.error(value.jsonText) }
        return try limit.duration(text)
    }
}
