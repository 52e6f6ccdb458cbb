import Foundation

/// Webhook endpoints and deliveries in memory.
extension MemoryTransaction {
    func insertWebhook(_ endpoint: WebhookEndpoint) async throws {
        guard !state.webhooks.contains(where: { $0.id == endpoint.id }) else {
            throw ProvisioningError.conflict("Webhook \(endpoint.id) exists.")
        }
        state.webhooks.append(endpoint)
    }

    func updateWebhook(_ endpoint: WebhookEndpoint) async throws {
        guard let i = state.webhooks.firstIndex(where: { $0.id == endpoint.id }) else { return }
        state.webhooks[i] = endpoint
    }

    func deleteWebhook(id: String) async throws -> Bool {
        guard let i = state.webhooks.firstIndex(where: { $0.id == id }) else { return false }
        state.webhooks.remove(at: i)
        state.deliveries.removeAll { $0.endpointID == id }
        return true
    }

    func webhook(id: String) async throws -> WebhookEndpoint? { state.webhooks.first { $0.id == id } }

    func webhooks() async throws -> [WebhookEndpoint] { state.webhooks }

    func claimWebhooks(owner: String, now: Date, until: Date, limit: Int) async throws -> [WebhookEndpoint] {
        var claimed: [WebhookEndpoint] = []
        let newest = try await lastEventCursor()
        for i in state.webhooks.indices where claimed.count < limit {
            guard state.webhooks[i].isDue(at: now, newestEvent: newest) else { continue }
            state.webhooks[i].leaseOwner = owner
            state.webhooks[i].leaseUntil = until
            claimed.append(state.webhooks[i])
        }
        return claimed
    }

    func appendDelivery(_ delivery: WebhookDelivery) async throws { state.deliveries.append(delivery) }

    func deliveries(endpointID: String, limit: Int) async throws -> [WebhookDelivery] {
        Array(state.deliveries.reversed().lazy.filter { $0.endpointID == endpointID }.prefix(limit))
    }

    func pruneDeliveries(before cutoff: Date) async throws -> Int {
        let before = state.deliveries.count
        state.deliveries.removeAll { $0.at < cutoff }
        return before - state.deliveries.count
    }
}
