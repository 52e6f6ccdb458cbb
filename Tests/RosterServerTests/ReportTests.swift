import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Provisioning
import RosterServer
import SCIM
import Testing

/// The provisioning report: counts by action, deactivations and holds, rejections by reason, guard trips; the
/// same in the admin API, the console (printable) and as a standalone document.
@Suite struct ReportTests {
    @Test(arguments: StoreKind.allCases)
    func aDayOfProvisioningReported(_ kind: StoreKind) async throws {
        try await AdminAPITests.withAPI(kind) { api, okta, pid in
            // Two users, a duplicate create, a create of a local user's userName, a deactivation by the IdP
            // (blocked, scheduled) and one by an admin (at once).
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("bob@example.com")).status == .created)
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).status == .conflict)
            _ = try await api.send(.post, "/api/v1/users", #"{"email":"local@example.com"}"#)
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("local@example.com")).status.code >= 400)
            #expect(
                try await okta.send(
                    .patch, "/Users/\(ann.id)",
                    #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
                ).status == .ok)

            let users = try await api.send(.get, "/api/v1/users?q=bob")
            let bob = users.json["users"]?.arrayValue?.first?.objectValue?["id"]?.stringValue ?? ""
            #expect(try await api.send(.post, "/api/v1/users/\(bob)/deactivate", #"{"confirm":true}"#).status == .ok)

            let report = try await api.send(.get, "/api/v1/report?since=1h&provider=\(pid)")
            #expect(report.status == .ok)
            let counts = try #require(report.json["counts"]?.objectValue)
            #expect(counts["created"] == .int(2) && counts["blocked"] == .int(1))
            #expect(counts["deactivation-scheduled"] == .int(1))
            #expect(counts["rejected"] == .int(2))
            let reasons = report.json["rejections"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(reasons.map { $0["reason"] } == [.string("409 uniqueness")])
            #expect(reasons.map { $0["count"] } == [.int(2)])
            // Every provider's and the admins': the manual deactivation is there.
            let all = try await api.send(.get, "/api/v1/report?since=1h")
            let deactivated = all.json["deactivated"]?.arrayValue?.compactMap { $0.objectValue?["userName"] }
            #expect(deactivated == [.string("bob@example.com")])
            #expect(try await api.send(.get, "/api/v1/report?since=forever").status == .badRequest)
            #expect(try await api.send(.get, "/api/v1/report?provider=nosuchprov1").status == .notFound)

            let activity = try await api.send(.get, "/api/v1/activity?range=2h&provider=\(pid)")
            #expect(activity.json["buckets"]?.arrayValue?.count == 120)
            #expect(try await api.send(.get, "/api/v1/activity?range=1y").status == .badRequest)
        }
    }

    @Test func theConsolePageAndTheDocumentShowTheSame() async throws {
        try await withConsole(.sqlite) { browser, okta, _, _ in
            var b = try await ConsoleTests.signedIn(browser)
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).status == .created)
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).status == .conflict)
            let page = try await b.get("/console/report?since=2h")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"report-counts\"") && page.body.contains("<td>created</td><td>1</td>"))
            #expect(page.body.contains("409 uniqueness") && page.body.contains("data-print"))
            #expect(try await b.get("/console/report?since=nonsense").status == .badRequest)
        }
        let report = ProvisioningReport(
            from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 3600), providerID: nil,
            counts: [.created: 3], deactivated: [], held: [], rejections: [], guardTrips: [])
        let html = try ReportPage.document(report)
        #expect(html.hasPrefix("<!doctype html>") && html.contains("<td>created</td><td>3</td>"))
        #expect(!html.contains("/console/static"), "standalone: no link to the console")
        #expect(report.csv.contains("count,created,3,"))
    }
}

/// The console's Settings: the request inspector's bounds and redactions, and the daily report event.
@Suite struct ConsoleSettingsInspectorTests {
    @Test func inspectorAndDailyReportSettingsFromTheConsole() async throws {
        try await withConsole(.memory) { browser, _, _, admin in
            var b = try await ConsoleTests.signedIn(browser)
            var page = try await b.get("/console/settings")
            #expect(page.body.contains("id=\"requests-kept\"") && page.body.contains("value=\"1000\""))
            let saved = try await b.post(
                "/console/settings/inspector",
                [("requestsKept", "250"), ("failuresKept", "50"), ("sensitiveAttributes", "phoneNumbers, title")])
            #expect(saved.status == .seeOther)
            page = try await b.get("/console/settings")
            #expect(page.body.contains("value=\"250\"") && page.body.contains("phoneNumbers, title"))
            let refused = try await b.post(
                "/console/settings/inspector",
                [("requestsKept", "0"), ("failuresKept", "50"), ("sensitiveAttributes", "")])
            #expect(refused.status == .seeOther)
            #expect(try await b.get("/console/settings").body.contains("requestsKept"), "the reason names the setting")
            #expect(try await b.post("/console/settings/daily-report", [("on", "on")]).status == .seeOther)
            let service = ActivityService(store: admin.store)
            #expect(try await service.dailyReportEnabled())
            #expect(try await b.post("/console/settings/daily-report", []).status == .seeOther)
            #expect(try await !service.dailyReportEnabled())
        }
    }
}
