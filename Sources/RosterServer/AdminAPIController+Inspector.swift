import Foundation
import HTTPTypes
import Hummingbird
import Provisioning
import SCIM

/// A provider's recorded SCIM requests (the request inspector), its pause and the revert of its changes, in the
/// admin API.
extension AdminAPIController {
    func addInspectorRoutes(to routes: RouteCollection<Context>) {
        routes.get("api/v1/providers/:id/requests") { r, c in
            await handle(r, c) {
                let query = try Self.requestQuery(r, providerID: try c.parameters.require("id"))
                let requests = try await inspector.requests(query)
                var result: JSONObject = ["requests": .array(requests.map { .object($0.json(bodies: false)) })]
                if requests.count == query.limit, let last = requests.last?.sequence {
                    result["next"] = .string("before=\(last)")
                }
                return PlatformResponses.json(result)
            }
        }
        routes.get("api/v1/providers/:id/requests/:sequence") { r, c in
            await handle(r, c) {
                let text = try c.parameters.require("sequence")
                guard let sequence = Int64(text), sequence > 0 else {
                    throw ProvisioningError.invalid("A request's sequence number is a positive integer, got '\(text)'.")
                }
                let found = try await inspector.request(providerID: try c.parameters.require("id"), sequence: sequence)
                var json = found.request.json(bodies: true)
                json["changes"] = .array(found.changes.map { .object($0.json) })
                return PlatformResponses.json(json)
            }
        }
        routes.get("api/v1/activity") { r, c in
            await handle(r, c) {
                let q = r.uri.queryParameters
                let range = try ActivityRange.parse(q["range"].map(String.init))
                let a = try await activity.activity(providerID: q["provider"].map(String.init), range: range)
                return PlatformResponses.json(a.json)
            }
        }
        routes.get("api/v1/report") { r, c in
            await handle(r, c) {
                let q = r.uri.queryParameters
                let now = Date()
                let from = try SettingLimit.lookBack.instant(q["since"].map(String.init) ?? "24h", now: now)
                let report = try await activity.report(providerID: q["provider"].map(String.init), from: from, to: now)
                return PlatformResponses.json(report.json)
            }
        }
        routes.post("api/v1/providers/:id/revert") { r, c in
            await handle(r, c) { account in
                let id = try c.parameters.require("id")
                let text = try Self.string(try await body(r), "since")
                let since = try SettingLimit.lookBack.instant(text, now: Date())
                if try Self.flag(r, "dryRun") {
                    return PlatformResponses.json(try await revert.plan(providerID: id, since: since).json)
                }
                return PlatformResponses.json(
                    try await revert.revert(providerID: id, since: since, by: account.email).json)
            }
        }
        for (path, paused) in [("pause", true), ("resume", false)] {
            routes.post("api/v1/providers/:id/\(path)") { r, c in
                await handle(r, c) { account in
                    let p = try await admin.setPaused(
                        id: try c.parameters.require("id"), paused, by: account.email)
                    return try await provider(p.id)
                }
            }
        }
    }

    /// The filters of `GET /providers/{id}/requests`: `failed`, `status` (`2xx`, `4xx`, `5xx`), `method`, `path`
    /// (text the path contains), `user` (a userName), `before` (a sequence number) and `limit`.
    static func requestQuery(_ request: Request, providerID: String) throws -> RecordedRequestQuery {
        let parameters = request.uri.queryParameters
        func value(_ name: String) -> String? {
            parameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        var query = RecordedRequestQuery(
            providerID: providerID, failedOnly: try flag(request, "failed"),
            limit: try integer(request, .pageSize, default: 100))
        if let status = value("status") {
            query.statusClass = try RecordedRequestQuery.statusClass(status)
        }
        if let method = value("method") { query.method = try RecordedRequestQuery.method(method) }
        query.pathContains = value("path")
        query.userName = value("user")
        if let before = value("before") {
            guard let n = Int64(before), n > 0 else {
                throw ProvisioningError.invalid("'before' is a request's sequence number, got '\(before)'.")
            }
            query.before = n
        }
        return query
    }
}
