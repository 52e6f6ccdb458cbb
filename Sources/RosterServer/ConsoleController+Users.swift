import Foundation
import Hummingbird
import Provisioning
import SCIM

/// Users: the searchable list, local users, and a user's page with its actions and timeline.
extension ConsoleController {
    static var usersPerPage: Int { 50 }

    func addUserRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/users") { request, _ in await page(request) { try await users($0, request) } }
        routes.get("console/users/new") { request, _ in
            await page(request) { signed in
                let organizations = try await admin.organizations().map {
                    UserPage.Organization(name: $0.organization.name, current: false)
                }
                return render(
                    "user-new", layout(signed, request, title: "Add local user", nav: "navUsers"),
                    NewUserPage(organizations: organizations), request: request)
            }
        }
        routes.post("console/users") { request, _ in
            await action(request, back: "/console/users/new") { _, form in
                let user = try await admin.addLocalUser(
                    email: form["email"] ?? "", name: form["name"], organization: form["organization"])
                return Self.redirect("/console/users/\(user.id)", notice: "Local user \(user.userName) created.")
            }
        }
        routes.get("console/users/:id") { request, context in
            await page(request) { try await user($0, request, id: try context.parameters.require("id")) }
        }
        routes.post("console/users/:id/:action") { request, context in
            let id = (try? context.parameters.require("id")) ?? ""
            let verb = (try? context.parameters.require("action")) ?? ""
            return await action(request, back: "/console/users/\(id)") { _, form in
                try await changeUser(id: id, action: verb, form: form)
            }
        }
    }

    func users(_ signed: Signed, _ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let q = query["q"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let status = query["status"].flatMap { UserStatus(rawValue: String($0)) }
        let provider = query["provider"].map(String.init).flatMap { $0.isEmpty ? nil : ($0 == "local" ? "" : $0) }
        let organization = query["organization"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let hold = query["hold"] == "1"
        let pageNumber = try query["page"].map { try SettingLimit.pageNumber.integer(String($0)) } ?? 1
        let search = UserSearch(
            text: q.isEmpty ? nil : q, status: status, providerID: provider, organizationID: organization,
            legalHold: hold, offset: (pageNumber - 1) * Self.usersPerPage, limit: Self.usersPerPage)
        let page = try await admin.searchUsers(search)
        let organizations = try await admin.organizations()
        let orgNames = Dictionary(
            organizations.map { ($0.organization.id, $0.organization.name) }, uniquingKeysWith: { a, _ in a })
        let providers = try await admin.providers()
        let providerNames = Dictionary(providers.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })

        let pages = max(1, (page.totalResults + Self.usersPerPage - 1) / Self.usersPerPage)
        func link(_ n: Int) -> String {
            var items = [
                ("q", q), ("status", status?.rawValue ?? ""), ("provider", query["provider"].map(String.init) ?? ""),
                ("organization", organization ?? ""), ("page", String(n)),
            ]
            if hold { items.append(("hold", "1")) }
            return "/console/users?"
                + items.filter { !$0.1.isEmpty }.map { "\($0.0)=\(Self.queryEscape($0.1))" }.joined(separator: "&")
        }
        let list = UsersPage(
            q: q, hold: hold,
            statuses: UserStatus.allCases.map {
                SelectOption(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == status)
            },
            localSelected: provider == "",
            providerOptions: providers.map { SelectOption(value: $0.id, label: $0.name, selected: $0.id == provider) },
            organizationOptions: organizations.map {
                SelectOption(
                    value: $0.organization.id, label: $0.organization.name,
                    selected: $0.organization.id == organization)
            },
            total: page.totalResults,
            hasFilter: !q.isEmpty || status != nil || provider != nil || organization != nil || hold,
            hasUsers: !page.items.isEmpty,
            users: page.items.map { u in
                .init(
                    id: u.id, userName: u.userName, displayName: u.displayName, status: u.status.rawValue,
                    legalHold: u.legalHold, source: u.providerID.map { providerNames[$0] ?? $0 } ?? "local",
                    organization: orgNames[u.organizationID] ?? u.organizationID,
                    pending: Self.time(u.deactivationDueAt))
            },
            page: pageNumber, pages: pages, previous: pageNumber > 1 ? link(pageNumber - 1) : nil,
            next: pageNumber < pages ? link(pageNumber + 1) : nil)
        return render("users", layout(signed, request, title: "Users", nav: "navUsers"), list, request: request)
    }

    func user(_ signed: Signed, _ request: Request, id: String) async throws -> Response {
        let user = try await admin.user(id: id)
        let view = try await admin.view(of: user)
        let provider = try await user.providerID.asyncMap { try await admin.provider(id: $0) }
        let providerName = provider?.name
        let timeline = try await admin.syncLog(SyncLogQuery(userID: user.id, limit: 100))
        let organizations = try await admin.organizations()
        // Provisioning decides the organization and the roles of a linked user, unless its provider leaves them to
        // admins (method single, manual role mode).
        let managed = user.linked ? provider : nil
        func strings(_ key: String) -> [String] { view[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        let status = user.status
        let currentRoles = Set(strings("roles"))
        let archives = view["archives"]?.arrayValue ?? []
        let devices = Dictionary(
            (view["devices"]?.arrayValue ?? []).compactMap { d -> (String, String)? in
                guard let o = d.objectValue, let id = o["id"]?.stringValue else { return nil }
                return (id, o["name"]?.stringValue ?? id)
            }, uniquingKeysWith: { a, _ in a })
        let page = UserPage(
            id: user.id, userName: user.userName, status: status.rawValue,
            pending: user.deactivationDueAt.map(Self.time), held: user.held?.rawValue,
            source: providerName.map { "Provisioned by \($0)\(user.linked ? "" : " (unlinked)")" } ?? "Local user",
            organization: view["organization"]?.stringValue ?? "", roles: strings("roles").joined(separator: ", "),
            watchlists: strings("watchlists").isEmpty ? "None" : strings("watchlists").joined(separator: ", "),
            groups: strings("groups").isEmpty ? "None" : strings("groups").joined(separator: ", "),
            legalHold: user.legalHold, matter: user.legalHoldMatter.flatMap { $0.isEmpty ? nil : $0 },
            canBlock: status == .active, canUnblock: status == .blocked && user.adminBlocked,
            canDeactivate: status != .deactivated && !user.legalHold, canReactivate: status == .deactivated,
            canHold: !user.legalHold && status != .deactivated, canRelease: user.legalHold,
            canMove: managed.map { $0.organizationMapping.method == .single } ?? true,
            canSetRoles: managed.map { $0.roleMappingMode == .manual } ?? true,
            roleOptions: Role.catalogue.map { .init(name: $0.name, selected: currentRoles.contains($0.name)) },
            organizations: organizations.map {
                .init(name: $0.organization.name, current: $0.organization.id == user.organizationID)
            },
            isLocal: user.isLocal, managedBy: user.isLocal ? nil : providerName, displayName: user.displayName ?? "",
            jobTitle: user.attributes["title"]?.stringValue ?? "",
            department: user.enterprise?["department"]?.stringValue ?? "",
            attributes: Self.attributeRows(user.attributes).map {
                .init(name: $0.0, value: $0.1, managed: !user.isLocal)
            },
            hasArchives: !archives.isEmpty,
            archives: archives.compactMap(\.objectValue).map { a in
                .init(
                    device: devices[a["deviceId"]?.stringValue ?? ""] ?? "",
                    tier: (a["tier"]?.stringValue ?? "")
                        + (a["markedForDeletion"]?.boolValue == true ? " (marked for deletion)" : ""),
                    coldUntil: a["coldUntil"]?.stringValue ?? "")
            },
            timeline: timeline.map { e in
                .init(
                    action: e.action.rawValue, detail: e.detail ?? "", at: Timestamp.format(e.at),
                    by: e.providerID.map { "provider \($0)" } ?? "admin or scheduler")
            })
        return render("user", layout(signed, request, title: user.userName, nav: "navUsers"), page, request: request)
    }

    /// Attribute rows for display: dotted names, values as text.
    static func attributeRows(_ attributes: JSONObject, prefix: String = "") -> [(String, String)] {
        var rows: [(String, String)] = []
        for member in attributes {
            let name = prefix.isEmpty ? member.key : "\(prefix).\(member.key)"
            switch member.value {
            case .object(let o) where member.key.contains(":"):
                rows += attributeRows(o, prefix: "")
            case .object(let o):
                rows += attributeRows(o, prefix: name)
            case .array(let elements):
                let parts = elements.map { e -> String in
                    if let o = e.objectValue {
                        let value = o["value"]?.stringValue ?? o.jsonText
                        let type = o["type"]?.stringValue.map { " (\($0))" } ?? ""
                        return value + type
                    }
                    return e.stringValue ?? e.jsonText
                }
                rows.append((name, parts.joined(separator: ", ")))
            case .string(let s):
                rows.append((name, s))
            case .null:
                continue
            default:
                rows.append((name, member.value.jsonText))
            }
        }
        return rows
    }

    func changeUser(id: String, action verb: String, form: FormData) async throws -> Response {
        let user = try await admin.user(id: id)
        let back = "/console/users/\(id)"
        switch verb {
        case "block":
            try await admin.perform(.block, email: user.userName)
            return Self.redirect(back, notice: "\(user.userName) is blocked.")
        case "unblock":
            try await admin.perform(.unblock, email: user.userName)
            return Self.redirect(back, notice: "\(user.userName) is unblocked.")
        case "deactivate":
            guard form["confirm"] == "yes" else {
                throw ProvisioningError.invalid(
                    "Confirm that access is removed now and the archives move to cold storage.")
            }
            try await admin.perform(.deactivate, email: user.userName)
            return Self.redirect(back, notice: "\(user.userName) is deactivated; the archives are in cold storage.")
        case "reactivate":
            try await admin.perform(.reactivate, email: user.userName)
            return Self.redirect(back, notice: "\(user.userName) is reactivated.")
        case "hold":
            try await admin.placeLegalHold(email: user.userName, matter: form["matter"])
            return Self.redirect(back, notice: "\(user.userName) is on legal hold.")
        case "release-hold":
            try await admin.releaseLegalHold(email: user.userName)
            return Self.redirect(back, notice: "The legal hold on \(user.userName) is released.")
        case "move":
            try await admin.moveUser(email: user.userName, organization: form["organization"] ?? "")
            return Self.redirect(back, notice: "\(user.userName) moved to \(form["organization"] ?? "").")
        case "roles":
            let roles = try await admin.setRoles(email: user.userName, roles: form.all("roles"))
            return Self.redirect(
                back, notice: "Roles of \(user.userName): \(roles.isEmpty ? "none" : roles.joined(separator: ", ")).")
        case "edit":
            _ = try await admin.updateUser(
                email: user.userName,
                AdminService.UserEdit(
                    displayName: form["displayName"], title: form["title"], department: form["department"]))
            return Self.redirect(back, notice: "Saved.")
        default:
            throw ProvisioningError.notFound("No such user action.")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// The users list: the search, its filters and a page of users.
struct UsersPage: Sendable {
    struct User: Sendable {
        var id, userName: String
        var displayName: String?
        var status: String
        var legalHold: Bool
        var source, organization, pending: String
    }
    var q: String
    var hold: Bool
    var statuses: [SelectOption]
    var localSelected: Bool
    var providerOptions, organizationOptions: [SelectOption]
    var total: Int
    var hasFilter, hasUsers: Bool
    var users: [User]
    var page, pages: Int
    var previous, next: String?
}

/// Adding a local user.
struct NewUserPage: Sendable {
    var organizations: [UserPage.Organization]
}

/// A user's page: state, place, actions, attributes, archives and timeline.
struct UserPage: Sendable {
    struct Role: Sendable {
        var name: String
        var selected: Bool
    }
    struct Organization: Sendable {
        var name: String
        var current: Bool
    }
    struct Attribute: Sendable {
        var name, value: String
        var managed: Bool
    }
    struct Archive: Sendable { var device, tier, coldUntil: String }
    struct Entry: Sendable { var action, detail, at, by: String }

    var id, userName, status: String
    var pending, held: String?
    var source, organization, roles, watchlists, groups: String
    var legalHold: Bool
    var matter: String?
    var canBlock, canUnblock, canDeactivate, canReactivate, canHold, canRelease, canMove, canSetRoles: Bool
    var roleOptions: [Role]
    var organizations: [Organization]
    var isLocal: Bool
    var managedBy: String?
    var displayName: String
    /// The user's `title` attribute (the layout's `title` is the page's).
    var jobTitle: String
    var department: String
    var attributes: [Attribute]
    var hasArchives: Bool
    var archives: [Archive]
    var timeline: [Entry]
}
