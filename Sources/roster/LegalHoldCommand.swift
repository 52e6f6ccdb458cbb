import ArgumentParser
import Foundation
import Provisioning
import SCIM

struct LegalHoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legal-hold",
        abstract: "Legal holds: users on hold are never deactivated by provisioning; they are blocked instead.",
        subcommands: [Place.self, Release.self, List.self]
    )

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Place a user on legal hold.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email.") var email: String
        @Option(help: "The legal matter the hold is for.") var matter: String?

        func run() async throws {
            let admin = try await db.services().admin
            let user = try await roster.run { try await admin.placeLegalHold(email: email, matter: matter) }
            print("\(user.userName) is on legal hold\(user.legalHoldMatter.map { " (matter: \($0))" } ?? "").")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a legal hold; a user the provider still has inactive is deactivated now.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email.") var email: String

        func run() async throws {
            let admin = try await db.services().admin
            let user = try await roster.run { try await admin.releaseLegalHold(email: email) }
            print("\(user.userName) is released from legal hold (status \(user.status.rawValue)).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Users on legal hold.")
        @OptionGroup var db: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let users = try await admin.legalHolds()
            if json {
                Output.json(
                    users.map {
                        .object([
                            "userName": .string($0.userName), "status": .string($0.status.rawValue),
                            "matter": $0.legalHoldMatter.map { .string($0) } ?? .null,
                        ])
                    })
            } else {
                Output.table(
                    ["EMAIL", "STATUS", "MATTER"],
                    users.map { [$0.userName, $0.status.rawValue, $0.legalHoldMatter ?? ""] })
            }
        }
    }
}

struct SyncLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-log",
        abstract: "What provisioning changed (and refused), newest first; append-only.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Only this user's entries (email).") var user: String?
    @Option(help: "Only this provider's entries (id).") var provider: String?
    @Option(
        help:
            "Only this action (created, updated, blocked, deactivation-scheduled, deactivated, rejected, warning, ...)."
    )
    var action: String?
    @Option(help: "Only entries about this attribute (warnings: addresses.country, emails.value, ...).")
    var attribute: String?
    @Option(help: "Only entries since this time (RFC 3339, or a duration ago such as 15m, 2h, 1d; at most 36500d).")
    var since: String?
    @Option(help: "Only entries older than this sequence number (the next page).") var before: Int64?
    @Option(help: "Page size.") var limit = 100
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV.") var csv = false

    func validate() throws {
        try checked {
            try SettingLimit.listSize.check(limit)
            if let before { try SettingLimit(name: "--before", range: 1...Int64.max).check(Int(before)) }
        }
    }

    func run() async throws {
        let admin = try await db.services().admin
        var query = SyncLogQuery(limit: limit)
        if let action {
            guard let a = SyncAction(rawValue: action) else {
                throw ValidationError(
                    "Unknown action '\(action)'; one of: \(SyncAction.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            query.action = a
        }
        if let since {
            query.since = try checked { try SettingLimit.lookBack.named("--since").instant(since, now: Date()) }
        }
        query.providerID = provider
        query.attribute = attribute
        query.before = before
        if let user {
            query.userID = try await roster.run { try await admin.user(email: user) }.id
        }
        let entries = try await admin.syncLog(query)
        let rows = entries.map { e in
            [
                String(e.sequence ?? 0), Timestamp.format(e.at), e.providerID ?? "admin", e.userName ?? e.userID ?? "",
                e.groupID ?? "", e.action.rawValue, e.detail ?? "", e.requestID ?? "",
            ]
        }
        let header = ["SEQ", "TIME", "PROVIDER", "USER", "GROUP", "ACTION", "DETAIL", "REQUEST"]
        if json {
            Output.json(entries.map { .object($0.json) })
        } else if csv {
            print(SyncLogEntry.csvHeader)
            for entry in entries { print(entry.csvRow) }
        } else {
            Output.table(header, rows)
            if entries.count == query.limit, let last = entries.last?.sequence {
                print("(more: --before \(last))")
            }
        }
    }
}
