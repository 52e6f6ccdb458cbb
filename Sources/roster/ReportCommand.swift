import ArgumentParser
import Foundation
import Provisioning
import RosterServer
import SCIM

/// `roster activity`: the charts' numbers in a terminal.
struct ActivityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activity",
        abstract: "Provisioning activity by hour (last 7 days) or minute (last 2 hours), as the console charts it.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Only this provider's activity.") var provider: String?
    @Option(help: "7d (by hour, the default) or 2h (by minute).") var range: ActivityRange = .week
    @Flag(help: "Print JSON (every bucket).") var json = false

    func run() async throws {
        let service = try await db.services().activity
        let activity = try await roster.run { try await service.activity(providerID: provider, range: range) }
        if json {
            var json = activity.json
            json["provider"] = provider.map(JSONValue.string) ?? .null
            Output.json(json)
            return
        }
        let totals = activity.totals
        print(ActivityKind.allCases.map { "\($0.rawValue) \(totals[$0] ?? 0)" }.joined(separator: ", "))
        print("deactivations pending \(activity.pending), held \(activity.held)")
        Output.table(
            [range == .week ? "HOUR" : "MINUTE"] + ActivityKind.allCases.map { $0.rawValue.uppercased() },
            activity.buckets.reversed().filter { $0.counts.values.contains { $0 > 0 } }.map { b in
                [Timestamp.format(b.start)] + ActivityKind.allCases.map { String(b.counts[$0] ?? 0) }
            })
    }
}

extension ActivityRange: ExpressibleByArgument {}

/// `roster report`: what provisioning did over a period.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "What provisioning did over a period: counts by action, users deactivated and held, rejected requests with their reasons, the guard's trips."
    )
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Start of the period: a duration back from now (24h, 7d) or an RFC 3339 time.") var since = "24h"
    @Option(help: "Only this provider.") var provider: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV.") var csv = false
    @Flag(help: "Print a standalone HTML page (for printing or mailing).") var html = false

    func validate() throws {
        if [json, csv, html].filter({ $0 }).count > 1 {
            throw ValidationError("Choose one of --json, --csv and --html.")
        }
        _ = try checked { try SettingLimit.lookBack.named("--since").instant(since, now: Date()) }
    }

    func run() async throws {
        let service = try await db.services().activity
        let now = Date()
        let from = try checked { try SettingLimit.lookBack.named("--since").instant(since, now: now) }
        let report = try await roster.run { try await service.report(providerID: provider, from: from, to: now) }
        if json { return Output.json(report.json) }
        if csv { return print(report.csv, terminator: "") }
        if html { return print(try ReportPage.document(report)) }
        print(
            "Provisioning report, \(Timestamp.format(report.from)) to \(Timestamp.format(report.to))"
                + (provider.map { ", provider \($0)" } ?? ", all providers"))
        print("\nCounts by action:")
        for a in SyncAction.allCases { if let n = report.counts[a] { print("  \(a.rawValue): \(n)") } }
        if report.counts.isEmpty { print("  nothing happened") }
        print("\nUsers deactivated: \(report.deactivated.count)")
        for e in report.deactivated { print("  \(Timestamp.format(e.at))  \(e.userName ?? e.userID ?? "")") }
        print("\nDeactivations held: \(report.held.count)")
        for e in report.held {
            print("  \(Timestamp.format(e.at))  \(e.userName ?? e.userID ?? "")  \(e.detail ?? "")")
        }
        print("\nRejected requests by reason:")
        for r in report.rejections {
            print("  \(r.reason): \(r.count)  e.g. \(r.examples.first?.detail ?? "")")
        }
        print("\nGuard trips: \(report.guardTrips.count)")
        for t in report.guardTrips { print("  \(Timestamp.format(t.at))  provider \(t.providerID ?? "")") }
    }
}
