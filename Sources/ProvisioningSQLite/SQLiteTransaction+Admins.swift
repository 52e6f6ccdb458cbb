import Foundation
import GRDB
import Provisioning
import ProvisioningSQL

/// Admin accounts, console sessions and admin API tokens.
extension SQLiteTransaction {
    static let adminColumns = "id, email, password_hash, failed_sign_ins, locked_until, last_sign_in_at, created_at"

    func insertAdmin(_ a: AdminAccount) throws {
        do {
            try db.execute(
                sql: """
                    INSERT INTO admins (id, email, email_lower, password_hash, failed_sign_ins, locked_until,
                    last_sign_in_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    a.id, a.email, a.email.lowercased(), a.passwordHash, a.failedSignIns,
                    a.lockedUntil.map(RowCoding.milliseconds), a.lastSignInAt.map(RowCoding.milliseconds),
                    RowCoding.milliseconds(a.createdAt),
                ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ProvisioningError.conflict("An admin with email '\(a.email)' already exists.")
        }
    }

    func updateAdmin(_ a: AdminAccount) throws {
        try db.execute(
            sql: """
                UPDATE admins SET email = ?, email_lower = ?, password_hash = ?, failed_sign_ins = ?, locked_until = ?,
                last_sign_in_at = ? WHERE id = ?
                """,
            arguments: [
                a.email, a.email.lowercased(), a.passwordHash, a.failedSignIns, a.lockedUntil.map(RowCoding.milliseconds),
                a.lastSignInAt.map(RowCoding.milliseconds), a.id,
            ])
    }

    func admin(id: String) throws -> AdminAccount? {
        try fetchOne(sql: "SELECT \(Self.adminColumns) FROM admins WHERE id = ?", arguments: [id]).map(Self.admin(from:))
    }

    func admin(email: String) throws -> AdminAccount? {
        try fetchOne(sql: "SELECT \(Self.adminColumns) FROM admins WHERE email_lower = ?", arguments: [email.lowercased()])
            .map(Self.admin(from:))
    }

    func admins() throws -> [AdminAccount] {
        try fetchAll(sql: "SELECT \(Self.adminColumns) FROM admins ORDER BY created_at, id").map(Self.admin(from:))
    }

    static func admin(from row: Row) -> AdminAccount {
        AdminAccount(
            id: row[0], email: row[1], passwordHash: row[2], failedSignIns: row[3],
            lockedUntil: (row[4] as Int64?).map(RowCoding.date), lastSignInAt: (row[5] as Int64?).map(RowCoding.date),
            createdAt: RowCoding.date(row[6]))
    }

    func insertAdminSession(_ s: AdminSession) throws {
        try db.execute(
            sql: "INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                s.tokenHash, s.adminID, s.csrfToken, RowCoding.milliseconds(s.createdAt), RowCoding.milliseconds(s.expiresAt),
            ])
    }

    func adminSession(tokenHash: String) throws -> AdminSession? {
        try fetchOne(
            sql: "SELECT token_hash, admin_id, csrf_token, created_at, expires_at FROM admin_sessions WHERE token_hash = ?",
            arguments: [tokenHash]
        ).map {
            AdminSession(
                tokenHash: $0[0], adminID: $0[1], csrfToken: $0[2], createdAt: RowCoding.date($0[3]),
                expiresAt: RowCoding.date($0[4]))
        }
    }

    func deleteAdminSession(tokenHash: String) throws {
        try db.execute(sql: "DELETE FROM admin_sessions WHERE token_hash = ?", arguments: [tokenHash])
    }

    func deleteExpiredAdminSessions(now: Date) throws -> Int {
        try db.execute(sql: "DELETE FROM admin_sessions WHERE expires_at < ?", arguments: [RowCoding.milliseconds(now)])
        return db.changesCount
    }

    func insertAdminToken(_ t: AdminToken) throws {
        try db.execute(
            sql: "INSERT INTO admin_tokens (id, name, admin_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [t.id, t.name, t.adminID, t.secretHash, RowCoding.milliseconds(t.createdAt)])
    }

    func adminToken(secretHash: String) throws -> AdminToken? {
        try fetchOne(
            sql: "SELECT id, name, admin_id, secret_hash, created_at FROM admin_tokens WHERE secret_hash = ?",
            arguments: [secretHash]
        ).map(Self.adminToken(from:))
    }

    func adminTokens() throws -> [AdminToken] {
        try fetchAll(sql: "SELECT id, name, admin_id, secret_hash, created_at FROM admin_tokens ORDER BY created_at, id")
            .map(Self.adminToken(from:))
    }

    static func adminToken(from row: Row) -> AdminToken {
        AdminToken(id: row[0], name: row[1], adminID: row[2], secretHash: row[3], createdAt: RowCoding.date(row[4]))
    }
}
