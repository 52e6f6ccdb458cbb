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
                    "provider-new", layout(signed, request, title: "Add provisioning provider", nav: "navProviders"),
                    NoContent(), request: request)
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
        let statuses = try await admin.providerStatuses()
        let rows = statuses.map { s in
            ProvidersPage.Row(
                id: s.provider.id, name: s.provider.name, users: s.users, groups: s.groups, held: s.held,
                hasHeld: s.held > 0, errors: s.errors24h, lastActivity: s.lastActivity.map(Self.time) ?? "never",
                lastRequest: s.lastRequest.map(Self.time) ?? "never")
        }
        return render(
            "providers", layout(signed, request, title: "Provisioning providers", nav: "navProviders"),
            ProvidersPage(hasProviders: !rows.isEmpty, providers: rows), request: request)
    }

    func credentials(_ signed: Signed, _ request: Request, _ issued: AdminService.IssuedCredentials) -> Response {
        renderer.page(
            "provider-credentials", layout(signed, request, title: "API credentials", nav: "navProviders"),
            CredentialsPage(
                id: issued.provider.id, name: issued.provider.name,
                baseURL: issued.provider.baseURL(publicURL: configuration.publicURL),
                username: issued.provider.username, secret: issued.secret))
    }

    func provider(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let status = try await admin.providerStatus(id: id)
        let overview = try await admin.mappingOverview(providerID: id)
        let organizations = try await admin.organizations()
        let watchlists = try await admin.watchlists()
        let warnings = try await admin.warningSummary(providerID: id)
        let p = status.provider
        let mapping = p.organizationMapping
        let page = ProviderPage(
            id: p.id, name: p.name, baseURL: p.baseURL(publicURL: configuration.publicURL), username: p.username,
            pausedAt: p.pausedAt.map(Self.time), recording: p.recordsRequests, users: status.users,
            groupCount: status.groups, delay: p.deactivationDelay.adminText, guardEnabled: p.deactivationGuard.enabled,
            guardPercent: p.deactivationGuard.percent, guardMinimum: p.deactivationGuard.minimum,
            delayMax: Duration.seconds(SettingLimit.deactivationDelay.range.upperBound).adminText,
            guardPercentMax: Int(SettingLimit.guardPercent.range.upperBound),
            guardMinimumMax: Int(SettingLimit.guardMinimum.range.upperBound), held: status.held,
            hasHeld: status.held > 0, guardTripped: p.guardTrippedAt.map(Self.time),
            methodSingle: mapping.method == .single, methodGroups: mapping.method == .groups,
            methodAttribute: mapping.method == .attribute, attribute: mapping.attribute ?? "",
            organizations: organizations.map { o in
                .init(
                    name: o.organization.name, isTarget: o.organization.id == mapping.organizationID,
                    isParent: o.organization.id == mapping.parentID)
            },
            orgRules: overview.organizationRules.map {
                .init(group: $0.group, organization: $0.organization, priority: $0.priority)
            },
            hasOrgRules: !overview.organizationRules.isEmpty, modeGroups: p.roleMappingMode == .groups,
            modeManual: p.roleMappingMode == .manual,
            roleRules: overview.roleRules.map { .init(group: $0.group, roles: $0.roles.joined(separator: ", ")) },
            hasRoleRules: !overview.roleRules.isEmpty,
            unmappedGroups: overview.groupsWithoutRoles.map { .init(displayName: $0.displayName) },
            hasUnmappedGroups: !overview.groupsWithoutRoles.isEmpty, roleMessage: overview.roleMappingMessage,
            roles: Role.catalogue.map { .init(name: $0.name) },
            watchlistRules: overview.watchlistRules.map { .init(group: $0.group, watchlist: $0.watchlist) },
            hasWatchlistRules: !overview.watchlistRules.isEmpty,
            watchlists: watchlists.map { .init(name: $0.watchlist.name) }, hasWatchlists: !watchlists.isEmpty,
            groups: overview.groups.map { .init(displayName: $0.displayName, members: $0.members) },
            hasGroups: !overview.groups.isEmpty, noGroupsMessage: MappingMessage.noGroups,
            policyAcceptAndWarn: p.invalidData == .acceptAndWarn, policyReject: p.invalidData == .reject,
            hasWarnings: !warnings.isEmpty, warningCount: warnings.reduce(0) { $0 + $1.count },
            warnings: warnings.map { group in
                .init(
                    attribute: group.attribute, rule: group.rule, count: group.count, users: group.users,
                    examples: group.examples.map { e in
                        .init(user: e.userName ?? e.userID ?? "", userID: e.userID ?? "", detail: e.detail ?? "")
                    },
                    link:
                        "/console/sync-log?provider=\(Self.queryEscape(p.id))&action=warning&attribute=\(Self.queryEscape(group.attribute))"
                )
            },
            activity: try await activitySection(providerID: id, request: request, link: "/console/providers/\(id)"))
        return render("provider", layout(signed, request, title: p.name, nav: "navProviders"), page, request: request)
    }

    func applyPreview(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let p = try await admin.provider(id: id)
        let report = try await admin.applyMappings(providerID: id, dryRun: true, changeLimit: 200)
        let page = ApplyPreviewPage(
            id: p.id, name: p.name, processed: report.processed, changed: report.changed,
            organizationMoves: report.organizationMoves, roleChanges: report.roleChanges,
            watchlistAdditions: report.watchlistAdditions, watchlistRemovals: report.watchlistRemovals,
            organizationsCreated: report.organizationsCreated.isEmpty
                ? "0" : "\(report.organizationsCreated.count) (\(report.organizationsCreated.joined(separator: ", ")))",
            hasChanges: report.changed > 0,
            more: report.changed > report.changes.count ? report.changed - report.changes.count : nil,
            changes: report.changes.map { c in
                .init(
                    userName: c.userName,
                    organization: c.organizationTo.map { "\(c.organizationFrom ?? "") → \($0)" } ?? "",
                    roles: c.rolesTo.map { "\(c.rolesFrom.joined(separator: ", ")) → \($0.joined(separator: ", "))" }
                        ?? "",
                    watchlists: (c.watchlistsAdded.map { "+" + $0 } + c.watchlistsRemoved.map { "−" + $0 })
                        .joined(separator: ", "))
            })
        return render(
            "provider-apply", layout(signed, request, title: "Apply org and role settings", nav: "navProviders"), page,
            request: request)
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

/// The providers list.
struct ProvidersPage: Sendable {
    struct Row: Sendable {
        var id, name: String
        var users, groups, held: Int
        var hasHeld: Bool
        var errors: Int
        var lastActivity, lastRequest: String
    }
    var hasProviders: Bool
    var providers: [Row]
}

/// A provider's credentials, shown once (after adding it or rotating its secret).
struct CredentialsPage: Sendable {
    var id, name, baseURL, username, secret: String
}

/// A provider's page: credentials, deactivation settings and guard, mappings, invalid data, activity.
struct ProviderPage: Sendable {
    struct Organization: Sendable {
        var name: String
        var isTarget, isParent: Bool
    }
    struct OrganizationRule: Sendable {
        var group, organization: String
        var priority: Int
    }
    struct RoleRule: Sendable { var group, roles: String }
    struct Group: Sendable {
        var displayName: String
        var members = 0
    }
    struct Name: Sendable { var name: String }
    struct WatchlistRule: Sendable { var group, watchlist: String }
    struct Warning: Sendable {
        struct Example: Sendable { var user, userID, detail: String }
        var attribute, rule: String
        var count, users: Int
        var examples: [Example]
        var link: String
    }

    var id, name, baseURL, username: String
    var pausedAt: String?
    var recording: Bool
    var users, groupCount: Int
    var delay: String
    var guardEnabled: Bool
    var guardPercent, guardMinimum: Int
    var delayMax: String
    var guardPercentMax, guardMinimumMax, held: Int
    var hasHeld: Bool
    var guardTripped: String?
    var methodSingle, methodGroups, methodAttribute: Bool
    var attribute: String
    var organizations: [Organization]
    var orgRules: [OrganizationRule]
    var hasOrgRules, modeGroups, modeManual: Bool
    var roleRules: [RoleRule]
    var hasRoleRules: Bool
    var unmappedGroups: [Group]
    var hasUnmappedGroups: Bool
    var roleMessage: String?
    var roles: [Name]
    var watchlistRules: [WatchlistRule]
    var hasWatchlistRules: Bool
    var watchlists: [Name]
    var hasWatchlists: Bool
    var groups: [Group]
    var hasGroups: Bool
    var noGroupsMessage: String
    var policyAcceptAndWarn, policyReject, hasWarnings: Bool
    var warningCount: Int
    var warnings: [Warning]
    var activity: ActivitySection
}

/// "Apply org and role settings": what applying would change, before it does.
struct ApplyPreviewPage: Sendable {
    struct Change: Sendable { var userName, organization, roles, watchlists: String }
    var id, name: String
    var processed, changed, organizationMoves, roleChanges, watchlistAdditions, watchlistRemovals: Int
    var organizationsCreated: String
    var hasChanges: Bool
    var more: Int?
    var changes: [Change]
}
