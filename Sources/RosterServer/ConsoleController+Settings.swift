import Foundation
import Hummingbird
import Provisioning

/// Settings: cold-storage retention, admins (added, removed, the signed-in admin's password), admin API tokens and
/// platform API keys (secrets shown once, optional expiry, revocation).
extension ConsoleController {
    func addSettingsRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/settings") { request, _ in await page(request) { try await settings($0, request) } }
        routes.post("console/settings/retention") { request, _ in
            await action(request, back: "/console/settings") { _, form in
                let days = try SettingLimit.coldStorageRetentionDays.integer(form["days"] ?? "")
                try await admin.setColdStorageRetention(days: days)
                return Self.redirect(
                    "/console/settings", notice: "Archives of deactivated users are now kept \(days) days.")
            }
        }
        routes.post("console/settings/inspector") { request, _ in
            await action(request, back: "/console/settings") { _, form in
                let kept = try SettingLimit.requestsKept.integer(form["requestsKept"] ?? "")
                let failures = try SettingLimit.failuresKept.integer(form["failuresKept"] ?? "")
                let names = RequestInspector.Settings.attributeList(form["sensitiveAttributes"] ?? "")
                _ = try await inspector.updateSettings(
                    requestsKept: kept, failuresKept: failures, sensitiveAttributes: names)
                return Self.redirect("/console/settings", notice: "Request inspector settings saved.")
            }
        }
        routes.post("console/settings/daily-report") { request, _ in
            await action(request, back: "/console/settings") { _, form in
                let on = form["on"] == "on"
                try await activity.setDailyReport(on)
                return Self.redirect(
                    "/console/settings",
                    notice: on ? "Each day's report will be sent as a report.daily event." : "Daily report event off.")
            }
        }
        routes.post("console/admins") { request, _ in
            await action(request, back: "/console/settings") { _, form in
                let created = try await accounts.addAdmin(
                    email: form["email"] ?? "", password: form.raw("password") ?? "")
                return Self.redirect("/console/settings", notice: "Admin \(created.email) added.")
            }
        }
        routes.post("console/admins/:id/remove") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await action(request, back: "/console/settings") { signed, _ in
                let removed = try await accounts.removeAdmin(id: id)
                if removed.id == signed.admin.id {
                    return Self.redirect("/console/sign-in", notice: "You removed your own admin account.")
                }
                return Self.redirect(
                    "/console/settings", notice: "Admin \(removed.email) removed; their sessions and API tokens ended.")
            }
        }
        routes.post("console/password") { request, _ in
            await action(request, back: "/console/settings") { signed, form in
                let password = form.raw("password") ?? ""
                guard password == form.raw("confirm") ?? "" else {
                    throw ProvisioningError.invalid("The new passwords differ; nothing was changed.")
                }
                let ended = try await accounts.changePassword(
                    adminID: signed.admin.id, current: form.raw("current") ?? "", new: password,
                    keeping: signed.session)
                let others = ended == 0 ? "" : "; your \(ended) other session\(ended == 1 ? "" : "s") ended"
                return Self.redirect("/console/settings", notice: "Your password was changed\(others).")
            }
        }
        routes.post("console/admin-tokens/:id/revoke") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await action(request, back: "/console/settings") { _, _ in
                try await accounts.revokeToken(id: id)
                return Self.redirect("/console/settings", notice: "The admin API token was revoked.")
            }
        }
        routes.post("console/api-keys/:id/revoke") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await action(request, back: "/console/settings") { _, _ in
                try await platform.revokeAPIKey(id: id)
                return Self.redirect("/console/settings", notice: "The platform API key was revoked.")
            }
        }
        routes.post("console/admin-tokens") { request, _ in
            await action(request, back: "/console/settings") { signed, form in
                let (token, secret) = try await accounts.createToken(
                    email: signed.admin.email, name: form["name"] ?? "api", expiresIn: try Self.expiry(form))
                return secretOnce(
                    signed, request, heading: "Admin API token '\(token.name)'", label: "Token", secret: secret,
                    hint: "Send it as 'Authorization: Bearer <token>' to /api/v1. It acts as \(signed.admin.email).")
            }
        }
        routes.post("console/api-keys") { request, _ in
            await action(request, back: "/console/settings") { signed, form in
                let (key, secret) = try await platform.createAPIKey(
                    name: form["name"] ?? "platform", expiresIn: try Self.expiry(form))
                return secretOnce(
                    signed, request, heading: "Platform API key '\(key.name)'", label: "Key", secret: secret,
                    hint:
                        "The backup platform's services send it as 'Authorization: Bearer <key>' to /api/v1/devices and /api/v1/sessions."
                )
            }
        }
    }

    func settings(_ signed: Signed, _ request: Request) async throws -> Response {
        let inspection = try await inspector.settings()
        let admins = try await accounts.admins()
        let emails = Dictionary(admins.map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        let tokens = try await accounts.tokens()
        let keys = try await platform.apiKeys()
        let page = SettingsPage(
            retentionDays: try await admin.coldStorageRetentionDays(),
            retentionMax: Int(SettingLimit.coldStorageRetentionDays.range.upperBound),
            requestsKept: inspection.requestsKept, failuresKept: inspection.failuresKept,
            sensitiveAttributes: inspection.sensitiveAttributes.joined(separator: ", "),
            requestsKeptMax: Int(SettingLimit.requestsKept.range.upperBound),
            dailyReport: try await activity.dailyReportEnabled(),
            admins: admins.map {
                .init(
                    id: $0.id, email: $0.email, lastSignIn: $0.lastSignInAt.map(Self.time) ?? "never",
                    created: Self.time($0.createdAt), you: $0.id == signed.admin.id, removable: admins.count > 1)
            },
            hasTokens: !tokens.isEmpty,
            tokens: tokens.map {
                .init(
                    id: $0.id, name: $0.name, admin: emails[$0.adminID] ?? $0.adminID, created: Self.time($0.createdAt),
                    lastUsed: $0.lastUsedAt.map(Self.time) ?? "never", expires: Self.expiryText($0.expiresAt))
            },
            hasKeys: !keys.isEmpty,
            keys: keys.map {
                .init(
                    id: $0.id, name: $0.name, created: Self.time($0.createdAt),
                    lastUsed: $0.lastUsedAt.map(Self.time) ?? "never", expires: Self.expiryText($0.expiresAt))
            })
        return render(
            "settings", layout(signed, request, title: "Settings", nav: "navSettings"), page, request: request)
    }

    /// The optional `expiresIn` field of a token or key form: empty for never, else a duration such as `90d`.
    static func expiry(_ form: FormData) throws -> Duration? {
        guard let text = form["expiresIn"], !text.isEmpty else { return nil }
        return try SettingLimit.credentialLifetime.named("Expires in").duration(text)
    }

    /// When a credential expires, as the settings page shows it (an expired one says so).
    static func expiryText(_ date: Date?) -> String {
        guard let date else { return "never" }
        return date > Date() ? time(date) : "expired \(time(date))"
    }

    func secretOnce(
        _ signed: Signed, _ request: Request, heading: String, label: String, secret: String,
        back: String = "/console/settings", hint: String
    ) -> Response {
        renderer.page(
            "secret-once",
            layout(signed, request, title: heading, nav: back == "/console/webhooks" ? "navWebhooks" : "navSettings"),
            SecretOncePage(back: back, heading: heading, label: label, secret: secret, hint: hint))
    }
}

/// The settings page: retention, the request inspector, the daily report, admins, API tokens, platform keys.
struct SettingsPage: Sendable {
    struct Admin: Sendable {
        var id, email, lastSignIn, created: String
        var you, removable: Bool
    }
    struct Token: Sendable { var id, name, admin, created, lastUsed, expires: String }
    struct Key: Sendable { var id, name, created, lastUsed, expires: String }
    var retentionDays, retentionMax, requestsKept, failuresKept: Int
    var sensitiveAttributes: String
    var requestsKeptMax: Int
    var dailyReport: Bool
    var admins: [Admin]
    var hasTokens: Bool
    var tokens: [Token]
    var hasKeys: Bool
    var keys: [Key]
    var minimum = AdminAccounts.minimumPasswordLength
}

/// A secret shown once (an admin API token, a platform API key, a webhook's signing secret).
struct SecretOncePage: Sendable {
    var back, heading, label, secret, hint: String
}
