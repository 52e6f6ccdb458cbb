import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import SCIM
import Testing

@testable import RosterServer

/// `/metrics`: Prometheus text with request counts and latencies by route pattern (never ids), and the store's
/// gauges.
///
/// Request metrics live in the process's one registry, which every test's router shares: exact counts are asserted
/// only on a route that a test adds to its own router under a name of its own; shared routes are asserted as lower
/// bounds.
@Suite struct MetricsTests {
    /// The samples of a scrape by series (`name{labels}`).
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func scrape(_ client: some TestClientProtocol, headers: HTTPFields = [:]) async throws -> String {
        let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
        #expect(
            response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        return String(buffer: response.body)
    }

    @Test func requestsAreCountedAndTimedByRoutePatternMethodAndStatus() async throws {
        try await withStore(.memory) { store in
            let router = try buildRouter(
                configuration: ServerConfiguration(failedAuthenticationDelay: .milliseconds(10)), store: store)
            let probe = "probe-\(UUID().uuidString.lowercased())"
            router.get("\(probe)/{id}") { _, _ in "ok" }
            router.put("\(probe)/{id}") { _, _ -> String in throw HTTPError(.conflict) }
            try await Application(router: router).test(.router) { client in
                for id in ["ann-id", "bob-id", "cy-id"] {
                    #expect(try await client.execute(uri: "/\(probe)/\(id)", method: .get).status == .ok)
                }
                #expect(try await client.execute(uri: "/\(probe)/ann-id", method: .put).status == .conflict)
                #expect(try await client.execute(uri: "/no-such-\(probe)", method: .get).status == .notFound)
                let text = try await Self.scrape(client)
                let samples = Self.samples(text)
                let get = #"route="/\#(probe)/{id}",method="GET",status="200""#
                #expect(samples["roster_http_requests_total{\(get)}"] == 3, "\(text.prefix(2000))")
                #expect(samples[#"roster_http_requests_total{route="/\#(probe)/{id}",method="PUT",status="409"}"#] == 1)
                #expect(samples["roster_http_request_duration_seconds_count{\(get)}"] == 3)
                #expect(samples["roster_http_request_duration_seconds_bucket{\(get),le=\"+Inf\"}"] == 3)
                #expect((samples["roster_http_request_duration_seconds_sum{\(get)}"] ?? 0) > 0)
                // The buckets are today's bounds, each counting the requests at most that long.
                let bounds = [
                    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "10.0",
                ]
                let buckets = bounds.map { samples["roster_http_request_duration_seconds_bucket{\(get),le=\"\($0)\"}"] }
                #expect(buckets.allSatisfy { $0 != nil }, "\(buckets)")
                let counts = buckets.compactMap { $0 } + [3]
                #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 })
                for id in ["ann-id", "bob-id", "cy-id"] { #expect(!text.contains(id), "ids never become labels") }
                #expect(!text.contains("no-such-\(probe)"), "unmatched paths never become labels")
                #expect(
                    (samples[#"roster_http_requests_total{route="unmatched",method="GET",status="404"}"#] ?? 0) >= 1)
                // The scrape itself is in flight while it renders.
                #expect((samples[#"roster_http_active_requests{method="GET"}"#] ?? 0) >= 1)
                #expect(!text.contains("hb_requests") && !text.contains("http_server_request_duration"))
            }
        }
    }

    /// The error counter has a series only for an error that reaches the metrics layer unanswered (here no error
    /// middleware answers it); a request the error middleware answers counts as a request, not an error.
    @Test func onlyAnErrorThatReachesTheMetricsUnansweredIsCountedAsOne() async throws {
        let probe = "unanswered-\(UUID().uuidString.lowercased())"
        let bare = Router(context: RosterRequestContext.self)
        bare.add(middleware: RequestMetricsMiddleware<RosterRequestContext>())
        bare.put("\(probe)/{id}") { _, _ -> String in throw HTTPError(.conflict) }
        _ = ProcessMetrics.registry
        try await Application(router: bare).test(.router) { client in
            let response = try await client.execute(uri: "/\(probe)/1", method: .put)
            #expect(response.status == .conflict)
        }
        try await withStore(.memory) { store in
            let router = try buildRouter(
                configuration: ServerConfiguration(failedAuthenticationDelay: .milliseconds(10)), store: store)
            router.put("answered-\(probe)/{id}") { _, _ -> String in throw HTTPError(.conflict) }
            try await Application(router: router).test(.router) { client in
                #expect(try await client.execute(uri: "/answered-\(probe)/1", method: .put).status == .conflict)
                let text = try await Self.scrape(client)
                let samples = Self.samples(text)
                let unanswered = #"route="/\#(probe)/{id}",method="PUT",status="409""#
                let answered = #"route="/answered-\#(probe)/{id}",method="PUT",status="409""#
                #expect(samples["roster_http_request_errors_total{\(unanswered)}"] == 1, "\(text.prefix(2000))")
                #expect(samples["roster_http_requests_total{\(unanswered)}"] == 1)
                #expect(samples["roster_http_requests_total{\(answered)}"] == 1)
                #expect(samples["roster_http_request_errors_total{\(answered)}"] == nil)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func scimRequestsAndTheStoreAreExposed(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            _ = try await okta.send(.get, "/Users/\(ann)")
            _ = try await okta.send(.get, "/Users/\(ann)")
            _ = try await okta.send(.get, "/Users/nope")
            _ = try await okta.send(
                .patch, "/Users/\(ann)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
            )
            let text = try await Self.scrape(okta.client)
            let samples = Self.samples(text)
            let user = #"route="/scim/{provider}/v2/Users/{id}",method="GET""#
            let users = #"route="/scim/{provider}/v2/Users",method="POST""#
            // Other tests use these routes too: at least this test's requests are counted.
            #expect((samples["roster_http_requests_total{\(user),status=\"200\"}"] ?? 0) >= 2, "\(text.prefix(2000))")
            #expect((samples["roster_http_requests_total{\(user),status=\"404\"}"] ?? 0) >= 1)
            #expect((samples["roster_http_requests_total{\(users),status=\"201\"}"] ?? 0) >= 1)
            #expect((samples["roster_http_request_duration_seconds_count{\(user),status=\"200\"}"] ?? 0) >= 2)
            #expect(!text.contains(ann), "ids never become labels")
            // The store's gauges are this store's, read at the scrape.
            #expect(samples["roster_deactivations_pending"] == 1)
            #expect(samples["roster_deactivations_due"] == 0)
            #expect(samples[#"roster_sync_log_entries{action="deactivation-scheduled"}"#] == 1)
            #expect(samples[#"roster_sync_log_entries{action="created"}"#] == 1)
            #expect(
                SyncAction.allCases.allSatisfy { samples["roster_sync_log_entries{action=\"\($0.rawValue)\"}"] != nil })
            #expect(samples["roster_providers"] == 1)
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(lines.contains("# HELP roster_providers Provisioning providers."))
            #expect(lines.contains("# TYPE roster_providers gauge"))
            #expect(lines.contains("# TYPE roster_http_requests_total counter"))
            #expect(lines.contains("# TYPE roster_http_request_duration_seconds histogram"))
        }
    }

    @Test func theStoreGaugesAreEachRoutersOwn() async throws {
        try await withSCIM(.memory, providers: ["Okta", "Entra", "Ping"]) { clients, _, _ in
            let text = try await Self.scrape(clients[0].client)
            #expect(Self.samples(text)["roster_providers"] == 3)
        }
        try await withSCIM(.memory) { clients, _, _ in
            let text = try await Self.scrape(clients[0].client)
            #expect(Self.samples(text)["roster_providers"] == 1)
        }
    }

    @Test func aMetricsTokenGuardsTheScrapeAndRefusedScrapesAreCounted() async throws {
        let configuration = ServerConfiguration(failedAuthenticationDelay: .milliseconds(10), metricsToken: "m-token")
        try await withSCIM(.memory, configuration: configuration) { clients, _, _ in
            let client = clients[0].client
            let refused = try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(!String(buffer: refused.body).contains("roster_"))
            let samples = Self.samples(try await Self.scrape(client, headers: [.authorization: "Bearer m-token"]))
            #expect((samples[#"roster_http_requests_total{route="/metrics",method="GET",status="401"}"#] ?? 0) >= 1)
            #expect(samples["roster_providers"] == 1)
        }
    }
}
