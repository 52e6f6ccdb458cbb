import ArgumentParser
import Provisioning

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Platform settings.", subcommands: [ColdStorageRetention.self])

    struct ColdStorageRetention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cold-storage-retention",
            abstract: "Show or set how many days a deactivated user's archives stay in cold storage (default 90).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "New retention in days; omit to show the current one.") var days: Int?

        func run() async throws {
            let admin = AdminService(store: try await db.openStore())
            if let days { try await roster.run { try await admin.setColdStorageRetention(days: days) } }
            print("Cold-storage retention: \(try await admin.coldStorageRetentionDays()) days")
        }
    }
}
