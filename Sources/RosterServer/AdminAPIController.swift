import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

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
    let inspector: RequestInspector
    let activity: ActivityService
    let revert: RevertService
    let configuration: ServerConfiguration
    let openAPI: ByteBuffer
    var maxBodySize = 64 * 1024

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPI))
        }
        addProviderRoutes(to: routes)
        addDirectoryRoutes(to: routes)
        addConfigurationRoutes(to: routes)
        addWebhookRoutes(to: routes)
        addInspectorRoutes(to: routes)
        return routes
    }

    // MARK: Plumbing

    /// Authenticates with an admin API token, runs `body`, and turns every error into a JSON error response.
    func handle(_ request: Request, _ context: Context, _ body: () async throws -> Response) async -> Response {
        await handle(request, context) { _ in try await body() }
    }

    /// ``handle(_:_:_:)`` for actions that name the admin who took them (the token's owner).
    func handle(_ request: Request, _ context: Context, _ body: (AdminAccount) async throws -> Response) async
        -> Response
    {
        do {
            guard let token = request.bearerToken, let account = try await accounts.authenticate(apiToken: token)
            else {
                return PlatformResponses.error(
                    "Authentication required: send an admin API token as 'Authorization: Bearer <token>' (`roster admin token create`).",
                    status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"Roster admin API\""])
            }
            return try await body(account)
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
