import Foundation
import Provisioning
import SCIM
import Testing

extension StoreConformance {
    static func entry(_ provider: String?, _ action: SyncAction, _ at: Date, detail: String? = nil) -> SyncLogEntry {
        SyncLogEntry(
            at: at, providerID: provider, userID: "u", userName: "u@example.com", action: action, detail: detail)
    }

    /// The activity charts' counts: by bucket and kind, per provider or all, refusals (403) told from other
    /// rejections; the hourly roll-up answers what the log answers, and rolling an hour up twice changes nothing;
    /// the service's week and two-hour views put each entry in its bucket, before and after the roll-up.
    static func activity(_ store: some ProvisioningStore) async throws {
        let hour = (Int64(epoch.timeIntervalSince1970) / 3600 + 1) * 3600  // an hour's start after the epoch
        @Sendable func t(_ h: Int64, _ m: Int64 = 0) -> Date {
            Date(timeIntervalSince1970: Double(hour + h * 3600 + m * 60))
        }
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertProvider(provider("p2"))
            try await tx.appendSyncLog([
                entry("p1", .created, t(0, 1)), entry("p1", .created, t(0, 2)), entry("p1", .created, t(0, 59)),
                entry("p2", .updated, t(0, 30)), entry("p1", .blocked, t(0, 31)),
                entry("p1", .rejected, t(1, 0), detail: "403: userName 'x' is a local user"),
                entry("p1", .rejected, t(1, 1), detail: "400 invalidValue: emails"),
                entry("p1", .deactivated, t(1, 5)), entry(nil, .reactivated, t(1, 6)),
                entry("p1", .updated, t(2, 0)),  // outside [t(0), t(2))
            ])
        }
        func table(_ counts: [ActivityCount]) -> [String: Int] {
            counts.reduce(into: [:]) { $0["\($1.bucket - hour / 3600) \($1.action)", default: 0] += $1.count }
        }
        let p1 = try await store.read { tx in
            try await tx.activityCounts(providerID: "p1", from: t(0), to: t(2), bucketSeconds: 3600)
        }
        #expect(
            table(p1) == ["0 created": 3, "1 rejected": 2, "1 refused": 1, "1 deactivated": 1])
        let all = try await store.read { tx in
            try await tx.activityCounts(providerID: nil, from: t(0), to: t(2), bucketSeconds: 3600)
        }
        #expect(
            table(all) == [
                "0 created": 3, "0 updated": 1, "1 rejected": 2, "1 refused": 1, "1 deactivated": 1,
                "1 reactivated": 1,
            ])
        let minutes = try await store.read { tx in
            try await tx.activityCounts(providerID: "p1", from: t(0), to: t(0, 3), bucketSeconds: 60)
        }
        #expect(Set(minutes.map { $0.bucket * 60 - hour }) == [60, 120] && minutes.allSatisfy { $0.count == 1 })

        // The roll-up answers what the log answers, and never counts an hour twice.
        let (from, to) = (hour / 3600, hour / 3600 + 2)
        try await store.withTransaction { tx in try await tx.rollUpActivity(fromHour: from, toHour: to) }
        try await store.withTransaction { tx in try await tx.rollUpActivity(fromHour: from, toHour: to + 1) }
        let rolled = try await store.read { tx in
            (
                try await tx.rolledUpActivity(providerID: "p1", fromHour: from, toHour: to),
                try await tx.rolledUpActivity(providerID: nil, fromHour: from, toHour: to)
            )
        }
        #expect(table(rolled.0) == table(p1))
        #expect(table(rolled.1) == table(all))

        // The service: each entry in its bucket, the same before and after rolling up the closed hours.
        let now = t(2, 10)
        let service = ActivityService(store: store, now: { now })
        let week = try await service.activity(providerID: "p1", range: .week)
        #expect(week.buckets.count == 168)
        #expect(week.buckets.suffix(3).map { $0.counts[.created] } == [3, 0, 0])
        #expect(week.buckets.suffix(3).map { $0.counts[.refused] } == [0, 1, 0])
        #expect(week.buckets.suffix(3).map { $0.counts[.rejected] } == [0, 1, 0])
        #expect(week.buckets.suffix(3).map { $0.counts[.updated] } == [0, 0, 1])
        #expect(week.buckets.last?.start == t(2))
        #expect(week.totals[.created] == 3 && week.totals[.deactivated] == 1)
        let rolledHours = try await service.rollUp()
        #expect(rolledHours > 0)
        #expect(try await service.activity(providerID: "p1", range: .week) == week)
        #expect(try await service.rollUp() == 0)
        let everyone = try await service.activity(providerID: nil, range: .week)
        #expect(everyone.totals[.reactivated] == 1 && everyone.totals[.updated] == 2)
        let twoHours = try await service.activity(providerID: "p1", range: .twoHours)
        #expect(twoHours.buckets.count == 120)
        #expect(twoHours.totals[.updated] == 1 && twoHours.totals[.deactivated] == 1 && twoHours.totals[.created] == 1)
        await #expect(throws: ProvisioningError.self) {
            try await service.activity(providerID: "nosuch", range: .week)
        }

        // The daily report event: off by default; on, sent once for the day before, however many ask at once.
        let later = t(26)
        let daily = ActivityService(store: store, now: { later })
        #expect(try await daily.sendDailyReport() == nil)
        try await daily.setDailyReport(true)
        async let first = daily.sendDailyReport()
        async let second = ActivityService(store: store, now: { later }).sendDailyReport()
        let sent = [try await first, try await second].compactMap { $0 }
        #expect(sent.count == 1)
        // On PostgreSQL an event may show a moment after its commit (``eventually(_:until:)``).
        let readReports = { try await store.read { tx in try await tx.events(EventQuery(types: [.reportDaily])) } }
        let reports = try await eventually(readReports, until: { !$0.isEmpty })
        #expect(reports.count == 1)
        let day = String(Timestamp.format(later.addingTimeInterval(-86_400)).prefix(10))
        #expect(reports.first?.id == "evt_report_daily_\(day)")
        #expect(reports.first?.data["report"]?.objectValue?["counts"] != nil)
        #expect(try await daily.sendDailyReport() == nil)
    }
}
