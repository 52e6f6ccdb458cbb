import Foundation
@testable import Provisioning
import SCIM
import Testing

/// Writes are authenticated twice: before the body is read, and again inside the write's transaction, so that
/// credentials revoked (or a provider removed) while the request was on its way never write anything, and the
/// write follows the provider's settings as they are when it is written.
@Suite struct WriteAuthenticationTests {
    static func user(_ name: String) throws -> JSONObject {
        try #require(
            JSONValue(parsing: Array(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(name)"}"#.utf8))
                .objectValue)
    }

    static func expectUnauthorized(_ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("the write was not refused")
        } catch let error as SCIMError {
            #expect(error.status == 401)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aSecretRotatedAfterAuthenticationNeverWrites() async throws {
        let store = MemoryStore()
        let admin = AdminService(store: store)
        let issued = try await admin.addProvider(name: "Okta")
        let service = SCIMService(store: store)
        let provider = try await service.authenticate(.init(providerID: issued.provider.id, username: nil, secret: issued.secret))

        let rotated = try await admin.rotateSecret(id: issued.provider.id)
        // The write's transaction refuses it, stores nothing and records no rejection.
        await Self.expectUnauthorized { _ = try await service.createUser(provider, body: try Self.user("ann@example.com")) }
        #expect(try await store.read { tx in try tx.userCount(providerID: issued.provider.id) } == 0)
        #expect(try await store.read { tx in try tx.syncLog(SyncLogQuery(providerID: issued.provider.id, limit: 10)) }.isEmpty)

        let current = try await service.authenticate(
            .init(providerID: issued.provider.id, username: nil, secret: rotated.secret))
        let created = try await service.createUser(current, body: try Self.user("ann@example.com"))
        #expect(created.userName == "ann@example.com")
    }

    @Test func aRemovedProviderNeverWrites() async throws {
        let store = MemoryStore()
        let admin = AdminService(store: store)
        let issued = try await admin.addProvider(name: "Okta")
        let service = SCIMService(store: store)
        let credentials = SCIMService<MemoryStore>.ProviderCredentials(
            providerID: issued.provider.id, username: issued.provider.username, secret: issued.secret)
        let provider = try await service.authenticate(credentials)
        try await admin.removeProvider(id: issued.provider.id)
        await Self.expectUnauthorized { _ = try await service.createUser(provider, body: try Self.user("bob@example.com")) }
        await Self.expectUnauthorized {
            _ = try await service.createGroup(provider, body: ["displayName": .string("Sales")])
        }
    }

    /// The write runs with the provider's settings as they are in its transaction, not as they were when its
    /// request was authenticated: a userName format an admin switched to `email` meanwhile applies.
    @Test func settingsChangedAfterAuthenticationApplyToTheWrite() async throws {
        let store = MemoryStore()
        let admin = AdminService(store: store)
        let issued = try await admin.addProvider(name: "JumpCloud", userNameFormat: .any)
        let service = SCIMService(store: store)
        let provider = try await service.authenticate(
            .init(providerID: issued.provider.id, username: nil, secret: issued.secret))
        #expect(provider.userNameFormat == .any)
        _ = try await admin.updateProvider(id: issued.provider.id, name: nil, deactivationDelay: nil, userNameFormat: .email)
        do {
            _ = try await service.createUser(provider, body: try Self.user("jdoe"))
            Issue.record("a userName that is not an email address was accepted")
        } catch let error as SCIMError {
            #expect(error.status == 400 && error.detail.contains("userName"))
        }
        #expect(try await store.read { tx in try tx.userCount(providerID: issued.provider.id) } == 0)
    }
}
