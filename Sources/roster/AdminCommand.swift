import ArgumentParser
import Foundation
import Provisioning
import SCIM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage console admins and admin API tokens.",
        subcommands: [Add.self, List.self, Remove.self, SetPassword.self, Token.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an admin (prompts for the password).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email address (the admin's sign-in name).") var email: String
        @Flag(help: "Read the password from standard input instead of prompting.") var passwordStdin = false

        func run() async throws {
            let password = try AdminCommand.password(for: email, fromStdin: passwordStdin)
            let accounts = try await db.services().accounts
            let admin = try await roster.run { try await accounts.addAdmin(email: email, password: password) }
            print("Created admin \(admin.email).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List admins.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let accounts = try await db.services().accounts
            Output.table(
                ["ADMIN", "LAST SIGN-IN", "CREATED"],
                try await accounts.admins().map {
                    [$0.email, $0.lastSignInAt.map(Timestamp.format) ?? "never", Timestamp.format($0.createdAt)]
                })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an admin: their console sessions end and their API tokens stop working at once.",
            discussion: "The last admin cannot be removed; add another one first.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The admin's email.") var email: String

        func run() async throws {
            let accounts = try await db.services().accounts
            let admin = try await roster.run { try await accounts.removeAdmin(email: email) }
            print("Removed admin \(admin.email); their sessions and API tokens ended.")
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract:
                "Set an admin's password (prompts for it); their console sessions end and a sign-in lockout lifts.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The admin's email.") var email: String
        @Flag(help: "Read the password from standard input instead of prompting.") var passwordStdin = false

        func run() async throws {
            let password = try AdminCommand.password(for: email, fromStdin: passwordStdin)
            let accounts = try await db.services().accounts
            let ended = try await roster.run { try await accounts.setPassword(email: email, password: password) }
            print("Password of \(email) changed; \(ended) console session\(ended == 1 ? "" : "s") ended.")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Admin API tokens (Authorization: Bearer), acting as an admin.",
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")
            @OptionGroup var db: DatabaseOptions
            @Option(help: "The admin the token acts as.") var email: String
            @Option(help: "A name to recognise the token by.") var name = "api"
            @Option(help: "How long the token works, such as 90d or 12h (default: until revoked).")
            var expiresIn: String?
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let expiry = try AdminCommand.duration(expiresIn)
                let accounts = try await db.services().accounts
                let (token, secret) = try await roster.run {
                    try await accounts.createToken(email: email, name: name, expiresIn: expiry)
                }
                if json {
                    Output.json([
                        "id": .string(token.id), "name": .string(token.name), "token": .string(secret),
                        "expiresAt": token.expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
                    ])
                } else {
                    print("Admin API token '\(token.name)' (id \(token.id)): \(secret)")
                    if let expires = token.expiresAt { print("It expires at \(Timestamp.format(expires)).") }
                    print("It is shown only now. Send it as 'Authorization: Bearer <token>' to /api/v1.")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
            @OptionGroup var db: DatabaseOptions

            func run() async throws {
                let accounts = try await db.services().accounts
                let admins = Dictionary(
                    try await accounts.admins().map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
                Output.table(
                    ["ID", "TOKEN", "ADMIN", "CREATED", "LAST USED", "EXPIRES"],
                    try await accounts.tokens().map {
                        [
                            $0.id, $0.name, admins[$0.adminID] ?? $0.adminID, Timestamp.format($0.createdAt),
                            $0.lastUsedAt.map(Timestamp.format) ?? "never",
                            $0.expiresAt.map(Timestamp.format) ?? "never",
                        ]
                    })
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token: it stops working at once.")
            @OptionGroup var db: DatabaseOptions
            @Argument(help: "The token's id (`roster admin token list`).") var id: String

            func run() async throws {
                let accounts = try await db.services().accounts
                try await roster.run { try await accounts.revokeToken(id: id) }
                print("Revoked admin API token \(id).")
            }
        }
    }

    /// A new password: one line of standard input, or typed twice at the terminal without echo.
    static func password(for email: String, fromStdin: Bool) throws -> String {
        if fromStdin { return readLine(strippingNewline: true) ?? "" }
        guard let first = prompt("Password for \(email): "), let second = prompt("Repeat the password: ") else {
            throw ValidationError("No password given.")
        }
        guard first == second else { throw ValidationError("The passwords differ.") }
        return first
    }

    /// An `--expires-in` value: `nil` when absent; checked against ``SettingLimit/credentialLifetime``.
    static func duration(_ text: String?) throws -> Duration? {
        guard let text else { return nil }
        do {
            return try SettingLimit.credentialLifetime.named("--expires-in").duration(text)
        } catch let error as ProvisioningError {
            throw ValidationError(error.message)
        }
    }

    /// Reads a line from the terminal without echo.
    static func prompt(_ text: String) -> String? {
        guard let line = getpass(text) else { return nil }
        return String(cString: line)
    }
}
