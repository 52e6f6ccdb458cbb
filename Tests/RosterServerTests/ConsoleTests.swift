import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import ProvisioningSQLite
import RosterServer
import SCIM
import Synchronization
import Testing

/// A browser's view of the console: a cookie jar, and the last page's anti-forgery token.
struct ConsoleBrowser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf: String?
    /// The session cookie.
    var cookie: String? { cookies["roster_session"] }

    var cookieHeader: String? {
        cookies.isEmpty
            ? nil : cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }

    mutating func keep(_ headers: HTTPFields) {
        for value in headers[values: .setCookie] {
            let pair = value.prefix { $0 != ";" }
            guard let eq = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<eq])
            let token = String(pair[pair.index(after: eq)...])
            if token.isEmpty || value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = token }
        }
    }

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        var location: String? { headers[.location] }
        var h1: String? {
            guard let start = body.range(of: "<h1>"),
                let end = body.range(of: "</h1>", range: start.upperBound..<body.endIndex)
            else { return nil }
            return String(body[start.upperBound..<end.lowerBound])
        }
    }

    mutating func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        if let cookieHeader { headers[.cookie] = cookieHeader }
        let r = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        keep(r.headers)
        let page = Page(status: r.status, headers: r.headers, body: String(buffer: r.body))
        if let token = Self.csrf(in: page.body) { csrf = token }
        return page
    }

    mutating func post(
        _ path: String, _ fields: [(String, String)], csrf include: Bool = true, headers extra: HTTPFields = [:]
    )
        async throws -> Page
    {
        var fields = fields
        if include, let csrf { fields.append(("_csrf", csrf)) }
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookieHeader { headers[.cookie] = cookieHeader }
        let body = fields.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        let r = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        keep(r.headers)
        return Page(status: r.status, headers: r.headers, body: String(buffer: r.body))
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// Runs `body` against the router with a store of `kind` holding one admin (cost-4 bcrypt) and one provider.
func withConsole(
    _ kind: StoreKind,
    _ body:
        @Sendable (ConsoleBrowser, SCIMTestClient, AdminService.IssuedCredentials, AdminService)
        async throws -> Void
) async throws {
    try await withStore(kind) { store in
        let admin = AdminService(store: store)
        try await AdminAccounts(store: store, bcryptCost: 4).addAdmin(
            email: "root@example.com", password: ConsoleTests.password)
        let issued = try await admin.addProvider(name: "Okta")
        let configuration = ServerConfiguration(publicURL: "http://roster.test", bcryptCost: 4)
        let app = Application(router: try buildRouter(configuration: configuration, store: store))
        try await app.test(.router) { client in
            try await body(
                ConsoleBrowser(client: client),
                SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret), issued, admin)
        }
    }
}

@Suite struct ConsoleTests {
    static let password = "correct horse battery"

    static func signedIn(_ browser: ConsoleBrowser) async throws -> ConsoleBrowser {
        var b = browser
        let r = try await b.post(
            "/console/sign-in", [("email", "root@example.com"), ("password", password)], csrf: false)
        #expect(r.status == .seeOther && r.location == "/console")
        #expect(b.cookie != nil)
        return b
    }

    static let pages = [
        "/console/providers", "/console/providers/new", "/console/users", "/console/users/new",
        "/console/organizations",
        "/console/watchlists", "/console/legal-holds", "/console/sync-log", "/console/sync-log.csv",
        "/console/settings", "/console/webhooks",
    ]

    @Test(arguments: StoreKind.allCases)
    func signedOutPagesRedirectAndFormsAreRefused(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, _, issued, _ in
            var b = browser
            for path in Self.pages + [
                "/console/providers/\(issued.provider.id)", "/console/providers/\(issued.provider.id)/requests",
                "/console",
            ] {
                let r = try await b.get(path)
                #expect(r.status == .seeOther, "\(path)")
                #expect(r.location?.hasPrefix("/console/sign-in?next=") == true, "\(path)")
            }
            let post = try await b.post("/console/providers", [("name", "Evil")], csrf: false)
            #expect(post.status == .unauthorized)
            // The sign-in page and the static files need no session.
            #expect(try await b.get("/console/sign-in").status == .ok)
            #expect(try await b.get("/console/static/roster.css").headers[.contentType]?.hasPrefix("text/css") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func signInSetsASafeCookieAndEveryPageRenders(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, issued, _ in
            var b = browser
            let wrong = try await b.post(
                "/console/sign-in", [("email", "root@example.com"), ("password", "nope nope nope")], csrf: false)
            #expect(wrong.status == .unauthorized && wrong.body.contains("Wrong email or password."))
            #expect(b.cookie == nil)
            let headers: HTTPFields = [HTTPField.Name("X-Forwarded-Proto")!: "https"]
            let r = try await b.post(
                "/console/sign-in",
                [("email", "root@example.com"), ("password", Self.password), ("next", "/console/users?q=ann")],
                csrf: false, headers: headers)
            #expect(r.status == .seeOther && r.location == "/console/users?q=ann")
            let cookie = try #require(r.headers[values: .setCookie].first { $0.hasPrefix("roster_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"))
            // No open redirect after sign-in.
            var other = browser
            let evil = try await other.post(
                "/console/sign-in",
                [("email", "root@example.com"), ("password", Self.password), ("next", "https://evil.example")],
                csrf: false)
            #expect(evil.location == "/console")

            let user = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            for path in Self.pages + [
                "/console/providers/\(issued.provider.id)", "/console/providers/\(issued.provider.id)/apply",
                "/console/users/\(user.id)",
            ] {
                let page = try await b.get(path)
                #expect(page.status == .ok, "\(path)")
                if !path.hasSuffix(".csv") {
                    #expect(page.h1 != nil, "\(path) has a heading")
                    #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(page.body.contains("href=\"#main\""), "\(path) has a skip link")
                }
            }
            let missing = try await b.get("/console/users/nope")
            #expect(missing.status == .notFound && missing.body.contains("No user with id &#39;nope&#39;."))
            #expect(!missing.body.contains("Error("))
            let unknown = try await b.get("/console/nowhere")
            #expect(unknown.status == .notFound && unknown.headers[.contentType]?.hasPrefix("text/html") == true)
        }
    }

    /// A page's own values never take the layout's names: a user whose `title` is "Engineer" has a page titled
    /// with the user's name, and shows "Engineer" among its attributes (each page is a view model of its own beside
    /// the layout, not one dictionary where the later key wins).
    @Test func aUsersTitleAttributeIsTheFieldNotThePagesTitle() async throws {
        try await withConsole(.memory) { browser, okta, _, _ in
            var signed = try await Self.signedIn(browser)
            let created = try await okta.send(
                .post, "/Users",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com","title":"Engineer"}"#
            )
            let page = try await signed.get("/console/users/\(created.id)")
            #expect(page.body.contains("<title>ann@example.com · Roster</title>"))
            #expect(page.body.contains(#"<th scope="row">title</th><td>Engineer "#))
        }
    }

    /// Every form of the console, with its route parameters filled in.
    static func forms(provider: String, user: String) -> [String] {
        [
            "/console/sign-out", "/console/providers", "/console/users", "/console/organizations",
            "/console/watchlists",
            "/console/organizations/default-roles", "/console/settings/retention", "/console/admins",
            "/console/admin-tokens",
            "/console/api-keys", "/console/webhooks", "/console/webhooks/wh_x/test", "/console/webhooks/wh_x/remove",
        ]
            + [
                "rotate-secret", "delay", "invalid-data", "guard", "held", "org-mapping", "org-rules", "role-mode",
                "role-rules",
                "watchlist-rules", "apply", "delete", "org-rules/remove", "role-rules/remove", "watchlist-rules/remove",
                "revert", "pause", "resume",
            ]
            .map { "/console/providers/\(provider)/\($0)" }
            + ["block", "unblock", "deactivate", "reactivate", "hold", "release-hold", "move", "edit", "roles"]
            .map { "/console/users/\(user)/\($0)" }
    }

    @Test func everyFormRefusesAPostWithoutTheToken() async throws {
        try await withConsole(.memory) { browser, okta, issued, admin in
            let user = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            var signedOut = browser
            for path in ["/console/users/\(user)", "/console/providers/\(issued.provider.id)/apply"] {
                #expect(try await signedOut.get(path).status == .seeOther, "\(path)")
            }
            var b = try await Self.signedIn(browser)
            for path in Self.forms(provider: issued.provider.id, user: user) {
                let r = try await b.post(path, [("name", "X"), ("confirm", "yes"), ("group", "G")], csrf: false)
                #expect(r.status == .forbidden, "\(path)")
                #expect(r.body.contains("This form has expired"), "\(path)")
            }
            // Nothing happened: the provider, the user and the session are all still there.
            #expect(try await admin.providers().count == 1)
            #expect(try await admin.user(id: user).status == .active)
            #expect(try await b.get("/console/providers").status == .ok)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func formsNeedTheSessionsToken(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, _, _, admin in
            var b = try await Self.signedIn(browser)
            _ = try await b.get("/console/providers/new")
            let forged = try await b.post(
                "/console/providers", [("name", "Forged"), ("_csrf", "not-the-token")], csrf: false)
            #expect(forged.status == .forbidden)
            let missing = try await b.post("/console/providers", [("name", "Forged")], csrf: false)
            #expect(missing.status == .forbidden)
            #expect(try await admin.providers().count == 1)
            let created = try await b.post("/console/providers", [("name", "Entra ID")])
            #expect(created.status == .ok && created.h1 == "Entra ID: API credentials")
            let providers = try await admin.providers()
            let entra = try #require(providers.first { $0.name == "Entra ID" })
            #expect(created.body.contains("http://roster.test/scim/\(entra.id)/v2"))
            let secret = try #require(
                created.body.range(of: #"id="cred-secret">"#).map {
                    String(created.body[$0.upperBound...].prefix { $0 != "<" })
                })
            #expect(Credentials.verify(secret: secret, storedHash: entra.secretHash))
            #expect(created.headers[.cacheControl] == "no-store")
            // The secret is not shown again.
            #expect(!(try await b.get("/console/providers/\(entra.id)").body.contains(secret)))
            // Sign-out ends the session.
            _ = try await b.post("/console/sign-out", [])
            #expect(b.cookie == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func mapApplyAndDeactivateFromTheConsole(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, issued, admin in
            var b = try await Self.signedIn(browser)
            let pid = issued.provider.id
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            _ = try await okta.send(.post, "/Users", UsersAPITests.user("bob@example.com"))
            _ = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Security","members":[{"value":"\#(ann)"}]}"#
            )
            var page = try await b.get("/console/providers/\(pid)")
            #expect(page.body.contains("Add mapping"))
            let mapped = try await b.post(
                "/console/providers/\(pid)/role-rules",
                [("group", "Security"), ("roles", "Security Administrator"), ("roles", "Audit Log Viewer")])
            #expect(mapped.status == .seeOther && mapped.location == "/console/providers/\(pid)")
            page = try await b.get("/console/providers/\(pid)")
            #expect(page.body.contains("All SCIM groups are mapped"))
            #expect(page.body.contains("Audit Log Viewer, Security Administrator"))
            // Nobody moved yet; the preview says who would.
            #expect(
                try await admin.view(of: try await admin.user(email: "ann@example.com"))["roles"] == ["Desktop User"])
            let preview = try await b.get("/console/providers/\(pid)/apply")
            #expect(
                preview.body.contains("ann@example.com")
                    && preview.body.contains("Desktop User → Audit Log Viewer, Security Administrator"))
            let applied = try await b.post("/console/providers/\(pid)/apply", [])
            #expect(applied.status == .seeOther)
            let after = try await b.get(applied.location ?? "")
            #expect(after.body.contains("Applied org and role settings: 2 users evaluated, 1 changed"))
            let annPage = try await b.get("/console/users/\(ann)")
            #expect(annPage.body.contains("Audit Log Viewer, Security Administrator"))
            #expect(annPage.body.contains("roles-changed"))

            // Deactivation needs the explicit confirmation.
            let bob = try await admin.user(email: "bob@example.com")
            let unconfirmed = try await b.post("/console/users/\(bob.id)/deactivate", [])
            #expect(unconfirmed.status == .seeOther)
            #expect(try await admin.user(email: "bob@example.com").status == .active)
            let refusal = try await b.get(unconfirmed.location ?? "")
            #expect(refusal.body.contains("Confirm that access is removed now"))
            let confirmed = try await b.post("/console/users/\(bob.id)/deactivate", [("confirm", "yes")])
            #expect(confirmed.status == .seeOther)
            #expect(try await admin.user(email: "bob@example.com").status == .deactivated)
            let bobPage = try await b.get(confirmed.location ?? "")
            #expect(bobPage.body.contains("is deactivated; the archives are in cold storage"))
            #expect(bobPage.body.contains(#"id="user-status">deactivated"#))

            // Users list: search and filters.
            let list = try await b.get("/console/users?q=ann")
            #expect(
                list.body.contains("1 user(s) match") && list.body.contains("ann@example.com")
                    && !list.body.contains("bob@example.com"))
            let deactivated = try await b.get("/console/users?status=deactivated")
            #expect(deactivated.body.contains("bob@example.com") && !deactivated.body.contains("ann@example.com"))
            // The sync log, filtered, and as CSV.
            let csv = try await b.get("/console/sync-log.csv?action=deactivated")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.body.hasPrefix(SyncLogEntry.csvHeader) && csv.body.contains("bob@example.com,,deactivated"))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func settingsRolesAndDefaultRoles(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, issued, admin in
            var b = try await Self.signedIn(browser)
            _ = try await b.get("/console/settings")
            // Retention, admins, tokens and platform keys.
            var r = try await b.post("/console/settings/retention", [("days", "30")])
            #expect(r.status == .seeOther)
            #expect(try await admin.coldStorageRetentionDays() == 30)
            r = try await b.post(
                "/console/admins", [("email", "two@example.com"), ("password", "another long password")])
            #expect(try await b.get(r.location ?? "").body.contains("Admin two@example.com added."))
            let token = try await b.post("/console/admin-tokens", [("name", "ci")])
            #expect(token.status == .ok && token.body.contains("rat_"))
            let key = try await b.post("/console/api-keys", [("name", "agents")])
            #expect(key.status == .ok && key.h1 == "Platform API key &#39;agents&#39;")
            let settings = try await b.get("/console/settings")
            #expect(
                settings.body.contains("two@example.com") && settings.body.contains(">ci<")
                    && settings.body.contains(">agents<"))
            // Default roles of an organization.
            r = try await b.post(
                "/console/organizations/default-roles",
                [("organization", "Root"), ("roles", "Desktop User"), ("roles", "Audit Log Viewer")])
            #expect(
                try await b.get(r.location ?? "").body.contains(
                    "&#39;Root&#39; default roles: Desktop User, Audit Log Viewer"))
            // Roles by hand: refused in role mode groups, allowed for local users and in manual mode.
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            #expect(!(try await b.get("/console/users/\(ann)").body.contains("Save roles")))
            r = try await b.post("/console/users/\(ann)/roles", [("roles", "Customer Cloud Admin")])
            #expect(try await b.get(r.location ?? "").body.contains("come from the role mapping"))
            _ = try await admin.setRoleMappingMode(providerID: issued.provider.id, mode: .manual)
            #expect(try await b.get("/console/users/\(ann)").body.contains("Save roles"))
            r = try await b.post("/console/users/\(ann)/roles", [("roles", "Customer Cloud Admin")])
            #expect(try await admin.view(of: try await admin.user(id: ann))["roles"] == ["Customer Cloud Admin"])
        }
    }

    @Test func repeatedFailedSignInsAreSlowedDown() async throws {
        try await withConsole(.memory) { browser, _, _, _ in
            var b = browser
            for _ in 0..<5 {
                _ = try await b.post(
                    "/console/sign-in", [("email", "root@example.com"), ("password", "wrong wrong wrong")], csrf: false)
            }
            let locked = try await b.post(
                "/console/sign-in", [("email", "root@example.com"), ("password", Self.password)], csrf: false)
            #expect(locked.status == .tooManyRequests && locked.body.contains("Too many failed sign-ins"))
            #expect(b.cookie == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func webhooksFromTheConsole(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, _, _ in
            try await WebhookTests().withReceiver { url, received, _ in
                var b = try await Self.signedIn(browser)
                #expect(try await b.get("/console/webhooks").body.contains("No webhook endpoint yet."))
                let refused = try await b.post("/console/webhooks", [("url", url), ("events", "user.*")])
                #expect(refused.status == .seeOther)
                #expect(try await b.get("/console/webhooks").body.contains("--allow-private"), "the reason is shown")

                let added = try await b.post(
                    "/console/webhooks", [("url", url), ("events", "user.*"), ("allowPrivate", "on")])
                #expect(added.status == .ok && added.body.contains("whsec_"), "the secret, once")
                #expect(added.body.contains("href=\"/console/webhooks\""))
                var page = try await b.get("/console/webhooks")
                #expect(page.body.contains(url) && page.body.contains("user.*") && page.body.contains("Active"))
                #expect(!page.body.contains("whsec_"))
                let id = try #require(
                    page.body.range(of: "/console/webhooks/wh_").map {
                        "wh_" + page.body[$0.upperBound...].prefix { $0 != "/" }
                    })

                let test = try await b.post("/console/webhooks/\(id)/test", [])
                #expect(test.status == .seeOther)
                page = try await b.get("/console/webhooks")
                #expect(page.body.contains("Test event delivered: HTTP 200."))
                #expect(page.body.contains("ping #0") && page.body.contains("✓ 200"), "the delivery is listed")
                #expect(received.requests.withLock { $0.count } == 1)

                #expect(try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).status == .created)
                let rotated = try await b.post("/console/webhooks/\(id)/rotate-secret", [])
                #expect(rotated.body.contains("whsec_"))
                #expect(try await b.post("/console/webhooks/\(id)/resume", []).status == .seeOther)
                #expect(try await b.post("/console/webhooks/\(id)/remove", []).status == .seeOther)
                #expect(try await b.get("/console/webhooks").body.contains("No webhook endpoint yet."))
            }
        }
    }
}
