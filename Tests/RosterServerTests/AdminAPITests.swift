import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import ProvisioningSQLite
import RosterServer
import SCIM
import Testing

/// The admin API: every endpoint refuses requests without an admin token, and does what the CLI does with one.
@Suite struct AdminAPITests {
    struct API {
        let client: any TestClientProtocol
        var token: String

        @discardableResult
        func send(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, token: String? = nil)
            async throws
            -> (status: HTTPResponse.Status, json: JSONObject)
        {
            var headers: HTTPFields = [.authorization: "Bearer \(token ?? self.token)"]
            if body != nil { headers[.contentType] = "application/json" }
            let r = try await client.execute(
                uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            let bytes = Array(r.body.readableBytesView)
            let json = bytes.isEmpty ? JSONObject() : (try JSONValue(parsing: bytes).objectValue ?? [:])
            return (r.status, json)
        }
    }

    static func withAPI(_ kind: StoreKind, _ body: @Sendable (API, SCIMTestClient, String) async throws -> Void)
        async throws
    {
        try await withStore(kind) { store in
            let accounts = AdminAccounts(store: store, bcryptCost: 4)
            try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
            let (_, token) = try await accounts.createToken(email: "root@example.com", name: "tests")
            let issued = try await AdminService(store: store).addProvider(name: "Okta")
            let app = Application(
                router: try buildRouter(
                    configuration: ServerConfiguration(publicURL: "http://roster.test", bcryptCost: 4), store: store))
            try await app.test(.router) { client in
                try await body(
                    API(client: client, token: token),
                    SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret), issued.provider.id
                )
            }
        }
    }

    static let endpoints: [(HTTPRequest.Method, String)] = [
        (.get, "/api/v1/providers"), (.post, "/api/v1/providers"), (.get, "/api/v1/providers/ID"),
        (.patch, "/api/v1/providers/ID"), (.delete, "/api/v1/providers/ID"),
        (.post, "/api/v1/providers/ID/rotate-secret"),
        (.get, "/api/v1/providers/ID/mappings"), (.post, "/api/v1/providers/ID/apply-mappings"),
        (.get, "/api/v1/users"), (.get, "/api/v1/events"), (.get, "/api/v1/webhooks"), (.post, "/api/v1/webhooks"),
        (.get, "/api/v1/webhooks/ID"), (.delete, "/api/v1/webhooks/ID"), (.post, "/api/v1/webhooks/ID/test"),
        (.get, "/api/v1/providers/ID/warnings"),
        (.post, "/api/v1/users"), (.get, "/api/v1/users/ID"), (.post, "/api/v1/users/ID/block"),
        (.get, "/api/v1/organizations"), (.post, "/api/v1/organizations"), (.get, "/api/v1/roles"),
        (.get, "/api/v1/watchlists"), (.post, "/api/v1/watchlists"), (.get, "/api/v1/legal-holds"),
        (.get, "/api/v1/sync-log"),
        (.post, "/api/v1/providers/ID/held/release"), (.put, "/api/v1/providers/ID/organization-mapping"),
        (.put, "/api/v1/providers/ID/role-mapping"), (.post, "/api/v1/providers/ID/role-mapping/rules"),
        (.delete, "/api/v1/providers/ID/watchlist-mapping/rules"), (.patch, "/api/v1/organizations/ID"),
        (.get, "/api/v1/watchlists/ID/members"), (.get, "/api/v1/settings"), (.patch, "/api/v1/settings"),
        (.get, "/api/v1/admins"), (.post, "/api/v1/admins"), (.get, "/api/v1/admin-tokens"),
        (.post, "/api/v1/admin-tokens"),
        (.get, "/api/v1/api-keys"), (.post, "/api/v1/api-keys"), (.delete, "/api/v1/admins/ID"),
        (.delete, "/api/v1/admin-tokens/ID"), (.delete, "/api/v1/api-keys/ID"),
        (.get, "/api/v1/providers/ID/requests"), (.get, "/api/v1/providers/ID/requests/1"),
        (.post, "/api/v1/providers/ID/revert"),
        (.post, "/api/v1/providers/ID/pause"), (.post, "/api/v1/providers/ID/resume"), (.get, "/api/v1/activity"),
        (.get, "/api/v1/report"),
    ]

    @Test func everyEndpointNeedsAnAdminToken() async throws {
        try await Self.withAPI(.memory) { api, okta, pid in
            for (method, template) in Self.endpoints {
                let path = template.replacingOccurrences(of: "ID", with: pid)
                for token in ["", "rat_wrong", okta.authorization.replacingOccurrences(of: "Bearer ", with: "")] {
                    let r = try await api.send(
                        method, path, method == .get || method == .delete ? nil : "{}", token: token)
                    #expect(r.status == .unauthorized, "\(method) \(path) with '\(token.prefix(8))'")
                    #expect(r.json["error"]?.stringValue?.contains("admin API token") == true)
                }
            }
            // The provider was not touched by any of those.
            #expect(try await api.send(.get, "/api/v1/providers/\(pid)").status == .ok)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func providersUsersAndMappings(_ kind: StoreKind) async throws {
        try await Self.withAPI(kind) { api, okta, pid in
            // Providers: the SCIM request Okta just made is its last request.
            _ = try await okta.send(.get, "/Users")
            #expect(try await api.send(.get, "/api/v1/providers/\(pid)").json["lastRequest"]?.stringValue != nil)
            let created = try await api.send(
                .post, "/api/v1/providers", #"{"name":"Entra ID","deactivationDelay":"1h"}"#)
            #expect(created.status == .created)
            let entra = try #require(created.json["id"]?.stringValue)
            #expect(created.json["secret"]?.stringValue?.count == 43)
            #expect(created.json["baseURL"]?.stringValue == "http://roster.test/scim/\(entra)/v2")
            let patched = try await api.send(
                .patch, "/api/v1/providers/\(entra)", #"{"name":"Entra","deactivationDelay":"30m"}"#)
            #expect(
                patched.status == .ok && patched.json["name"] == "Entra" && patched.json["deactivationDelay"] == "30m")
            let list = try await api.send(.get, "/api/v1/providers")
            #expect(list.json["providers"]?.arrayValue?.count == 2)
            #expect(
                try await api.send(.post, "/api/v1/providers", #"{"name":"X","deactivationDelay":"soon"}"#).status
                    == .badRequest)
            #expect(try await api.send(.post, "/api/v1/providers", #"{"nam"#).status == .badRequest)
            #expect(try await api.send(.get, "/api/v1/providers/nope").status == .notFound)
            #expect(try await api.send(.delete, "/api/v1/providers/\(entra)").status == .noContent)
            #expect(try await api.send(.get, "/api/v1/providers/\(entra)").status == .notFound)

            // Users pushed over SCIM, seen and acted on through the API.
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            _ = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Security","members":[{"value":"\#(ann)"}]}"#
            )
            let local = try await api.send(.post, "/api/v1/users", #"{"email":"local@example.com","name":"Lo Cal"}"#)
            #expect(
                local.status == .created && local.json["source"] == "local" && local.json["roles"] == ["Desktop User"])
            #expect(try await api.send(.post, "/api/v1/users", #"{"email":"LOCAL@example.com"}"#).status == .conflict)
            let users = try await api.send(.get, "/api/v1/users?q=ann")
            #expect(users.json["total"] == 1)
            let view = try await api.send(.get, "/api/v1/users/\(ann)")
            #expect(view.json["userName"] == "ann@example.com" && view.json["organization"] == "Root")
            let blocked = try await api.send(.post, "/api/v1/users/\(ann)/block")
            #expect(blocked.status == .ok && blocked.json["status"] == "blocked")
            #expect(try await api.send(.post, "/api/v1/users/\(ann)/fly").status == .notFound)

            // Organizations, roles, watchlists, mappings, apply.
            let org = try await api.send(
                .post, "/api/v1/organizations", #"{"name":"Security Team","defaultRoles":["Security Administrator"]}"#)
            #expect(org.status == .created && org.json["defaultRoles"] == ["Security Administrator"])
            #expect(
                try await api.send(.post, "/api/v1/organizations", #"{"name":"security team"}"#).status == .conflict)
            #expect(try await api.send(.get, "/api/v1/roles").json["roles"]?.arrayValue?.count == Role.catalogue.count)
            #expect(try await api.send(.post, "/api/v1/watchlists", #"{"name":"High Risk"}"#).status == .created)
            #expect(try await api.send(.get, "/api/v1/watchlists").json["watchlists"]?.arrayValue?.count == 1)
            let mappings = try await api.send(.get, "/api/v1/providers/\(pid)/mappings")
            #expect(mappings.json["roleMapping"]?.objectValue?["unmappedGroups"] == ["Security"])
            let dry = try await api.send(.post, "/api/v1/providers/\(pid)/apply-mappings?dryRun=true")
            #expect(
                dry.status == .ok && dry.json["dryRun"] == true && dry.json["processed"] == 1
                    && dry.json["changed"] == 0)
            let moved = try await api.send(.post, "/api/v1/users/\(ann)/move", #"{"organization":"Security Team"}"#)
            #expect(moved.json["organization"] == "Security Team" && moved.json["roles"] == ["Security Administrator"])

            // Legal holds and the sync log.
            #expect(try await api.send(.post, "/api/v1/users/\(ann)/legal-hold", #"{"matter":"M-1"}"#).status == .ok)
            let holds = try await api.send(.get, "/api/v1/legal-holds")
            #expect(holds.json["users"]?.arrayValue?.first?.objectValue?["matter"] == "M-1")
            let log = try await api.send(.get, "/api/v1/sync-log?user=ann@example.com&limit=2")
            #expect(log.json["entries"]?.arrayValue?.count == 2 && log.json["next"] != nil)
            #expect(try await api.send(.get, "/api/v1/sync-log?action=nope").status == .badRequest)
            #expect(try await api.send(.get, "/api/v1/sync-log?before=x").status == .badRequest)
            #expect(try await api.send(.get, "/api/v1/users?limit=0").status == .badRequest)
            // A typo never turns a dry run into a real run.
            #expect(
                try await api.send(.post, "/api/v1/providers/\(pid)/apply-mappings?dryRun=ture").status == .badRequest)
            let unknown = try await api.send(.get, "/api/v1/nowhere")
            #expect(unknown.status == .notFound && unknown.json["status"] == 404)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everythingTheCLIConfigures(_ kind: StoreKind) async throws {
        try await Self.withAPI(kind) { api, okta, pid in
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            _ = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Leavers","members":[{"value":"\#(ann)"}]}"#
            )
            // Mappings.
            #expect(try await api.send(.post, "/api/v1/organizations", #"{"name":"Departing"}"#).status == .created)
            let method = try await api.send(
                .put, "/api/v1/providers/\(pid)/organization-mapping", #"{"method":"groups"}"#)
            #expect(method.status == .ok && method.json["organizationMapping"]?.objectValue?["method"] == "groups")
            #expect(
                try await api.send(.put, "/api/v1/providers/\(pid)/organization-mapping", #"{"method":"magic"}"#).status
                    == .badRequest)
            let rule = try await api.send(
                .post, "/api/v1/providers/\(pid)/organization-mapping/rules",
                #"{"group":"Leavers","organization":"Departing","priority":1}"#)
            #expect(rule.status == .created)
            #expect(rule.json["organizationMapping"]?.objectValue?["rules"]?.arrayValue?.count == 1)
            #expect(
                try await api.send(.put, "/api/v1/providers/\(pid)/role-mapping", #"{"mode":"groups"}"#).status == .ok)
            let roles = try await api.send(
                .post, "/api/v1/providers/\(pid)/role-mapping/rules",
                #"{"group":"Leavers","roles":["Audit Log Viewer"]}"#)
            #expect(roles.json["roleMapping"]?.objectValue?["message"] == "All SCIM groups are mapped")
            #expect(
                try await api.send(
                    .post, "/api/v1/providers/\(pid)/role-mapping/rules",
                    #"{"group":"Leavers","roles":["Audit Log Viewer", 5]}"#
                ).status == .badRequest)
            let list = try await api.send(.post, "/api/v1/watchlists", #"{"name":"Departing Employees"}"#)
            let listID = try #require(list.json["id"]?.stringValue)
            #expect(
                try await api.send(
                    .post, "/api/v1/providers/\(pid)/watchlist-mapping/rules",
                    #"{"group":"Leavers","watchlist":"Departing Employees"}"#
                ).status == .created)
            let applied = try await api.send(.post, "/api/v1/providers/\(pid)/apply-mappings")
            #expect(applied.json["changed"] == 1 && applied.json["organizationMoves"] == 1)
            let members = try await api.send(.get, "/api/v1/watchlists/\(listID)/members")
            #expect(members.json["users"]?.arrayValue?.first?.objectValue?["userName"] == "ann@example.com")
            #expect(
                try await api.send(.delete, "/api/v1/providers/\(pid)/role-mapping/rules?group=Leavers").status
                    == .noContent)
            #expect(
                try await api.send(.delete, "/api/v1/providers/\(pid)/role-mapping/rules?group=Leavers").status
                    == .notFound)
            // Guard and held deactivations.
            let guarded = try await api.send(
                .patch, "/api/v1/providers/\(pid)", #"{"deactivationGuard":{"enabled":false,"percent":20}}"#)
            #expect(guarded.json["deactivationGuard"]?.objectValue?["enabled"] == false)
            #expect(guarded.json["deactivationGuard"]?.objectValue?["percent"] == 20)
            #expect(try await api.send(.post, "/api/v1/providers/\(pid)/held/release").json["count"] == 0)
            #expect(try await api.send(.post, "/api/v1/providers/\(pid)/held/forget").status == .notFound)
            // Organizations' default roles, settings.
            let root = try await api.send(
                .patch, "/api/v1/organizations/root", #"{"defaultRoles":["Desktop User","Audit Log Viewer"]}"#)
            #expect(root.json["defaultRoles"] == ["Desktop User", "Audit Log Viewer"])
            #expect(try await api.send(.get, "/api/v1/settings").json["coldStorageRetentionDays"] == 90)
            #expect(
                try await api.send(.patch, "/api/v1/settings", #"{"coldStorageRetentionDays":30}"#).json[
                    "coldStorageRetentionDays"] == 30)
            #expect(
                try await api.send(.patch, "/api/v1/settings", #"{"coldStorageRetentionDays":0}"#).status == .badRequest
            )
            // Admins, tokens, platform keys.
            #expect(
                try await api.send(
                    .post, "/api/v1/admins", #"{"email":"two@example.com","password":"another long password"}"#
                ).status == .created)
            #expect(
                try await api.send(.post, "/api/v1/admins", #"{"email":"three@example.com","password":"short"}"#).status
                    == .badRequest)
            #expect(try await api.send(.get, "/api/v1/admins").json["admins"]?.arrayValue?.count == 2)
            let token = try await api.send(.post, "/api/v1/admin-tokens", #"{"admin":"two@example.com","name":"ci"}"#)
            let secret = try #require(token.json["token"]?.stringValue)
            #expect(try await api.send(.get, "/api/v1/admins", token: secret).status == .ok)
            #expect(try await api.send(.get, "/api/v1/admin-tokens").json["tokens"]?.arrayValue?.count == 2)
            let key = try await api.send(.post, "/api/v1/api-keys", #"{"name":"agents"}"#)
            #expect(key.status == .created && key.json["key"]?.stringValue != nil)
            // A platform key is not an admin token, and the other way round.
            #expect(
                try await api.send(.get, "/api/v1/admins", token: key.json["key"]?.stringValue ?? "").status
                    == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/api-keys").json["apiKeys"]?.arrayValue?.count == 1)
        }
    }

    @Test func theOpenAPIDocumentDescribesTheRoutes() async throws {
        try await Self.withAPI(.memory) { api, _, _ in
            let r = try await api.client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(r.status == .ok)
            let doc = try #require(try JSONValue(parsing: Array(r.body.readableBytesView)).objectValue)
            #expect(doc["openapi"]?.stringValue?.hasPrefix("3.") == true)
            let paths = try #require(doc["paths"]?.objectValue)
            for (_, template) in Self.endpoints {
                let documented = template.replacingOccurrences(of: "ID", with: "{id}")
                    .replacingOccurrences(of: "requests/1", with: "requests/{sequence}")
                #expect(paths[documented] != nil, "\(documented) is documented")
            }
        }
    }
}
