public import ArgumentParser
import Foundation
import Provisioning
import SCIM

struct OrganizationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Manage organizations (a tree under the root organization).",
        subcommands: [Add.self, List.self, SetDefaultRoles.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Name (unique, case-insensitively).") var name: String
        @Option(help: "Parent organization (default: the root).") var parent: String?
        @Option(name: .customLong("default-role"), help: "A default role (repeat for several; default: the parent's).")
        var defaultRoles: [String] = []

        func run() async throws {
            let admin = try await db.services().admin
            let org = try await roster.run {
                try await admin.addOrganization(
                    name: name, parent: parent, defaultRoles: defaultRoles.isEmpty ? nil : defaultRoles)
            }
            print("Created organization '\(org.name)' (default roles: \(org.defaultRoles.joined(separator: ", "))).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List organizations as a tree, with users and default roles.")
        @OptionGroup var db: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let all = try await admin.organizations()
            if json {
                var items: [JSONValue] = []
                for summary in all {
                    let org = summary.organization
                    var item: JSONObject = ["id": .string(org.id), "name": .string(org.name)]
                    item["parent"] = summary.parentName.map(JSONValue.string) ?? .null
                    item["defaultRoles"] = .array(org.defaultRoles.map(JSONValue.string))
                    item["users"] = .int(summary.users)
                    item["createdByProvider"] = org.createdByProvider.map(JSONValue.string) ?? .null
                    items.append(.object(item))
                }
                Output.json(items)
                return
            }
            let children = Dictionary(grouping: all, by: { $0.organization.parentID ?? "" })
            var rows: [[String]] = []
            func walk(_ parent: String, depth: Int) {
                for summary in children[parent] ?? [] {
                    let org = summary.organization
                    rows.append([
                        String(repeating: "  ", count: depth) + org.name, String(summary.users),
                        org.defaultRoles.joined(separator: ", "),
                    ])
                    walk(org.id, depth: depth + 1)
                }
            }
            walk("", depth: 0)
            Output.table(["ORGANIZATION", "USERS", "DEFAULT ROLES"], rows)
        }
    }

    struct SetDefaultRoles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-default-roles", abstract: "Change an organization's default roles.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Organization name.") var name: String
        @Option(name: .customLong("role"), help: "A role (repeat for several).") var roles: [String] = []

        func run() async throws {
            let admin = try await db.services().admin
            let org = try await roster.run { try await admin.setDefaultRoles(organization: name, roles: roles) }
            print("Organization '\(org.name)' default roles: \(org.defaultRoles.joined(separator: ", ")).")
            print("Users get them at their next provisioning change, or now with `roster provider apply-mappings`.")
        }
    }
}

struct OrganizationMappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org-mapping",
        abstract: "Choose how a provider's users get their organization.",
        discussion: """
            Methods: single (every new user goes to one organization), groups (mapped SCIM groups decide, by
            priority), attribute (a user attribute such as c42OrgName or the enterprise department names the
            organization; missing ones are created). Changing the mapping moves nobody until
            `roster provider apply-mappings`.
            """,
        subcommands: [Set.self, Add.self, Remove.self, List.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Choose the method.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "single, groups or attribute.") var method: OrganizationMapping.Method
        @Option(help: "single: the organization; groups and attribute: the default organization (default: root).")
        var org: String?
        @Option(name: .customLong("default-org"), help: "Same as --org, for groups and attribute.") var defaultOrg:
            String?
        @Option(help: "attribute: the attribute path (default: c42OrgName).") var attribute: String?
        @Option(help: "attribute: where new organizations are created (default: root).") var parent: String?

        func run() async throws {
            let admin = try await db.services().admin
            let (provider, note) = try await roster.run {
                try await admin.setOrganizationMapping(
                    providerID: id, method: method, organization: org ?? defaultOrg, attribute: attribute,
                    parent: parent)
            }
            print(
                "Provider '\(provider.name)' organization mapping: \(OrganizationMappingCommand.describe(provider.organizationMapping))."
            )
            if let note { print("Note: \(note)") }
            print(
                "Nobody moves until `roster provider apply-mappings \(provider.id)` (or their next provisioning change)."
            )
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map a SCIM group to an organization (method groups).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "SCIM group display name.") var group: String
        @Option(help: "Organization name.") var org: String
        @Option(help: "Priority, 1 the highest, up to 1000000 (default: after the existing rules).") var priority: Int?

        func validate() throws {
            if let priority { try checked { try SettingLimit.rulePriority.named("--priority").check(priority) } }
        }

        func run() async throws {
            let admin = try await db.services().admin
            let rule = try await roster.run {
                try await admin.addOrganizationRule(providerID: id, group: group, organization: org, priority: priority)
            }
            print("Group '\(group)' → organization '\(org)' (priority \(rule.priority)).")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a group's organization mapping.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "SCIM group display name.") var group: String

        func run() async throws {
            let admin = try await db.services().admin
            try await roster.run { try await admin.removeRule(.organization, providerID: id, group: group) }
            print("Removed the organization mapping of group '\(group)'.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the method and the group rules.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            let overview = try await roster.run { try await admin.mappingOverview(providerID: id) }
            let mapping = overview.provider.organizationMapping
            print("Method: \(OrganizationMappingCommand.describe(mapping))")
            switch mapping.method {
            case .single:
                print("Organization: \(overview.organization)")
            case .groups:
                print("Default organization: \(overview.organization)")
                if overview.groups.isEmpty {
                    print("\(MappingMessage.noGroups): push groups from the identity provider first.")
                } else if overview.organizationRules.isEmpty {
                    print("No group is mapped yet; every user goes to the default organization.")
                } else {
                    Output.table(
                        ["PRIORITY", "GROUP", "ORGANIZATION"],
                        overview.organizationRules.map { [String($0.priority), $0.group, $0.organization] })
                }
            case .attribute:
                print("Default organization (no value): \(overview.organization)")
                print("New organizations are created under: \(overview.parent)")
            }
        }
    }

    static func describe(_ mapping: OrganizationMapping) -> String {
        switch mapping.method {
        case .single: "single"
        case .groups: "groups"
        case .attribute: "attribute \(mapping.attribute ?? OrganizationMapping.defaultAttribute)"
        }
    }
}

extension OrganizationMapping.Method: ExpressibleByArgument {}
extension RoleMappingMode: ExpressibleByArgument {}
