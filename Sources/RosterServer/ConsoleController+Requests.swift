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

        var older: String?
        if requests.count == query.limit, let last = requests.last?.sequence {
            var items = [("before", String(last))]
            for name in ["status", "method", "path", "user"] { if let v = value(name) { items.append((name, v)) } }
            older =
                "/console/providers/\(id)/requests?"
                + items.map { "\($0.0)=\(Self.queryEscape($0.1))" }.joined(separator: "&")
        }
        let page = RequestsPage(
            id: p.id, name: p.name, recording: p.recordsRequests, user: query.userName ?? "",
            path: query.pathContains ?? "",
            statusOptions: [
                ("", "Any"), ("failed", "Failed (4xx and 5xx)"), ("2xx", "2xx"), ("4xx", "4xx"), ("5xx", "5xx"),
            ]
            .map { SelectOption(value: $0.0, label: $0.1, selected: (status ?? "") == $0.0) },
            methodOptions: ["GET", "POST", "PUT", "PATCH", "DELETE"].map {
                SelectOption(value: $0, selected: query.method == $0)
            },
            hasRequests: !requests.isEmpty,
            requests: requests.map { r in
                .init(
                    sequence: String(r.sequence ?? 0), at: Self.time(r.at), method: r.method, path: r.shortPath,
                    status: r.status, failed: r.failed, ms: r.durationText, user: r.userName ?? "",
                    error: r.errorText ?? "")
            },
            older: older)
        return render(
            "requests", layout(signed, request, title: "\(p.name): requests", nav: "navProviders"), page,
            request: request)
    }

    func recordedRequest(_ signed: Signed, _ request: Request, id: String, sequence: Int64) async throws -> Response {
        let p = try await admin.provider(id: id)
        let (r, changes) = try await inspector.request(providerID: id, sequence: sequence)
        var layout = layout(signed, request, title: "\(r.method) \(r.shortPath)", nav: "navProviders")
        // The request's SCIM error is also the page's alert, unless a notice of the console's own takes it.
        if r.detail != nil, layout.error == nil { layout.error = r.errorText }
        let page = RecordedRequestPage(
            id: p.id, name: p.name, method: r.method, path: r.path + (r.query.map { "?" + $0 } ?? ""),
            status: r.status, failed: r.failed, at: Self.time(r.at), ms: r.durationText, requestID: r.requestID,
            requestBody: Self.prettyBody(r.requestBody), responseBody: Self.prettyBody(r.responseBody),
            hasChanges: !changes.isEmpty, changes: changes.map(SyncLogRow.init))
        return render("request", layout, page, request: request)
    }

    /// A kept body, indented when it is JSON; "(none)" when there was none.
    static func prettyBody(_ body: String?) -> String {
        guard let body else { return "(none)" }
        guard let value = try? JSONValue(parsing: body) else { return body }
        return value.prettyText()
    }
}

/// A provider's Requests tab: the filters and the newest recorded requests.
struct RequestsPage: Sendable {
    struct Row: Sendable {
        var sequence, at, method, path: String
        var status: Int
        var failed: Bool
        var ms, user, error: String
    }
    var id, name: String
    var recording: Bool
    var user, path: String
    var statusOptions, methodOptions: [SelectOption]
    var hasRequests: Bool
    var requests: [Row]
    var older: String?
}

/// One recorded request: its bodies beside the sync-log entries it caused.
struct RecordedRequestPage: Sendable {
    var id, name, method, path: String
    var status: Int
    var failed: Bool
    var at, ms: String
    var requestID: String?
    var requestBody, responseBody: String
    var hasChanges: Bool
    var changes: [SyncLogRow]
}
