import ArgumentParser
import Foundation
import Provisioning
import ProvisioningSQLite
import SCIM

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users of the platform.",
        subcommands: [
            Add.self, Show.self, List.self, Update.self, Block.self, Unblock.self, Deactivate.self, Reactivate.self,
            Move.self, Roles.self,
        ]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a local user (managed only by admins; no provider can touch it).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Email address (the user's sign-in name).") var email: String
        @Option(help: "Full name, \"Given Family\".") var name: String?
        @Option(help: "Organization (default: the root).") var org: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let user = try await roster.run {
                try await admin.addLocalUser(email: email, name: name, organization: org)
            }
            if json {
                Output.json(try await admin.view(of: user))
            } else {
                print("Created local user \(user.userName) (id \(user.id)).")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the platform's view of a user.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email (userName).") var email: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let view = try await roster.run { try await admin.view(of: try await admin.user(email: email)) }
            if json {
                Output.json(view)
                return
            }
            for member in view where !member.value.isNull {
                let text = member.value.stringValue ?? member.value.jsonText
                print("\(member.key): \(text)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Skip this many users.") var offset = 0
        @Option(help: "Show at most this many users.") var limit = 1000
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            try checked {
                try SettingLimit.pageOffset.named("--offset").check(offset)
                try SettingLimit.listSize.check(limit)
            }
        }

        func run() async throws {
            let admin = try await db.services().admin
            let users = try await admin.users(offset: offset, limit: limit)
            if json {
                var items: [JSONValue] = []
                for u in users { items.append(.object(try await admin.view(of: u))) }
                Output.json(items)
                return
            }
            Output.table(
                ["EMAIL", "STATUS", "SOURCE", "NAME"],
                users.map { [$0.userName, $0.status.rawValue, $0.providerID ?? "local", $0.displayName ?? ""] })
        }
    }

    /// One manual lifecycle action on a user, with no delay.
    struct ActionOptions: ParsableArguments {
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email (userName).") var email: String
        @Flag(help: "Print the user's view as JSON.") var json = false

        func perform(_ action: AdminService.UserAction, done: String) async throws {
            let admin = try await db.services().admin
            let user = try await roster.run { try await admin.perform(action, email: email) }
            if json {
                Output.json(try await admin.view(of: user))
            } else {
                print("\(user.userName): \(done) (status \(user.status.rawValue)).")
            }
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a user: signs them out of every device and refuses sign-in; nothing is deleted.")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.perform(.block, done: "blocked") }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift an admin block.")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.perform(.unblock, done: "admin block lifted") }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate a user now (no delay): access removed, backup archives moved to cold storage.")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.perform(.deactivate, done: "deactivated") }
    }

    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reactivate a deactivated user; archives still in cold storage come back.")
        @OptionGroup var options: ActionOptions
        func run() async throws { try await options.perform(.reactivate, done: "reactivated") }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit a local user's attributes (a provisioned user's attributes belong to its provider).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email.") var email: String
        @Option(help: "Display name.") var displayName: String?
        @Option(help: "Given name.") var givenName: String?
        @Option(help: "Family name.") var familyName: String?
        @Option(help: "Job title.") var title: String?
        @Option(help: "Department.") var department: String?

        func run() async throws {
            let admin = try await db.services().admin
            let edit = AdminService.UserEdit(
                displayName: displayName, givenName: givenName, familyName: familyName, title: title,
                department: department)
            let user = try await roster.run { try await admin.updateUser(email: email, edit) }
            print("Updated \(user.userName).")
        }
    }
}

extension UserCommand {
    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Move a user to an organization (local users, and users of providers with organization method single).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email (userName).") var email: String
        @Option(help: "Organization name.") var org: String

        func run() async throws {
            let admin = try await db.services().admin
            let user = try await roster.run { try await admin.moveUser(email: email, organization: org) }
            print("Moved \(user.userName) to '\(org)'\(user.isLocal ? "" : "; provisioning leaves them there").")
        }
    }

    struct Roles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's roles (local users, and users of providers with role mapping manual).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email (userName).") var email: String
        @Option(name: .customLong("role"), help: "A role (repeat for several).") var roles: [String] = []

        func run() async throws {
            let admin = try await db.services().admin
            let set = try await roster.run { try await admin.setRoles(email: email, roles: roles) }
            print("\(email) roles: \(set.isEmpty ? "none" : set.joined(separator: ", ")).")
        }
    }
}
