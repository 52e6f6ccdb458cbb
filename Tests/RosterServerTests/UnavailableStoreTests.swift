import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import RosterServer
import SCIM
import Synchronization
import Testing

/// A store that fails like SQLite does when its disk is full or it stays locked, while `failing` is set.
final class FlakyStore: ProvisioningStore {
    let base = MemoryStore()
    let failing = Mutex(false)
    /// Only writes fail (reads, such as authentication, work).
    let failingWrites = Mutex(false)
    static let outage = ProvisioningError.unavailable(
        "The database is busy; nothing was changed. Retry in a few seconds.")

    func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        if failing.withLock({ $0 }) || failingWrites.withLock({ $0 }) { throw Self.outage }
        return try await base.withTransaction(body)
    }

    func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        if failing.withLock({ $0 }) { throw Self.outage }
        return try await base.read(body)
    }
}

/// When the database cannot be used, every interface answers 503 with `Retry-After` and a body in its own format,
/// and works again as soon as the database does, without a restart.
@Suite struct UnavailableStoreTests {
    @Test func outagesAre503WithRetryAfterAndRecover() async throws {
        let store = FlakyStore()
        let issued = try await AdminService(store: store).addProvider(name: "Okta")
        let accounts = AdminAccounts(store: store, bcryptCost: 4)
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        let (_, token) = try await accounts.createToken(email: "root@example.com", name: "t")
        let app = Application(router: try buildRouter(configuration: ServerConfiguration(bcryptCost: 4), store: store))
        try await app.test(.router) { client in
            let okta = SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret)
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            store.failing.withLock { $0 = true }
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/Users", UsersAPITests.user("bob@example.com")),
                (.get, "/Users/\(ann)", nil), (.get, "/Users", nil),
            ] {
                let r = try await okta.send(method, path, body)
                #expect(r.status == .serviceUnavailable, "\(method) \(path)")
                #expect(r.headers[.retryAfter] == "5")
                #expect(r.detail.contains("Retry in a few seconds"))
                #expect(r.headers[.contentType] == "application/scim+json")
            }
            let api = try await client.execute(
                uri: "/api/v1/providers", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(api.status == .serviceUnavailable && api.headers[.retryAfter] == "5")
            store.failing.withLock { $0 = false }
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("bob@example.com")).status == .created)
            #expect(try await okta.send(.get, "/Users").totalResults == 2)
        }
    }

    @Test func bulkOperationsReportTheOutageAndAllOrNothingIs503() async throws {
        let store = FlakyStore()
        let issued = try await AdminService(store: store).addProvider(name: "Okta")
        let app = Application(router: try buildRouter(configuration: ServerConfiguration(bcryptCost: 4), store: store))
        try await app.test(.router) { client in
            let okta = SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret)
            let operations = ["a", "b", "c"].map { BulkAPITests.postUser($0, "\($0)@example.com") }
            store.failingWrites.withLock { $0 = true }
            let each = try await okta.send(.post, "/Bulk", BulkAPITests.body(operations))
            #expect(each.status == .ok)
            #expect(BulkAPITests.statuses(each) == ["503", "503", "503"])
            let all = try await okta.send(
                .post, "/Bulk", BulkAPITests.body(operations, extra: BulkAPITests.allOrNothing))
            #expect(all.status == .serviceUnavailable && all.headers[.retryAfter] == "5")
            store.failingWrites.withLock { $0 = false }
            let again = try await okta.send(.post, "/Bulk", BulkAPITests.body(operations))
            #expect(BulkAPITests.statuses(again) == ["201", "201", "201"])
        }
    }
}
