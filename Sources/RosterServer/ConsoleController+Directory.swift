import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// Organizations, watchlists, legal holds and the sync log (filters, CSV export, live updates).
extension ConsoleController {
    func addDirectoryRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/organizations") { request, _ in await page(request) { try await organizations($0, request) }
        }
        routes.post("console/organizations") { request, _ in
            await action(request, back: "/console/organizations") { _, form in
                let roles = form.all("roles")
                let org = try await admin.addOrganization(
                    name: form["name"] ?? "", parent: form["parent"], defaultRoles: roles.isEmpty ? nil : roles)
                return Self.redirect("/console/organizations", notice: "Organization '\(org.name)' created.")
            }
        }
        routes.post("console/organizations/default-roles") { request, _ in
            await action(request, back: "/console/organizations") { _, form in
                let org = try await admin.setDefaultRoles(
                    organization: form["organization"] ?? "", roles: form.all("roles"))
                return Self.redirect(
                    "/console/organizations",
                    notice:
                        "'\(org.name)' default roles: \(org.defaultRoles.joined(separator: ", ")). Users get them at their next provisioning change or when you apply org and role settings."
                )
            }
        }
        routes.get("console/watchlists") { request, _ in await page(request) { try await watchlists($0, request) } }
        routes.post("console/watchlists") { request, _ in
            await action(request, back: "/console/watchlists") { _, form in
                let watchlist = try await admin.addWatchlist(name: form["name"] ?? "")
                return Self.redirect("/console/watchlists", notice: "Watchlist '\(watchlist.name)' created.")
            }
        }
        routes.get("console/legal-holds") { request, _ in await page(request) { try await legalHolds($0, request) } }
        routes.get("console/sync-log") { request, _ in await page(request) { try await syncLog($0, request) } }
        routes.get("console/sync-log.csv") { request, _ in
            await page(request) { _ in
                var query = try await syncLogQuery(request)
                query.limit = 100_000
                let entries = try await admin.syncLog(query)
                var text = SyncLogEntry.csvHeader + "\r\n"
                for entry in entries { text += entry.csvRow + "\r\n" }
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"roster-sync-log.csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        routes.get("console/sync-log/events") { request, _ in
            await page(request) { _ in try await syncLogEvents(request) }
        }
    }

    func organizations(_ signed: Signed, _ request: Request) async throws -> Response {
        let all = try await admin.organizations()
        let children = Dictionary(grouping: all, by: { $0.organization.parentID ?? "" })
        var rows: [OrganizationsPage.Row] = []
        func walk(_ parent: String, depth: Int) {
            for summary in children[parent] ?? [] {
                let org = summary.organization
                rows.append(
                    .init(
                        id: org.id, name: org.name, users: summary.users, indent: Double(depth) * 1.5 + 0.6,
                        defaultRoles: org.defaultRoles.joined(separator: ", "),
                        createdBy: org.createdByProvider.map { "provider \($0) (attribute mapping)" }
                            ?? (org.parentID == nil ? "built in" : "an admin")))
                walk(org.id, depth: depth + 1)
            }
        }
        walk("", depth: 0)
        return render(
            "organizations", layout(signed, request, title: "Organizations", nav: "navOrganizations"),
            OrganizationsPage(organizations: rows, roles: Role.catalogue.map { .init(name: $0.name) }),
            request: request)
    }

    func watchlists(_ signed: Signed, _ request: Request) async throws -> Response {
        var items: [WatchlistsPage.Watchlist] = []
        for summary in try await admin.watchlists() {
            let (_, members) = try await admin.watchlistMembers(name: summary.watchlist.name, limit: 200)
            items.append(
                .init(
                    name: summary.watchlist.name, users: summary.users, hasMembers: !members.isEmpty,
                    members: members.map { .init(id: $0.id, userName: $0.userName) }))
        }
        return render(
            "watchlists", layout(signed, request, title: "Watchlists", nav: "navWatchlists"),
            WatchlistsPage(watchlists: items, hasWatchlists: !items.isEmpty), request: request)
    }

    func legalHolds(_ signed: Signed, _ request: Request) async throws -> Response {
        let holds = try await admin.legalHolds()
        let page = LegalHoldsPage(
            hasHolds: !holds.isEmpty,
            holds: holds.map {
                .init(
                    id: $0.id, userName: $0.userName, matter: $0.legalHoldMatter ?? "", status: $0.status.rawValue,
                    source: $0.providerID ?? "local")
            })
        return render(
            "legal-holds", layout(signed, request, title: "Legal holds", nav: "navHolds"), page, request: request)
    }

    /// The sync-log filter of a request: provider, user (email), action, since (a `datetime-local` in UTC).
    func syncLogQuery(_ request: Request) async throws -> SyncLogQuery {
        let q = request.uri.queryParameters
        var query = SyncLogQuery(limit: 100)
        if let p = q["provider"].map(String.init), !p.isEmpty { query.providerID = p }
        if let a = q["action"].map(String.init), !a.isEmpty {
            guard let action = SyncAction(rawValue: a) else {
                throw ProvisioningError.invalid("'\(a)' is not a sync-log action.")
            }
            query.action = action
        }
        if let u = q["user"].map(String.init)?.trimmingCharacters(in: .whitespaces), !u.isEmpty {
            query.userID = try await admin.user(email: u).id
        }
        if let s = q["since"].map(String.init), !s.isEmpty {
            guard let ms = Timestamp.parse(s.count == 16 ? s + ":00Z" : s) else {
                throw ProvisioningError.invalid("'\(s)' is not a time; use the form 2026-11-30T08:00.")
            }
            query.since = Timestamp.date(milliseconds: ms)
        }
        if let b = q["before"].flatMap({ Int64(String($0)) }) { query.before = b }
        if let a = q["attribute"].map(String.init), !a.isEmpty { query.attribute = a }
        return query
    }

    func syncLog(_ signed: Signed, _ request: Request) async throws -> Response {
        let query = try await syncLogQuery(request)
        let entries = try await admin.syncLog(query)
        let providers = try await admin.providers()
        let q = request.uri.queryParameters
        let filters = [
            ("provider", query.providerID ?? ""), ("user", q["user"].map(String.init) ?? ""),
            ("action", query.action?.rawValue ?? ""), ("since", q["since"].map(String.init) ?? ""),
            ("attribute", query.attribute ?? ""),
        ]
        .filter { !$0.1.isEmpty }
        let queryString = filters.map { "\($0.0)=\(Self.queryEscape($0.1))" }.joined(separator: "&")
        var older: String?
        if entries.count == query.limit, let last = entries.last?.sequence {
            older = "/console/sync-log?" + (queryString.isEmpty ? "" : queryString + "&") + "before=\(last)"
        }
        let page = SyncLogPage(
            providerOptions: providers.map {
                SelectOption(value: $0.id, label: $0.name, selected: $0.id == query.providerID)
            },
            actionOptions: SyncAction.allCases.map { SelectOption(value: $0.rawValue, selected: $0 == query.action) },
            user: q["user"].map(String.init) ?? "", since: q["since"].map(String.init) ?? "",
            attribute: query.attribute ?? "", query: queryString, entries: entries.map(SyncLogRow.init), older: older)
        return render("sync-log", layout(signed, request, title: "Sync log", nav: "navSyncLog"), page, request: request)
    }

    /// Server-sent events: every new entry matching the filter, as `event: entry`, checked once a second, for as
    /// long as the page stays open (up to an hour; the browser reconnects after).
    func syncLogEvents(_ request: Request) async throws -> Response {
        var query = try await syncLogQuery(request)
        query.limit = 1
        let start = try await admin.syncLog(query).first?.sequence ?? 0
        let admin = self.admin
        let filter = query
        let body = ResponseBody { writer in
            var last = start
            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
            for _ in 0..<3600 {
                try await Task.sleep(for: .seconds(1))
                var next = filter
                next.after = last
                next.before = nil
                next.limit = 200
                let entries = try await admin.syncLog(next)
                for entry in entries.reversed() {
                    var json = entry.json
                    json["user"] = entry.userName.map(JSONValue.string) ?? .null
                    try await writer.write(
                        ByteBuffer(string: "event: entry\ndata: \(JSONValue.object(json).jsonText)\n\n"))
                    last = max(last, entry.sequence ?? last)
                }
                if entries.isEmpty { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }
}

/// The organizations tree.
struct OrganizationsPage: Sendable {
    struct Row: Sendable {
        var id, name: String
        var users: Int
        /// The row's indent, in `rem`, by its depth in the tree.
        var indent: Double
        var defaultRoles, createdBy: String
    }
    struct Role: Sendable { var name: String }
    var organizations: [Row]
    var roles: [Role]
}

/// The watchlists and their members.
struct WatchlistsPage: Sendable {
    struct Member: Sendable { var id, userName: String }
    struct Watchlist: Sendable {
        var name: String
        var users: Int
        var hasMembers: Bool
        var members: [Member]
    }
    var watchlists: [Watchlist]
    var hasWatchlists: Bool
}

/// The users on legal hold.
struct LegalHoldsPage: Sendable {
    struct Hold: Sendable { var id, userName, matter, status, source: String }
    var hasHolds: Bool
    var holds: [Hold]
}

/// The sync log, its filters and the link to older entries.
struct SyncLogPage: Sendable {
    var providerOptions, actionOptions: [SelectOption]
    var user, since, attribute: String
    /// The filters as a query string (for the CSV export and live updates).
    var query: String
    var entries: [SyncLogRow]
    var older: String?
}

/// A sync-log entry as the console lists it.
struct SyncLogRow: Sendable {
    var at, action, user, userID, provider, detail: String

    init(_ e: SyncLogEntry) {
        at = Timestamp.format(e.at)
        action = e.action.rawValue
        user = e.userName ?? e.userID ?? ""
        userID = e.userID ?? ""
        provider = e.providerID ?? "admin"
        detail = e.detail ?? ""
    }
}
