import Foundation
import Hummingbird
import Provisioning
import SCIM

/// Provisioning providers: list, add (credentials shown once), detail with deactivation, guard, mappings and
/// "apply org and role settings".
extension ConsoleController {
    func addProviderRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/providers") { request, _ in await page(request) { try await providers($0, request) } }
        routes.get("console/providers/new") { request, _ in
            await page(request) { signed in
                render(
                    "provider-new", base(signed, request, title: "Add provisioning provider", nav: "navProviders"),
                    request: request)
            }
        }
        routes.post("console/providers") { request, _ in
            await action(request, back: "/console/providers/new") { signed, form in
                let issued = try await admin.addProvider(name: form["name"] ?? "")
                return credentials(signed, request, issued)
            }
        }
        routes.get("console/providers/:id") { request, context in
            await page(request) { try await provider($0, request, id: try context.parameters.require("id")) }
        }
        routes.get("console/providers/:id/apply") { request, context in
            await page(request) { try await applyPreview($0, request, id: try context.parameters.require("id")) }
        }
        // A constant segment takes precedence over a parameter, so the POST beside GET …/apply is routed by name.
        routes.post("console/providers/:id/apply") { request, context in
            let id = (try? context.parameters.require("id")) ?? ""
            return await action(request, back: "/console/providers/\(id)") { signed, form in
                try await changeProvider(signed, request, id: id, change: "apply", form: form)
            }
        }
        routes.post("console/providers/:id/:change") { request, context in
            let id = (try? context.parameters.require("id")) ?? ""
            let change = (try? context.parameters.require("change")) ?? ""
            return await action(request, back: "/console/providers/\(id)") { signed, form in
                try await changeProvider(signed, request, id: id, change: change, form: form)
            }
        }
        routes.post("console/providers/:id/:change/remove") { request, context in
            let id = (try? context.parameters.require("id")) ?? ""
            let rules = (try? context.parameters.require("change")) ?? ""
            return await action(request, back: "/console/providers/\(id)") { _, form in
                let kind: MappingRuleKind
                switch rules {
                case "org-rules": kind = .organization
                case "role-rules": kind = .role
                case "watchlist-rules": kind = .watchlist
                default: throw ProvisioningError.notFound("No such mapping.")
                }
                try await admin.removeRule(
                    kind, providerID: id, group: form["group"] ?? "", watchlist: form["watchlist"])
                return Self.redirect(
                    "/console/providers/\(id)",
                    notice: "Mapping removed. Nobody moves until you apply org and role settings.")
            }
        }
    }

    func providers(_ signed: Signed, _ request: Request) async throws -> Response {
        var context = base(signed, request, title: "Provisioning providers", nav: "navProviders")
        let statuses = try await admin.providerStatuses()
        context["hasProviders"] = !statuses.isEmpty
        context["providers"] = statuses.map { s -> [String: Any] in
            [
                "id": s.provider.id, "name": s.provider.name, "users": s.users, "groups": s.groups, "held": s.held,
                "hasHeld": s.held > 0, "errors": s.errors24h,
                "lastActivity": s.lastActivity.map(Self.time) ?? "never",
                "lastRequest": s.lastRequest.map(Self.time) ?? "never",
            ]
        }
        return render("providers", context, request: request)
    }

    func credentials(_ signed: Signed, _ request: Request, _ issued: AdminService.IssuedCredentials) -> Response {
        var context = base(signed, request, title: "API credentials", nav: "navProviders")
        context["id"] = issued.provider.id
        context["name"] = issued.provider.name
        context["baseURL"] = issued.provider.baseURL(publicURL: configuration.publicURL)
        context["username"] = issued.provider.username
        context["secret"] = issued.secret
        return renderer.page("provider-credentials", context)
    }

    func provider(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let status = try await admin.providerStatus(id: id)
        let overview = try await admin.mappingOverview(providerID: id)
        let organizations = try await admin.organizations()
        let watchlists = try await admin.watchlists()
        let p = status.provider
        var context = base(signed, request, title: p.name, nav: "navProviders")
        context["id"] = p.id
        context["name"] = p.name
        context["baseURL"] = p.baseURL(publicURL: configuration.publicURL)
        context["username"] = p.username
        if let paused = p.pausedAt { context["pausedAt"] = Self.time(paused) }
        context["recording"] = p.recordsRequests
        context["users"] = status.users
        context["groupCount"] = status.groups
        context["delay"] = p.deactivationDelay.adminText
        context["guardEnabled"] = p.deactivationGuard.enabled
        context["guardPercent"] = p.deactivationGuard.percent
        context["guardMinimum"] = p.deactivationGuard.minimum
        context["delayMax"] = Duration.seconds(SettingLimit.deactivationDelay.range.upperBound).adminText
        context["guardPercentMax"] = Int(SettingLimit.guardPercent.range.upperBound)
        context["guardMinimumMax"] = Int(SettingLimit.guardMinimum.range.upperBound)
        context["held"] = status.held
        context["hasHeld"] = status.held > 0
        if let tripped = p.guardTrippedAt { context["guardTripped"] = Self.time(tripped) }
        let mapping = p.organizationMapping
        context["methodSingle"] = mapping.method == .single
        context["methodGroups"] = mapping.method == .groups
        context["methodAttribute"] = mapping.method == .attribute
        context["attribute"] = mapping.attribute ?? ""
        context["organizations"] = organizations.map { o -> [String: Any] in
            [
                "name": o.organization.name, "isTarget": o.organization.id == mapping.organizationID,
                "isParent": o.organization.id == mapping.parentID,
            ]
        }
        context["orgRules"] = overview.organizationRules.map {
            ["group": $0.group, "organization": $0.organization, "priority": $0.priority]
        }
        context["hasOrgRules"] = !overview.organizationRules.isEmpty
        context["modeGroups"] = p.roleMappingMode == .groups
        context["modeManual"] = p.roleMappingMode == .manual
        context["roleRules"] = overview.roleRules.map {
            ["group": $0.group, "roles": $0.roles.joined(separator: ", ")]
        }
        context["hasRoleRules"] = !overview.roleRules.isEmpty
        context["unmappedGroups"] = overview.groupsWithoutRoles.map { ["displayName": $0.displayName] }
        context["hasUnmappedGroups"] = !overview.groupsWithoutRoles.isEmpty
        if let message = overview.roleMappingMessage { context["roleMessage"] = message }
        context["roles"] = Role.catalogue.map { ["name": $0.name] }
        context["watchlistRules"] = overview.watchlistRules.map { ["group": $0.group, "watchlist": $0.watchlist] }
        context["hasWatchlistRules"] = !overview.watchlistRules.isEmpty
        context["watchlists"] = watchlists.map { ["name": $0.watchlist.name] }
        context["hasWatchlists"] = !watchlists.isEmpty
        context["groups"] = overview.groups.map { ["displayName": $0.displayName, "members": $0.members] }
        context["hasGroups"] = !overview.groups.isEmpty
        context["noGroupsMessage"] = MappingMessage.noGroups
        context["policyAcceptAndWarn"] = p.invalidData == .acceptAndWarn
        context["policyReject"] = p.invalidData == .reject
        let warnings = try await admin.warningSummary(providerID: id)
        context["hasWarnings"] = !warnings.isEmpty
        context["warningCount"] = warnings.reduce(0) { $0 + $1.count }
        context["warnings"] = warnings.map { group -> [String: Any] in
            [
                "attribute": group.attribute, "rule": group.rule, "count": group.count, "users": group.users,
                "examples": group.examples.map { e -> [String: Any] in
                    ["user": e.userName ?? e.userID ?? "", "userID": e.userID ?? "", "detail": e.detail ?? ""]
                },
                "link":
                    "/console/sync-log?provider=\(Self.queryEscape(p.id))&action=warning&attribute=\(Self.queryEscape(group.attribute))",
            ]
        }
        try await addActivity(to: &context, providerID: id, request: request, link: "/console/providers/\(id)")
        return render("provider", context, request: request)
    }

    func applyPreview(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let p = try await admin.provider(id: id)
        let report = try await admin.applyMappings(providerID: id, dryRun: true, changeLimit: 200)
        var context = base(signed, request, title: "Apply org and role settings", nav: "navProviders")
        context["id"] = p.id
        context["name"] = p.name
        context["processed"] = report.processed
        context["changed"] = report.changed
        context["organizationMoves"] = report.organizationMoves
        context["roleChanges"] = report.roleChanges
        context["watchlistAdditions"] = report.watchlistAdditions
        context["watchlistRemovals"] = report.watchlistRemovals
        context["organizationsCreated"] =
            report.organizationsCreated.isEmpty
            ? "0" : "\(report.organizationsCreated.count) (\(report.organizationsCreated.joined(separator: ", ")))"
        context["hasChanges"] = report.changed > 0
        if report.changed > report.changes.count { context["more"] = report.changed - report.changes.count }
        context["changes"] = report.changes.map { c -> [String: Any] in
            var watchlists = c.watchlistsAdded.map { "+" + $0 }
            watchlists += c.watchlistsRemoved.map { "−" + $0 }
            return [
                "userName": c.userName,
                "organization": c.organizationTo.map { "\(c.organizationFrom ?? "") → \($0)" } ?? "",
                "roles": c.rolesTo.map { "\(c.rolesFrom.joined(separator: ", ")) → \($0.joined(separator: ", "))" }
                    ?? "",
                "watchlists": watchlists.joined(separator: ", "),
            ]
        }
        return render("provider-apply", context, request: request)
    }

    func changeProvider(_ signed: Signed, _ request: Request, id: String, change: String, form: FormData) async throws
        -> Response
    {
        let back = "/console/providers/\(id)"
        switch change {
        case "rotate-secret":
            return credentials(signed, request, try await admin.rotateSecret(id: id))
        case "pause", "resume":
            _ = try await admin.setPaused(id: id, change == "pause", by: signed.admin.email)
            return Self.redirect(
                back,
                notice: change == "pause"
                    ? "Provider paused: its SCIM requests get 503 until you resume it."
                    : "Provider resumed: its SCIM requests are answered again.")
        case "recording":
            let on = form["on"] == "on"
            _ = try await admin.setRecordsRequests(id: id, on)
            return Self.redirect(back, notice: on ? "Request recording on." : "Request recording off.")
        case "delay":
            let delay = try SettingLimit.deactivationDelay.duration(form["delay"] ?? "")
            _ = try await admin.updateProvider(id: id, name: nil, deactivationDelay: delay)
            return Self.redirect(back, notice: "Deactivation delay saved: \(delay.adminText).")
        case "invalid-data":
            guard let policy = form["policy"].flatMap(InvalidDataPolicy.init(rawValue:)) else {
                throw ProvisioningError.invalid("Choose what happens to invalid data: accept-and-warn or reject.")
            }
            _ = try await admin.updateProvider(id: id, name: nil, deactivationDelay: nil, invalidData: policy)
            return Self.redirect(back, notice: "Invalid-data policy saved: \(policy.rawValue).")
        case "guard":
            let enabled = form["enabled"] == "on"
            // An empty field keeps the current value; anything else must be in range.
            let percent = try form["percent"].flatMap { $0.isEmpty ? nil : try SettingLimit.guardPercent.integer($0) }
            let minimum = try form["minimum"].flatMap { $0.isEmpty ? nil : try SettingLimit.guardMinimum.integer($0) }
            _ = try await admin.updateGuard(providerID: id) { g in
                g.enabled = enabled
                if let percent { g.percent = percent }
                if let minimum { g.minimum = minimum }
            }
            return Self.redirect(back, notice: "Mass-deactivation guard saved.")
        case "held":
            if form["action"] == "release" {
                let n = try await admin.releaseHeldDeactivations(providerID: id)
                return Self.redirect(back, notice: "Released \(n) held deactivation(s).")
            }
            let n = try await admin.cancelHeldDeactivations(providerID: id)
            return Self.redirect(back, notice: "Cancelled \(n) held deactivation(s).")
        case "org-mapping":
            guard let method = form["method"].flatMap(OrganizationMapping.Method.init(rawValue:)) else {
                throw ProvisioningError.invalid("Choose a method.")
            }
            let (_, note) = try await admin.setOrganizationMapping(
                providerID: id, method: method, organization: form["organization"],
                attribute: method == .attribute ? (form["attribute"] ?? OrganizationMapping.defaultAttribute) : nil,
                parent: method == .attribute ? form["parent"] : nil)
            return Self.redirect(
                back, notice: note ?? "Organization mapping saved. Nobody moves until you apply org and role settings.")
        case "org-rules":
            _ = try await admin.addOrganizationRule(
                providerID: id, group: form["group"] ?? "", organization: form["organization"] ?? "",
                priority: try form["priority"].flatMap { $0.isEmpty ? nil : try SettingLimit.rulePriority.integer($0) })
            return Self.redirect(back, notice: "Group rule added.")
        case "role-mode":
            guard let mode = form["mode"].flatMap(RoleMappingMode.init(rawValue:)) else {
                throw ProvisioningError.invalid("Choose a mode.")
            }
            _ = try await admin.setRoleMappingMode(providerID: id, mode: mode)
            return Self.redirect(back, notice: "Role mapping mode saved.")
        case "role-rules":
            let rule = try await admin.addRoleRule(providerID: id, group: form["group"] ?? "", roles: form.all("roles"))
            return Self.redirect(
                back,
                notice:
                    "Mapped '\(form["group"] ?? "")' to \(rule.roles.joined(separator: ", ")). Nobody moves until you apply org and role settings."
            )
        case "watchlist-rules":
            _ = try await admin.addWatchlistRule(
                providerID: id, group: form["group"] ?? "", watchlist: form["watchlist"] ?? "")
            return Self.redirect(back, notice: "Watchlist mapping added.")
        case "apply":
            let report = try await admin.applyMappings(providerID: id, dryRun: false)
            return Self.redirect(
                back,
                notice:
                    "Applied org and role settings: \(report.processed) users evaluated, \(report.changed) changed (\(report.organizationMoves) organization moves, \(report.roleChanges) role changes)."
            )
        case "delete":
            try await admin.removeProvider(id: id)
            return Self.redirect("/console/providers", notice: "Provider removed; its users stay.")
        default:
            throw ProvisioningError.notFound("No such provider action.")
        }
    }
}
