import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// The directory in the admin API: users and their actions, organizations, roles, watchlists, legal holds and
/// the sync log.
extension AdminAPIController {
    /// `/api/v1/users`, `organizations`, `roles`, `watchlists`, `legal-holds` and `sync-log`.
    func addDirectoryRoutes(to routes: RouteCollection<Context>) {
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
    }

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
}
