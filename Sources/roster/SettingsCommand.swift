import ArgumentParser
import Provisioning

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Platform settings.",
        subcommands: [ColdStorageRetention.self, EventRetention.self])

    struct ColdStorageRetention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cold-storage-retention",
            abstract: "Show or set how many days a deactivated user's archives stay in cold storage (default 90).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "New retention in days (1-36500); omit to show the current one.") var days: String?

        func validate() throws {
            if let days { _ = try checked { try SettingLimit.coldStorageRetentionDays.integer(days) } }
        }

        func run() async throws {
            let admin = try await db.services().admin
            if let days {
                let n = try checked { try SettingLimit.coldStorageRetentionDays.integer(days) }
                try await roster.run { try await admin.setColdStorageRetention(days: n) }
            }
            print("Cold-storage retention: \(try await admin.coldStorageRetentionDays()) days")
        }
    }

    struct EventRetention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "event-retention",
            abstract: "Show or set how many days events stay in the feed and for webhooks (default 30).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "New retention in days (1-3650); omit to show the current one.") var days: String?

        func validate() throws {
            if let days { _ = try checked { try SettingLimit.eventRetentionDays.integer(days) } }
        }

        func run() async throws {
            let events = try await db.services().events
            if let days {
                let n = try checked { try SettingLimit.eventRetentionDays.integer(days) }
                try await roster.run { try await events.setRetentionDays(n) }
            }
            print("Event retention: \(try await events.retentionDays()) days")
        }
    }
}
