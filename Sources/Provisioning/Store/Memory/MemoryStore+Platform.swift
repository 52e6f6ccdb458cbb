import Foundation

/// The platform side of the memory store: devices, archives, sign-in sessions and platform API keys. Lists come
/// ordered by creation time, then id, as the SQL stores order them.
extension MemoryTransaction {
    // MARK: Devices

    func insertDevice(_ device: Device) async throws {
        guard state.users[device.userID] != nil else {
            throw ProvisioningError.notFound("User \(device.userID) not found.")
        }
        guard !state.devices.contains(where: { $0.id == device.id }) else {
            throw ProvisioningError.conflict("Device \(device.id) exists.")
        }
        state.devices.append(device)
    }

    func devices(userID: String) async throws -> [Device] {
        state.devices.filter { $0.userID == userID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    // MARK: Archives

    func insertArchive(_ archive: Archive) async throws {
        guard state.devices.contains(where: { $0.id == archive.deviceID }) else {
            throw ProvisioningError.notFound("Device \(archive.deviceID) not found.")
        }
        guard !state.archives.contains(where: { $0.id == archive.id }) else {
            throw ProvisioningError.conflict("Archive \(archive.id) exists.")
        }
        state.archives.append(archive)
    }

    func archives(userID: String) async throws -> [Archive] {
        state.archives.filter { $0.userID == userID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func moveArchivesToColdStorage(userID: String, until: Date) async throws -> Int {
        var moved = 0
        for i in state.archives.indices where state.archives[i].userID == userID && state.archives[i].tier == .active {
            state.archives[i].tier = .cold
            state.archives[i].coldUntil = until
            moved += 1
        }
        return moved
    }

    func restoreArchives(userID: String) async throws -> Int {
        var restored = 0
        for i in state.archives.indices
        where state.archives[i].userID == userID && state.archives[i].tier == .cold
            && !state.archives[i].markedForDeletion
        {
            state.archives[i].tier = .active
            state.archives[i].coldUntil = nil
            restored += 1
        }
        return restored
    }

    func markExpiredArchives(now: Date) async throws -> Int {
        var marked = 0
        for i in state.archives.indices where state.archives[i].tier == .cold && !state.archives[i].markedForDeletion {
            guard let until = state.archives[i].coldUntil, until < now else { continue }
            state.archives[i].markedForDeletion = true
            marked += 1
        }
        return marked
    }

    // MARK: Sessions

    func insertSession(_ session: SignInSession) async throws {
        guard state.sessions[session.tokenHash] == nil else { throw ProvisioningError.conflict("The session exists.") }
        state.sessions[session.tokenHash] = session
    }

    func session(tokenHash: String) async throws -> SignInSession? { state.sessions[tokenHash] }

    func revokeSessions(userID: String, at: Date) async throws -> Int {
        var revoked = 0
        for (hash, session) in state.sessions where session.userID == userID && session.revokedAt == nil {
            state.sessions[hash]?.revokedAt = at
            revoked += 1
        }
        return revoked
    }

    // MARK: API keys

    func insertAPIKey(_ key: PlatformAPIKey) async throws {
        guard !state.apiKeys.contains(where: { $0.id == key.id || $0.secretHash == key.secretHash }) else {
            throw ProvisioningError.conflict("API key \(key.id) exists.")
        }
        state.apiKeys.append(key)
    }

    func apiKey(secretHash: String) async throws -> PlatformAPIKey? {
        state.apiKeys.first { $0.secretHash == secretHash }
    }

    func apiKeys() async throws -> [PlatformAPIKey] {
        state.apiKeys.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}
