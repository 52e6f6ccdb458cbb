import Foundation
import Mustache
package import Provisioning

/// The provisioning report as a page: the console's Report page and `roster report --html` share its body
/// (`report-body.mustache`); the standalone document carries its own styles, for printing or mailing.
package enum ReportPage {
    /// The standalone HTML document (`roster report --html`).
    package static func document(_ report: ProvisioningReport) throws -> String {
        let renderer = try ConsoleRenderer()
        let page = ConsolePage(
            layout: Layout(title: "Provisioning report"), content: ReportDocument(report: .init(report)))
        return renderer.library.render(page, withTemplate: "report-document") ?? ""
    }
}

/// The standalone report document.
struct ReportDocument: Sendable {
    var report: ReportView
}

/// What `report-body.mustache` reads.
struct ReportView: Sendable {
    struct Count: Sendable {
        var action: String
        var n: Int
    }
    struct Rejection: Sendable {
        var reason: String
        var count: Int
        var example: String
    }
    struct Trip: Sendable { var at, provider: String }

    var from, to, scope: String
    var counts: [Count]
    var hasCounts: Bool
    var deactivated: [SyncLogRow]
    var deactivatedCount: Int
    var held: [SyncLogRow]
    var heldCount: Int
    var rejections: [Rejection]
    var hasRejections: Bool
    var guardTrips: [Trip]
    var guardTripCount: Int

    init(_ report: ProvisioningReport) {
        from = Timestamp.format(report.from)
        to = Timestamp.format(report.to)
        scope = report.providerID.map { "provider \($0)" } ?? "all providers"
        counts = SyncAction.allCases.compactMap { a in report.counts[a].map { Count(action: a.rawValue, n: $0) } }
        hasCounts = !counts.isEmpty
        deactivated = report.deactivated.map(SyncLogRow.init)
        deactivatedCount = report.deactivated.count
        held = report.held.map(SyncLogRow.init)
        heldCount = report.held.count
        rejections = report.rejections.map {
            Rejection(reason: $0.reason, count: $0.count, example: $0.examples.first?.detail ?? "")
        }
        hasRejections = !report.rejections.isEmpty
        guardTrips = report.guardTrips.map { Trip(at: Timestamp.format($0.at), provider: $0.providerID ?? "") }
        guardTripCount = report.guardTrips.count
    }
}
