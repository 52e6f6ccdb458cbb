import Foundation
import GRDB
import Provisioning
import ProvisioningSQL

/// The platform side of the SQLite store: devices, archives, sign-in sessions and platform API keys. Every query
/// goes through an index of the `v1-platform` migration: primary keys, `devices_by_user`, `archives_by_user`,
/// `archives_cold_until` (partial, cold archives only) and `sessions_open_by_user` (partial, open sessions only).
extension SQLiteTransaction {
    // MARK: Devices

    static let deviceColumns = "id, user_id, name, created_at"

    func insertDevice(_ d: Device) throws {
        try db.execute(
            sql: "INSERT INTO devices (\(Self.deviceColumns)) VALUES (?, ?, ?, ?)",
            arguments: [d.id, d.userID, d.name, RowCoding.milliseconds(d.createdAt)])
    }

    func devices(userID: String) throws -> [Device] {
        try fetchAll(
            sql: "SELECT \(Self.deviceColumns) FROM devices WHERE user_id = ? ORDER BY created_at, id",
            arguments: [userID]
        ).map(Self.device(from:))
    }

    static func device(from row: Row) -> Device {
        Device(id: row["id"], userID: row["user_id"], name: row["name"], createdAt: RowCoding.date(row["created_at"]))
    }

    // MARK: Archives

    static let archiveColumns = "id, device_id, user_id, tier, cold_until, marked_for_deletion, created_at"

    func insertArchive(_ a: Archive) throws {
        try db.execute(
            sql: "INSERT INTO archives (\(Self.archiveColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                a.id, a.deviceID, a.userID, a.tier.rawValue, a.coldUntil.map(RowCoding.milliseconds),
                a.markedForDeletion, RowCoding.milliseconds(a.createdAt),
            ])
    }

    func archives(userID: String) throws -> [Archive] {
        try fetchAll(
            sql: "SELECT \(Self.archiveColumns) FROM archives WHERE user_id = ? ORDER BY created_at, id",
            arguments: [userID]
        ).map(Self.archive(from:))
    }

    func moveArchivesToColdStorage(userID: String, until: Date) throws -> Int {
        try db.execute(
            sql: "UPDATE archives SET tier = 'cold', cold_until = ? WHERE user_id = ? AND tier = 'active'",
            arguments: [RowCoding.milliseconds(until), userID])
        return db.changesCount
    }

    func restoreArchives(userID: String) throws -> Int {
        try db.execute(
            sql: """
                UPDATE archives SET tier = 'active', cold_until = NULL
                WHERE user_id = ? AND tier = 'cold' AND marked_for_deletion = 0
                """,
            arguments: [userID])
        return db.changesCount
    }

    func markExpiredArchives(now: Date) throws -> Int {
        try db.execute(
            sql: """
                UPDATE archives SET marked_for_deletion = 1
                WHERE tier = 'cold' AND cold_until < ? AND marked_for_deletion = 0
                """,
            arguments: [RowCoding.milliseconds(now)])
        return db.changesCount
    }

    static func archive(from row: Row) -> Archive {
        Archive(
            id: row["id"], deviceID: row["device_id"], userID: row["user_id"],
            tier: ArchiveTier(rawValue: row["tier"]) ?? .active,
            coldUntil: (row["cold_until"] as Int64?).map(RowCoding.date),
            markedForDeletion: row["marked_for_deletion"], createdAt: RowCoding.date(row["created_at"]))
    }

    // MARK: Sessions

    static let sessionColumns = "token_hash, user_id, device_id, created_at, revoked_at"

    func insertSession(_ s: SignInSession) throws {
        try db.execute(
            sql: "INSERT INTO sessions (\(Self.sessionColumns)) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                s.tokenHash, s.userID, s.deviceID, RowCoding.milliseconds(s.createdAt),
                s.revokedAt.map(RowCoding.milliseconds),
            ])
    }

    func session(tokenHash: String) throws -> SignInSession? {
        try fetchOne(
            sql: "SELECT \(Self.sessionColumns) FROM sessions WHERE token_hash = ?", arguments: [tokenHash]
        ).map(Self.session(from:))
    }

    func revokeSessions(userID: String, at: Date) throws -> Int {
        try db.execute(
            sql: "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            arguments: [RowCoding.milliseconds(at), userID])
        return db.changesCount
    }

    static func session(from row: Row) -> SignInSession {
        SignInSession(
            tokenHash: row["token_hash"], userID: row["user_id"], deviceID: row["device_id"],
            createdAt: RowCoding.date(row["created_at"]), revokedAt: (row["revoked_at"] as Int64?).map(RowCoding.date))
    }

    // MARK: API keys

    static let apiKeyColumns = "id, name, secret_hash, created_at"

    func insertAPIKey(_ k: PlatformAPIKey) throws {
        try db.execute(
            sql: "INSERT INTO api_keys (\(Self.apiKeyColumns)) VALUES (?, ?, ?, ?)",
            arguments: [k.id, k.name, k.secretHash, RowCoding.milliseconds(k.createdAt)])
    }

    func apiKey(secretHash: String) throws -> PlatformAPIKey? {
        try fetchOne(
            sql: "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE secret_hash = ?", arguments: [secretHash]
        ).map(Self.apiKey(from:))
    }

    func apiKeys() throws -> [PlatformAPIKey] {
        try fetchAll(sql: "SELECT \(Self.apiKeyColumns) FROM api_keys ORDER BY created_at, id")
            .map(Self.apiKey(from:))
    }

    static func apiKey(from row: Row) -> PlatformAPIKey {
        PlatformAPIKey(
            id: row["id"], name: row["name"], secretHash: row["secret_hash"], createdAt: RowCoding.date(row["created_at"]))
    }
}
