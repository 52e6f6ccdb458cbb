extension Migrations {
    /// Each provider's policy for values Roster cannot keep (``Provider/invalidData``), and the attribute and rule
    /// of a `warning` sync-log entry as columns of their own, so that the console and `/metrics` count warnings by
    /// attribute and rule with a query instead of reading every entry. Existing providers get the default,
    /// `accept-and-warn`.
    static func dataPolicy(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v5-data-policy",
                statements: [
                    "ALTER TABLE providers ADD COLUMN invalid_data TEXT NOT NULL DEFAULT 'accept-and-warn'",
                    "ALTER TABLE sync_log ADD COLUMN attribute TEXT",
                    "ALTER TABLE sync_log ADD COLUMN rule TEXT",
                    "CREATE INDEX sync_log_warnings ON sync_log(action, attribute, rule) WHERE action = 'warning'",
                ])
        ]
    }
}
