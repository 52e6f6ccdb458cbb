package import Foundation
import SCIM

/// The platform side of Roster: devices (backup agents) and their archives, agents' sign-in sessions, and the API
/// keys the platform's own services call Roster with. Secrets (session tokens, API keys) are generated here, shown
/// once, and stored only as SHA-256.
///
/// Errors: unknown users or devices are ``ProvisioningError/notFound(_:)``, bad input is
/// ``ProvisioningError/invalid(_:)``, a sign-in the user's status forbids is ``ProvisioningError/refused(_:)`` and a
/// token that does not authenticate is ``ProvisioningError/unauthenticated(_:)``.
package struct PlatformService: Sendable {
    package let store: any ProvisioningStore
    let now: @Sendable () -> Date

    package init(store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    // MARK: Devices and archives

    /// Registers a device for a user, with the one archive it backs up to. The user (local or provisioned, matched
    /// case-insensitively by `userName`) must exist and not be deactivated.
    package func registerDevice(userName: String, name: String) async throws -> (Device, Archive) {
        let deviceName = name.trimmingSpaces
        guard !deviceName.isEmpty else { throw ProvisioningError.invalid("A device needs a name.") }
        let wanted = userName.trimmingSpaces
        let timestamp = now()
        let deviceID = ResourceID.generate()
        let archiveID = ResourceID.generate()
        return try await store.withTransaction { tx in
            let user = try await Self.existingUser(wanted, in: tx)
            guard user.status != .deactivated else {
                throw ProvisioningError.invalid(
                    "User '\(user.userName)' is deactivated; a deactivated user cannot register devices.")
            }
            let device = Device(id: deviceID, userID: user.id, name: deviceName, createdAt: timestamp)
            let archive = Archive(id: archiveID, deviceID: deviceID, userID: user.id, createdAt: timestamp)
            try await tx.insertDevice(device)
            try await tx.insertArchive(archive)
            return (device, archive)
        }
    }

    /// A user's devices, oldest first.
    package func devices(userID: String) async throws -> [Device] {
        try await store.read { tx in try await tx.devices(userID: userID) }
    }

    /// A user's archives, oldest first.
    package func archives(userID: String) async throws -> [Archive] {
        try await store.read { tx in try await tx.archives(userID: userID) }
    }

    /// The user with this id.
    package func user(id: String) async throws -> UserRecord {
        guard let user = try await store.read({ tx in try await tx.user(id: id) }) else {
            throw ProvisioningError.notFound("No user with id '\(id)'.")
        }
        return user
    }

    // MARK: Sessions

    /// Signs a user in, on one of its devices or without one. Only an active user may sign in; the device, if
    /// given, must be the user's. The token is returned once; only its hash is stored.
    package func signIn(userName: String, deviceID: String?) async throws -> (token: String, session: SignInSession) {
        let wanted = userName.trimmingSpaces
        let token = Credentials.generateSecret()
        let timestamp = now()
        let session = try await store.withTransaction { tx in
            let user = try await Self.existingUser(wanted, in: tx)
            guard user.status == .active else {
                let why =
                    user.status == .blocked
                    ? "an admin blocked the account" : "the account was deactivated"
                throw ProvisioningError.refused(
                    "User '\(user.userName)' is \(user.status.rawValue) and cannot sign in (\(why)).")
            }
            if let deviceID, !(try await tx.devices(userID: user.id).contains { $0.id == deviceID }) {
                throw ProvisioningError.notFound("User '\(user.userName)' has no device '\(deviceID)'.")
            }
            let session = SignInSession(
                tokenHash: Credentials.hash(secret: token), userID: user.id, deviceID: deviceID, createdAt: timestamp)
            try await tx.insertSession(session)
            return session
        }
        return (token, session)
    }

    /// The open session of a token. Unknown tokens and revoked sessions are ``ProvisioningError/unauthenticated(_:)``.
    package func currentSession(token: String) async throws -> SignInSession {
        let hash = Credentials.hash(secret: token)
        let session = try await store.read { tx in try await tx.session(tokenHash: hash) }
        guard let session, Credentials.verify(secret: token, storedHash: session.tokenHash) else {
            throw ProvisioningError.unauthenticated("The session token is not valid.")
        }
        guard session.revokedAt == nil else { throw ProvisioningError.unauthenticated("The session was revoked.") }
        return session
    }

    // MARK: API keys

    /// Creates a platform API key, valid for `expiresIn` (forever when `nil`). The secret is returned once; only
    /// its hash is stored.
    package func createAPIKey(name: String, expiresIn: Duration? = nil) async throws
        -> (PlatformAPIKey, secret: String)
    {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty else { throw ProvisioningError.invalid("An API key needs a name.") }
        let secret = Credentials.generateSecret()
        let timestamp = now()
        let key = PlatformAPIKey(
            id: Credentials.generateIdentifier(), name: trimmed, secretHash: Credentials.hash(secret: secret),
            createdAt: timestamp, expiresAt: try AdminAccounts.expiry(expiresIn, from: timestamp))
        try await store.withTransaction { tx in try await tx.insertAPIKey(key) }
        return (key, secret)
    }

    /// The API key whose secret this is, or `nil` when it is unknown, revoked or expired. Records when the key was
    /// last used (at most once a minute).
    package func verifyAPIKey(_ secret: String) async throws -> PlatformAPIKey? {
        guard !secret.isEmpty else { return nil }
        let hash = Credentials.hash(secret: secret)
        let timestamp = now()
        guard let key = try await store.read({ tx in try await tx.apiKey(secretHash: hash) }),
            Credentials.verify(secret: secret, storedHash: key.secretHash),
            key.expiresAt.map({ $0 > timestamp }) ?? true
        else { return nil }
        if key.lastUsedAt.map({ timestamp.timeIntervalSince($0) >= AdminAccounts.lastUsedResolution }) ?? true {
            try await store.withTransaction { tx in try await tx.touchAPIKey(id: key.id, at: timestamp) }
        }
        return key
    }

    /// Revokes a platform API key by id: it stops authenticating at once.
    package func revokeAPIKey(id: String) async throws {
        let removed = try await store.withTransaction { tx in try await tx.deleteAPIKey(id: id) }
        guard removed else {
            throw ProvisioningError.notFound("No platform API key with id '\(id)'; `roster api-key list` shows them.")
        }
    }

    /// Every API key, oldest first (hashes only).
    package func apiKeys() async throws -> [PlatformAPIKey] {
        try await store.read { tx in try await tx.apiKeys() }
    }

    // MARK: Helpers

    static func existingUser(_ userName: String, in tx: any StoreTransaction) async throws -> UserRecord {
        guard !userName.isEmpty else { throw ProvisioningError.invalid("A userName is required.") }
        guard let user = try await tx.user(userName: userName) else {
            throw ProvisioningError.notFound("No user with userName '\(userName)'.")
        }
        return user
    }
}
