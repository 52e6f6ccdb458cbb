import ArgumentParser
import Provisioning
import SCIM

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Platform settings.",
        subcommands: [ColdStorageRetention.self, EventRetention.self, Inspector.self, DailyReport.self])

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

    struct Inspector: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set what the request inspector keeps of each provider's SCIM requests.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Each provider's newest requests kept (1-100000, default 1000).") var requestsKept: Int?
        @Option(help: "Each provider's newest failures kept on top of them (0-100000, default 1000).")
        var failuresKept: Int?
        @Option(help: "Attributes whose values are redacted besides password, comma-separated ('' for none).")
        var sensitiveAttributes: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let inspector = try await db.services().inspector
            let names = sensitiveAttributes.map(RequestInspector.Settings.attributeList)
            let (kept, failures) = (requestsKept, failuresKept)
            let settings =
                kept == nil && failures == nil && names == nil
                ? try await inspector.settings()
                : try await roster.run {
                    try await inspector.updateSettings(
                        requestsKept: kept, failuresKept: failures, sensitiveAttributes: names)
                }
            if json {
                Output.json([
                    "requestsKept": .int(settings.requestsKept), "failuresKept": .int(settings.failuresKept),
                    "sensitiveAttributes": .array(settings.sensitiveAttributes.map { .string($0) }),
                ])
                return
            }
            print("Requests kept per provider: \(settings.requestsKept)")
            print("Failures kept on top: \(settings.failuresKept)")
            print("Redacted: password\(settings.sensitiveAttributes.map { ", " + $0 }.joined())")
        }
    }

    struct DailyReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "daily-report",
            abstract:
                "Show or set whether each day's provisioning report is sent as a report.daily event (default off).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "on or off; omit to show the current state.") var state: ProviderCommand.Update.GuardState?

        func run() async throws {
            let activity = try await db.services().activity
            if let state { try await roster.run { try await activity.setDailyReport(state == .on) } }
            print("Daily report event: \(try await activity.dailyReportEnabled() ? "on" : "off")")
        }
    }
}
