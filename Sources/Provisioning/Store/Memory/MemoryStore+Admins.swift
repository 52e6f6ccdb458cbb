import Foundation

/// Admin accounts, console sessions and admin API tokens in memory.
extension MemoryTransaction {
    func insertAdmin(_ admin: AdminAccount) async throws {
        guard try await self.admin(email: admin.email) == nil else {
            throw ProvisioningError.conflict("An admin with email '\(admin.email)' already exists.")
        }
        state.admins.append(admin)
    }
    func updateAdmin(_ admin: AdminAccount) async throws {
        guard let i = state.admins.firstIndex(where: { $0.id == admin.id }) else { return }
        state.admins[i] = admin
    }
    func admin(id: String) async throws -> AdminAccount? { state.admins.first { $0.id == id } }
    func admin(email: String) async throws -> AdminAccount? {
        let key = email.lowercased()
        return state.admins.first { $0.email.lowercased() == key }
    }
    func admins() async throws -> [AdminAccount] { state.admins }
    func insertAdminSession(_ session: AdminSession) async throws { state.adminSessions[session.tokenHash] = session }
    func adminSession(tokenHash: String) async throws -> AdminSession? { state.adminSessions[tokenHash] }
    func deleteAdminSession(tokenHash: String) async throws { state.adminSessions[tokenHash] = nil }
    func deleteExpiredAdminSessions(now: Date) async throws -> Int {
        let expired = state.adminSessions.filter { $0.value.expiresAt < now }.map(\.key)
        for key in expired { state.adminSessions[key] = nil }
        return expired.count
    }
    func insertAdminToken(_ token: AdminToken) async throws { state.adminTokens.append(token) }
    func adminToken(secretHash: String) async throws -> AdminToken? {
        state.adminTokens.first { $0.secretHash == secretHash }
    }
    func adminTokens() async throws -> [AdminToken] { state.adminTokens }
}
