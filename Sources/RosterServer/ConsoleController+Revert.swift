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
        var context = base(signed, request, title: "Revert \(p.name)'s changes", nav: "navProviders")
        context["id"] = p.id
        context["name"] = p.name
        if let paused = p.pausedAt { context["pausedAt"] = Self.time(paused) }
        let since = request.uri.queryParameters["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        context["since"] = since ?? "2h"
        guard let since else { return render("provider-revert", context, request: request) }
        let instant = try SettingLimit.lookBack.instant(since, now: Date())
        let plan = try await revert.plan(providerID: id, since: instant)
        let shown = 200
        context["preview"] = true
        context["instant"] = Timestamp.format(instant)
        context["instantText"] = Self.time(instant)
        context["summary"] = plan.summary
        context["hasChanges"] = !plan.isEmpty
        context["counts"] =
            [
                ["label": "Users restored", "value": plan.users.count, "key": "users"],
                ["label": "Reactivated", "value": plan.reactivations, "key": "reactivated"],
                ["label": "Memberships added back", "value": plan.membershipsAdded, "key": "memberships-added"],
                ["label": "Memberships removed", "value": plan.membershipsRemoved, "key": "memberships-removed"],
                ["label": "Groups recreated", "value": plan.groupsRecreated, "key": "groups-recreated"],
                [
                    "label": "Left alone (created in the period)",
                    "value": plan.createdUsers.count + plan.createdGroups.count, "key": "left-alone",
                ],
            ] as [[String: Any]]
        context["users"] = plan.users.prefix(shown).map { u -> [String: Any] in
            ["id": u.id, "userName": u.userName, "restores": u.restores]
        }
        if plan.users.count > shown { context["moreUsers"] = plan.users.count - shown }
        context["groups"] = plan.groups.map { g -> [String: Any] in
            ["id": g.id, "displayName": g.displayName, "restores": g.restores]
        }
        let resources = { (list: [RevertPlan.Resource]) -> [[String: Any]] in
            list.prefix(shown).map { ["kind": $0.kind, "id": $0.id, "name": $0.name, "reason": $0.reason] }
        }
        context["leftAlone"] = resources(plan.createdUsers + plan.createdGroups + plan.createdOrganizations)
        context["skipped"] = resources(plan.skipped)
        context["hasUsers"] = !plan.users.isEmpty
        context["hasGroups"] = !plan.groups.isEmpty
        context["hasLeftAlone"] =
            !(plan.createdUsers.isEmpty && plan.createdGroups.isEmpty && plan.createdOrganizations.isEmpty)
        context["hasSkipped"] = !plan.skipped.isEmpty
        return render("provider-revert", context, request: request)
    }
}
