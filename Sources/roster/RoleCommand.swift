import ArgumentParser
import Foundation
import Provisioning
import SCIM

struct RoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role", abstract: "The role catalogue.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the roles and what each allows.")
        func run() async throws {
            Output.table(["ROLE", "ALLOWS"], Role.catalogue.map { [$0.name, $0.summary] })
        }
    }
}

struct RoleMappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role-mapping",
        abstract: "Choose whether a provider's SCIM groups decide roles, and map groups to roles.",
        subcommands: [Set.self, Add.self, Remove.self, List.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "groups: mapped groups decide; manual: provisioning never changes roles.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "groups or manual.") var mode: RoleMappingMode

        func run() async throws {
            let admin = try await db.services().admin
            let provider = try await roster.run { try await admin.setRoleMappingMode(providerID: id, mode: mode) }
            print("Provider '\(provider.name)' role mapping: \(provider.roleMappingMode.rawValue).")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Map a SCIM group that is not yet mapped to roles.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "SCIM group display name.") var group: String
        @Option(name: .customLong("role"), help: "A role (repeat for several).") var roles: [String] = []

        func run() async throws {
            let admin = try await db.services().admin
            let rule = try await roster.run { try await admin.addRoleRule(providerID: id, group: group, roles: roles) }
            print("Group '\(group)' → \(rule.roles.joined(separator: ", ")).")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a group's role mapping.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "SCIM group display name.") var group: String

        func run() async throws {
            let admin = try await db.services().admin
            try await roster.run { try await admin.removeRule(.role, providerID: id, group: group) }
            print("Removed the role mapping of group '\(group)'.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the mode, the mapped groups and the groups left to map.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let overview = try await roster.run { try await admin.mappingOverview(providerID: id) }
            if json {
                Output.json([
                    "mode": .string(overview.provider.roleMappingMode.rawValue),
                    "mappings": .array(
                        overview.roleRules.map {
                            .object(["group": .string($0.group), "roles": .array($0.roles.map { .string($0) })])
                        }),
                    "unmappedGroups": .array(overview.groupsWithoutRoles.map { .string($0.displayName) }),
                    "message": overview.roleMappingMessage.map { .string($0) } ?? .null,
                ])
                return
            }
            print("Mode: \(overview.provider.roleMappingMode.rawValue)")
            if !overview.roleRules.isEmpty {
                Output.table(
                    ["GROUP", "ROLES"], overview.roleRules.map { [$0.group, $0.roles.joined(separator: ", ")] })
            }
            if let message = overview.roleMappingMessage {
                print(message)
            } else {
                print(
                    "Groups not yet mapped: \(overview.groupsWithoutRoles.map(\.displayName).joined(separator: ", "))")
            }
        }
    }
}
