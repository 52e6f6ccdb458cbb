import ArgumentParser
import Foundation
import Provisioning
import RosterServer
import SCIM

/// `roster webhook …`: endpoints the platform's events are pushed to, signed as Standard Webhooks describes.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Manage webhook endpoints (events pushed to the platform's services, signed).",
        subcommands: [Add.self, List.self, Remove.self, RotateSecret.self, Test.self, Resume.self, Deliveries.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an endpoint; it receives the events from now on. Prints its signing secret once.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The endpoint's http(s) URL.") var url: String
        @Option(help: "Event types, comma-separated: user.created, user.*, group.*, * (default: all).")
        var events = ""
        @Option(help: "What the endpoint is for.") var description = ""
        @Flag(help: "Allow a loopback, private or link-local address (a receiver on the same network).")
        var allowPrivate = false
        @Flag(help: "Print JSON with id, url and secret.") var json = false

        func run() async throws {
            let service = try await db.services().webhooks
            let endpoint = try await roster.run {
                try await service.add(url: url, events: events, description: description, allowPrivate: allowPrivate)
            }
            if json {
                Output.json(endpoint.json(secret: true))
                return
            }
            print(
                """
                Webhook endpoint \(endpoint.id)
                  URL: \(endpoint.url)
                  Events: \(endpoint.eventTypes.isEmpty ? "all" : endpoint.eventTypes.joined(separator: ", "))
                  Signing secret: \(endpoint.secret)

                The secret is shown only now. Deliveries carry webhook-id, webhook-timestamp and webhook-signature
                (Standard Webhooks); verify them with it. `roster webhook test \(endpoint.id)` sends a ping.
                """)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List webhook endpoints and their state.")
        @OptionGroup var db: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let endpoints = try await db.services().webhooks.list()
            if json {
                Output.json(endpoints.map { .object($0.json()) })
                return
            }
            Output.table(
                ["ID", "URL", "EVENTS", "STATE", "CURSOR", "LAST ERROR"],
                endpoints.map {
                    [
                        $0.id, $0.url, $0.eventTypes.isEmpty ? "all" : $0.eventTypes.joined(separator: ","),
                        $0.state == .active && $0.attempts > 0 ? "failing (\($0.attempts))" : $0.state.rawValue,
                        $0.cursor.description, $0.lastError ?? "",
                    ]
                })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an endpoint and its delivery history.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The endpoint's id.") var id: String

        func run() async throws {
            let service = try await db.services().webhooks
            try await roster.run { try await service.remove(id) }
            print("Removed webhook endpoint \(id).")
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret", abstract: "Give an endpoint a new signing secret and print it once.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The endpoint's id.") var id: String
        @Flag(help: "Print JSON with id, url and secret.") var json = false

        func run() async throws {
            let service = try await db.services().webhooks
            let endpoint = try await roster.run { try await service.rotateSecret(id) }
            if json {
                Output.json(endpoint.json(secret: true))
            } else {
                print("New signing secret of \(endpoint.id): \(endpoint.secret)\nDeliveries from now on use it.")
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a signed ping event to an endpoint now and print what it answered.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The endpoint's id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let service = try await db.services().webhooks
            let delivery = try await roster.run {
                try await HTTPWebhookTransport.using { transport in try await service.test(id, transport: transport) }
            }
            if json {
                Output.json(delivery.json)
            } else {
                let status = delivery.statusCode.map { "HTTP \($0)" } ?? "no answer"
                print(
                    "Ping \(delivery.eventID): \(status) in \(delivery.latencyMilliseconds) ms"
                        + (delivery.error.map { " (\($0))" } ?? ""))
            }
            if !delivery.succeeded { throw ExitCode(1) }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a disabled endpoint (or retry a failing one now), from where it stopped.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The endpoint's id.") var id: String

        func run() async throws {
            let service = try await db.services().webhooks
            let endpoint = try await roster.run { try await service.resume(id) }
            print("Webhook endpoint \(endpoint.id) is active; delivery resumes after event \(endpoint.cursor).")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an endpoint's latest delivery attempts.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The endpoint's id.") var id: String
        @Option(help: "How many (1 to 1,000).") var limit = 20
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let service = try await db.services().webhooks
            let limit = try SettingLimit.pageSize.named("--limit").check(limit)
            let deliveries = try await roster.run { try await service.deliveries(id, limit: limit) }
            if json {
                Output.json(deliveries.map { .object($0.json) })
                return
            }
            Output.table(
                ["TIME", "EVENT", "TYPE", "ATTEMPT", "STATUS", "MS", "ERROR"],
                deliveries.map {
                    [
                        Timestamp.format($0.at), String($0.eventSequence), $0.eventType, String($0.attempt),
                        $0.statusCode.map(String.init) ?? "-", String($0.latencyMilliseconds), $0.error ?? "",
                    ]
                })
        }
    }
}
