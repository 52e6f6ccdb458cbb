import ArgumentParser
import Foundation
import Provisioning

struct WatchlistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchlist", abstract: "Manage watchlists.", subcommands: [Add.self, List.self, Members.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a watchlist.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Name (unique, case-insensitively).") var name: String

        func run() async throws {
            let admin = try await db.services().admin
            let watchlist = try await roster.run { try await admin.addWatchlist(name: name) }
            print("Created watchlist '\(watchlist.name)'.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List watchlists with their member counts.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let admin = try await db.services().admin
            Output.table(
                ["WATCHLIST", "USERS"], try await admin.watchlists().map { [$0.watchlist.name, String($0.users)] })
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users on a watchlist.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Watchlist name.") var name: String
        @Option(help: "Show at most this many users.") var limit = 1000

        func validate() throws { try checked { try SettingLimit.listSize.check(limit) } }

        func run() async throws {
            let admin = try await db.services().admin
            let (_, users) = try await roster.run { try await admin.watchlistMembers(name: name, limit: limit) }
            Output.table(
                ["USER", "STATUS", "SOURCE"], users.map { [$0.userName, $0.status.rawValue, $0.providerID ?? "local"] })
        }
    }
}

struct WatchlistMappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchlist-mapping",
        abstract: "Put the members of a provider's SCIM groups on watchlists (they leave when they leave the group).",
        subcommands: [Add.self, Remove.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Map a SCIM group to a watchlist.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "SCIM group display name.") var group: String
        @Option(help: "Watchlist name.") var watchlist: String

        func run() async throws {
            let admin = try await db.services().admin
            _ = try await roster.run {
                try await admin.addWatchlistRule(providerID: id, group: group, watchlist: watchlist)
            }
            print("Group '\(group)' → watchlist '\(watchlist)'.")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a group's watchlist mapping.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "SCIM group display name.") var group: String
        @Option(help: "Only the mapping to this watchlist (default: all of the group's).") var watchlist: String?

        func run() async throws {
            let admin = try await db.services().admin
            try await roster.run {
                try await admin.removeRule(.watchlist, providerID: id, group: group, watchlist: watchlist)
            }
            print("Removed the watchlist mapping of group '\(group)'.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a provider's watchlist mappings.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            let overview = try await roster.run { try await admin.mappingOverview(providerID: id) }
            if overview.groups.isEmpty {
                print(MappingMessage.noGroups)
                return
            }
            if overview.watchlistRules.isEmpty {
                print("No group is mapped to a watchlist.")
                return
            }
            Output.table(["GROUP", "WATCHLIST"], overview.watchlistRules.map { [$0.group, $0.watchlist] })
        }
    }
}
