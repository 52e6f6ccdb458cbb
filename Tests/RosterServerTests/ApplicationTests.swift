import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
import ProvisioningSQLite
import RosterServer
import Testing

/// `buildApplication`, the composition root, run as `roster serve` runs it: over a socket, with its service group.
@Suite struct ApplicationTests {
    static let configuration = ServerConfiguration(
        port: 0, publicURL: "https://roster.example.com", bcryptCost: 4, failedAuthenticationDelay: .milliseconds(1))

    /// Runs the application over `store` (opened, not running), adds a provider, sends one create, and returns the
    /// provider's and the user's ids.
    static func serveOneCreate(_ store: any ProvisioningStore, during: @Sendable () async throws -> Void = {})
        async throws -> (provider: String, user: String)
    {
        let app = try buildApplication(configuration: configuration, store: store, logger: Logger(label: "test"))
        // Everything runs while the application does: a PostgreSQL store's pool runs only then.
        return try await app.test(.live) { client in
            // Written before the server accepted its first connection.
            #expect(try await AdminService(store: store).publicURL() == "https://roster.example.com")
            try await during()
            let issued = try await AdminService(store: store).addProvider(name: "Okta")
            let okta = SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret)
            let created = try await okta.send(
                .post, "/Users",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com","active":true}"#
            )
            #expect(created.status == .created)
            return (issued.provider.id, created.id)
        }
    }

    /// The SQLite store's writer runs in the application's service group while it serves, and stops with it.
    @Test func runsTheSQLiteWriterInItsServiceGroup() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "roster-app-\(UUID().uuidString).sqlite"
        ).path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        #expect(!store.isRunning)
        let (provider, user) = try await Self.serveOneCreate(store) { #expect(store.isRunning) }
        #expect(!store.isRunning)
        #expect(try await store.read { tx in try await tx.user(id: user) }?.userName == "ann@example.com")
        // The request recorder wrote its last requests at shutdown, before the store stopped.
        let requests = try await RequestInspector(store: store).requests(RecordedRequestQuery(providerID: provider))
        #expect(requests.map(\.status) == [201])
    }

    /// The PostgreSQL pool runs only in the application's service group (a lease would wait forever otherwise), and
    /// stops after everything that writes: the request recorder's last write at shutdown still finds it open.
    @Test(.enabled(if: PostgresTesting.enabled)) func runsThePostgreSQLPoolInItsServiceGroupAndStopsItLast()
        async throws
    {
        let url = try PostgresTesting.freshURL()
        let store = try await PostgresStore.open(url)
        let (provider, user) = try await Self.serveOneCreate(store)
        let reopened = try await PostgresStore.open(url)
        try await reopened.whileRunning {
            #expect(try await reopened.read { tx in try await tx.user(id: user) }?.userName == "ann@example.com")
            let requests = try await RequestInspector(store: reopened).requests(
                RecordedRequestQuery(providerID: provider))
            #expect(requests.map(\.status) == [201])
        }
        try await reopened.dropSchema()
    }
}
