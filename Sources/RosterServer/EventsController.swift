import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// The event feed, `GET /api/v1/events`: for the platform's services (with a platform API key) and for automation
/// (with an admin API token). Plain JSON like the rest of `/api/v1`; errors are `{"error", "status"}`.
///
/// Query: `after` (a cursor from an earlier page; 0 or absent for the oldest event kept, `latest` for only what
/// comes next), `limit` (1 to 1,000, default 100), `types` (comma-separated: `user.created`, `user.*`, `*`),
/// `wait` (0 to 60 seconds: an empty page waits that long for an event).
struct EventsController<Context: RequestContext>: Sendable {
    let feed: EventFeed
    let accounts: AdminAccounts
    let platform: PlatformService
    let maxBodySize: Int

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("api/v1/events") { request, context in
            do {
                guard try await authenticated(request) else {
                    return PlatformResponses.error(
                        "Authentication required: send a platform API key or an admin API token as 'Authorization: Bearer <key>'.",
                        status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"Roster events\""])
                }
                return try await page(request)
            } catch {
                return PlatformResponses.response(
                    for: error, request: request, logger: context.logger, maxBodySize: maxBodySize)
            }
        }
        return routes
    }

    func page(_ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        let after: EventCursor
        switch q["after"].map(String.init) {
        case nil, "": after = .start
        case "latest": after = try await feed.latest()
        case let text?:
            guard let cursor = EventCursor(text) else {
                throw ProvisioningError.invalid(
                    "'after' must be a cursor the feed gave (a number, or two joined by a dot) or 'latest', got '\(text.prefix(40))'."
                )
            }
            after = cursor
        }
        let limit = try q["limit"].map { try EventFeed.pageSize.integer(String($0)) } ?? EventFeed.defaultPageSize
        let wait = try q["wait"].map { try SettingLimit.eventWait.integer(String($0)) } ?? 0
        let patterns = try EventTypePattern.parseList(q["types"].map(String.init) ?? "")
        let types = patterns.isEmpty ? [] : EventTypePattern.types(patterns)
        let page = try await feed.page(after: after, limit: limit, types: types, wait: .seconds(wait))
        return PlatformResponses.json([
            "events": .array(page.events.map { .object($0.json) }), "next": .string(page.next.description),
            "hasMore": .bool(page.hasMore),
        ])
    }

    /// A platform API key or an admin API token, as a Bearer token.
    func authenticated(_ request: Request) async throws -> Bool {
        guard let secret = request.bearerToken else { return false }
        if try await platform.verifyAPIKey(secret) != nil { return true }
        return try await accounts.authenticate(apiToken: secret) != nil
    }
}
