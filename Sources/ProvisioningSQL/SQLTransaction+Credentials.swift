public import Foundation
public import Provisioning

/// Revoking, expiring and removing credentials, and failed sign-ins per email.
extension SQLTransaction {
    public func deleteAdmin(id: String) throws -> Bool {
        // Sessions and tokens go by ON DELETE CASCADE too; deleting them first keeps that true without relying on
        // foreign keys being enforced.
        try execute("DELETE FROM admin_sessions WHERE admin_id = ?", [id])
        try execute("DELETE FROM admin_tokens WHERE admin_id = ?", [id])
        return try execute("DELETE FROM admins WHERE id = ?", [id]) > 0
    }

    public func deleteAdminSessions(adminID: String, except: String?) throws -> Int {
        try execute("DELETE FROM admin_sessions WHERE admin_id = ? AND token_hash <> ?", [adminID, except ?? ""])
    }

    public func deleteAdminToken(id: String) throws -> Bool {
        try execute("DELETE FROM admin_tokens WHERE id = ?", [id]) > 0
    }

    public func touchAdminToken(id: String, at: Date) throws {
        try execute("UPDATE admin_tokens SET last_used_at = ? WHERE id = ?", [RowCoding.milliseconds(at), id])
    }

    public func deleteAPIKey(id: String) throws -> Bool {
        try execute("DELETE FROM api_keys WHERE id = ?", [id]) > 0
    }

    public func touchAPIKey(id: String, at: Date) throws {
        try execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [RowCoding.milliseconds(at), id])
    }

    public func signInFailures(email: String) throws -> SignInFailures? {
        try fetchOne(
            "SELECT email_lower, failures, locked_until, updated_at FROM sign_in_failures WHERE email_lower = ?",
            [email]
        ).map {
            SignInFailures(
                email: $0[0], failures: $0[1], lockedUntil: ($0[2] as Int64?).map(RowCoding.date),
                updatedAt: RowCoding.date($0[3]))
        }
    }

    public func saveSignInFailures(_ f: SignInFailures) throws {
        try execute(
            """
            INSERT INTO sign_in_failures (email_lower, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (email_lower) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
            updated_at = excluded.updated_at
            """, [f.email, f.failures, f.lockedUntil.map(RowCoding.milliseconds), RowCoding.milliseconds(f.updatedAt)])
    }

    public func deleteSignInFailures(email: String) throws {
        try execute("DELETE FROM sign_in_failures WHERE email_lower = ?", [email])
    }

    public func deleteSignInFailures(before date: Date) throws -> Int {
        let ms = RowCoding.milliseconds(date)
        return try execute(
            "DELETE FROM sign_in_failures WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)",
            [ms, ms])
    }
}
