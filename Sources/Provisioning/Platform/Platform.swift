public import Foundation

/// A device (backup agent) registered for a user; it signs in for the user and owns archives.
public struct Device: Sendable, Hashable, Identifiable {
    public var id: String
    public var userID: String
    public var name: String
    public var createdAt: Date
    public init(id: String, userID: String, name: String, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
    }
}

/// Where a backup archive is kept.
public enum ArchiveTier: String, Sendable, Hashable {
    /// Backed up to and restorable as usual.
    case active
    /// The owner was deactivated: kept for the retention period, then marked for deletion.
    case cold
}

/// A backup archive of one device.
public struct Archive: Sendable, Hashable, Identifiable {
    public var id: String
    public var deviceID: String
    public var userID: String
    public var tier: ArchiveTier
    /// Until when a cold archive is kept; `nil` for active archives.
    public var coldUntil: Date?
    /// Set once a cold archive outlived its retention.
    public var markedForDeletion: Bool
    public var createdAt: Date
    public init(
        id: String, deviceID: String, userID: String, tier: ArchiveTier = .active, coldUntil: Date? = nil,
        markedForDeletion: Bool = false, createdAt: Date
    ) {
        self.id = id
        self.deviceID = deviceID
        self.userID = userID
        self.tier = tier
        self.coldUntil = coldUntil
        self.markedForDeletion = markedForDeletion
        self.createdAt = createdAt
    }
}

/// A sign-in session of a user on a device. Only the SHA-256 of its token is stored.
public struct SignInSession: Sendable, Hashable {
    public var tokenHash: String
    public var userID: String
    public var deviceID: String?
    public var createdAt: Date
    public var revokedAt: Date?
    public init(tokenHash: String, userID: String, deviceID: String?, createdAt: Date, revokedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.deviceID = deviceID
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A platform API key: what the backup platform's own services (agents' sign-in broker, device registry) use to
/// call Roster's platform API. Only the SHA-256 of the key is stored. Revoking deletes it.
public struct PlatformAPIKey: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var secretHash: String
    public var createdAt: Date
    /// When it last authenticated a request (recorded at most once a minute), or `nil` if never.
    public var lastUsedAt: Date?
    /// It stops authenticating then; `nil` never expires.
    public var expiresAt: Date?

    public init(
        id: String, name: String, secretHash: String, createdAt: Date, lastUsedAt: Date? = nil, expiresAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }
}
