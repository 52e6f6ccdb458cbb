extension Migrations {
    /// The outbox of provisioning events (``EventTransaction``). `seq` orders the feed; SQLite's `AUTOINCREMENT`
    /// and PostgreSQL's identity never hand out a number again, so a cursor stays meaningful after pruning. The
    /// index on `at` is what pruning scans.
    static func events(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v8-events",
                statements: [
                    """
                    CREATE TABLE events (
                        \(t.sequence),
                        id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        at \(t.integer) NOT NULL,
                        provider_id TEXT,
                        user_id TEXT,
                        group_id TEXT,
                        request_id TEXT,
                        data TEXT NOT NULL
                    )
                    """,
                    "CREATE INDEX events_by_at ON events(at)",
                ])
        ]
    }
}
