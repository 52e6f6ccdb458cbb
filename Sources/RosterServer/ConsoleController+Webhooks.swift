import Foundation
import Hummingbird
import Provisioning

/// The Webhooks page: endpoints, their state and latest deliveries; adding one (its secret shown once), a test
/// event, resuming (or retrying now), a new secret, removing.
extension ConsoleController {
    func addWebhookRoutes(to routes: RouteCollection<Context>) {
        routes.get("console/webhooks") { request, _ in await page(request) { try await webhooksPage($0, request) } }
        routes.post("console/webhooks") { request, _ in
            await action(request, back: "/console/webhooks") { signed, form in
                let endpoint = try await webhooks.add(
                    url: form["url"] ?? "", events: form["events"] ?? "", description: form["description"] ?? "",
                    allowPrivate: form["allowPrivate"] == "on")
                return secretOnce(
                    signed, request, heading: "Webhook endpoint \(endpoint.id)", label: "Signing secret",
                    secret: endpoint.secret, back: "/console/webhooks",
                    hint:
                        "Deliveries to \(endpoint.url) carry webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks); verify them with this secret."
                )
            }
        }
        routes.post("console/webhooks/:id/:action") { request, context in
            await action(request, back: "/console/webhooks") { signed, _ in
                let id = try context.parameters.require("id")
                switch try context.parameters.require("action") {
                case "test":
                    let delivery = try await HTTPWebhookTransport.using { transport in
                        try await webhooks.test(id, transport: transport)
                    }
                    let outcome = delivery.statusCode.map { "HTTP \($0)" } ?? (delivery.error ?? "no answer")
                    return delivery.succeeded
                        ? Self.redirect("/console/webhooks", notice: "Test event delivered: \(outcome).")
                        : Self.redirect("/console/webhooks", error: "Test event not accepted: \(outcome).")
                case "resume":
                    let endpoint = try await webhooks.resume(id)
                    return Self.redirect(
                        "/console/webhooks", notice: "\(endpoint.id) resumes after event \(endpoint.cursor).")
                case "rotate-secret":
                    let endpoint = try await webhooks.rotateSecret(id)
                    return secretOnce(
                        signed, request, heading: "New signing secret of \(endpoint.id)", label: "Signing secret",
                        secret: endpoint.secret, back: "/console/webhooks",
                        hint: "Deliveries from now on are signed with it.")
                case "remove":
                    try await webhooks.remove(id)
                    return Self.redirect("/console/webhooks", notice: "Webhook endpoint \(id) removed.")
                default:
                    throw ProvisioningError.notFound("Webhook actions are test, resume, rotate-secret and remove.")
                }
            }
        }
    }

    func webhooksPage(_ signed: Signed, _ request: Request) async throws -> Response {
        var rows: [WebhooksPage.Endpoint] = []
        for endpoint in try await webhooks.list() {
            let deliveries = try await webhooks.deliveries(endpoint.id, limit: 10)
            let state =
                endpoint.state == .disabled
                ? "Disabled" : endpoint.attempts > 0 ? "Failing (\(endpoint.attempts) attempts)" : "Active"
            rows.append(
                .init(
                    id: endpoint.id, url: endpoint.url, description: endpoint.description,
                    events: endpoint.eventTypes.isEmpty ? "all" : endpoint.eventTypes.joined(separator: ", "),
                    state: state, disabled: endpoint.state == .disabled, failing: endpoint.attempts > 0,
                    cursor: endpoint.cursor.description, lastError: endpoint.lastError ?? "",
                    nextAttempt: endpoint.attempts > 0 ? Self.time(endpoint.nextAttemptAt) : "",
                    hasDeliveries: !deliveries.isEmpty,
                    deliveries: deliveries.map {
                        .init(
                            time: Self.time($0.at), type: $0.eventType, sequence: $0.eventSequence, attempt: $0.attempt,
                            status: $0.statusCode.map(String.init) ?? "—", ok: $0.succeeded,
                            latency: $0.latencyMilliseconds,
                            excerpt: String(($0.error ?? $0.responseExcerpt ?? "").prefix(120)))
                    }))
        }
        return render(
            "webhooks", layout(signed, request, title: "Webhooks", nav: "navWebhooks"),
            WebhooksPage(endpoints: rows, hasEndpoints: !rows.isEmpty), request: request)
    }
}

/// The webhook endpoints, their state and their latest deliveries.
struct WebhooksPage: Sendable {
    struct Delivery: Sendable {
        var time, type: String
        var sequence: Int64
        var attempt: Int
        var status: String
        var ok: Bool
        var latency: Int
        var excerpt: String
    }
    struct Endpoint: Sendable {
        var id, url, description, events, state: String
        var disabled, failing: Bool
        var cursor: String
        var lastError, nextAttempt: String
        var hasDeliveries: Bool
        var deliveries: [Delivery]
    }
    var endpoints: [Endpoint]
    var hasEndpoints: Bool
}
