package import Foundation
package import Provisioning

/// Admin accounts, console sessions and admin API tokens.
extension SQLTransaction {
    static let adminColumns = "id, email, password_hash, failed_sign_ins, locked_until, last_sign_in_at, created_at"

    package func insertAdmin(_ a: AdminAccount) async throws {
        try await unique("An admin with email '\(a.email)' already exists.") {
            try await execute(
                """
                INSERT INTO admins (id, email, email_lower, password_hash, failed_sign_ins, locked_until,
                last_sign_in_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    a.id, a.email, a.email.lowercased(), a.passwordHash, a.failedSignIns,
                    a.lockedUntil.map(RowCoding.milliseconds), a.lastSignInAt.map(RowCoding.milliseconds),
                    RowCoding.milliseconds(a.createdAt),
                ])
        }
    }

    package func updateAdmin(_ a: AdminAccount) async throws {
        try await execute(
            """
            UPDATE admins SET email = ?, email_lower = ?, password_hash = ?, failed_sign_ins = ?, locked_until = ?,
            last_sign_in_at = ? WHERE id = ?
            """,
            [
                a.email, a.email.lowercased(), a.passwordHash, a.failedSignIns,
                a.lockedUntil.map(RowCoding.milliseconds),
                a.lastSignInAt.map(RowCoding.milliseconds), a.id,
            ])
    }

    package func admin(id: String) async throws -> AdminAccount? {
        try await fetchOne("SELECT \(Self.adminColumns) FROM admins WHERE id = ?", [id]).map(Self.admin(from:))
    }

    package func admin(email: String) async throws -> AdminAccount? {
        try await fetchOne("SELECT \(Self.adminColumns) FROM admins WHERE email_lower = ?", [email.lowercased()])
            .map(Self.admin(from:))
    }

    package func admins() async throws -> [AdminAccount] {
        try await fetchAll("SELECT \(Self.adminColumns) FROM admins ORDER BY created_at, id").map(Self.admin(from:))
    }

    static func admin(from row: SQLRow) -> AdminAccount {
        AdminAccount(
            id: row[0], email: row[1], passwordHash: row[2], failedSignIns: row[3],
            lockedUntil: (row[4] as Int64?).map(RowCoding.date), lastSignInAt: (row[5] as Int64?).map(RowCoding.date),
            createdAt: RowCoding.date(row[6]))
    }

    package func insertAdminSession(_ s: AdminSession) async throws {
        try await execute(
            "INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [
                s.tokenHash, s.adminID, s.csrfToken, RowCoding.milliseconds(s.createdAt),
                RowCoding.milliseconds(s.expiresAt),
            ])
    }

    package func adminSession(tokenHash: String) async throws -> AdminSession? {
        try await fetchOne(
            "SELECT token_hash, admin_id, csrf_token, created_at, expires_at FROM admin_sessions WHERE token_hash = ?",
            [tokenHash]
        ).map {
            AdminSession(
                tokenHash: $0[0], adminID: $0[1], csrfToken: $0[2], createdAt: RowCoding.date($0[3]),
                expiresAt: RowCoding.date($0[4]))
        }
    }

    package func deleteAdminSession(tokenHash: String) async throws {
        try await execute("DELETE FROM admin_sessions WHERE token_hash = ?", [tokenHash])
    }

    package func deleteExpiredAdminSessions(now: Date) async throws -> Int {
        try await execute("DELETE FROM admin_sessions WHERE expires_at < ?", [RowCoding.milliseconds(now)])
    }

    static let adminTokenColumns = "id, name, admin_id, secret_hash, created_at, last_used_at, expires_at"

    package func insertAdminToken(_ t: AdminToken) async throws {
        try await execute(
            "INSERT INTO admin_tokens (\(Self.adminTokenColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                t.id, t.name, t.adminID, t.secretHash, RowCoding.milliseconds(t.createdAt),
                t.lastUsedAt.map(RowCoding.milliseconds), t.expiresAt.map(RowCoding.milliseconds),
            ])
    }

    package func adminToken(secretHash: String) async throws -> AdminToken? {
        try await fetchOne("SELECT \(Self.adminTokenColumns) FROM admin_tokens WHERE secret_hash = ?", [secretHash])
            .map(Self.adminToken(from:))
    }

    package func adminTokens() async throws -> [AdminToken] {
        try await fetchAll("SELECT \(Self.adminTokenColumns) FROM admin_tokens ORDER BY created_at, id")
            .map(Self.adminToken(from:))
    }

    static func adminToken(from row: SQLRow) -> AdminToken {
        AdminToken(
            id: row[0], name: row[1], adminID: row[2], secretHash: row[3], createdAt: RowCoding.date(row[4]),
            lastUsedAt: (row[5] as Int64?).map(RowCoding.date), expiresAt: (row[6] as Int64?).map(RowCoding.date))
    }
}
