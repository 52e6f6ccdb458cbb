package import Foundation

/// Webhook endpoints and their deliveries. Part of ``StoreTransaction``.
package protocol WebhookTransaction {
    func insertWebhook(_ endpoint: WebhookEndpoint) async throws
    func updateWebhook(_ endpoint: WebhookEndpoint) async throws
    /// Deletes an endpoint and its deliveries; `false` when there was none.
    func deleteWebhook(id: String) async throws -> Bool
    func webhook(id: String) async throws -> WebhookEndpoint?
    /// Every endpoint, oldest first.
    func webhooks() async throws -> [WebhookEndpoint]
    /// Leases up to `limit` active endpoints with events after their cursor, whose next attempt is due at `now` and
    /// whose lease (if any) has run out, to `owner` until `until`, and returns them. Endpoints leased by a concurrent
    /// transaction are skipped (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so each endpoint is delivered to by one
    /// instance at a time.
    func claimWebhooks(owner: String, now: Date, until: Date, limit: Int) async throws -> [WebhookEndpoint]
    func appendDelivery(_ delivery: WebhookDelivery) async throws
    /// An endpoint's deliveries, newest first.
    func deliveries(endpointID: String, limit: Int) async throws -> [WebhookDelivery]
    /// Deletes deliveries older than `cutoff`; returns how many.
    func pruneDeliveries(before cutoff: Date) async throws -> Int
}
