import ArgumentParser
import Foundation
import Provisioning
import SCIM

/// `roster api-key …`: the keys the backup platform's services call the platform API (`/api/v1`) with.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Manage platform API keys (for the platform's services calling /api/v1).",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a platform API key and print it once.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "What the key is for.") var name = "platform"
        @Flag(help: "Print JSON with id, name, key and createdAt.") var json = false

        func run() async throws {
            let platform = PlatformService(store: try await db.openStore())
            let (key, secret) = try await roster.run { try await platform.createAPIKey(name: name) }
            if json {
                Output.json([
                    "id": .string(key.id), "name": .string(key.name), "key": .string(secret),
                    "createdAt": .string(Timestamp.format(key.createdAt)),
                ])
                return
            }
            print("""
                Platform API key '\(key.name)' (id \(key.id))
                  Key: \(secret)

                The key is shown only now. Send it as 'Authorization: Bearer <key>' to /api/v1.
                """)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List platform API keys (never the keys themselves).")
        @OptionGroup var db: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let platform = PlatformService(store: try await db.openStore())
            let keys = try await platform.apiKeys()
            if json {
                Output.json(keys.map { k -> JSONValue in
                    ["id": .string(k.id), "name": .string(k.name), "createdAt": .string(Timestamp.format(k.createdAt))]
                })
                return
            }
            Output.table(["ID", "NAME", "CREATED"], keys.map { [$0.id, $0.name, Timestamp.format($0.createdAt)] })
        }
    }
}
