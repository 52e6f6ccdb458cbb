import Foundation
import Hummingbird
import Provisioning

/// The Overview page (every provider's activity charts), the activity section of a provider's page, and the
/// printable Report page.
extension ConsoleController {
    func addActivityRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/overview") { request, _ in await page(request) { try await overview($0, request) } }
        routes.get("console/report") { request, _ in await page(request) { try await report($0, request) } }
    }

    /// The Overview page: every provider's activity, and the providers.
    func overview(_ signed: Signed, _ request: Request) async throws -> Response {
        var context = base(signed, request, title: "Overview", nav: "navOverview")
        try await addActivity(to: &context, providerID: nil, request: request, link: "/console/overview")
        let statuses = try await admin.providerStatuses()
        context["hasProviders"] = !statuses.isEmpty
        context["providers"] = statuses.map { s -> [String: Any] in
            [
                "id": s.provider.id, "name": s.provider.name, "users": s.users, "held": s.held,
                "paused": s.provider.pausedAt != nil,
            ]
        }
        return render("overview", context, request: request)
    }

    /// The Report page: what provisioning did since `since` (default 24h), for one provider or all.
    func report(_ signed: Signed, _ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        let since = q["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "24h"
        let provider = q["provider"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let now = Date()
        let from = try SettingLimit.lookBack.instant(since, now: now)
        let report = try await activity.report(providerID: provider, from: from, to: now)
        var context = base(signed, request, title: "Provisioning report", nav: "navReport")
        for (key, value) in ReportPage.context(report) { context[key] = value }
        context["since"] = since
        context["providerOptions"] = try await admin.providers().map {
            ["value": $0.id, "label": $0.name, "selected": $0.id == provider] as [String: Any]
        }
        return render("report", context, request: request)
    }

    /// The activity section's context (`activity.mustache`) for one provider or all, in the range the query's
    /// `range` names (`7d`, the default, or `2h`).
    func addActivity(to context: inout [String: Any], providerID: String?, request: Request, link: String)
        async throws
    {
        let range = try ActivityRange.parse(request.uri.queryParameters["range"].map(String.init))
        let chart = try await activity.activity(providerID: providerID, range: range)
        for (key, value) in ActivityChart.context(chart, link: link) { context[key] = value }
    }
}
