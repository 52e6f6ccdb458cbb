import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import RosterServer
import SCIM
import Testing

/// Credentials that end, over HTTP: sign-in limits (429 with Retry-After), a lockout that looks the same for every
/// email, revoking and expiring admin API tokens and platform API keys, removing admins, changing passwords.
@Suite struct CredentialsTests {
    static let password = "correct horse battery"

    /// A router over a store holding root@example.com (cost-4 bcrypt) and an admin API token for it.
    static func withServer(
        _ kind: StoreKind,
        _ configuration: ServerConfiguration = ServerConfiguration(publicURL: "http://roster.test", bcryptCost: 4),
        _ body: @Sendable (ConsoleBrowser, AdminAPITests.API, any ProvisioningStore) async throws -> Void
    ) async throws {
        try await withStore(kind) { store in
            let accounts = AdminAccounts(store: store, bcryptCost: 4)
            try await accounts.addAdmin(email: "root@example.com", password: Self.password)
            let (_, token) = try await accounts.createToken(email: "root@example.com", name: "tests")
            let app = Application(router: try buildRouter(configuration: configuration, store: store))
            try await app.test(.router) { client in
                try await body(ConsoleBrowser(client: client), AdminAPITests.API(client: client, token: token), store)
            }
        }
    }

    static func signIn(_ browser: ConsoleBrowser, _ email: String = "root@example.com", _ password: String = password)
        async throws -> (ConsoleBrowser, ConsoleBrowser.Page)
    {
        var b = browser
        let r = try await b.post("/console/sign-in", [("email", email), ("password", password)], csrf: false)
        return (b, r)
    }

    static func status(_ browser: ConsoleBrowser, _ email: String = "root@example.com", _ password: String = password)
        async throws -> HTTPResponse.Status
    {
        try await signIn(browser, email, password).1.status
    }

    @Test func signInsOverTheAddressLimitGet429WithRetryAfter() async throws {
        let configuration = ServerConfiguration(
            publicURL: "http://roster.test", bcryptCost: 4, signInLimitPerAddress: 3)
        try await Self.withServer(.memory, configuration) { browser, _, _ in
            for _ in 0..<3 {
                #expect(try await Self.status(browser, "nobody@example.com", "wrong password") == .unauthorized)
            }
            let (_, refused) = try await Self.signIn(browser)
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refused.body.contains("Too many sign-in attempts: try again in"))
        }
    }

    @Test func theOverallLimitHoldsForEveryAddress() async throws {
        let configuration = ServerConfiguration(
            publicURL: "http://roster.test", bcryptCost: 4, signInLimitPerAddress: 0, signInLimit: 2)
        try await Self.withServer(.memory, configuration) { browser, _, _ async throws in
            #expect(try await Self.status(browser, "a@example.com", "wrong password") == .unauthorized)
            #expect(try await Self.status(browser) == .seeOther)
            #expect(try await Self.status(browser) == .tooManyRequests)
        }
    }

    /// The lockout of an admin's email and of an unknown email answer alike: same status, Retry-After and message.
    @Test(arguments: StoreKind.allCases)
    func theLockoutDoesNotRevealWhichEmailsAreAdmins(_ kind: StoreKind) async throws {
        let configuration = ServerConfiguration(
            publicURL: "http://roster.test", bcryptCost: 4, signInLimitPerAddress: 0, signInLimit: 0)
        try await Self.withServer(kind, configuration) { browser, _, _ in
            var answers: [String: [String]] = [:]
            for email in ["root@example.com", "nobody@example.com"] {
                for _ in 0..<7 {
                    let (_, r) = try await Self.signIn(browser, email, "wrong password")
                    // The seconds left depend on the wall clock, so only their presence is compared.
                    let message =
                        r.body.contains("Wrong email or password.")
                        ? "wrong" : r.body.contains("Too many failed sign-ins: try again in") ? "locked" : "other"
                    let retry =
                        Int(r.headers[.retryAfter] ?? "").map { (1...30).contains($0) ? "retry" : "\($0)" } ?? "-"
                    answers[email, default: []].append("\(r.status.code) \(retry) \(message)")
                }
            }
            #expect(answers["root@example.com"] == answers["nobody@example.com"])
            #expect(answers["nobody@example.com"]?.last == "429 retry locked")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func consoleRevokesTokensAndKeysAndChangesThePassword(_ kind: StoreKind) async throws {
        try await Self.withServer(kind) { browser, api, _ in
            var (b, _) = try await Self.signIn(browser)
            var elsewhere = try await Self.signIn(browser).0
            _ = try await b.get("/console/settings")
            // A token with an expiry, shown once, listed with its expiry and last use; revoked, it gets 401.
            let created = try await b.post("/console/admin-tokens", [("name", "ci"), ("expiresIn", "90d")])
            let secret = try #require(created.body.firstMatch(of: /rat_[A-Za-z0-9_-]{43}/).map { String($0.output) })
            #expect(try await api.send(.get, "/api/v1/providers", token: secret).status == .ok)
            let settings = try await b.get("/console/settings")
            let tokens = try await api.send(.get, "/api/v1/admin-tokens").json["tokens"]?.arrayValue ?? []
            let tokenID = try #require(
                tokens.first { $0.objectValue?["name"]?.stringValue == "ci" }?.objectValue?["id"]?.stringValue)
            #expect(settings.body.contains("/console/admin-tokens/\(tokenID)/revoke"))
            let bad = try await b.post("/console/admin-tokens", [("name", "x"), ("expiresIn", "soon")])
            #expect(bad.status == .seeOther)
            #expect(
                try await b.get("/console/settings").body.contains(
                    "&#39;Expires in&#39; must be a duration from 1m to 3650d"))
            #expect(try await b.post("/console/admin-tokens/\(tokenID)/revoke", []).status == .seeOther)
            #expect(try await api.send(.get, "/api/v1/providers", token: secret).status == .unauthorized)
            // A platform API key, revoked the same way.
            let key = try await b.post("/console/api-keys", [("name", "broker")])
            #expect(key.body.contains("id=\"secret-value\""))
            let keys = try await api.send(.get, "/api/v1/api-keys")
            let keyID = try #require(keys.json["apiKeys"]?.arrayValue?.first?.objectValue?["id"]?.stringValue)
            _ = try await b.get("/console/settings")
            #expect(try await b.post("/console/api-keys/\(keyID)/revoke", []).status == .seeOther)
            #expect(try await api.send(.get, "/api/v1/api-keys").json["apiKeys"]?.arrayValue?.isEmpty == true)
            // Changing the password: a wrong current one changes nothing; the right one ends the other session.
            _ = try await b.get("/console/settings")
            _ = try await b.post(
                "/console/password",
                [
                    ("current", "not it at all"), ("password", "a brand new password"),
                    ("confirm", "a brand new password"),
                ])
            #expect(try await b.get("/console/settings").body.contains("The current password is wrong"))
            let changed = try await b.post(
                "/console/password",
                [("current", Self.password), ("password", "a brand new password"), ("confirm", "a brand new password")])
            #expect(changed.status == .seeOther)
            #expect(
                try await b.get("/console/settings").body.contains(
                    "Your password was changed; your 1 other session ended."))
            #expect(try await elsewhere.get("/console/settings").location?.hasPrefix("/console/sign-in") == true)
            #expect(try await Self.status(browser, "root@example.com", "a brand new password") == .seeOther)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func consoleRemovesAdminsButNotTheLast(_ kind: StoreKind) async throws {
        try await Self.withServer(kind) { browser, api, _ in
            var (b, _) = try await Self.signIn(browser)
            let settings = try await b.get("/console/settings")
            #expect(!settings.body.contains("/remove"))  // the only admin has no Remove button
            let rootID = try #require(
                try await api.send(.get, "/api/v1/admins").json["admins"]?.arrayValue?.first?.objectValue?["id"]?
                    .stringValue)
            _ = try await b.post("/console/admins/\(rootID)/remove", [])
            #expect(try await b.get("/console/settings").body.contains("is the only admin"))
            _ = try await b.post(
                "/console/admins", [("email", "ops@example.com"), ("password", "another long password")])
            var ops = try await Self.signIn(browser, "ops@example.com", "another long password").0
            #expect(try await ops.get("/console/settings").status == .ok)
            let opsID = try #require(
                try await api.send(.get, "/api/v1/admins").json["admins"]?.arrayValue?
                    .first { $0.objectValue?["email"]?.stringValue == "ops@example.com" }?.objectValue?["id"]?
                    .stringValue)
            _ = try await b.get("/console/settings")
            #expect(try await b.post("/console/admins/\(opsID)/remove", []).status == .seeOther)
            #expect(try await b.get("/console/settings").body.contains("Admin ops@example.com removed"))
            // Their session ended at once.
            #expect(try await ops.get("/console/settings").location?.hasPrefix("/console/sign-in") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func adminAPIRevokesExpiresAndRemoves(_ kind: StoreKind) async throws {
        try await Self.withServer(kind) { _, api, store in
            // A token with an expiry; an expired one and a revoked one get 401.
            let created = try await api.send(
                .post, "/api/v1/admin-tokens", #"{"admin": "root@example.com", "name": "ci", "expiresIn": "90d"}"#)
            #expect(created.status == .created && created.json["expiresAt"]?.stringValue != nil)
            let secret = try #require(created.json["token"]?.stringValue)
            #expect(try await api.send(.get, "/api/v1/providers", token: secret).status == .ok)
            let listed = try await api.send(.get, "/api/v1/admin-tokens").json["tokens"]?.arrayValue ?? []
            let ci = try #require(listed.first { $0.objectValue?["name"]?.stringValue == "ci" }?.objectValue)
            #expect(ci["lastUsedAt"]?.stringValue != nil && ci["expiresAt"]?.stringValue != nil)
            #expect(try await api.send(.delete, "/api/v1/admin-tokens/\(ci["id"]!.stringValue!)").status == .noContent)
            #expect(try await api.send(.get, "/api/v1/providers", token: secret).status == .unauthorized)
            #expect(try await api.send(.delete, "/api/v1/admin-tokens/\(ci["id"]!.stringValue!)").status == .notFound)
            let expired = "rat_expired-token-for-tests"
            try await store.withTransaction { tx in
                let admin = try await tx.admin(email: "root@example.com")!
                try await tx.insertAdminToken(
                    AdminToken(
                        id: "old", name: "old", adminID: admin.id, secretHash: Credentials.hash(secret: expired),
                        createdAt: Date(timeIntervalSinceNow: -7200), expiresAt: Date(timeIntervalSinceNow: -3600)))
            }
            #expect(try await api.send(.get, "/api/v1/providers", token: expired).status == .unauthorized)
            #expect(
                try await api.send(.post, "/api/v1/admin-tokens", #"{"admin": "root@example.com", "expiresIn": "0"}"#)
                    .status == .badRequest)
            // Platform API keys: created with an expiry, revoked.
            let key = try await api.send(.post, "/api/v1/api-keys", #"{"name": "broker", "expiresIn": "12h"}"#)
            #expect(key.status == .created && key.json["expiresAt"]?.stringValue != nil)
            let keyID = try #require(key.json["id"]?.stringValue)
            #expect(try await api.send(.delete, "/api/v1/api-keys/\(keyID)").status == .noContent)
            #expect(try await api.send(.delete, "/api/v1/api-keys/\(keyID)").status == .notFound)
            // Admins: never the last; removing one ends its tokens.
            let rootID = try #require(
                try await api.send(.get, "/api/v1/admins").json["admins"]?.arrayValue?.first?.objectValue?["id"]?
                    .stringValue)
            let last = try await api.send(.delete, "/api/v1/admins/\(rootID)")
            #expect(last.status == .conflict && last.json["error"]?.stringValue?.contains("only admin") == true)
            let ops = try await api.send(
                .post, "/api/v1/admins", #"{"email": "ops@example.com", "password": "another long password"}"#)
            let opsToken = try #require(
                try await api.send(.post, "/api/v1/admin-tokens", #"{"admin": "ops@example.com"}"#).json["token"]?
                    .stringValue)
            #expect(try await api.send(.delete, "/api/v1/admins/\(ops.json["id"]!.stringValue!)").status == .noContent)
            #expect(try await api.send(.get, "/api/v1/providers", token: opsToken).status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/admins").json["admins"]?.arrayValue?.count == 1)
        }
    }
}
