package import Foundation

/// Settings, admin accounts, console sessions, admin API tokens and sign-in throttling. Part of ``StoreTransaction``.
package protocol AdminTransaction {
    // MARK: Settings
    /// A platform setting (for example the public URL the server announced).
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, _ value: String) async throws

    // MARK: Admin accounts, console sessions, admin API tokens

    /// Inserts an admin; a taken email (case-insensitive) is a `conflict`.
    func insertAdmin(_ admin: AdminAccount) async throws
    func updateAdmin(_ admin: AdminAccount) async throws
    func admin(id: String) async throws -> AdminAccount?
    /// The admin with this email, case-insensitively.
    func admin(email: String) async throws -> AdminAccount?
    func admins() async throws -> [AdminAccount]
    func insertAdminSession(_ session: AdminSession) async throws
    func adminSession(tokenHash: String) async throws -> AdminSession?
    func deleteAdminSession(tokenHash: String) async throws
    /// Deletes sessions that expired before `now`. Returns how many went.
    func deleteExpiredAdminSessions(now: Date) async throws -> Int
    func insertAdminToken(_ token: AdminToken) async throws
    func adminToken(secretHash: String) async throws -> AdminToken?
    func adminTokens() async throws -> [AdminToken]

    // MARK: Revoking and expiring credentials

    /// Deletes an admin with its sessions and API tokens. Returns whether it existed.
    func deleteAdmin(id: String) async throws -> Bool
    /// Ends an admin's console sessions, except the one whose token hash is `except`. Returns how many ended.
    func deleteAdminSessions(adminID: String, except: String?) async throws -> Int
    /// Revokes (deletes) an admin API token. Returns whether it existed.
    func deleteAdminToken(id: String) async throws -> Bool
    /// Records when an admin API token last authenticated a request.
    func touchAdminToken(id: String, at: Date) async throws
    /// Revokes (deletes) a platform API key. Returns whether it existed.
    func deleteAPIKey(id: String) async throws -> Bool
    /// Records when a platform API key last authenticated a request.
    func touchAPIKey(id: String, at: Date) async throws
    /// The failed sign-ins in a row for an email (lowercased), if any are recorded.
    func signInFailures(email: String) async throws -> SignInFailures?
    /// Inserts or replaces the failed sign-ins of ``SignInFailures/email``.
    func saveSignInFailures(_ failures: SignInFailures) async throws
    /// Forgets the failed sign-ins of an email (lowercased), after a success or a new password.
    func deleteSignInFailures(email: String) async throws
    /// Forgets failures whose last attempt and lock both ended before `date`. Returns how many went.
    func deleteSignInFailures(before date: Date) async throws -> Int
}
