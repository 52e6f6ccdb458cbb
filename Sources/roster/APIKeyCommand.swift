import ArgumentParser
import Foundation
import Provisioning
import SCIM

/// `roster api-key …`: the keys the backup platform's services call the platform API (`/api/v1`) with.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Manage platform API keys (for the platform's services calling /api/v1).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a platform API key and print it once.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "What the key is for.") var name = "platform"
        @Option(help: "How long the key works, such as 90d or 12h (default: until revoked).") var expiresIn: String?
        @Flag(help: "Print JSON with id, name, key, createdAt and expiresAt.") var json = false

        func run() async throws {
            let expiry = try AdminCommand.duration(expiresIn)
            let platform = try await db.services().platform
            let (key, secret) = try await roster.run { try await platform.createAPIKey(name: name, expiresIn: expiry) }
            if json {
                Output.json([
                    "id": .string(key.id), "name": .string(key.name), "key": .string(secret),
                    "createdAt": .string(Timestamp.format(key.createdAt)),
                    "expiresAt": key.expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
                ])
                return
            }
            print(
                """
                Platform API key '\(key.name)' (id \(key.id))
                  Key: \(secret)
                  Expires: \(key.expiresAt.map(Timestamp.format) ?? "never")

                The key is shown only now. Send it as 'Authorization: Bearer <key>' to /api/v1.
                """)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List platform API keys (never the keys themselves).")
        @OptionGroup var db: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let platform = try await db.services().platform
            let keys = try await platform.apiKeys()
            if json {
                Output.json(
                    keys.map { k -> JSONValue in
                        [
                            "id": .string(k.id), "name": .string(k.name),
                            "createdAt": .string(Timestamp.format(k.createdAt)),
                            "lastUsedAt": k.lastUsedAt.map { .string(Timestamp.format($0)) } ?? .null,
                            "expiresAt": k.expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
                        ]
                    })
                return
            }
            Output.table(
                ["ID", "NAME", "CREATED", "LAST USED", "EXPIRES"],
                keys.map {
                    [
                        $0.id, $0.name, Timestamp.format($0.createdAt), $0.lastUsedAt.map(Timestamp.format) ?? "never",
                        $0.expiresAt.map(Timestamp.format) ?? "never",
                    ]
                })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a platform API key: it stops working at once.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The key's id (`roster api-key list`).") var id: String

        func run() async throws {
            let platform = try await db.services().platform
            try await roster.run { try await platform.revokeAPIKey(id: id) }
            print("Revoked platform API key \(id).")
        }
    }
}
