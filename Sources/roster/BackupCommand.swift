import ArgumentParser
import Foundation
import Provisioning
import ProvisioningSQLite

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to a new file while the service runs (one consistent snapshot).",
        discussion: "Restore by stopping the service and putting the copy in place of the database file.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The new file to write.") var to: String

    func run() async throws {
        guard !db.isPostgres else {
            throw ValidationError("backup copies a SQLite database; for PostgreSQL use pg_dump (docs/deployment.md).")
        }
        let store = try db.openSQLite()
        try await roster.run { try store.backup(to: to) }
        let size = (try? FileManager.default.attributesOfItem(atPath: to)[.size] as? Int) ?? 0
        print("Backed up \(db.displayName) to \(to) (\(size / 1024) KiB).")
    }
}
