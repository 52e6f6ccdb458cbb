package import Foundation
package import SCIM

/// What provisioning did over a period (`roster report`, the console's Report page, the `report.daily` event):
/// counts by action, the users deactivated and held, the requests refused or rejected with their reasons, and
/// the guard's trips.
package struct ProvisioningReport: Sendable, Hashable {
    /// Rejections that share a reason: the status and `scimType` the entries start with (`400 invalidValue`,
    /// `403`), their count, and the newest entries.
    package struct Reason: Sendable, Hashable {
        package var reason: String
        package var count: Int
        package var examples: [SyncLogEntry]
    }

    package var from: Date
    package var to: Date
    /// One provider's report, or every provider's when `nil`.
    package var providerID: String?
    package var counts: [SyncAction: Int]
    package var deactivated: [SyncLogEntry]
    package var held: [SyncLogEntry]
    package var rejections: [Reason]
    package var guardTrips: [ProvisioningEvent]
    /// The most entries each list holds (the counts are complete).
    package static let listLimit = 1000

    package init(
        from: Date, to: Date, providerID: String?, counts: [SyncAction: Int], deactivated: [SyncLogEntry],
        held: [SyncLogEntry], rejections: [Reason], guardTrips: [ProvisioningEvent]
    ) {
        self.from = from
        self.to = to
        self.providerID = providerID
        self.counts = counts
        self.deactivated = deactivated
        self.held = held
        self.rejections = rejections
        self.guardTrips = guardTrips
    }

    /// The reason of a `rejected` entry: its detail up to the colon (`400 invalidValue`, `403`).
    package static func reason(_ entry: SyncLogEntry) -> String {
        guard let detail = entry.detail, let colon = detail.firstIndex(of: ":") else { return "other" }
        return String(detail[..<colon])
    }

    /// The report as JSON (the CLI's `--json`, the admin API, the `report.daily` event's data).
    package var json: JSONObject {
        func entries(_ list: [SyncLogEntry]) -> JSONValue { .array(list.map { .object($0.json) }) }
        return [
            "from": .string(Timestamp.format(from)), "to": .string(Timestamp.format(to)),
            "provider": providerID.map(JSONValue.string) ?? .null,
            "counts": .object(
                JSONObject(
                    SyncAction.allCases.compactMap { a in counts[a].map { (key: a.rawValue, value: .int($0)) } })),
            "deactivated": entries(deactivated), "held": entries(held),
            "rejections": .array(
                rejections.map {
                    ["reason": .string($0.reason), "count": .int($0.count), "examples": entries($0.examples)]
                }),
            "guardTrips": .array(
                guardTrips.map { ["at": .string(Timestamp.format($0.at)), "provider": .string($0.providerID ?? "")] }),
        ]
    }

    /// The report as CSV: one row per line of the report (`section,key,value,detail`), formula-safe.
    package var csv: String {
        var rows = [["section", "key", "value", "detail"]]
        rows.append(["period", Timestamp.format(from), Timestamp.format(to), providerID ?? "all providers"])
        for a in SyncAction.allCases { if let n = counts[a] { rows.append(["count", a.rawValue, String(n), ""]) } }
        for e in deactivated { rows.append(["deactivated", e.userName ?? e.userID ?? "", Timestamp.format(e.at), ""]) }
        for e in held { rows.append(["held", e.userName ?? e.userID ?? "", Timestamp.format(e.at), e.detail ?? ""]) }
        for r in rejections {
            rows.append(["rejection", r.reason, String(r.count), r.examples.first?.detail ?? ""])
        }
        for t in guardTrips { rows.append(["guard-trip", t.providerID ?? "", Timestamp.format(t.at), ""]) }
        return rows.map { $0.map(SyncLogEntry.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

extension ActivityService {
    /// What provisioning did in `[from, to)`: one provider's, or every provider's.
    package func report(providerID: String?, from: Date, to: Date) async throws -> ProvisioningReport {
        guard from < to else { throw ProvisioningError.invalid("A report's period must start before it ends.") }
        return try await store.read { tx in
            if let providerID, try await tx.provider(id: providerID) == nil {
                throw ProvisioningError.notFound("No provider with id '\(providerID)'.")
            }
            func entries(_ action: SyncAction) async throws -> [SyncLogEntry] {
                var query = SyncLogQuery(providerID: providerID, action: action, since: from)
                query.limit = ProvisioningReport.listLimit
                return try await tx.syncLog(query).filter { $0.at < to }
            }
            let rejected = try await entries(.rejected)
            var reasons: [String: ProvisioningReport.Reason] = [:]
            for e in rejected {
                let key = ProvisioningReport.reason(e)
                reasons[key, default: .init(reason: key, count: 0, examples: [])].count += 1
                if reasons[key]!.examples.count < 3 { reasons[key]!.examples.append(e) }
            }
            // Guard trips are events (kept for the events' retention).
            var trips: [ProvisioningEvent] = []
            var after = EventCursor.start
            while true {
                let page = try await tx.events(EventQuery(after: after, limit: 1000, types: [.providerGuardTripped]))
                trips += page.filter {
                    $0.at >= from && $0.at < to && (providerID == nil || $0.providerID == providerID)
                }
                guard page.count == 1000, let last = page.last?.cursor else { break }
                after = last
            }
            return ProvisioningReport(
                from: from, to: to, providerID: providerID,
                counts: try await tx.actionCounts(providerID: providerID, from: from, to: to),
                deactivated: try await entries(.deactivated), held: try await entries(.deactivationHeld),
                rejections: reasons.values.sorted { ($0.count, $1.reason) > ($1.count, $0.reason) },
                guardTrips: trips)
        }
    }
}

extension ActivityService {
    /// The setting that turns the daily report event on (`on`) or off (anything else, the default).
    static let dailyReportKey = "daily_report_event"
    /// The setting that holds the last day (`2026-12-03`) whose report event was sent.
    static let dailyReportSentKey = "daily_report_sent"
    /// The most entries of each list the event carries (the counts are complete).
    package static let dailyReportListLimit = 100

    package func dailyReportEnabled() async throws -> Bool {
        try await store.read { tx in try await tx.setting(Self.dailyReportKey) == "on" }
    }

    package func setDailyReport(_ on: Bool) async throws {
        try await store.withTransaction { tx in try await tx.setSetting(Self.dailyReportKey, on ? "on" : "off") }
    }

    /// When the daily report is on and the report of the UTC day before now was not sent yet, appends it as a
    /// `report.daily` event (every provider's; lists cut at ``dailyReportListLimit``) and returns it. Once per
    /// day whatever the number of instances: the event's id names the day, and ids are unique.
    @discardableResult
    package func sendDailyReport() async throws -> ProvisioningEvent? {
        let t = now()
        let today = Self.milliseconds(t) / 86_400_000
        let day = Self.date((today - 1) * 86_400_000)
        let name = String(Timestamp.format(day).prefix(10))
        let due = try await store.read { tx in
            let on = try await tx.setting(Self.dailyReportKey) == "on"
            return on ? try await tx.setting(Self.dailyReportSentKey) != name : false
        }
        guard due else { return nil }
        var report = try await report(providerID: nil, from: day, to: Self.date(today * 86_400_000))
        let limit = Self.dailyReportListLimit
        report.deactivated = Array(report.deactivated.prefix(limit))
        report.held = Array(report.held.prefix(limit))
        let event = ProvisioningEvent(
            id: "evt_report_daily_\(name)", type: .reportDaily, at: t,
            data: ["day": .string(name), "report": .object(report.json)])
        do {
            let appended = try await store.withTransaction { tx in
                guard try await tx.setting(Self.dailyReportSentKey) != name else { return false }
                try await tx.appendEvents([event])
                try await tx.setSetting(Self.dailyReportSentKey, name)
                return true
            }
            return appended ? event : nil
        } catch let error as ProvisioningError where error.code == .conflict {
            return nil  // another instance sent it first
        }
    }
}
