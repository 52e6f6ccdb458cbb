package import Foundation
import SCIM

/// Admin accounts: creation (bcrypt), console sign-in with a lockout delay, sessions with their anti-forgery
/// tokens, the one-time setup link for the first admin, and admin API tokens.
package struct AdminAccounts: Sendable {
    package let store: any ProvisioningStore
    let now: @Sendable () -> Date
    /// Where bcrypt runs: a thread of its own with a bounded queue, so that sign-ins never occupy the threads
    /// that serve SCIM.
    package let hasher: PasswordHasher
    /// bcrypt's cost factor (2^cost rounds). 12 takes a few hundred milliseconds here, which is the point.
    package var bcryptCost: UInt8 { hasher.cost }
    package var lockout: SignInLockout
    /// How long a console session lasts after sign-in.
    package var sessionLifetime: Duration

    /// The shortest password accepted.
    package static var minimumPasswordLength: Int { 12 }
    /// The setting that holds the SHA-256 of the one-time setup token while no admin exists.
    static var setupTokenSetting: String { "admin_setup_token" }

    /// - Parameter hasher: shared by every `AdminAccounts` of a server, so that they queue on one thread; a new one
    ///   of cost `bcryptCost` when `nil`.
    package init(
        store: any ProvisioningStore, bcryptCost: UInt8 = 12, hasher: PasswordHasher? = nil,
        lockout: SignInLockout = SignInLockout(),
        sessionLifetime: Duration = .seconds(12 * 3600), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.hasher = hasher ?? PasswordHasher(cost: bcryptCost)
        self.lockout = lockout
        self.sessionLifetime = sessionLifetime
        self.now = now
    }

    /// A session just opened: the cookie token (shown once, stored hashed) and the session.
    package struct SignedIn: Sendable {
        package var token: String
        package var session: AdminSession
        package var admin: AdminAccount
    }

    // MARK: Accounts

    /// Creates an admin. The email must look like one; the password must have at least
    /// ``minimumPasswordLength`` characters.
    @discardableResult
    package func addAdmin(email: String, password: String) async throws -> AdminAccount {
        let admin = try await newAdmin(email: email, password: password, at: now())
        try await store.withTransaction { tx in
            if try await tx.admin(email: admin.email) != nil {
                throw ProvisioningError.conflict("An admin with email '\(admin.email)' already exists.")
            }
            try await tx.insertAdmin(admin)
        }
        return admin
    }

    /// A new admin account after checking the email and the password (not yet stored).
    func newAdmin(email: String, password: String, at timestamp: Date) async throws -> AdminAccount {
        let address = email.trimmingSpaces
        guard UserRules.isEmailAddress(address) else {
            throw ProvisioningError.invalid("'\(email)' is not an email address; admins sign in with their email.")
        }
        try Self.checkPassword(password)
        return AdminAccount(
            id: ResourceID.generate(), email: address, passwordHash: try await hasher.hash(password),
            createdAt: timestamp)
    }

    package func admins() async throws -> [AdminAccount] { try await store.read { tx in try await tx.admins() } }

    static func checkPassword(_ password: String) throws(ProvisioningError) {
        guard password.count >= minimumPasswordLength else {
            throw ProvisioningError.invalid("A password needs at least \(minimumPasswordLength) characters.")
        }
    }

    // MARK: Sign-in

    /// Signs in with email and password. Wrong credentials say only that; after ``SignInLockout/freeAttempts``
    /// failures in a row the email is locked for a doubling delay, and sign-in is refused with the time left
    /// (``ProvisioningError/retryAfter``) without looking at the password. Unknown emails are counted and locked
    /// the same way, and cost the same bcrypt check, so neither answers nor timing tell which emails are admins.
    package func signIn(email: String, password: String) async throws -> SignedIn {
        let timestamp = now()
        try hasher.checkRoom()
        let found = try await countAttempt(email: email, at: timestamp)
        guard try await hasher.verify(password, hash: found?.passwordHash), var admin = found else {
            throw ProvisioningError.unauthenticated("Wrong email or password.")
        }
        admin.lastSignInAt = timestamp
        return try await open(for: admin, at: timestamp)
    }

    /// The key failed sign-ins are counted under: the email as typed, trimmed and lowercased, at most 320
    /// characters (the longest email address).
    static func failureKey(_ email: String) -> String { String(email.trimmingSpaces.lowercased().prefix(320)) }

    /// Counts a password check about to happen as a failure, in one write transaction, and returns the admin with
    /// this email (or `nil`). Refuses when the email is locked. Counting before checking is what bounds parallel
    /// guesses: each sees the ones before it, so at most ``SignInLockout/freeAttempts`` are ever checked before the
    /// lock. A success forgets the count (``open(for:at:)``).
    func countAttempt(email: String, at timestamp: Date) async throws -> AdminAccount? {
        let key = Self.failureKey(email)
        let lockout = lockout
        let forgetBefore = timestamp.addingTimeInterval(-TimeInterval(lockout.forgetAfter.components.seconds))
        return try await store.withTransaction { tx in
            _ = try await tx.deleteSignInFailures(before: forgetBefore)
            var record =
                try await tx.signInFailures(email: key) ?? SignInFailures(email: key, failures: 0, updatedAt: timestamp)
            if let until = record.lockedUntil, until > timestamp {
                let seconds = Int(until.timeIntervalSince(timestamp).rounded(.up))
                throw ProvisioningError.refused(
                    "Too many failed sign-ins: try again in \(seconds) second\(seconds == 1 ? "" : "s").",
                    retryAfter: seconds)
            }
            record.failures += 1
            record.updatedAt = timestamp
            record.lockedUntil = lockout.delay(afterFailures: record.failures).map {
                timestamp.addingTimeInterval(TimeInterval($0.components.seconds))
            }
            try await tx.saveSignInFailures(record)
            return try await tx.admin(email: email.trimmingSpaces)
        }
    }

    /// Opens a session for `admin` and records the sign-in.
    func open(for admin: AdminAccount, at timestamp: Date) async throws -> SignedIn {
        let token = Credentials.generateSecret()
        let session = AdminSession(
            tokenHash: Credentials.hash(secret: token), adminID: admin.id, csrfToken: Credentials.generateSecret(),
            createdAt: timestamp,
            expiresAt: timestamp.addingTimeInterval(TimeInterval(sessionLifetime.components.seconds)))
        try await store.withTransaction { tx in
            try await tx.updateAdmin(admin)
            try await tx.deleteSignInFailures(email: Self.failureKey(admin.email))
            _ = try await tx.deleteExpiredAdminSessions(now: timestamp)
            try await tx.insertAdminSession(session)
        }
        return SignedIn(token: token, session: session, admin: admin)
    }

    /// The admin and session a cookie token stands for, or `nil` when it is unknown or expired.
    package func session(token: String) async throws -> (admin: AdminAccount, session: AdminSession)? {
        let timestamp = now()
        return try await store.read { tx in
            guard let session = try await tx.adminSession(tokenHash: Credentials.hash(secret: token)),
                session.expiresAt > timestamp, let admin = try await tx.admin(id: session.adminID)
            else { return nil }
            return (admin, session)
        }
    }

    package func signOut(token: String) async throws {
        try await store.withTransaction { tx in
            try await tx.deleteAdminSession(tokenHash: Credentials.hash(secret: token))
        }
    }

    // MARK: First admin

    /// A one-time setup token for creating the first admin, or `nil` when an admin exists. Each call replaces the
    /// previous token (the server prints a new link at each start until the first admin exists).
    package func issueSetupToken() async throws -> String? {
        let token = Credentials.generateSecret()
        return try await store.withTransaction { tx in
            guard try await tx.admins().isEmpty else { return nil }
            try await tx.setSetting(Self.setupTokenSetting, Credentials.hash(secret: token))
            return token
        }
    }

    /// Whether `token` is the current setup token and no admin exists yet.
    package func isValidSetupToken(_ token: String) async throws -> Bool {
        try await store.read { tx in
            guard try await tx.admins().isEmpty, let stored = try await tx.setting(Self.setupTokenSetting),
                !stored.isEmpty
            else {
                return false
            }
            return Credentials.verify(secret: token, storedHash: stored)
        }
    }

    /// Creates the first admin with the setup token and signs it in. The token then stops working.
    package func completeSetup(token: String, email: String, password: String) async throws -> SignedIn {
        let timestamp = now()
        var admin = try await newAdmin(email: email, password: password, at: timestamp)
        admin.lastSignInAt = timestamp
        try await store.withTransaction { [admin] tx in
            guard try await tx.admins().isEmpty, let stored = try await tx.setting(Self.setupTokenSetting),
                Credentials.verify(secret: token, storedHash: stored)
            else {
                throw ProvisioningError.unauthenticated(
                    "This setup link is no longer valid: an admin exists already, or the server was restarted and printed a new link."
                )
            }
            try await tx.insertAdmin(admin)
            try await tx.setSetting(Self.setupTokenSetting, "")
        }
        return try await open(for: admin, at: timestamp)
    }

}
