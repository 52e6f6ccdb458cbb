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
        let activity = try await activitySection(providerID: nil, request: request, link: "/console/overview")
        let statuses = try await admin.providerStatuses()
        let page = OverviewPage(
            activity: activity, hasProviders: !statuses.isEmpty,
            providers: statuses.map { s in
                .init(
                    id: s.provider.id, name: s.provider.name, users: s.users, held: s.held,
                    paused: s.provider.pausedAt != nil)
            })
        return render(
            "overview", layout(signed, request, title: "Overview", nav: "navOverview"), page, request: request)
    }

    /// The Report page: what provisioning did since `since` (default 24h), for one provider or all.
    func report(_ signed: Signed, _ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        let since = q["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "24h"
        let provider = q["provider"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let now = Date()
        let from = try SettingLimit.lookBack.instant(since, now: now)
        let report = try await activity.report(providerID: provider, from: from, to: now)
        let page = ReportConsolePage(
            report: ReportView(report), since: since,
            providerOptions: try await admin.providers().map {
                SelectOption(value: $0.id, label: $0.name, selected: $0.id == provider)
            })
        return render(
            "report", layout(signed, request, title: "Provisioning report", nav: "navReport"), page, request: request)
    }

    /// The activity section (`activity.mustache`) for one provider or all, in the range the query's `range` names
    /// (`7d`, the default, or `2h`).
    func activitySection(providerID: String?, request: Request, link: String) async throws -> ActivitySection {
        let range = try ActivityRange.parse(request.uri.queryParameters["range"].map(String.init))
        return ActivityChart.section(try await activity.activity(providerID: providerID, range: range), link: link)
    }
}

/// The Overview page.
struct OverviewPage: Sendable {
    struct Provider: Sendable {
        var id, name: String
        var users, held: Int
        var paused: Bool
    }
    var activity: ActivitySection
    var hasProviders: Bool
    var providers: [Provider]
}

/// The console's Report page: the report and the period's form.
struct ReportConsolePage: Sendable {
    var report: ReportView
    var since: String
    var providerOptions: [SelectOption]
}
