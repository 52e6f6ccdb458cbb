import Foundation

/// Revoking, expiring and removing credentials, and failed sign-ins, in memory.
extension MemoryTransaction {
    func deleteAdmin(id: String) async throws -> Bool {
        guard let i = state.admins.firstIndex(where: { $0.id == id }) else { return false }
        state.admins.remove(at: i)
        state.adminSessions = state.adminSessions.filter { $0.value.adminID != id }
        state.adminTokens.removeAll { $0.adminID == id }
        return true
    }

    func deleteAdminSessions(adminID: String, except: String?) async throws -> Int {
        let ending = state.adminSessions.filter { $0.value.adminID == adminID && $0.key != except }.map(\.key)
        for key in ending { state.adminSessions[key] = nil }
        return ending.count
    }

    func deleteAdminToken(id: String) async throws -> Bool {
        guard let i = state.adminTokens.firstIndex(where: { $0.id == id }) else { return false }
        state.adminTokens.remove(at: i)
        return true
    }

    func touchAdminToken(id: String, at: Date) async throws {
        guard let i = state.adminTokens.firstIndex(where: { $0.id == id }) else { return }
        state.adminTokens[i].lastUsedAt = at
    }

    func deleteAPIKey(id: String) async throws -> Bool {
        guard let i = state.apiKeys.firstIndex(where: { $0.id == id }) else { return false }
        state.apiKeys.remove(at: i)
        return true
    }

    func touchAPIKey(id: String, at: Date) async throws {
        guard let i = state.apiKeys.firstIndex(where: { $0.id == id }) else { return }
        state.apiKeys[i].lastUsedAt = at
    }

    func signInFailures(email: String) async throws -> SignInFailures? { state.signInFailures[email] }

    func saveSignInFailures(_ failures: SignInFailures) async throws { state.signInFailures[failures.email] = failures }

    func deleteSignInFailures(email: String) async throws { state.signInFailures[email] = nil }

    func deleteSignInFailures(before date: Date) async throws -> Int {
        let stale = state.signInFailures.filter {
            $0.value.updatedAt < date && ($0.value.lockedUntil ?? .distantPast) < date
        }
        for key in stale.keys { state.signInFailures[key] = nil }
        return stale.count
    }
}
