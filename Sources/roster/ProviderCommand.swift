public import ArgumentParser
import Foundation
import Provisioning
import SCIM

struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Manage provisioning providers (identity providers that push users over SCIM).",
        subcommands: [
            Add.self, List.self, Update.self, RotateSecret.self, Remove.self, ReleaseHeld.self, CancelHeld.self,
            ApplyMappings.self, Pause.self, Resume.self, Revert.self, Requests.self, Request.self,
        ]
    )

    /// `--public-url`: what Base URLs are built from (default: what `roster serve` announced, else
    /// http://127.0.0.1:8080).
    struct URLOptions: ParsableArguments {
        @Option(help: "Public URL Base URLs are built from (default: the one `roster serve` last announced).")
        var publicURL: String?

        func resolve(_ admin: AdminService) async throws -> String {
            if let publicURL { return publicURL }
            if let env = ProcessInfo.processInfo.environment["ROSTER_PUBLIC_URL"] { return env }
            return try await admin.publicURL() ?? "http://127.0.0.1:8080"
        }
    }

    /// A `--deactivation-delay`, parsed and checked by ``SettingLimit/deactivationDelay``.
    static func parseDelay(_ text: String?) throws -> Duration? {
        guard let text else { return nil }
        return try checked { try SettingLimit.deactivationDelay.duration(text) }
    }

    static func credentialsJSON(_ issued: AdminService.IssuedCredentials, baseURL: String)
        -> JSONObject
    {
        [
            "id": .string(issued.provider.id),
            "name": .string(issued.provider.name),
            "baseURL": .string(baseURL),
            "username": .string(issued.provider.username),
            "secret": .string(issued.secret),
        ]
    }

    static func printCredentials(
        _ issued: AdminService.IssuedCredentials, baseURL: String, json: Bool
    ) {
        if json {
            Output.json(credentialsJSON(issued, baseURL: baseURL))
            return
        }
        print(
            """
            Provisioning provider '\(issued.provider.name)' (id \(issued.provider.id))
              Base URL: \(baseURL)
              Username: \(issued.provider.username)
              Secret:   \(issued.secret)

            The secret is shown only now. Okta: use Username and Secret as Basic credentials.
            Entra ID, OneLogin, JumpCloud: use the Secret as the Bearer token.
            """)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a provider and print its Base URL and credentials once.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var url: URLOptions
        @Option(help: "Display name.") var name: String
        @Option(help: "Delay before a provider's deactivation takes effect (0, 90s, 15m, 2h, 1d; at most 365d).")
        var deactivationDelay: String?
        @Option(help: "What userName values must be: email (default) or any.") var userNameFormat: UserNameFormat =
            .email
        @Option(help: "A value Roster cannot keep (not identity): accept-and-warn (default) or reject.")
        var invalidData: InvalidDataPolicy = .acceptAndWarn
        @Flag(help: "Print JSON with id, name, baseURL, username and secret.") var json = false

        func validate() throws { _ = try ProviderCommand.parseDelay(deactivationDelay) }

        func run() async throws {
            let admin = try await db.services().admin
            let delay = try ProviderCommand.parseDelay(deactivationDelay) ?? Provider.defaultDeactivationDelay
            let issued = try await roster.run {
                try await admin.addProvider(
                    name: name, deactivationDelay: delay, userNameFormat: userNameFormat, invalidData: invalidData)
            }
            let base = issued.provider.baseURL(publicURL: try await url.resolve(admin))
            ProviderCommand.printCredentials(issued, baseURL: base, json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List providers.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var url: URLOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let publicURL = try await url.resolve(admin)
            var items: [JSONValue] = []
            var rows: [[String]] = []
            for p in try await admin.providers() {
                let counts = try await admin.counts(providerID: p.id)
                items.append([
                    "id": .string(p.id), "name": .string(p.name), "baseURL": .string(p.baseURL(publicURL: publicURL)),
                    "username": .string(p.username), "deactivationDelay": .string(p.deactivationDelay.adminText),
                    "userNameFormat": .string(p.userNameFormat.rawValue),
                    "invalidData": .string(p.invalidData.rawValue),
                    "guard": .object([
                        "enabled": .bool(p.deactivationGuard.enabled), "percent": .int(p.deactivationGuard.percent),
                        "minimum": .int(p.deactivationGuard.minimum),
                        "trippedAt": p.guardTrippedAt.map { .string(Timestamp.format($0)) } ?? .null,
                    ]),
                    "users": .int(counts.users), "groups": .int(counts.groups),
                    "createdAt": .string(Timestamp.format(p.createdAt)),
                ])
                rows.append([
                    p.id, p.name, p.deactivationDelay.adminText, String(counts.users), String(counts.groups),
                    p.baseURL(publicURL: publicURL),
                ])
            }
            if json {
                Output.json(items)
            } else {
                Output.table(["ID", "NAME", "DELAY", "USERS", "GROUPS", "BASE URL"], rows)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a provider or change its deactivation delay.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "New display name.") var name: String?
        @Option(help: "New deactivation delay (0, 90s, 15m, 2h, 1d; at most 365d).") var deactivationDelay: String?
        @Option(help: "What userName values must be: email or any.") var userNameFormat: UserNameFormat?
        @Option(help: "A value Roster cannot keep (not identity): accept-and-warn or reject.")
        var invalidData: InvalidDataPolicy?
        @Option(help: "Mass-deactivation guard: on or off.") var guardState: GuardState?
        @Option(help: "Guard threshold: percent (0-100) of the provider's users deactivated within an hour.")
        var guardPercent: Int?
        @Option(help: "Guard threshold: at least this many deactivations within an hour (0-10000000).")
        var guardMinimum: Int?
        @Option(help: "Whether the request inspector keeps this provider's SCIM requests: on or off.")
        var recordRequests: GuardState?
        @Flag(help: "Print JSON.") var json = false

        enum GuardState: String, ExpressibleByArgument { case on, off }

        func validate() throws {
            if name == nil && deactivationDelay == nil && userNameFormat == nil && invalidData == nil
                && guardState == nil
                && guardPercent == nil && guardMinimum == nil && recordRequests == nil
            {
                throw ValidationError(
                    "Nothing to change: give --name, --deactivation-delay, --user-name-format, --invalid-data, --record-requests or --guard-state/--guard-percent/--guard-minimum."
                )
            }
            _ = try ProviderCommand.parseDelay(deactivationDelay)
            try checked {
                if let guardPercent { try SettingLimit.guardPercent.check(guardPercent) }
                if let guardMinimum { try SettingLimit.guardMinimum.check(guardMinimum) }
            }
        }

        func run() async throws {
            let admin = try await db.services().admin
            let delay = try ProviderCommand.parseDelay(deactivationDelay)
            var p = try await roster.run {
                try await admin.updateProvider(
                    id: id, name: name, deactivationDelay: delay, userNameFormat: userNameFormat,
                    invalidData: invalidData)
            }
            if let recordRequests {
                p = try await roster.run { try await admin.setRecordsRequests(id: id, recordRequests == .on) }
            }
            if guardState != nil || guardPercent != nil || guardMinimum != nil {
                let (state, percent, minimum) = (guardState, guardPercent, guardMinimum)
                p = try await roster.run {
                    try await admin.updateGuard(providerID: id) { g in
                        if let state { g.enabled = state == .on }
                        if let percent { g.percent = percent }
                        if let minimum { g.minimum = minimum }
                    }
                }
            }
            if json {
                Output.json([
                    "id": .string(p.id), "name": .string(p.name),
                    "deactivationDelay": .string(p.deactivationDelay.adminText),
                    "userNameFormat": .string(p.userNameFormat.rawValue),
                    "invalidData": .string(p.invalidData.rawValue), "recordRequests": .bool(p.recordsRequests),
                ])
            } else {
                print(
                    "Updated provider \(p.id): name '\(p.name)', deactivation delay \(p.deactivationDelay.adminText), userName format \(p.userNameFormat.rawValue), invalid data \(p.invalidData.rawValue)."
                )
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new secret; the old one stops working at once.")
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var url: URLOptions
        @Argument(help: "Provider id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let admin = try await db.services().admin
            let issued = try await roster.run { try await admin.rotateSecret(id: id) }
            ProviderCommand.printCredentials(
                issued, baseURL: issued.provider.baseURL(publicURL: try await url.resolve(admin)), json: json)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a provider: its credentials stop working, its groups go, its users stay (unlinked).")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            try await roster.run { try await admin.removeProvider(id: id) }
            print("Removed provider \(id).")
        }
    }
}

extension ProviderCommand {
    struct ReleaseHeld: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release the deactivations the mass-deactivation guard holds: they run now.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            let n = try await roster.run { try await admin.releaseHeldDeactivations(providerID: id) }
            print("Released \(n) held deactivation(s) of provider \(id); the guard is reset.")
        }
    }

    struct CancelHeld: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel the deactivations the mass-deactivation guard holds: the users are unblocked.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            let n = try await roster.run { try await admin.cancelHeldDeactivations(providerID: id) }
            print("Cancelled \(n) held deactivation(s) of provider \(id); the guard is reset.")
        }
    }
}

extension UserNameFormat: ExpressibleByArgument {}
extension InvalidDataPolicy: ExpressibleByArgument {}

extension ProviderCommand {
    struct ApplyMappings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply-mappings",
            abstract: "Apply org and role settings: re-evaluate every user of the provider against its mappings.",
            discussion: """
                With --dry-run nothing changes: the counts and the per-user moves are printed. The real run works
                in batches; each batch commits with the run's progress, so a run that was interrupted resumes where
                it stopped when started again. Every move is written to the sync log.
                """)
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Flag(help: "Show what would change without changing anything.") var dryRun = false
        @Option(help: "Users per batch (one transaction each; 1-10000).") var batchSize = 1000
        @Option(help: "Print at most this many per-user changes (0-100000).") var show = 100
        @Flag(help: "Print the report as JSON.") var json = false
        @Flag(help: "No progress lines.") var quiet = false

        func validate() throws {
            try checked {
                try SettingLimit.applyBatchSize.named("--batch-size").check(batchSize)
                try SettingLimit.applyChangeLimit.named("--show").check(show)
            }
        }

        func run() async throws {
            let admin = try await db.services().admin
            let total = try await roster.run { try await admin.counts(providerID: id).users }
            let showProgress = !json && !quiet
            let report = try await roster.run {
                try await admin.applyMappings(
                    providerID: id, dryRun: dryRun, batchSize: batchSize, changeLimit: show
                ) { report in
                    guard showProgress else { return }
                    let percent = total == 0 ? 100 : min(100, report.processed * 100 / total)
                    FileHandle.standardError.write(
                        Data(
                            "\(report.dryRun ? "checked" : "applied") \(report.processed)/\(total) users (\(percent)%), \(report.changed) changed\n"
                                .utf8))
                }
            }
            if json {
                Output.json(report.json)
                return
            }
            if report.resumed, let run = report.runID { print("Resumed the interrupted run \(run).") }
            print(report.dryRun ? "Dry run: nothing was changed." : "Applied org and role settings.")
            print(
                """
                Users evaluated:       \(report.processed)
                Users changed:         \(report.changed)
                Organization moves:    \(report.organizationMoves)
                Role changes:          \(report.roleChanges)
                Watchlist additions:   \(report.watchlistAdditions)
                Watchlist removals:    \(report.watchlistRemovals)
                Organizations created: \(report.organizationsCreated.count)\(report.organizationsCreated.isEmpty ? "" : " (\(report.organizationsCreated.joined(separator: ", ")))")
                """)
            guard !report.changes.isEmpty else { return }
            print("")
            for change in report.changes { print(Self.describe(change)) }
            if report.changed > report.changes.count {
                print("… and \(report.changed - report.changes.count) more (--show N prints more).")
            }
        }

        static func describe(_ change: PlacementChange) -> String {
            var parts: [String] = []
            if let to = change.organizationTo { parts.append("organization \(change.organizationFrom ?? "") → \(to)") }
            if let to = change.rolesTo {
                parts.append("roles [\(change.rolesFrom.joined(separator: ", "))] → [\(to.joined(separator: ", "))]")
            }
            if !change.watchlistsAdded.isEmpty {
                parts.append("+watchlist \(change.watchlistsAdded.joined(separator: ", "))")
            }
            if !change.watchlistsRemoved.isEmpty {
                parts.append("−watchlist \(change.watchlistsRemoved.joined(separator: ", "))")
            }
            return "\(change.userName): \(parts.joined(separator: "; "))"
        }
    }
}
