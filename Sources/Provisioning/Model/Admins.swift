package import Foundation

/// An administrator of the platform: signs in to the console with email and password (bcrypt), and owns admin API
/// tokens.
package struct AdminAccount: Sendable, Hashable, Identifiable {
    package var id: String
    package var email: String
    /// bcrypt hash (`$2b$…`) of the password.
    package var passwordHash: String
    /// Unused: failed sign-ins are counted per email address in ``SignInFailures``, for known and unknown emails
    /// alike. Kept because the column exists.
    package var failedSignIns: Int
    /// Unused, like ``failedSignIns``.
    package var lockedUntil: Date?
    package var lastSignInAt: Date?
    package var createdAt: Date

    package init(
        id: String, email: String, passwordHash: String, failedSignIns: Int = 0, lockedUntil: Date? = nil,
        lastSignInAt: Date? = nil, createdAt: Date
    ) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.failedSignIns = failedSignIns
        self.lockedUntil = lockedUntil
        self.lastSignInAt = lastSignInAt
        self.createdAt = createdAt
    }
}

/// A signed-in console session. The cookie carries the token; the store keeps its SHA-256 only.
package struct AdminSession: Sendable, Hashable {
    package var tokenHash: String
    package var adminID: String
    /// The anti-forgery token every form of this session must send back.
    package var csrfToken: String
    package var createdAt: Date
    package var expiresAt: Date

    package init(tokenHash: String, adminID: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.adminID = adminID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An admin API token (`Authorization: Bearer`), acting as the admin who created it. Revoking deletes it; removing
/// its admin deletes it too.
package struct AdminToken: Sendable, Hashable, Identifiable {
    package var id: String
    package var name: String
    package var adminID: String
    /// SHA-256 of the secret.
    package var secretHash: String
    package var createdAt: Date
    /// When it last authenticated a request (recorded at most once a minute), or `nil` if never.
    package var lastUsedAt: Date?
    /// It stops authenticating then; `nil` never expires.
    package var expiresAt: Date?

    package init(
        id: String, name: String, adminID: String, secretHash: String, createdAt: Date, lastUsedAt: Date? = nil,
        expiresAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.adminID = adminID
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }
}

/// Failed sign-ins in a row for one email address (lowercased), whether or not an admin has it, so that a lockout
/// looks the same for every address. Kept while failures are recent; a success deletes it.
package struct SignInFailures: Sendable, Hashable {
    /// The email, lowercased.
    package var email: String
    /// Failed (or still unchecked) sign-ins in a row.
    package var failures: Int
    /// Sign-in is refused until then.
    package var lockedUntil: Date?
    /// The last attempt counted.
    package var updatedAt: Date

    package init(email: String, failures: Int, lockedUntil: Date? = nil, updatedAt: Date) {
        self.email = email
        self.failures = failures
        self.lockedUntil = lockedUntil
        self.updatedAt = updatedAt
    }
}

/// The lockout rule for console sign-in: after `freeAttempts` consecutive failures, each further failure locks
/// the account for a delay that doubles, from `baseDelay` up to `maximumDelay`.
/// Failures are counted per email address; a count is forgotten `forgetAfter` past its last attempt and its lock,
/// which keeps the table of counts small however many addresses are tried.
package struct SignInLockout: Sendable, Hashable {
    package var freeAttempts: Int
    package var baseDelay: Duration
    package var maximumDelay: Duration
    package var forgetAfter: Duration

    package init(
        freeAttempts: Int = 5, baseDelay: Duration = .seconds(30), maximumDelay: Duration = .seconds(15 * 60),
        forgetAfter: Duration = .seconds(3600)
    ) {
        self.freeAttempts = freeAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.forgetAfter = forgetAfter
    }

    /// The lock after the `failures`-th consecutive failure, or `nil` while attempts are free.
    package func delay(afterFailures failures: Int) -> Duration? {
        guard failures >= freeAttempts else { return nil }
        let doublings = min(failures - freeAttempts, 20)
        let delay = baseDelay * (1 << doublings)
        return min(delay, maximumDelay)
    }
}
