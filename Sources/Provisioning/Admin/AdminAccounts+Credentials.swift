package import Foundation
import SCIM

/// Admin API tokens (created, used, expired, revoked), removing admins and changing passwords. Every credential
/// can end: a token by revocation or expiry, an admin by removal (its sessions and tokens end with it), a password
/// by a new one (the admin's other sessions end with it).
extension AdminAccounts {
    /// How often a credential's last-used time is written at most: often enough to tell a dormant token from a
    /// busy one, rarely enough that authenticating stays a read.
    static var lastUsedResolution: TimeInterval { 60 }

    // MARK: Admin API tokens

    /// Creates an admin API token acting as the admin with `email`, valid for `expiresIn` (forever when `nil`). The
    /// secret is returned once.
    package func createToken(email: String, name: String, expiresIn: Duration? = nil) async throws
        -> (token: AdminToken, secret: String)
    {
        let secret = "rat_" + Credentials.generateSecret()
        let timestamp = now()
        let expiresAt = try Self.expiry(expiresIn, from: timestamp)
        let token = try await store.withTransaction { tx in
            guard let admin = try await tx.admin(email: email.trimmingSpaces) else {
                throw ProvisioningError.notFound("No admin with email '\(email)'; `roster admin add` creates one.")
            }
            let token = AdminToken(
                id: ResourceID.generate(), name: name.trimmingSpaces.isEmpty ? "api" : name.trimmingSpaces,
                adminID: admin.id, secretHash: Credentials.hash(secret: secret), createdAt: timestamp,
                expiresAt: expiresAt)
            try await tx.insertAdminToken(token)
            return token
        }
        return (token, secret)
    }

    package func tokens() async throws -> [AdminToken] { try await store.read { tx in try await tx.adminTokens() } }

    /// Revokes an admin API token by id: it stops authenticating at once.
    package func revokeToken(id: String) async throws {
        let removed = try await store.withTransaction { tx in try await tx.deleteAdminToken(id: id) }
        guard removed else {
            throw ProvisioningError.notFound(
                "No admin API token with id '\(id)'; `roster admin token list` shows them.")
        }
    }

    /// The admin an API token acts as, or `nil` when the token is unknown, revoked or expired, or its admin was
    /// removed. Records when the token was last used.
    package func authenticate(apiToken secret: String) async throws -> AdminAccount? {
        let timestamp = now()
        let found = try await store.read { tx -> (AdminToken, AdminAccount)? in
            guard let token = try await tx.adminToken(secretHash: Credentials.hash(secret: secret)),
                Credentials.verify(secret: secret, storedHash: token.secretHash),
                token.expiresAt.map({ $0 > timestamp }) ?? true,
                let admin = try await tx.admin(id: token.adminID)
            else { return nil }
            return (token, admin)
        }
        guard let (token, admin) = found else { return nil }
        if token.lastUsedAt.map({ timestamp.timeIntervalSince($0) >= Self.lastUsedResolution }) ?? true {
            try await store.withTransaction { tx in try await tx.touchAdminToken(id: token.id, at: timestamp) }
        }
        return admin
    }

    /// When a credential made at `timestamp` expires: `nil` for never; a zero duration is refused.
    static func expiry(_ expiresIn: Duration?, from timestamp: Date) throws -> Date? {
        guard let expiresIn else { return nil }
        let lifetime = try SettingLimit.credentialLifetime.check(expiresIn)
        return timestamp.addingTimeInterval(TimeInterval(lifetime.components.seconds))
    }

    // MARK: Removing admins, changing passwords

    /// Removes the admin with `email`: its console sessions end at once and its API tokens stop working. The last
    /// admin cannot be removed (nobody could sign in to the console or the admin API afterwards).
    @discardableResult
    package func removeAdmin(email: String) async throws -> AdminAccount {
        try await store.withTransaction { tx in
            guard let admin = try await tx.admin(email: email.trimmingSpaces) else {
                throw ProvisioningError.notFound("No admin with email '\(email)'.")
            }
            guard try await tx.admins().count > 1 else {
                throw ProvisioningError.conflict(
                    "\(admin.email) is the only admin; add another admin before removing this one, or nobody could sign in to the console or the admin API."
                )
            }
            _ = try await tx.deleteAdmin(id: admin.id)
            return admin
        }
    }

    /// Removes the admin with this id (the console and the admin API name admins by id).
    @discardableResult
    package func removeAdmin(id: String) async throws -> AdminAccount {
        guard let admin = try await store.read({ tx in try await tx.admin(id: id) }) else {
            throw ProvisioningError.notFound("No admin with id '\(id)'.")
        }
        return try await removeAdmin(email: admin.email)
    }

    /// Sets a new password for the admin with `email` (an operator's reset from the CLI). All of the admin's
    /// console sessions end and a sign-in lockout on the email lifts. Returns how many sessions ended.
    @discardableResult
    package func setPassword(email: String, password: String) async throws -> Int {
        try Self.checkPassword(password)
        let hash = try await hasher.hash(password)
        return try await store.withTransaction { tx in
            guard var admin = try await tx.admin(email: email.trimmingSpaces) else {
                throw ProvisioningError.notFound("No admin with email '\(email)'.")
            }
            admin.passwordHash = hash
            try await tx.updateAdmin(admin)
            try await tx.deleteSignInFailures(email: Self.failureKey(admin.email))
            return try await tx.deleteAdminSessions(adminID: admin.id, except: nil)
        }
    }

    /// Changes the password of a signed-in admin, who proves it with the current one (a wrong one counts as a
    /// failed sign-in). The admin's other console sessions end; `keeping` (the session asking) stays open.
    /// Returns how many sessions ended.
    @discardableResult
    package func changePassword(adminID: String, current: String, new password: String, keeping session: AdminSession)
        async throws -> Int
    {
        guard let admin = try await store.read({ tx in try await tx.admin(id: adminID) }) else {
            throw ProvisioningError.notFound("No admin with id '\(adminID)'.")
        }
        try Self.checkPassword(password)
        let found = try await countAttempt(email: admin.email, at: now())
        guard try await hasher.verify(current, hash: found?.passwordHash) else {
            throw ProvisioningError.invalid("The current password is wrong; nothing was changed.")
        }
        let hash = try await hasher.hash(password)
        return try await store.withTransaction { tx in
            guard var admin = try await tx.admin(id: adminID) else {
                throw ProvisioningError.notFound("No admin with id '\(adminID)'.")
            }
            admin.passwordHash = hash
            try await tx.updateAdmin(admin)
            try await tx.deleteSignInFailures(email: Self.failureKey(admin.email))
            return try await tx.deleteAdminSessions(adminID: admin.id, except: session.tokenHash)
        }
    }
}
