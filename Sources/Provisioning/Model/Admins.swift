public import Foundation

/// An administrator of the platform: signs in to the console with email and password (bcrypt), and owns admin API
/// tokens.
public struct AdminAccount: Sendable, Hashable, Identifiable {
    public var id: String
    public var email: String
    /// bcrypt hash (`$2b$…`) of the password.
    public var passwordHash: String
    /// Unused: failed sign-ins are counted per email address in ``SignInFailures``, for known and unknown emails
    /// alike. Kept because the column exists.
    public var failedSignIns: Int
    /// Unused, like ``failedSignIns``.
    public var lockedUntil: Date?
    public var lastSignInAt: Date?
    public var createdAt: Date

    public init(
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
public struct AdminSession: Sendable, Hashable {
    public var tokenHash: String
    public var adminID: String
    /// The anti-forgery token every form of this session must send back.
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, adminID: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.adminID = adminID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An admin API token (`Authorization: Bearer`), acting as the admin who created it. Revoking deletes it; removing
/// its admin deletes it too.
public struct AdminToken: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var adminID: String
    /// SHA-256 of the secret.
    public var secretHash: String
    public var createdAt: Date
    /// When it last authenticated a request (recorded at most once a minute), or `nil` if never.
    public var lastUsedAt: Date?
    /// It stops authenticating then; `nil` never expires.
    public var expiresAt: Date?

    public init(
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
public struct SignInFailures: Sendable, Hashable {
    /// The email, lowercased.
    public var email: String
    /// Failed (or still unchecked) sign-ins in a row.
    public var failures: Int
    /// Sign-in is refused until then.
    public var lockedUntil: Date?
    /// The last attempt counted.
    public var updatedAt: Date

    public init(email: String, failures: Int, lockedUntil: Date? = nil, updatedAt: Date) {
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
public struct SignInLockout: Sendable, Hashable {
    public var freeAttempts: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration
    public var forgetAfter: Duration

    public init(
        freeAttempts: Int = 5, baseDelay: Duration = .seconds(30), maximumDelay: Duration = .seconds(15 * 60),
        forgetAfter: Duration = .seconds(3600)
    ) {
        self.freeAttempts = freeAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.forgetAfter = forgetAfter
    }

    /// The lock after the `failures`-th consecutive failure, or `nil` while attempts are free.
    public func delay(afterFailures failures: Int) -> Duration? {
        guard failures >= freeAttempts else { return nil }
        let doublings = min(failures - freeAttempts, 20)
        let delay = baseDelay * (1 << doublings)
        return min(delay, maximumDelay)
    }
}
