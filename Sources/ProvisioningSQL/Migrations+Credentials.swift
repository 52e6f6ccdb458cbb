extension Migrations {
    /// Credentials that end: when each admin API token and platform API key was last used and when it expires,
    /// and failed sign-ins counted per email address (known to be an admin or not), so that the lockout is the
    /// same for every address and is counted inside the write transaction.
    static func credentials(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v6-credentials",
                statements: [
                    "ALTER TABLE admin_tokens ADD COLUMN last_used_at \(t.integer)",
                    "ALTER TABLE admin_tokens ADD COLUMN expires_at \(t.integer)",
                    "ALTER TABLE api_keys ADD COLUMN last_used_at \(t.integer)",
                    "ALTER TABLE api_keys ADD COLUMN expires_at \(t.integer)",
                    """
                    CREATE TABLE sign_in_failures (
                        email_lower TEXT PRIMARY KEY NOT NULL,
                        failures \(t.integer) NOT NULL,
                        locked_until \(t.integer),
                        updated_at \(t.integer) NOT NULL
                    )
                    """,
                    "CREATE INDEX sign_in_failures_by_age ON sign_in_failures(updated_at)",
                ])
        ]
    }
}
