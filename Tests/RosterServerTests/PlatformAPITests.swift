import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import RosterServer
import SCIM
import Testing

/// The platform API (`/api/v1`) through HTTP, on every store: API-key authentication, device registration,
/// agents' sign-in and session checks.
@Suite struct PlatformAPITests {
    /// Sends requests to `/api/v1` with a platform API key.
    struct PlatformClient {
        let client: any TestClientProtocol
        var apiKey: String?

        @discardableResult
        func send(
            _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers extra: HTTPFields = [:]
        ) async throws -> SCIMResponse {
            var headers = extra
            if let apiKey, headers[.authorization] == nil { headers[.authorization] = "Bearer \(apiKey)" }
            if body != nil { headers[.contentType] = "application/json" }
            let response = try await client.execute(
                uri: "/api/v1" + path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            let bytes = Array(response.body.readableBytesView)
            let json = bytes.isEmpty ? JSONValue.null : try JSONValue(parsing: bytes)
            return SCIMResponse(status: response.status, headers: response.headers, json: json)
        }

        func signIn(_ userName: String, deviceID: String? = nil) async throws -> SCIMResponse {
            let device = deviceID.map { ",\"deviceId\":\"\($0)\"" } ?? ""
            return try await send(.post, "/sessions", "{\"userName\":\"\(userName)\"\(device)}")
        }

        func current(_ token: String) async throws -> SCIMResponse {
            try await send(.get, "/sessions/current", headers: [sessionToken: token])
        }
    }

    static let sessionToken = HTTPField.Name("X-Session-Token")!

    /// A fresh store of `kind` with a platform API key, a SCIM provider (`clients[0]`) and the admin service.
    func withPlatform(
        _ kind: StoreKind,
        _ body: @Sendable (PlatformClient, SCIMTestClient, AdminService) async throws -> Void
    ) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let (_, secret) = try await PlatformService(store: admin.store).createAPIKey(name: "tests")
            try await body(PlatformClient(client: clients[0].client, apiKey: secret), clients[0], admin)
        }
    }

    /// Changes a user's record directly, as the lifecycle would.
    static func change(
        _ admin: AdminService, _ email: String, _ edit: @escaping @Sendable (inout UserRecord) -> Void
    )
        async throws
    {
        let id = try await admin.user(email: email).id
        try await admin.store.withTransaction { tx in
            var user = try #require(try await tx.user(id: id))
            edit(&user)
            user.version += 1
            try await tx.updateUser(user)
        }
    }

    static func error(_ response: SCIMResponse) -> String { response.object["error"]?.stringValue ?? "" }

    @Test(arguments: StoreKind.allCases)
    func registersDevicesWithOneArchive(_ kind: StoreKind) async throws {
        try await withPlatform(kind) { api, scim, admin in
            let ann = try await admin.addLocalUser(email: "ann@example.com", name: "Ann Lee")
            let created = try await api.send(.post, "/devices", #"{"userName":"ANN@example.com","name":"Laptop"}"#)
            #expect(created.status == .created)
            #expect(created.headers[.contentType] == "application/json")
            let device = try #require(created.object["device"]?.objectValue)
            let archive = try #require(created.object["archive"]?.objectValue)
            let deviceID = try #require(device["id"]?.stringValue)
            #expect(deviceID == deviceID.lowercased() && UUID(uuidString: deviceID) != nil)
            #expect(device["userName"] == "ann@example.com", "the stored spelling, not the request's")
            #expect(device["name"] == "Laptop")
            #expect(device["createdAt"]?.stringValue != nil)
            #expect(archive["tier"] == "active")
            #expect(archive["coldUntil"] == .null)

            let platform = PlatformService(store: admin.store)
            #expect(try await platform.devices(userID: ann.id).map(\.id) == [deviceID])
            let archives = try await platform.archives(userID: ann.id)
            #expect(archives.map(\.id) == [archive["id"]?.stringValue])
            #expect(archives.first?.deviceID == deviceID)

            // Provisioned users have devices too.
            let provisioned = try await scim.send(.post, "/Users", UsersAPITests.user("bob@example.com"))
            #expect(provisioned.status == .created)
            let bob = try await api.send(.post, "/devices", #"{"userName":"bob@example.com","name":"Desktop"}"#)
            #expect(bob.status == .created)
            #expect(try await platform.devices(userID: provisioned.id).count == 1)

            let unknown = try await api.send(.post, "/devices", #"{"userName":"nobody@example.com","name":"X"}"#)
            #expect(unknown.status == .notFound)
            #expect(unknown.object["status"] == 404)
            #expect(Self.error(unknown).contains("nobody@example.com"))
            let nameless = try await api.send(.post, "/devices", #"{"userName":"ann@example.com","name":"  "}"#)
            #expect(nameless.status == .badRequest)
            let missing = try await api.send(.post, "/devices", #"{"name":"Laptop"}"#)
            #expect(missing.status == .badRequest)
            #expect(Self.error(missing).contains("userName"))
            let garbage = try await api.send(.post, "/devices", "{not json")
            #expect(garbage.status == .badRequest)
            #expect(garbage.headers[.contentType] == "application/json")

            try await Self.change(admin, "ann@example.com") { $0.deactivated = true }
            let deactivated = try await api.send(.post, "/devices", #"{"userName":"ann@example.com","name":"Tablet"}"#)
            #expect(deactivated.status == .badRequest)
            #expect(Self.error(deactivated).contains("deactivated"))
            #expect(try await platform.devices(userID: ann.id).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func activeUserSignsInAndChecksTheSession(_ kind: StoreKind) async throws {
        try await withPlatform(kind) { api, _, admin in
            _ = try await admin.addLocalUser(email: "ann@example.com", name: nil)
            let device = try await api.send(.post, "/devices", #"{"userName":"ann@example.com","name":"Laptop"}"#)
            let deviceID = try #require(device.object["device"]?.objectValue?["id"]?.stringValue)

            let signedIn = try await api.signIn("Ann@Example.com", deviceID: deviceID)
            #expect(signedIn.status == .created)
            #expect(signedIn.headers[.contentType] == "application/json")
            #expect(signedIn.object["userName"] == "ann@example.com")
            #expect(signedIn.object["expiresAt"] == .null)
            let token = try #require(signedIn.object["token"]?.stringValue)
            #expect(token.count == 43)

            let current = try await api.current(token)
            #expect(current.status == .ok)
            #expect(current.object["userName"] == "ann@example.com")
            #expect(current.object["deviceId"]?.stringValue == deviceID)
            #expect(current.object["createdAt"]?.stringValue != nil)

            // Only the hash is stored.
            let stored = try await admin.store.read { tx in try await tx.session(tokenHash: token) }
            #expect(stored == nil)

            // Without a device.
            let bare = try await api.signIn("ann@example.com")
            #expect(bare.status == .created)
            let bareCurrent = try await api.current(try #require(bare.object["token"]?.stringValue))
            #expect(bareCurrent.object["deviceId"] == .null)

            // Someone else's or an unknown device is refused.
            _ = try await admin.addLocalUser(email: "bob@example.com", name: nil)
            let foreign = try await api.signIn("bob@example.com", deviceID: deviceID)
            #expect(foreign.status == .notFound)
            #expect(Self.error(foreign).contains(deviceID))

            let unknownUser = try await api.signIn("nobody@example.com")
            #expect(unknownUser.status == .notFound)
            #expect(unknownUser.object["status"] == 404)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func unknownOrMissingSessionTokensAre401(_ kind: StoreKind) async throws {
        try await withPlatform(kind) { api, _, _ in
            let unknown = try await api.current(Credentials.generateSecret())
            #expect(unknown.status == .unauthorized)
            #expect(unknown.object["status"] == 401)
            #expect(unknown.headers[.contentType] == "application/json")
            #expect(!Self.error(unknown).isEmpty)
            let missing = try await api.send(.get, "/sessions/current")
            #expect(missing.status == .unauthorized)
            #expect(Self.error(missing).contains("X-Session-Token"))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everyRouteNeedsAPlatformAPIKey(_ kind: StoreKind) async throws {
        try await withPlatform(kind) { api, scim, admin in
            _ = try await admin.addLocalUser(email: "ann@example.com", name: nil)
            let token = try #require(try await api.signIn("ann@example.com").object["token"]?.stringValue)
            var anonymous = api
            anonymous.apiKey = nil
            var wrongKey = api
            wrongKey.apiKey = Credentials.generateSecret()
            for client in [anonymous, wrongKey] {
                let device = try await client.send(.post, "/devices", #"{"userName":"ann@example.com","name":"X"}"#)
                let session = try await client.signIn("ann@example.com")
                let current = try await client.current(token)
                for response in [device, session, current] {
                    #expect(response.status == .unauthorized)
                    #expect(response.object["status"] == 401)
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
            // A provider's SCIM secret is not a platform API key, and only Bearer is accepted.
            let scimSecret = try await api.send(
                .post, "/sessions", #"{"userName":"ann@example.com"}"#, headers: [.authorization: scim.authorization])
            #expect(scimSecret.status == .unauthorized)
            let basic = try await api.send(
                .post, "/sessions", #"{"userName":"ann@example.com"}"#, headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == .unauthorized)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func blockedAndDeactivatedUsersCannotSignIn(_ kind: StoreKind) async throws {
        try await withPlatform(kind) { api, _, admin in
            _ = try await admin.addLocalUser(email: "blocked@example.com", name: nil)
            _ = try await admin.addLocalUser(email: "gone@example.com", name: nil)
            try await Self.change(admin, "blocked@example.com") { $0.adminBlocked = true }
            try await Self.change(admin, "gone@example.com") { $0.deactivated = true }

            let blocked = try await api.signIn("blocked@example.com")
            #expect(blocked.status == .forbidden)
            #expect(blocked.object["status"] == 403)
            #expect(Self.error(blocked).contains("blocked"))
            #expect(blocked.object["token"] == nil)

            let deactivated = try await api.signIn("gone@example.com")
            #expect(deactivated.status == .forbidden)
            #expect(Self.error(deactivated).contains("deactivated"))

            // Unblocked, the user signs in again.
            try await Self.change(admin, "blocked@example.com") { $0.adminBlocked = false }
            #expect(try await api.signIn("blocked@example.com").status == .created)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func revokedSessionsAre401(_ kind: StoreKind) async throws {
        try await withPlatform(kind) { api, _, admin in
            let ann = try await admin.addLocalUser(email: "ann@example.com", name: nil)
            let bob = try await admin.addLocalUser(email: "bob@example.com", name: nil)
            let annToken = try #require(try await api.signIn("ann@example.com").object["token"]?.stringValue)
            let bobToken = try #require(try await api.signIn("bob@example.com").object["token"]?.stringValue)
            #expect(try await api.current(annToken).status == .ok)

            let revoked = try await admin.store.withTransaction { tx in
                try await tx.revokeSessions(userID: ann.id, at: Date())
            }
            #expect(revoked == 1)
            let after = try await api.current(annToken)
            #expect(after.status == .unauthorized)
            #expect(Self.error(after).contains("revoked"))
            // Other users' sessions are untouched.
            let other = try await api.current(bobToken)
            #expect(other.status == .ok)
            #expect(other.object["userName"]?.stringValue == bob.userName)
        }
    }
}
