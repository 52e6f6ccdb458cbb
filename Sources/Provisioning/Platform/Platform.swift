package import Foundation

/// A device (backup agent) registered for a user; it signs in for the user and owns archives.
package struct Device: Sendable, Hashable, Identifiable {
    package var id: String
    package var userID: String
    package var name: String
    package var createdAt: Date
    package init(id: String, userID: String, name: String, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
    }
}

/// Where a backup archive is kept.
package enum ArchiveTier: String, Sendable, Hashable {
    /// Backed up to and restorable as usual.
    case active
    /// The owner was deactivated: kept for the retention period, then marked for deletion.
    case cold
}

/// A backup archive of one device.
package struct Archive: Sendable, Hashable, Identifiable {
    package var id: String
    package var deviceID: String
    package var userID: String
    package var tier: ArchiveTier
    /// Until when a cold archive is kept; `nil` for active archives.
    package var coldUntil: Date?
    /// Set once a cold archive outlived its retention.
    package var markedForDeletion: Bool
    package var createdAt: Date
    package init(
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
package struct SignInSession: Sendable, Hashable {
    package var tokenHash: String
    package var userID: String
    package var deviceID: String?
    package var createdAt: Date
    package var revokedAt: Date?
    package init(tokenHash: String, userID: String, deviceID: String?, createdAt: Date, revokedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.deviceID = deviceID
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A platform API key: what the backup platform's own services (agents' sign-in broker, device registry) use to
/// call Roster's platform API. Only the SHA-256 of the key is stored. Revoking deletes it.
package struct PlatformAPIKey: Sendable, Hashable, Identifiable {
    package var id: String
    package var name: String
    package var secretHash: String
    package var createdAt: Date
    /// When it last authenticated a request (recorded at most once a minute), or `nil` if never.
    package var lastUsedAt: Date?
    /// It stops authenticating then; `nil` never expires.
    package var expiresAt: Date?

    package init(
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
