extension Migrations {
    /// The request inspector's ring of SCIM requests per provider (``InspectorTransaction``), a provider's pause
    /// and its recording switch, the sync log's index by request id (what links a request to its changes), and
    /// the activity charts' index and hourly roll-up (``ActivityTransaction``).
    /// `scim_requests_ring` is what pruning and the newest-first listing read; `scim_requests_failures` keeps the
    /// failures' own ring cheap to find.
    static func inspector(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v10-inspector",
                statements: [
                    "ALTER TABLE providers ADD COLUMN paused_at \(t.integer)",
                    "ALTER TABLE providers ADD COLUMN record_requests \(t.integer) NOT NULL DEFAULT 1",
                    """
                    CREATE TABLE scim_requests (
                        \(t.sequence),
                        provider_id TEXT NOT NULL,
                        at \(t.integer) NOT NULL,
                        method TEXT NOT NULL,
                        path TEXT NOT NULL,
                        query TEXT,
                        status \(t.integer) NOT NULL,
                        failed \(t.integer) NOT NULL,
                        duration_us \(t.integer) NOT NULL,
                        request_id TEXT NOT NULL,
                        scim_type TEXT,
                        detail TEXT,
                        user_id TEXT,
                        user_name_lower TEXT,
                        request_body TEXT,
                        response_body TEXT
                    )
                    """,
                    "CREATE INDEX scim_requests_ring ON scim_requests(provider_id, seq)",
                    "CREATE INDEX scim_requests_failures ON scim_requests(provider_id, failed, seq)",
                    "CREATE INDEX sync_log_by_request ON sync_log(request_id) WHERE request_id IS NOT NULL",
                    // The activity charts: every provider's counts by action and time read this index alone.
                    "CREATE INDEX sync_log_by_action_at ON sync_log(action, at)",
                    """
                    CREATE TABLE activity_hours (
                        provider_id TEXT NOT NULL,
                        hour \(t.integer) NOT NULL,
                        action TEXT NOT NULL,
                        count \(t.integer) NOT NULL,
                        PRIMARY KEY (hour, provider_id, action)
                    )
                    """,
                ])
        ]
    }
}
