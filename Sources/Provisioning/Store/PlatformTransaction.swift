package import Foundation

/// The platform side: devices, backup archives, sign-in sessions and platform API keys. Part of ``StoreTransaction``.
package protocol PlatformTransaction {
    // MARK: Devices, archives, sessions, API keys (the platform side)
    func insertDevice(_ device: Device) async throws
    func devices(userID: String) async throws -> [Device]
    func insertArchive(_ archive: Archive) async throws
    func archives(userID: String) async throws -> [Archive]
    /// Moves the user's active archives to cold storage, kept until `until`. Returns how many moved.
    func moveArchivesToColdStorage(userID: String, until: Date) async throws -> Int
    /// Brings the user's cold archives not yet marked for deletion back to active. Returns how many came back.
    func restoreArchives(userID: String) async throws -> Int
    /// Marks cold archives whose retention ended before `now` for deletion. Returns how many were marked.
    func markExpiredArchives(now: Date) async throws -> Int
    func insertSession(_ session: SignInSession) async throws
    func session(tokenHash: String) async throws -> SignInSession?
    /// Revokes every open session of a user. Returns how many were revoked.
    func revokeSessions(userID: String, at: Date) async throws -> Int
    func insertAPIKey(_ key: PlatformAPIKey) async throws
    func apiKey(secretHash: String) async throws -> PlatformAPIKey?
    func apiKeys() async throws -> [PlatformAPIKey]
}
