import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SCIM
import Testing

@testable import Provisioning
@testable import RosterServer

/// What strangers can make the server keep or say: nothing per Base URL before a provider authenticates, short
/// logs and errors for huge paths, the same protective headers on every answer, and the request deadline's rules.
@Suite struct AbuseTests {
    /// A Base URL whose provider id cannot be one gets 404 before the rate limiter or the failure counter keep
    /// anything for it; a well-formed unknown id is counted like any failed authentication.
    @Test func malformedProviderIDsLeaveNoState() async throws {
        let limiter = RateLimiter(rate: 100, burst: 200)
        let guardMiddleware = SCIMGuardMiddleware<BasicRequestContext>(limiter: limiter, failureDelay: .zero)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware(responses: ErrorResponses()))
        router.add(middleware: guardMiddleware)
        router.get("scim/:provider/v2/Users") { _, _ -> Response in throw SCIMError.unauthorized("Unknown provider.") }
        try await Application(router: router).test(.router) { client in
            for id in [String(repeating: "a", count: 250_000), "ABCDEFGHIJ", "abc", "abcdefgh_j", "abcdefghijk"] {
                let response = try await client.execute(uri: "/scim/\(id)/v2/Users", method: .get)
                #expect(response.status == .notFound)
                let body = String(buffer: response.body)
                #expect(body.contains("a provider id is 10 lowercase letters and digits") && body.utf8.count < 500)
            }
            #expect(limiter.count == 0 && guardMiddleware.failures.count == 0)
            let unknown = try await client.execute(uri: "/scim/abcdefghij/v2/Users", method: .get)
            #expect(unknown.status == .unauthorized)
            #expect(guardMiddleware.failures.count == 1)
        }
    }

    /// Only a successful (so authenticated) request records provider activity: a stranger's 429 on a real Base
    /// URL (its 404s used up the allowance) neither writes the store nor adds to the table.
    @Test func onlyAuthenticatedRequestsRecordActivity() async throws {
        // One request per 1,000 s: the second is refused however slow the machine running the test is.
        let configuration = ServerConfiguration(rateLimit: 0.001, failedAuthenticationDelay: .milliseconds(10))
        try await withSCIM(.memory, providers: ["Okta", "Entra"], configuration: configuration) {
            clients, issued, admin async throws in
            let (okta, entra) = (clients[0], clients[1])
            #expect(try await okta.send(.get, "/Nope", authorized: false).status == .notFound)
            #expect(try await okta.send(.get, "/Nope", authorized: false).status == .tooManyRequests)
            #expect(try await admin.provider(id: issued[0].provider.id).lastRequestAt == nil)
            #expect(try await entra.send(.get, "/Users").status == .ok)
            #expect(try await admin.provider(id: issued[1].provider.id).lastRequestAt != nil)
        }
    }

    @Test(arguments: [
        ("/healthz", 200), ("/console", 303), ("/console/sign-in", 200), ("/console/no-such-page", 404),
        ("/console/static/roster.css", 200), ("/scim/abcdefghij/v2/Users", 401), ("/scim/x/v2/Users", 404),
        ("/api/v1/providers", 401), ("/api/v1/nothing", 404), ("/metrics", 200), ("/nothing", 404),
    ])
    func everyAnswerCarriesTheProtectiveHeaders(_ path: String, _ status: Int) async throws {
        try await withSCIM(.memory) { clients, _, _ in
            let response = try await clients[0].client.execute(uri: path, method: .get)
            #expect(response.status.code == status, "\(path)")
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
            #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(path)")
        }
    }

    @Test func aMetricsTokenProtectsTheMetrics() async throws {
        let configuration = ServerConfiguration(
            failedAuthenticationDelay: .milliseconds(10), metricsToken: "s3cret-token")
        try await withSCIM(.memory, configuration: configuration) { clients, _, _ in
            let client = clients[0].client
            for header in [nil, "Bearer wrong", "Bearer s3cret-tokenx", "Basic s3cret-token", "Bearer "] {
                let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                let refused = try await client.execute(uri: "/metrics", method: .get, headers: headers)
                #expect(refused.status == .unauthorized, "\(header ?? "none")")
                #expect(refused.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(!String(buffer: refused.body).contains("roster_http_requests_total"))
            }
            for header in ["Bearer s3cret-token", "bearer s3cret-token"] {
                let allowed = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: header])
                #expect(
                    allowed.status == .ok
                        && String(buffer: allowed.body).split(separator: "\n").contains("roster_providers 1.0"))
            }
        }
    }

    @Test(arguments: [
        ("/scim/abc/v2/Users", "/scim/abc/v2/Users"),
        (String(repeating: "a", count: 256), String(repeating: "a", count: 256)),
        (String(repeating: "a", count: 257), String(repeating: "a", count: 256) + "…"),
        (String(repeating: "é", count: 200), String(repeating: "é", count: 200)),
        (String(repeating: "é", count: 300), String(repeating: "é", count: 256) + "…"),
        (String(repeating: "x", count: 250_000), String(repeating: "x", count: 256) + "…"),
    ])
    func loggedPathsAreCut(_ path: String, _ logged: String) {
        #expect(loggable(path) == logged)
    }

    // MARK: The request deadline

    enum Event { case read, head, wrote }

    /// Sequences of a connection's events, what the deadline says to each, and what a timer firing after them
    /// would do.
    @Test(
        arguments: [
            // One request, read in time, answered: the next request's time starts when the answer is written.
            ([.read, .head, .wrote], [.disarm, nil, .arm(.seconds(60))], RequestDeadline.Expiry.requestTimeout),
            // The head or body never completes: the timer armed at the start fires, and nothing was answered: 408.
            ([], [], .requestTimeout),
            // Answered (413, 401) before the body ended: the running deadline keeps going and ends with a plain close.
            ([.head, .wrote], [nil, .keep], .close),
            // ... and once the body did end, the next request's time starts.
            ([.head, .wrote, .read], [nil, .keep, .arm(.seconds(60))], .requestTimeout),
            // Read in full and being answered: no deadline, however long the answer takes.
            ([.read, .head], [.disarm, nil], .ignore),
            // A pipelined second request read while the first is answered stays untimed until both are answered.
            ([.read, .read, .head, .wrote], [.disarm, .disarm, nil, .keep], .ignore),
            (
                [.read, .read, .head, .wrote, .head, .wrote], [.disarm, .disarm, nil, .keep, nil, .arm(.seconds(60))],
                .requestTimeout
            ),
        ] as [([Event], [RequestDeadline.Action?], RequestDeadline.Expiry)])
    func requestDeadlineRules(_ events: [Event], _ actions: [RequestDeadline.Action?], _ expiry: RequestDeadline.Expiry)
    {
        var deadline = RequestDeadline(timeout: .seconds(60))
        #expect(deadline.connectionOpened() == .arm(.seconds(60)))
        var seen: [RequestDeadline.Action?] = []
        for event in events {
            switch event {
            case .read: seen.append(deadline.readRequestEnd())
            case .head:
                deadline.wroteResponseHead()
                seen.append(nil)
            case .wrote: seen.append(deadline.wroteResponseEnd())
            }
        }
        #expect(seen == actions)
        #expect(deadline.expired() == expiry)
    }
}
