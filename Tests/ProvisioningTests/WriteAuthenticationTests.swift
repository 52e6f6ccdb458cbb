import Foundation
import ProvisioningTesting
import SCIM
import Synchronization
import Testing

@testable import Provisioning

/// Writes are authenticated twice: before the body is read, and again inside the write's transaction, so that
/// credentials revoked (or a provider removed) while the request was on its way never write anything, and the
/// write follows the provider's settings as they are when it is written.
@Suite struct WriteAuthenticationTests {
    static func user(_ name: String) throws -> JSONObject {
        try #require(
            JSONValue(
                parsing: Array(
                    #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(name)"}"#.utf8)
            )
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
        let provider = try await service.authenticate(
            .init(providerID: issued.provider.id, username: nil, secret: issued.secret))

        let rotated = try await admin.rotateSecret(id: issued.provider.id)
        // The write's transaction refuses it, stores nothing and records no rejection.
        await Self.expectUnauthorized {
            _ = try await service.perform(.post(.users, try Self.user("ann@example.com")), for: provider).user
        }
        #expect(try await store.read { tx in try await tx.userCount(providerID: issued.provider.id) } == 0)
        #expect(
            try await store.read { tx in try await tx.syncLog(SyncLogQuery(providerID: issued.provider.id, limit: 10)) }
                .isEmpty)

        let current = try await service.authenticate(
            .init(providerID: issued.provider.id, username: nil, secret: rotated.secret))
        let created = try await service.perform(.post(.users, try Self.user("ann@example.com")), for: current).user
        #expect(created.userName == "ann@example.com")
    }

    @Test func aRemovedProviderNeverWrites() async throws {
        let store = MemoryStore()
        let admin = AdminService(store: store)
        let issued = try await admin.addProvider(name: "Okta")
        let service = SCIMService(store: store)
        let credentials = SCIMService.ProviderCredentials(
            providerID: issued.provider.id, username: issued.provider.username, secret: issued.secret)
        let provider = try await service.authenticate(credentials)
        try await admin.removeProvider(id: issued.provider.id)
        await Self.expectUnauthorized {
            _ = try await service.perform(.post(.users, try Self.user("bob@example.com")), for: provider).user
        }
        await Self.expectUnauthorized {
            _ = try await service.perform(.post(.groups, ["displayName": .string("Sales")]), for: provider)
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
        _ = try await admin.updateProvider(
            id: issued.provider.id, name: nil, deactivationDelay: nil, userNameFormat: .email)
        do {
            _ = try await service.perform(.post(.users, try Self.user("jdoe")), for: provider).user
            Issue.record("a userName that is not an email address was accepted")
        } catch let error as SCIMError {
            #expect(error.status == 400 && error.detail.contains("userName"))
        }
        #expect(try await store.read { tx in try await tx.userCount(providerID: issued.provider.id) } == 0)
    }

    /// Writes skip the authentication read when the same credentials authenticated a write of that provider within
    /// the last second, and that shortcut lets nothing through: credentials that do not match are checked against
    /// the store (and never remembered), and a secret rotated meanwhile is refused by the write's transaction, with
    /// nothing written and no rejection recorded, while the new secret works at once.
    @Test func writesRememberCredentialsForASecondAndStillCheckThemInTheTransaction() async throws {
        let store = CountingStore()
        let admin = AdminService(store: store.base)
        let issued = try await admin.addProvider(name: "Okta")
        let service = SCIMService(store: store)
        let good = SCIMService.ProviderCredentials(
            providerID: issued.provider.id, username: issued.provider.username, secret: issued.secret)
        var wrong = good
        wrong.secret = "not-the-secret"
        func reads() -> Int { store.reads }

        await Self.expectUnauthorized { _ = try await service.authenticateForWrite(wrong) }
        let provider = try await service.authenticateForWrite(good)
        #expect(reads() == 2)
        // Remembered: no read for the same credentials; other credentials are checked against the store.
        _ = try await service.authenticateForWrite(good)
        #expect(reads() == 2)
        await Self.expectUnauthorized { _ = try await service.authenticateForWrite(wrong) }
        var otherUsername = good
        otherUsername.username = "someone-else"
        await Self.expectUnauthorized { _ = try await service.authenticateForWrite(otherUsername) }
        #expect(reads() == 4)

        // Rotated: the old credentials still pass the shortcut, and the transaction refuses the write.
        let rotated = try await admin.rotateSecret(id: issued.provider.id)
        let stale = try await service.authenticateForWrite(good)
        #expect(stale.secretHash == provider.secretHash)
        await Self.expectUnauthorized {
            _ = try await service.perform(.post(.users, try Self.user("ann@example.com")), for: stale).user
        }
        // A request refused for its body records a rejection only while its credentials still authenticate.
        do {
            _ = try await service.perform(.post(.users, try Self.user("")), for: stale).user
            Issue.record("an empty userName was accepted")
        } catch let error as SCIMError {
            #expect(error.status == 400)
        }
        #expect(try await store.base.read { tx in try await tx.userCount(providerID: issued.provider.id) } == 0)
        #expect(
            try await store.base.read { tx in
                try await tx.syncLog(SyncLogQuery(providerID: issued.provider.id, limit: 10))
            }
            .isEmpty)
        // The new secret is accepted at once, while the old one is still remembered.
        var renewed = good
        renewed.secret = rotated.secret
        let current = try await service.authenticateForWrite(renewed)
        #expect(
            try await service.perform(.post(.users, try Self.user("ann@example.com")), for: current).user.userName
                == "ann@example.com")
    }

    @Test func rememberedCredentialsExpireAfterASecond() async throws {
        let recent = RecentAuthentications()
        let provider = Provider(
            id: "p", name: "P", username: "u", secretHash: "h", deactivationDelay: .seconds(900), createdAt: Date(),
            updatedAt: Date())
        let start = ContinuousClock.now
        recent.remember(provider, at: start)
        #expect(recent.provider("p", at: start + .milliseconds(999))?.id == "p")
        #expect(recent.provider("q", at: start) == nil)
        #expect(recent.provider("p", at: start + .seconds(1)) == nil)
        #expect(recent.entries.withLock { $0.isEmpty })
        // Remembering one provider forgets the others' expired entries, looked up again or not.
        var other = provider
        other.id = "q"
        recent.remember(provider, at: start)
        recent.remember(other, at: start + .seconds(2))
        #expect(recent.entries.withLock { Set($0.keys) } == ["q"])
    }
}
