import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// The admin console: server-rendered pages under `/console`, signed in with an admin account.
///
/// Every page needs a session (a `roster_session` cookie: `HttpOnly`, `SameSite=Lax`, `Secure` behind https);
/// signed out, pages redirect to the sign-in page. Every form posts the session's anti-forgery token (`_csrf`);
/// a POST without it gets 403. After a POST the browser is redirected (post/redirect/get) with a one-time notice.
/// Handlers catch their own errors and answer with plain-language pages.
struct ConsoleController<Context: RequestContext>: Sendable {
    let renderer: ConsoleRenderer
    let admin: AdminService
    let accounts: AdminAccounts
    let platform: PlatformService
    let webhooks: WebhookService
    let inspector: RequestInspector
    let activity: ActivityService
    let revert: RevertService
    let configuration: ServerConfiguration
    /// Limits password sign-ins per client address and overall.
    let throttle: SignInThrottle

    static var sessionCookie: String { "roster_session" }
    static var flashCookie: String { "roster_flash" }
    /// The largest form accepted.
    static var maxFormSize: Int { 64 * 1024 }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("/") { _, _ in Self.redirect("/console") }
        routes.get("console") { request, _ in
            await page(request) { _ in Self.redirect("/console/providers") }
        }
        routes.get("console/static/roster.css") { _, _ in
            renderer.asset(renderer.stylesheet, type: "text/css; charset=utf-8")
        }
        routes.get("console/static/roster.js") { _, _ in
            renderer.asset(renderer.script, type: "text/javascript; charset=utf-8")
        }
        routes.get("console/sign-in") { request, _ in await signInPage(request) }
        routes.post("console/sign-in") { request, context in await signIn(request, from: Self.clientAddress(context)) }
        routes.post("console/sign-out") { request, _ in await action(request) { signed, _ in await signOut(signed) } }
        routes.get("console/setup") { request, _ in await setupPage(request) }
        routes.post("console/setup") { request, _ in await setup(request) }
        addProviderRoutes(to: routes)
        addRevertRoutes(to: routes)
        addUserRoutes(to: routes)
        addDirectoryRoutes(to: routes)
        addSettingsRoutes(to: routes)
        addWebhookRoutes(to: routes)
        addRequestRoutes(to: routes)
        addActivityRoutes(to: routes)
        return routes
    }

    // MARK: Sessions

    /// A signed-in admin and the session its cookie stands for.
    struct Signed: Sendable {
        var admin: AdminAccount
        var session: AdminSession
        var token: String
    }

    func signed(_ request: Request) async throws -> Signed? {
        guard let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty,
            let (admin, session) = try await accounts.session(token: token)
        else { return nil }
        return Signed(admin: admin, session: session, token: token)
    }

    /// A GET page: signed out, a redirect to sign-in (coming back here after); errors become error pages.
    func page(_ request: Request, _ body: (Signed) async throws -> Response) async -> Response {
        do {
            guard let signed = try await signed(request) else {
                let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return Self.redirect("/console/sign-in?next=\(Self.queryEscape(next))")
            }
            return try await body(signed)
        } catch {
            return errorPage(error, request: request)
        }
    }

    /// A form POST: signed in, with the session's anti-forgery token; then `body` with the parsed form.
    /// Domain refusals go back to the page they came from as a notice.
    func action(_ request: Request, back: String? = nil, _ body: (Signed, FormData) async throws -> Response) async
        -> Response
    {
        do {
            guard let signed = try await signed(request) else {
                return renderer.page(
                    "error", Layout(title: "Signed out"),
                    ErrorPage(
                        heading: "You are signed out",
                        message: "Your session ended, so nothing was changed. Sign in and try again.",
                        back: "/console/sign-in", backLabel: "Sign in"),
                    status: .unauthorized)
            }
            var request = request
            let buffer = try await request.collectBody(upTo: Self.maxFormSize)
            let form = FormData(String(buffer: buffer))
            guard let sent = form.raw("_csrf"),
                Credentials.constantTimeEquals(Array(sent.utf8), Array(signed.session.csrfToken.utf8))
            else {
                return renderer.page(
                    "error", Layout(title: "Refused", admin: signed.admin.email, csrf: signed.session.csrfToken),
                    ErrorPage(
                        heading: "This form has expired",
                        message:
                            "The form did not carry this session's security token, so nothing was changed. Go back, reload the page and try again.",
                        back: back ?? "/console", backLabel: "Back"),
                    status: .forbidden)
            }
            do {
                return try await body(signed, form)
            } catch let error as ProvisioningError {
                return Self.redirect(back ?? Self.referrer(request) ?? "/console", error: error.message)
            }
        } catch {
            return errorPage(error, request: request)
        }
    }

    func errorPage(_ error: any Error, request: Request) -> Response {
        ErrorResponses(renderer: renderer).response(for: error, request: request, logger: Self.logger)
    }

    /// Where the console logs what it could not render but as a 500.
    static var logger: Logger { Logger(label: "roster.console") }

    // MARK: Sign-in, sign-out, first admin

    func signInPage(_ request: Request, email: String = "", error: String? = nil, status: HTTPResponse.Status = .ok)
        async -> Response
    {
        renderer.page(
            "sign-in", Layout(title: "Sign in", error: error),
            SignInPage(email: email, next: Self.safeNext(request.uri.queryParameters["next"].map(String.init))),
            status: status)
    }

    /// Checks the throttle first (no password is checked over it), then the password. Refusals (the throttle, a
    /// locked email, a full hashing queue) answer 429 with `Retry-After` and say when to try again.
    func signIn(_ request: Request, from address: String) async -> Response {
        do {
            var request = request
            let form = FormData(String(buffer: try await request.collectBody(upTo: Self.maxFormSize)))
            let email = form["email"] ?? ""
            do {
                if let seconds = throttle.acquire(address, at: Date()) {
                    throw ProvisioningError.refused(
                        "Too many sign-in attempts: try again in \(seconds) second\(seconds == 1 ? "" : "s").",
                        retryAfter: seconds)
                }
                let signed = try await accounts.signIn(email: email, password: form.raw("password") ?? "")
                var response = Self.redirect(Self.safeNext(form["next"]))
                response.setCookie(sessionCookie(signed.token, request: request))
                return response
            } catch let error as ProvisioningError {
                var response = renderer.page(
                    "sign-in", Layout(title: "Sign in", error: error.message),
                    SignInPage(email: email, next: Self.safeNext(form["next"])), status: error.httpStatus)
                if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
                return response
            }
        } catch {
            return errorPage(error, request: request)
        }
    }

    /// The client's IP address as the socket sees it (a reverse proxy's, behind one), or `unknown`.
    static func clientAddress(_ context: Context) -> String {
        (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
    }

    func signOut(_ signed: Signed) async -> Response {
        try? await accounts.signOut(token: signed.token)
        var response = Self.redirect("/console/sign-in")
        response.setCookie(
            Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    func setupPage(_ request: Request) async -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        guard (try? await accounts.isValidSetupToken(token)) == true else {
            return renderer.page(
                "error", Layout(title: "Setup link"),
                ErrorPage(
                    heading: "This setup link is not valid",
                    message:
                        "An admin exists already, or the server was restarted and printed a new link in its log. Sign in instead, or use the newest link.",
                    back: "/console/sign-in", backLabel: "Sign in"),
                status: .notFound)
        }
        return renderer.page("setup", Layout(title: "Create the first admin"), SetupPage(token: token))
    }

    func setup(_ request: Request) async -> Response {
        do {
            var request = request
            let form = FormData(String(buffer: try await request.collectBody(upTo: Self.maxFormSize)))
            do {
                let signed = try await accounts.completeSetup(
                    token: form["token"] ?? "", email: form["email"] ?? "", password: form.raw("password") ?? "")
                var response = Self.redirect(
                    "/console/providers", notice: "Welcome. You are the first admin of this Roster.")
                response.setCookie(sessionCookie(signed.token, request: request))
                return response
            } catch let error as ProvisioningError {
                return renderer.page(
                    "setup", Layout(title: "Create the first admin", error: error.message),
                    SetupPage(token: form["token"] ?? "", email: form["email"] ?? ""), status: .badRequest)
            }
        } catch {
            return errorPage(error, request: request)
        }
    }

    func sessionCookie(_ token: String, request: Request) -> Cookie {
        let https =
            configuration.publicURL.lowercased().hasPrefix("https:")
            || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        return Cookie(
            name: Self.sessionCookie, value: token, maxAge: Int(accounts.sessionLifetime.components.seconds), path: "/",
            secure: https, httpOnly: true, sameSite: .lax)
    }

    // MARK: Rendering helpers

    /// A signed-in page's layout: who is signed in, the anti-forgery token, the one-time notice, the section.
    func layout(_ signed: Signed, _ request: Request, title: String, nav: String) -> Layout {
        var layout = Layout(title: title, admin: signed.admin.email, csrf: signed.session.csrfToken, nav: nav)
        if let flash = request.cookies[Self.flashCookie]?.value, let (kind, message) = Self.decodeFlash(flash) {
            if kind == "e" { layout.error = message } else { layout.notice = message }
        }
        return layout
    }

    /// Renders a signed-in page (`content` is its view model) and clears the one-time notice it showed.
    func render<Content>(_ template: String, _ layout: Layout, _ content: Content, request: Request) -> Response {
        var response = renderer.page(template, layout, content)
        if request.cookies[Self.flashCookie] != nil {
            response.setCookie(
                Cookie(name: Self.flashCookie, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// 303 to `location`, carrying a one-time notice or error for the next page.
    static func redirect(_ location: String, notice: String? = nil, error: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let message = error ?? notice {
            let value = encodeFlash(error != nil ? "e" : "n", message)
            response.setCookie(
                Cookie(name: flashCookie, value: value, maxAge: 60, path: "/console", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    static func encodeFlash(_ kind: String, _ message: String) -> String {
        Data((kind + "|" + message.prefix(500)).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeFlash(_ value: String) -> (String, String)? {
        var base64 = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let bar = text.firstIndex(of: "|")
        else { return nil }
        return (String(text[..<bar]), String(text[text.index(after: bar)...]))
    }

    /// Only paths inside the console are followed after sign-in (no open redirect).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console"), !next.hasPrefix("//"), !next.contains("\\") else {
            return "/console"
        }
        return next
    }

    static func referrer(_ request: Request) -> String? {
        guard let referer = request.headers[.referer], let url = URL(string: referer) else { return nil }
        let path = url.path + (url.query.map { "?" + $0 } ?? "")
        return path.hasPrefix("/console") ? path : nil
    }

    static func queryEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func time(_ date: Date?) -> String { date.map(Timestamp.format) ?? "" }
}

/// The sign-in page.
struct SignInPage: Sendable {
    var email: String
    /// Where the browser goes once signed in (inside the console).
    var next: String
}

/// The first admin's page, reached through the setup link.
struct SetupPage: Sendable {
    var token: String
    var email = ""
    var minimum = AdminAccounts.minimumPasswordLength
}
