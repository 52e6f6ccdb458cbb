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

extension Migrations {
    /// Webhook endpoints (one row each: its cursor in the event sequence, its retry state and its lease) and their
    /// deliveries (kept for the events' retention; the console shows the newest of each endpoint).
    static func webhooks(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v9-webhooks",
                statements: [
                    """
                    CREATE TABLE webhook_endpoints (
                        id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        description TEXT NOT NULL,
                        event_types TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        allow_private \(t.integer) NOT NULL,
                        state TEXT NOT NULL,
                        cursor \(t.integer) NOT NULL,
                        attempts \(t.integer) NOT NULL,
                        next_attempt_at \(t.integer) NOT NULL,
                        failing_since \(t.integer),
                        last_error TEXT,
                        lease_owner TEXT,
                        lease_until \(t.integer),
                        created_at \(t.integer) NOT NULL,
                        updated_at \(t.integer) NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE webhook_deliveries (
                        \(t.sequence),
                        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                        event_id TEXT NOT NULL,
                        event_seq \(t.integer) NOT NULL,
                        event_type TEXT NOT NULL,
                        attempt \(t.integer) NOT NULL,
                        at \(t.integer) NOT NULL,
                        status_code \(t.integer),
                        latency_ms \(t.integer) NOT NULL,
                        error TEXT,
                        response_excerpt TEXT
                    )
                    """,
                    "CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, seq)",
                    "CREATE INDEX webhook_deliveries_by_at ON webhook_deliveries(at)",
                ])
        ]
    }
}

extension Migrations {
    /// The feed in an order that concurrent writers cannot break without a lock (``EventCursor``): each event
    /// keeps the id of the transaction that wrote it (`tx`; PostgreSQL's `pg_current_xact_id()`, 0 on SQLite, where
    /// one write runs at a time, and for the events already there), and the feed reads in `(tx, seq)` order. A
    /// webhook endpoint's cursor gains its transaction (`cursor_tx`).
    static func eventOrder(_ t: DDL) -> [Migration] {
        let defaultTransaction: [String] =
            t.dialect == .postgres
            ? [
                "ALTER TABLE events ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint",
                "CREATE INDEX events_by_tx ON events(tx, seq)",
            ] : []
        return [
            Migration(
                identifier: "v12-event-order",
                statements: ["ALTER TABLE events ADD COLUMN tx \(t.integer) NOT NULL DEFAULT 0"] + defaultTransaction
                    + ["ALTER TABLE webhook_endpoints ADD COLUMN cursor_tx \(t.integer) NOT NULL DEFAULT 0"])
        ]
    }
}
