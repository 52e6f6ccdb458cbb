extension Migrations {
    /// Admin accounts (bcrypt password hashes), console sessions (SHA-256 of the cookie token, with the session's
    /// anti-forgery token) and admin API tokens (SHA-256 of the secret); when each provider last called (for the
    /// console's status), and the index that finds a provider's newest sync-log entry.
    static func admins(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v3-admins",
                statements: [
                    """
                    CREATE TABLE admins (
                        id TEXT PRIMARY KEY NOT NULL,
                        email TEXT NOT NULL,
                        email_lower TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        failed_sign_ins \(t.integer) NOT NULL DEFAULT 0,
                        locked_until \(t.integer),
                        last_sign_in_at \(t.integer),
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE admin_sessions (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        admin_id TEXT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
                        csrf_token TEXT NOT NULL,
                        created_at \(t.integer) NOT NULL,
                        expires_at \(t.integer) NOT NULL
                    )
                    """,
                    "CREATE INDEX admin_sessions_expiry ON admin_sessions(expires_at)",
                    """
                    CREATE TABLE admin_tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        admin_id TEXT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
                        secret_hash TEXT NOT NULL UNIQUE,
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                    "CREATE INDEX sync_log_by_provider ON sync_log(provider_id, seq)",
                    "ALTER TABLE providers ADD COLUMN last_request_at \(t.integer)",
                ])
        ]
    }
}
