import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// Webhook endpoints in the admin API: what `roster webhook` does.
extension AdminAPIController {
    func addWebhookRoutes(to routes: RouteCollection<Context>) {
        routes.get("api/v1/webhooks") { r, c in
            await handle(r, c) {
                PlatformResponses.json(["webhooks": .array(try await webhooks.list().map { .object($0.json()) })])
            }
        }
        routes.post("api/v1/webhooks") { r, c in
            await handle(r, c) {
                let body = try await body(r)
                let allowPrivate: Bool
                switch body["allowPrivate"] {
                case nil, .null?: allowPrivate = false
                case .bool(let b)?: allowPrivate = b
                case let other?:
                    throw ProvisioningError.invalid("'allowPrivate' must be a boolean, got \(other.typeName).")
                }
                let events: String
                switch body["events"] {
                case nil, .null?: events = ""
                case .array(let items)?:
                    guard items.allSatisfy({ $0.stringValue != nil }) else {
                        throw ProvisioningError.invalid("'events' must be an array of event types such as \"user.*\".")
                    }
                    events = items.compactMap(\.stringValue).joined(separator: ",")
                case let other?:
                    throw ProvisioningError.invalid("'events' must be an array of event types, got \(other.typeName).")
                }
                let endpoint = try await webhooks.add(
                    url: try Self.string(body, "url"), events: events,
                    description: try Self.optionalString(body, "description") ?? "", allowPrivate: allowPrivate)
                return PlatformResponses.json(endpoint.json(secret: true), status: .created)
            }
        }
        routes.get("api/v1/webhooks/:id") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                var json = try await webhooks.endpoint(id).json()
                json["deliveries"] = .array(try await webhooks.deliveries(id, limit: 20).map { .object($0.json) })
                return PlatformResponses.json(json)
            }
        }
        routes.delete("api/v1/webhooks/:id") { r, c in
            await handle(r, c) {
                try await webhooks.remove(try c.parameters.require("id"))
                return Response(status: .noContent)
            }
        }
        routes.post("api/v1/webhooks/:id/:action") { r, c in
            await handle(r, c) {
                let id = try c.parameters.require("id")
                switch try c.parameters.require("action") {
                case "rotate-secret":
                    return PlatformResponses.json(try await webhooks.rotateSecret(id).json(secret: true))
                case "resume":
                    return PlatformResponses.json(try await webhooks.resume(id).json())
                case "test":
                    let delivery = try await HTTPWebhookTransport.using { transport in
                        try await webhooks.test(id, transport: transport)
                    }
                    return PlatformResponses.json(delivery.json)
                default:
                    throw ProvisioningError.notFound("Webhook actions are rotate-secret, resume and test.")
                }
            }
        }
    }
}
