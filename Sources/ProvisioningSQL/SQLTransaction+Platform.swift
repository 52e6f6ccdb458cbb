package import Foundation
package import Provisioning

/// The platform side of the SQL stores: devices, archives, sign-in sessions and platform API keys. Every query
/// goes through an index of the `v1-platform` migration: primary keys, `devices_by_user`, `archives_by_user`,
/// `archives_cold_until` (partial, cold archives only) and `sessions_open_by_user` (partial, open sessions only).
extension SQLTransaction {
    // MARK: Devices

    static let deviceColumns = "id, user_id, name, created_at"

    package func insertDevice(_ d: Device) async throws {
        try await execute(
            "INSERT INTO devices (\(Self.deviceColumns)) VALUES (?, ?, ?, ?)",
            [d.id, d.userID, d.name, RowCoding.milliseconds(d.createdAt)])
    }

    package func devices(userID: String) async throws -> [Device] {
        try await fetchAll(
            "SELECT \(Self.deviceColumns) FROM devices WHERE user_id = ? ORDER BY created_at, id", [userID]
        ).map(Self.device(from:))
    }

    static func device(from row: SQLRow) -> Device {
        Device(id: row[0], userID: row[1], name: row[2], createdAt: RowCoding.date(row[3]))
    }

    // MARK: Archives

    static let archiveColumns = "id, device_id, user_id, tier, cold_until, marked_for_deletion, created_at"

    package func insertArchive(_ a: Archive) async throws {
        try await execute(
            "INSERT INTO archives (\(Self.archiveColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                a.id, a.deviceID, a.userID, a.tier.rawValue, a.coldUntil.map(RowCoding.milliseconds),
                a.markedForDeletion, RowCoding.milliseconds(a.createdAt),
            ])
    }

    package func archives(userID: String) async throws -> [Archive] {
        try await fetchAll(
            "SELECT \(Self.archiveColumns) FROM archives WHERE user_id = ? ORDER BY created_at, id", [userID]
        ).map(Self.archive(from:))
    }

    package func moveArchivesToColdStorage(userID: String, until: Date) async throws -> Int {
        try await execute(
            "UPDATE archives SET tier = 'cold', cold_until = ? WHERE user_id = ? AND tier = 'active'",
            [RowCoding.milliseconds(until), userID])
    }

    package func restoreArchives(userID: String) async throws -> Int {
        try await execute(
            """
            UPDATE archives SET tier = 'active', cold_until = NULL
            WHERE user_id = ? AND tier = 'cold' AND marked_for_deletion = 0
            """, [userID])
    }

    package func markExpiredArchives(now: Date) async throws -> Int {
        try await execute(
            """
            UPDATE archives SET marked_for_deletion = 1
            WHERE tier = 'cold' AND cold_until < ? AND marked_for_deletion = 0
            """, [RowCoding.milliseconds(now)])
    }

    static func archive(from row: SQLRow) -> Archive {
        Archive(
            id: row[0], deviceID: row[1], userID: row[2], tier: ArchiveTier(rawValue: row[3]) ?? .active,
            coldUntil: (row[4] as Int64?).map(RowCoding.date), markedForDeletion: row[5],
            createdAt: RowCoding.date(row[6]))
    }

    // MARK: Sessions

    static let sessionColumns = "token_hash, user_id, device_id, created_at, revoked_at"

    package func insertSession(_ s: SignInSession) async throws {
        try await execute(
            "INSERT INTO sessions (\(Self.sessionColumns)) VALUES (?, ?, ?, ?, ?)",
            [
                s.tokenHash, s.userID, s.deviceID, RowCoding.milliseconds(s.createdAt),
                s.revokedAt.map(RowCoding.milliseconds),
            ])
    }

    package func session(tokenHash: String) async throws -> SignInSession? {
        try await fetchOne(
            "SELECT \(Self.sessionColumns) FROM sessions WHERE token_hash = ?", [tokenHash]
        ).map(Self.session(from:))
    }

    package func revokeSessions(userID: String, at: Date) async throws -> Int {
        try await execute(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            [RowCoding.milliseconds(at), userID])
    }

    static func session(from row: SQLRow) -> SignInSession {
        SignInSession(
            tokenHash: row[0], userID: row[1], deviceID: row[2], createdAt: RowCoding.date(row[3]),
            revokedAt: (row[4] as Int64?).map(RowCoding.date))
    }

    // MARK: API keys

    static let apiKeyColumns = "id, name, secret_hash, created_at, last_used_at, expires_at"

    package func insertAPIKey(_ k: PlatformAPIKey) async throws {
        try await execute(
            "INSERT INTO api_keys (\(Self.apiKeyColumns)) VALUES (?, ?, ?, ?, ?, ?)",
            [
                k.id, k.name, k.secretHash, RowCoding.milliseconds(k.createdAt),
                k.lastUsedAt.map(RowCoding.milliseconds), k.expiresAt.map(RowCoding.milliseconds),
            ])
    }

    package func apiKey(secretHash: String) async throws -> PlatformAPIKey? {
        try await fetchOne(
            "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE secret_hash = ?", [secretHash]
        ).map(Self.apiKey(from:))
    }

    package func apiKeys() async throws -> [PlatformAPIKey] {
        try await fetchAll("SELECT \(Self.apiKeyColumns) FROM api_keys ORDER BY created_at, id")
            .map(Self.apiKey(from:))
    }

    static func apiKey(from row: SQLRow) -> PlatformAPIKey {
        PlatformAPIKey(
            id: row[0], name: row[1], secretHash: row[2], createdAt: RowCoding.date(row[3]),
            lastUsedAt: (row[4] as Int64?).map(RowCoding.date), expiresAt: (row[5] as Int64?).map(RowCoding.date))
    }
}
