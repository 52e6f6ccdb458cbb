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
        subcommands: [Add.self, List.self, Token.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an admin (prompts for the password).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email address (the admin's sign-in name).") var email: String
        @Flag(help: "Read the password from standard input instead of prompting.") var passwordStdin = false

        func run() async throws {
            let password: String
            if passwordStdin {
                password = (readLine(strippingNewline: true) ?? "")
            } else {
                guard let first = AdminCommand.prompt("Password for \(email): "),
                    let second = AdminCommand.prompt("Repeat the password: ")
                else { throw ValidationError("No password given.") }
                guard first == second else { throw ValidationError("The passwords differ.") }
                password = first
            }
            let accounts = AdminAccounts(store: try await db.openStore())
            let admin = try await roster.run { try await accounts.addAdmin(email: email, password: password) }
            print("Created admin \(admin.email).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List admins.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let accounts = AdminAccounts(store: try await db.openStore())
            Output.table(
                ["ADMIN", "LAST SIGN-IN", "CREATED"],
                try await accounts.admins().map {
                    [$0.email, $0.lastSignInAt.map(Timestamp.format) ?? "never", Timestamp.format($0.createdAt)]
                })
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Admin API tokens (Authorization: Bearer), acting as an admin.",
            subcommands: [Create.self, List.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")
            @OptionGroup var db: DatabaseOptions
            @Option(help: "The admin the token acts as.") var email: String
            @Option(help: "A name to recognise the token by.") var name = "api"
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let accounts = AdminAccounts(store: try await db.openStore())
                let (token, secret) = try await roster.run { try await accounts.createToken(email: email, name: name) }
                if json {
                    Output.json(["id": .string(token.id), "name": .string(token.name), "token": .string(secret)])
                } else {
                    print("Admin API token '\(token.name)': \(secret)")
                    print("It is shown only now. Send it as 'Authorization: Bearer <token>' to /api/v1.")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
            @OptionGroup var db: DatabaseOptions

            func run() async throws {
                let accounts = AdminAccounts(store: try await db.openStore())
                let admins = Dictionary(try await accounts.admins().map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
                Output.table(
                    ["TOKEN", "ADMIN", "CREATED"],
                    try await accounts.tokens().map { [$0.name, admins[$0.adminID] ?? $0.adminID, Timestamp.format($0.createdAt)] })
            }
        }
    }

    /// Reads a line from the terminal without echo.
    static func prompt(_ text: String) -> String? {
        guard let line = getpass(text) else { return nil }
        return String(cString: line)
    }
}
