package import Foundation
package import Provisioning

/// Revoking, expiring and removing credentials, and failed sign-ins per email.
extension SQLTransaction {
    package func deleteAdmin(id: String) async throws -> Bool {
        // Sessions and tokens go by ON DELETE CASCADE too; deleting them first keeps that true without relying on
        // foreign keys being enforced.
        try await execute("DELETE FROM admin_sessions WHERE admin_id = ?", [id])
        try await execute("DELETE FROM admin_tokens WHERE admin_id = ?", [id])
        return try await execute("DELETE FROM admins WHERE id = ?", [id]) > 0
    }

    package func deleteAdminSessions(adminID: String, except: String?) async throws -> Int {
        try await execute("DELETE FROM admin_sessions WHERE admin_id = ? AND token_hash <> ?", [adminID, except ?? ""])
    }

    package func deleteAdminToken(id: String) async throws -> Bool {
        try await execute("DELETE FROM admin_tokens WHERE id = ?", [id]) > 0
    }

    package func touchAdminToken(id: String, at: Date) async throws {
        try await execute("UPDATE admin_tokens SET last_used_at = ? WHERE id = ?", [RowCoding.milliseconds(at), id])
    }

    package func deleteAPIKey(id: String) async throws -> Bool {
        try await execute("DELETE FROM api_keys WHERE id = ?", [id]) > 0
    }

    package func touchAPIKey(id: String, at: Date) async throws {
        try await execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [RowCoding.milliseconds(at), id])
    }

    package func signInFailures(email: String) async throws -> SignInFailures? {
        // Concurrent sign-ins with one email count one after the other: a lock on the email's key (the row may
        // not exist yet, so a row lock would not do), held until the transaction ends.
        if locksRows { try await execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", ["sign-in:" + email]) }
        return try await fetchOne(
            "SELECT email_lower, failures, locked_until, updated_at FROM sign_in_failures WHERE email_lower = ?",
            [email]
        ).map {
            SignInFailures(
                email: $0[0], failures: $0[1], lockedUntil: ($0[2] as Int64?).map(RowCoding.date),
                updatedAt: RowCoding.date($0[3]))
        }
    }

    package func saveSignInFailures(_ f: SignInFailures) async throws {
        try await execute(
            """
            INSERT INTO sign_in_failures (email_lower, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (email_lower) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
            updated_at = excluded.updated_at
            """, [f.email, f.failures, f.lockedUntil.map(RowCoding.milliseconds), RowCoding.milliseconds(f.updatedAt)])
    }

    package func deleteSignInFailures(email: String) async throws {
        try await execute("DELETE FROM sign_in_failures WHERE email_lower = ?", [email])
    }

    package func deleteSignInFailures(before date: Date) async throws -> Int {
        let ms = RowCoding.milliseconds(date)
        return try await execute(
            "DELETE FROM sign_in_failures WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)",
            [ms, ms])
    }
}
