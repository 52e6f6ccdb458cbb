import Foundation
import Hummingbird
import Provisioning
import SCIM

/// A provider's Requests tab (the request inspector): the recent SCIM requests, filtered, and one request's
/// bodies side by side with the sync-log entries it caused.
extension ConsoleController {
    func addRequestRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/providers/:id/requests") { request, context in
            await page(request) { try await requests($0, request, id: try context.parameters.require("id")) }
        }
        routes.get("console/providers/:id/requests/:sequence") { request, context in
            await page(request) { signed in
                let text = try context.parameters.require("sequence")
                guard let sequence = Int64(text), sequence > 0 else {
                    throw ProvisioningError.notFound("No recorded request '\(text)'.")
                }
                return try await recordedRequest(
                    signed, request, id: try context.parameters.require("id"), sequence: sequence)
            }
        }
    }

    func requests(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let p = try await admin.provider(id: id)
        let q = request.uri.queryParameters
        func value(_ name: String) -> String? {
            q[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        var query = RecordedRequestQuery(providerID: id, limit: 100)
        let status = value("status")
        if let status, status != "failed" { query.statusClass = try RecordedRequestQuery.statusClass(status) }
        query.failedOnly = status == "failed"
        if let method = value("method") { query.method = try RecordedRequestQuery.method(method) }
        query.pathContains = value("path")
        query.userName = value("user")
        if let before = value("before") { query.before = Int64(before) }
        let requests = try await inspector.requests(query)

        var context = base(signed, request, title: "\(p.name): requests", nav: "navProviders")
        context["id"] = p.id
        context["name"] = p.name
        context["recording"] = p.recordsRequests
        context["user"] = query.userName ?? ""
        context["path"] = query.pathContains ?? ""
        context["statusOptions"] = [
            ("", "Any"), ("failed", "Failed (4xx and 5xx)"), ("2xx", "2xx"), ("4xx", "4xx"), ("5xx", "5xx"),
        ]
        .map { ["value": $0.0, "label": $0.1, "selected": (status ?? "") == $0.0] }
        context["methodOptions"] = ["GET", "POST", "PUT", "PATCH", "DELETE"].map { method -> [String: Any] in
            ["value": method, "selected": query.method == method]
        }
        context["hasRequests"] = !requests.isEmpty
        context["requests"] = requests.map { r -> [String: Any] in
            [
                "sequence": String(r.sequence ?? 0), "at": Self.time(r.at), "method": r.method,
                "path": r.shortPath, "status": r.status, "failed": r.failed, "ms": r.durationText,
                "user": r.userName ?? "", "error": r.errorText ?? "",
            ]
        }
        if requests.count == query.limit, let last = requests.last?.sequence {
            var items = [("before", String(last))]
            for name in ["status", "method", "path", "user"] { if let v = value(name) { items.append((name, v)) } }
            context["older"] =
                "/console/providers/\(id)/requests?"
                + items.map { "\($0.0)=\(Self.queryEscape($0.1))" }.joined(separator: "&")
        }
        return render("requests", context, request: request)
    }

    func recordedRequest(_ signed: Signed, _ request: Request, id: String, sequence: Int64) async throws -> Response {
        let p = try await admin.provider(id: id)
        let (r, changes) = try await inspector.request(providerID: id, sequence: sequence)
        var context = base(signed, request, title: "\(r.method) \(r.shortPath)", nav: "navProviders")
        context["id"] = p.id
        context["name"] = p.name
        context["method"] = r.method
        context["path"] = r.path + (r.query.map { "?" + $0 } ?? "")
        context["status"] = r.status
        context["failed"] = r.failed
        context["at"] = Self.time(r.at)
        context["ms"] = r.durationText
        context["requestID"] = r.requestID
        if r.detail != nil, let error = r.errorText { context["error"] = error }
        context["requestBody"] = Self.prettyBody(r.requestBody)
        context["responseBody"] = Self.prettyBody(r.responseBody)
        context["hasChanges"] = !changes.isEmpty
        context["changes"] = changes.map { e -> [String: Any] in
            [
                "at": Self.time(e.at), "action": e.action.rawValue, "user": e.userName ?? e.userID ?? "",
                "userID": e.userID ?? "", "detail": e.detail ?? "",
            ]
        }
        return render("request", context, request: request)
    }

    /// A kept body, indented when it is JSON; "(none)" when there was none.
    static func prettyBody(_ body: String?) -> String {
        guard let body else { return "(none)" }
        guard let value = try? JSONValue(parsing: body) else { return body }
        return value.prettyText()
    }
}
