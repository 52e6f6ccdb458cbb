import Foundation

/// Admin accounts, console sessions and admin API tokens in memory.
extension MemoryTransaction {
    func insertAdmin(_ admin: AdminAccount) throws {
        guard try self.admin(email: admin.email) == nil else {
            throw ProvisioningError.conflict("An admin with email '\(admin.email)' already exists.")
        }
        state.admins.append(admin)
    }
    func updateAdmin(_ admin: AdminAccount) throws {
        guard let i = state.admins.firstIndex(where: { $0.id == admin.id }) else { return }
        state.admins[i] = admin
    }
    func admin(id: String) throws -> AdminAccount? { state.admins.first { $0.id == id } }
    func admin(email: String) throws -> AdminAccount? {
        let key = email.lowercased()
        return state.admins.first { $0.email.lowercased() == key }
    }
    func admins() throws -> [AdminAccount] { state.admins }
    func insertAdminSession(_ session: AdminSession) throws { state.adminSessions[session.tokenHash] = session }
    func adminSession(tokenHash: String) throws -> AdminSession? { state.adminSessions[tokenHash] }
    func deleteAdminSession(tokenHash: String) throws { state.adminSessions[tokenHash] = nil }
    func deleteExpiredAdminSessions(now: Date) throws -> Int {
        let expired = state.adminSessions.filter { $0.value.expiresAt < now }.map(\.key)
        for key in expired { state.adminSessions[key] = nil }
        return expired.count
    }
    func insertAdminToken(_ token: AdminToken) throws { state.adminTokens.append(token) }
    func adminToken(secretHash: String) throws -> AdminToken? { state.adminTokens.first { $0.secretHash == secretHash } }
    func adminTokens() throws -> [AdminToken] { state.adminTokens }
}
