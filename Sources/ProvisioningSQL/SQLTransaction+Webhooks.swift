package import Foundation
package import Provisioning

/// Webhook endpoints and their deliveries.
extension SQLTransaction {
    static let webhookColumns = """
        id, url, description, event_types, secret, allow_private, state, cursor, attempts, next_attempt_at, \
        failing_since, last_error, lease_owner, lease_until, created_at, updated_at, cursor_tx
        """

    static func webhook(from row: SQLRow) -> WebhookEndpoint {
        let types: String = row[3]
        return WebhookEndpoint(
            id: row[0], url: row[1], description: row[2],
            eventTypes: types.split(separator: ",").map(String.init), secret: row[4], allowPrivate: row[5],
            state: WebhookEndpoint.State(rawValue: row[6]) ?? .disabled,
            cursor: EventCursor(transaction: row[16], sequence: row[7]), attempts: row[8],
            nextAttemptAt: RowCoding.date(row[9]), failingSince: (row[10] as Int64?).map(RowCoding.date),
            lastError: row[11], leaseOwner: row[12], leaseUntil: (row[13] as Int64?).map(RowCoding.date),
            createdAt: RowCoding.date(row[14]), updatedAt: RowCoding.date(row[15]))
    }

    static func arguments(_ e: WebhookEndpoint) -> [any SQLValueConvertible] {
        [
            e.url, e.description, e.eventTypes.joined(separator: ","), e.secret, e.allowPrivate, e.state.rawValue,
            e.cursor.sequence, Int64(e.attempts), RowCoding.milliseconds(e.nextAttemptAt),
            e.failingSince.map(RowCoding.milliseconds), e.lastError, e.leaseOwner,
            e.leaseUntil.map(RowCoding.milliseconds), RowCoding.milliseconds(e.createdAt),
            RowCoding.milliseconds(e.updatedAt), e.cursor.transaction,
        ]
    }

    package func insertWebhook(_ endpoint: WebhookEndpoint) async throws {
        try await execute(
            "INSERT INTO webhook_endpoints (\(Self.webhookColumns)) VALUES (\(Self.rows("?", 17)))",
            [endpoint.id] + Self.arguments(endpoint))
    }

    package func updateWebhook(_ endpoint: WebhookEndpoint) async throws {
        try await execute(
            """
            UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, secret = ?, allow_private = ?,
            state = ?, cursor = ?, attempts = ?, next_attempt_at = ?, failing_since = ?, last_error = ?,
            lease_owner = ?, lease_until = ?, created_at = ?, updated_at = ?, cursor_tx = ? WHERE id = ?
            """, Self.arguments(endpoint) + [endpoint.id])
    }

    package func deleteWebhook(id: String) async throws -> Bool {
        try await execute("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", [id])
        return try await execute("DELETE FROM webhook_endpoints WHERE id = ?", [id]) > 0
    }

    package func webhook(id: String) async throws -> WebhookEndpoint? {
        try await fetchOne("SELECT \(Self.webhookColumns) FROM webhook_endpoints WHERE id = ?", [id])
            .map(Self.webhook(from:))
    }

    package func webhooks() async throws -> [WebhookEndpoint] {
        try await fetchAll("SELECT \(Self.webhookColumns) FROM webhook_endpoints ORDER BY created_at, id")
            .map(Self.webhook(from:))
    }

    package func claimWebhooks(owner: String, now: Date, until: Date, limit: Int) async throws -> [WebhookEndpoint] {
        let ms = RowCoding.milliseconds(now)
        let skipLocked = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        // An event after the endpoint's cursor that a reader may see (``events(_:)``'s conditions).
        let newerEvents =
            dialect == .postgres
            ? """
            EXISTS (SELECT 1 FROM events e WHERE (e.tx, e.seq) > (webhook_endpoints.cursor_tx, webhook_endpoints.cursor)
                AND e.\(Self.finishedEvents))
            """ : "cursor < (SELECT COALESCE(MAX(seq), 0) FROM events)"
        let due = try await fetchAll(
            """
            SELECT \(Self.webhookColumns) FROM webhook_endpoints
            WHERE state = 'active' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
            AND \(newerEvents)
            ORDER BY next_attempt_at LIMIT ?\(skipLocked)
            """, [ms, ms, Int64(clamping: limit)]
        ).map(Self.webhook(from:))
        var claimed: [WebhookEndpoint] = []
        for var endpoint in due {
            endpoint.leaseOwner = owner
            endpoint.leaseUntil = until
            try await execute(
                "UPDATE webhook_endpoints SET lease_owner = ?, lease_until = ? WHERE id = ?",
                [owner, RowCoding.milliseconds(until), endpoint.id])
            claimed.append(endpoint)
        }
        return claimed
    }

    package func appendDelivery(_ d: WebhookDelivery) async throws {
        try await enqueue(
            """
            INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, event_type, attempt, at, status_code,
            latency_ms, error, response_excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                d.endpointID, d.eventID, d.eventSequence, d.eventType, Int64(d.attempt), RowCoding.milliseconds(d.at),
                d.statusCode.map(Int64.init), Int64(d.latencyMilliseconds), d.error, d.responseExcerpt,
            ])
    }

    package func deliveries(endpointID: String, limit: Int) async throws -> [WebhookDelivery] {
        try await fetchAll(
            """
            SELECT endpoint_id, event_id, event_seq, event_type, attempt, at, status_code, latency_ms, error,
            response_excerpt FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY seq DESC LIMIT ?
            """, [endpointID, Int64(clamping: limit)]
        ).map { row in
            WebhookDelivery(
                endpointID: row[0], eventID: row[1], eventSequence: row[2], eventType: row[3], attempt: row[4],
                at: RowCoding.date(row[5]), statusCode: row[6], latencyMilliseconds: row[7], error: row[8],
                responseExcerpt: row[9])
        }
    }

    package func pruneDeliveries(before cutoff: Date) async throws -> Int {
        try await execute("DELETE FROM webhook_deliveries WHERE at < ?", [RowCoding.milliseconds(cutoff)])
    }
}
