import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Provisioning
import RosterServer
import SCIM
import Testing

/// The console's Requests tab and a provider's pause: an admin sees what the IdP sent, redacted, beside what it
/// changed, and can pause and resume the provider.
@Suite struct ConsoleInspectorTests {
    @Test(arguments: StoreKind.allCases)
    func requestsTabShowsBodiesBesideTheirChanges(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await AdminAccounts(store: store, bcryptCost: 4).addAdmin(
                email: "root@example.com", password: ConsoleTests.password)
            let issued = try await AdminService(store: store).addProvider(name: "Okta")
            let recorder = RequestRecorder(store: store, logger: Logger(label: "test"))
            let app = Application(
                router: try buildRouter(
                    configuration: ServerConfiguration(publicURL: "http://roster.test", bcryptCost: 4), store: store,
                    recorder: recorder))
            try await app.test(.router) { client in
                var b = try await ConsoleTests.signedIn(ConsoleBrowser(client: client))
                let okta = SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret)
                let pid = issued.provider.id
                #expect(try await okta.send(.post, "/Users", InspectorAPITests.oktaCreate).status == .created)
                #expect(try await okta.send(.post, "/Users", InspectorAPITests.oktaCreate).status == .conflict)
                try await recorder.flush()

                let overview = try await b.get("/console/providers/\(pid)")
                #expect(overview.body.contains("href=\"/console/providers/\(pid)/requests\""))
                var tab = try await b.get("/console/providers/\(pid)/requests")
                #expect(tab.status == .ok)
                #expect(tab.body.contains("POST /Users") && tab.body.contains("409") && tab.body.contains("uniqueness"))
                let failed = try await b.get("/console/providers/\(pid)/requests?status=failed")
                #expect(failed.body.contains("409") && !failed.body.contains(">201<"))
                tab = try await b.get("/console/providers/\(pid)/requests?status=2xx&user=ann%40example.com")
                let link = try #require(
                    tab.body.range(of: "/console/providers/\(pid)/requests/").map {
                        String(tab.body[$0.lowerBound...].prefix { $0 != "\"" })
                    })
                let detail = try await b.get(link)
                #expect(detail.status == .ok)
                #expect(detail.body.contains("What the identity provider sent"))
                #expect(detail.body.contains("[redacted]") && !detail.body.contains("1mz050nq"))
                #expect(detail.body.contains("organization Root"), "the created entry of the same request")
                #expect(try await b.get("/console/providers/\(pid)/requests/999999").status == .notFound)

                // Pause and resume from the overview.
                #expect(try await b.post("/console/providers/\(pid)/pause", []).status == .seeOther)
                let paused = try await b.get("/console/providers/\(pid)")
                #expect(paused.body.contains("Paused since") && paused.body.contains("Resume provider"))
                #expect(try await okta.send(.get, "/Users").status == .serviceUnavailable)
                #expect(try await b.post("/console/providers/\(pid)/resume", []).status == .seeOther)
                #expect(!(try await b.get("/console/providers/\(pid)")).body.contains("Paused since"))
                #expect(try await okta.send(.get, "/Users").status == .ok)

                // Recording off: the tab says so and nothing new is kept.
                #expect(try await b.post("/console/providers/\(pid)/recording", []).status == .seeOther)
                #expect(try await b.get("/console/providers/\(pid)/requests").body.contains("Recording is off"))
            }
        }
    }
}

/// The activity charts: server-side SVG, a bar per bucket in each kind's chart, numbers in titles and a table.
@Suite struct ActivityChartTests {
    static func bars(_ page: String, kind: String) -> Int {
        guard let start = page.range(of: "id=\"chart-\(kind)\""),
            let end = page.range(of: "</svg>", range: start.upperBound..<page.endIndex)
        else { return -1 }
        return page[start.upperBound..<end.lowerBound].components(separatedBy: "<rect class=\"bar\"").count - 1
    }

    @Test(arguments: StoreKind.allCases)
    func overviewAndProviderPagesChartTheSyncLog(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, issued, _ in
            var b = try await ConsoleTests.signedIn(browser)
            // The three creates must fall in one hour's bar: too close to the hour's end, wait for the next hour.
            let intoHour = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 3600)
            if intoHour > 3590 { try await Task.sleep(for: .seconds(3601 - intoHour)) }
            for n in 0..<3 {
                #expect(
                    try await okta.send(.post, "/Users", UsersAPITests.user("u\(n)@example.com")).status == .created)
            }
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("u0@example.com")).status == .conflict)
            let overview = try await b.get("/console/overview")
            #expect(overview.status == .ok)
            for k in ActivityKind.allCases {
                #expect(Self.bars(overview.body, kind: k.rawValue) == 168, "\(k) has a bar per hour")
            }
            #expect(overview.body.contains("data-bars=\"168\""))
            #expect(overview.body.contains("Created: 3 in the last 7 days, by hour"))
            #expect(overview.body.contains(": 3 created</title>"), "the hour's number on hover")
            #expect(overview.body.contains("id=\"activity-table\""))
            #expect(overview.body.contains("aria-current=\"page\">Overview"))

            let minutes = try await b.get("/console/providers/\(issued.provider.id)?range=2h")
            #expect(minutes.status == .ok)
            #expect(Self.bars(minutes.body, kind: "created") == 120)
            #expect(minutes.body.contains("Rejected: 1 in the last 2 hours"))
            #expect(try await b.get("/console/overview?range=1y").status == .badRequest)
        }
    }
}
