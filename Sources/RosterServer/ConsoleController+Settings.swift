import Foundation
import Hummingbird
import Provisioning

/// Settings: cold-storage retention, admins, admin API tokens and platform API keys (secrets shown once).
extension ConsoleController {
    func addSettingsRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/settings") { request, _ in await page(request) { try await settings($0, request) } }
        routes.post("console/settings/retention") { request, _ in
            await action(request, back: "/console/settings") { _, form in
                let days = try SettingLimit.coldStorageRetentionDays.integer(form["days"] ?? "")
                try await admin.setColdStorageRetention(days: days)
                return Self.redirect("/console/settings", notice: "Archives of deactivated users are now kept \(days) days.")
            }
        }
        routes.post("console/admins") { request, _ in
            await action(request, back: "/console/settings") { _, form in
                let created = try await accounts.addAdmin(email: form["email"] ?? "", password: form.raw("password") ?? "")
                return Self.redirect("/console/settings", notice: "Admin \(created.email) added.")
            }
        }
        routes.post("console/admin-tokens") { request, _ in
            await action(request, back: "/console/settings") { signed, form in
                let (token, secret) = try await accounts.createToken(email: signed.admin.email, name: form["name"] ?? "api")
                return secretOnce(
                    signed, request, heading: "Admin API token '\(token.name)'", label: "Token", secret: secret,
                    hint: "Send it as 'Authorization: Bearer <token>' to /api/v1. It acts as \(signed.admin.email).")
            }
        }
        routes.post("console/api-keys") { request, _ in
            await action(request, back: "/console/settings") { signed, form in
                let (key, secret) = try await platform.createAPIKey(name: form["name"] ?? "platform")
                return secretOnce(
                    signed, request, heading: "Platform API key '\(key.name)'", label: "Key", secret: secret,
                    hint: "The backup platform's services send it as 'Authorization: Bearer <key>' to /api/v1/devices and /api/v1/sessions.")
            }
        }
    }

    func settings(_ signed: Signed, _ request: Request) async throws -> Response {
        var context = base(signed, request, title: "Settings", nav: "navSettings")
        context["retentionDays"] = try await admin.coldStorageRetentionDays()
        context["retentionMax"] = Int(SettingLimit.coldStorageRetentionDays.range.upperBound)
        let admins = try await accounts.admins()
        context["admins"] = admins.map {
            ["email": $0.email, "lastSignIn": $0.lastSignInAt.map(Self.time) ?? "never", "created": Self.time($0.createdAt)]
        }
        context["minimum"] = AdminAccounts<Store>.minimumPasswordLength
        let emails = Dictionary(admins.map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        let tokens = try await accounts.tokens()
        context["hasTokens"] = !tokens.isEmpty
        context["tokens"] = tokens.map { ["name": $0.name, "admin": emails[$0.adminID] ?? $0.adminID, "created": Self.time($0.createdAt)] }
        let keys = try await platform.apiKeys()
        context["hasKeys"] = !keys.isEmpty
        context["keys"] = keys.map { ["name": $0.name, "created": Self.time($0.createdAt)] }
        return render("settings", context, request: request)
    }

    func secretOnce(_ signed: Signed, _ request: Request, heading: String, label: String, secret: String, hint: String)
        -> Response
    {
        var context = base(signed, request, title: heading, nav: "navSettings")
        context["heading"] = heading
        context["label"] = label
        context["secret"] = secret
        context["hint"] = hint
        return renderer.page("secret-once", context)
    }
}
