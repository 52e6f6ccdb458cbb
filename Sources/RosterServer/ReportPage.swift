import Foundation
import Mustache
package import Provisioning

/// The provisioning report as a page: the console's Report page and `roster report --html` share its body
/// (`report-body.mustache`); the standalone document carries its own styles, for printing or mailing.
package enum ReportPage {
    /// What `report-body.mustache` reads.
    static func context(_ report: ProvisioningReport) -> [String: Any] {
        func entries(_ list: [SyncLogEntry]) -> [[String: Any]] {
            list.map {
                [
                    "at": Timestamp.format($0.at), "user": $0.userName ?? $0.userID ?? "", "userID": $0.userID ?? "",
                    "detail": $0.detail ?? "",
                ]
            }
        }
        let counts = SyncAction.allCases.compactMap { a in report.counts[a].map { ["action": a.rawValue, "n": $0] } }
        return [
            "from": Timestamp.format(report.from), "to": Timestamp.format(report.to),
            "scope": report.providerID.map { "provider \($0)" } ?? "all providers",
            "counts": counts, "hasCounts": !counts.isEmpty,
            "deactivated": entries(report.deactivated), "deactivatedCount": report.deactivated.count,
            "held": entries(report.held), "heldCount": report.held.count,
            "rejections": report.rejections.map {
                ["reason": $0.reason, "count": $0.count, "example": $0.examples.first?.detail ?? ""] as [String: Any]
            },
            "hasRejections": !report.rejections.isEmpty,
            "guardTrips": report.guardTrips.map {
                ["at": Timestamp.format($0.at), "provider": $0.providerID ?? ""] as [String: Any]
            },
            "guardTripCount": report.guardTrips.count,
        ]
    }

    /// The standalone HTML document (`roster report --html`).
    package static func document(_ report: ProvisioningReport) throws -> String {
        let renderer = try ConsoleRenderer()
        var context = context(report)
        context["title"] = "Provisioning report"
        return renderer.library.render(context, withTemplate: "report-document") ?? ""
    }
}
