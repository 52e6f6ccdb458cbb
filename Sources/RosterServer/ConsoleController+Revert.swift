import Foundation
import Hummingbird
import Provisioning
import SCIM

/// Reverting a provider's changes since a time: a preview of what comes back (and what is left alone), with the
/// advice to pause the provider first, then the revert itself.
extension ConsoleController {
    func addRevertRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/providers/:id/revert") { request, context in
            await page(request) { try await revertPreview($0, request, id: try context.parameters.require("id")) }
        }
        // Routed by name, as …/apply is: the GET beside it has a constant segment.
        routes.post("console/providers/:id/revert") { request, context in
            let id = (try? context.parameters.require("id")) ?? ""
            return await action(request, back: "/console/providers/\(id)/revert") { signed, form in
                let since = try SettingLimit.lookBack.instant(form["since"] ?? "", now: Date())
                let outcome = try await revert.revert(providerID: id, since: since, by: signed.admin.email)
                var notice = "Reverted: \(outcome.plan.summary). Revert id \(outcome.revertID)."
                if !outcome.failures.isEmpty {
                    notice +=
                        " Not restored: "
                        + outcome.failures.prefix(5).map { "\($0.name) (\($0.reason))" }.joined(separator: "; ")
                }
                return Self.redirect("/console/providers/\(id)", notice: notice)
            }
        }
    }

    /// The preview: without `since`, only the form.
    func revertPreview(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let p = try await admin.provider(id: id)
        let layout = layout(signed, request, title: "Revert \(p.name)'s changes", nav: "navProviders")
        let since = request.uri.queryParameters["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var page = RevertPage(id: p.id, name: p.name, pausedAt: p.pausedAt.map(Self.time), since: since ?? "2h")
        guard let since else { return render("provider-revert", layout, page, request: request) }
        let instant = try SettingLimit.lookBack.instant(since, now: Date())
        page.preview = RevertPage.Preview(try await revert.plan(providerID: id, since: instant), since: instant)
        return render("provider-revert", layout, page, request: request)
    }
}

/// Reverting a provider's changes: the form, and once a time is given, the preview.
struct RevertPage: Sendable {
    /// What the revert would put back, and what it leaves alone.
    struct Preview: Sendable {
        struct Count: Sendable {
            var label: String
            var value: Int
            var key: String
        }
        struct UserChange: Sendable { var id, userName, restores: String }
        struct GroupChange: Sendable { var id, displayName, restores: String }
        struct Resource: Sendable { var kind, id, name, reason: String }

        /// The instant, exactly as the confirmation posts it.
        var instant: String
        var instantText: String
        var summary: String
        var hasChanges: Bool
        var counts: [Count]
        var users: [UserChange]
        var moreUsers: Int?
        var groups: [GroupChange]
        var leftAlone: [Resource]
        var skipped: [Resource]
        var hasUsers, hasGroups, hasLeftAlone, hasSkipped: Bool

        /// At most this many users and resources of each list are shown.
        static let shown = 200

        init(_ plan: RevertPlan, since instant: Date) {
            self.instant = Timestamp.format(instant)
            instantText = Timestamp.format(instant)
            summary = plan.summary
            hasChanges = !plan.isEmpty
            counts = [
                Count(label: "Users restored", value: plan.users.count, key: "users"),
                Count(label: "Reactivated", value: plan.reactivations, key: "reactivated"),
                Count(label: "Memberships added back", value: plan.membershipsAdded, key: "memberships-added"),
                Count(label: "Memberships removed", value: plan.membershipsRemoved, key: "memberships-removed"),
                Count(label: "Groups recreated", value: plan.groupsRecreated, key: "groups-recreated"),
                Count(
                    label: "Left alone (created in the period)",
                    value: plan.createdUsers.count + plan.createdGroups.count, key: "left-alone"),
            ]
            users = plan.users.prefix(Self.shown).map {
                UserChange(id: $0.id, userName: $0.userName, restores: $0.restores)
            }
            moreUsers = plan.users.count > Self.shown ? plan.users.count - Self.shown : nil
            groups = plan.groups.map { GroupChange(id: $0.id, displayName: $0.displayName, restores: $0.restores) }
            let resources = { (list: [RevertPlan.Resource]) in
                list.prefix(Self.shown).map { Resource(kind: $0.kind, id: $0.id, name: $0.name, reason: $0.reason) }
            }
            leftAlone = resources(plan.createdUsers + plan.createdGroups + plan.createdOrganizations)
            skipped = resources(plan.skipped)
            hasUsers = !plan.users.isEmpty
            hasGroups = !plan.groups.isEmpty
            hasLeftAlone =
                !(plan.createdUsers.isEmpty && plan.createdGroups.isEmpty && plan.createdOrganizations.isEmpty)
            hasSkipped = !plan.skipped.isEmpty
        }
    }

    var id, name: String
    var pausedAt: String?
    var since: String
    var preview: Preview?
}
