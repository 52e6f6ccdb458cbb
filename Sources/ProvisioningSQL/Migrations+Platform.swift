extension Migrations {
    /// Devices, archives, sessions and platform API keys.
    ///
    /// Archives carry `user_id` beside `device_id` so that the user-wide moves (cold storage on deactivation,
    /// restore on reactivation) are one indexed `UPDATE`. Cold archives have a partial index on `cold_until`, which
    /// is what the retention sweep (`markExpiredArchives`) scans. Open sessions have a partial index by user, which
    /// is what revoking a user's sessions scans.
    static func platform(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v1-platform",
                statements: [
                    """
                    CREATE TABLE devices (
                        id TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id),
                        name TEXT NOT NULL,
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                    "CREATE INDEX devices_by_user ON devices(user_id, created_at)",
                    """
                    CREATE TABLE archives (
                        id TEXT PRIMARY KEY NOT NULL,
                        device_id TEXT NOT NULL REFERENCES devices(id),
                        user_id TEXT NOT NULL,
                        tier TEXT NOT NULL DEFAULT 'active',
                        cold_until \(t.integer),
                        marked_for_deletion \(t.integer) NOT NULL DEFAULT 0,
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                    "CREATE INDEX archives_by_user ON archives(user_id, tier)",
                    "CREATE INDEX archives_cold_until ON archives(cold_until) WHERE tier = 'cold'",
                    """
                    CREATE TABLE sessions (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        user_id TEXT NOT NULL,
                        device_id TEXT,
                        created_at \(t.integer) NOT NULL,
                        revoked_at \(t.integer)
                    )
                    """,
                    "CREATE INDEX sessions_open_by_user ON sessions(user_id) WHERE revoked_at IS NULL",
                    """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        secret_hash TEXT NOT NULL UNIQUE,
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                ])
        ]
    }
}
