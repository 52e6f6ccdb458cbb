import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// One provider can never read or change another's resources; limits slow down floods and guessing.
@Suite struct SecurityTests {
    /// Every SCIM endpoint with a body that would work if the request were allowed.
    static func endpoints(user: String, group: String) -> [(HTTPRequest.Method, String, String?)] {
        let patch =
            #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}"#
        let search = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}"#
        return [
            (.get, "/Users", nil), (.post, "/Users", UsersAPITests.user("new@example.com")),
            (.post, "/Users/.search", search),
            (.get, "/Users/\(user)", nil), (.put, "/Users/\(user)", UsersAPITests.user("ann@example.com")),
            (.patch, "/Users/\(user)", patch), (.delete, "/Users/\(user)", nil),
            (.get, "/Groups", nil),
            (.post, "/Groups", #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"New"}"#),
            (.post, "/Groups/.search", search), (.get, "/Groups/\(group)", nil),
            (
                .put, "/Groups/\(group)",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G"}"#
            ),
            (.patch, "/Groups/\(group)", patch), (.delete, "/Groups/\(group)", nil), (.post, "/.search", search),
            (.get, "/ServiceProviderConfig", nil), (.get, "/Schemas", nil), (.get, "/ResourceTypes", nil),
            (
                .post, "/Bulk",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/\#(user)"},{"method":"DELETE","path":"/Groups/\#(group)"}]}"#
            ),
        ]
    }

    @Test(arguments: StoreKind.allCases)
    func providersAreIsolated(_ kind: StoreKind) async throws {
        try await withSCIM(kind, providers: ["Okta", "Entra"]) { clients, _, admin in
            let (okta, entra) = (clients[0], clients[1])
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            let group = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Okta group","members":[{"value":"\#(ann)"}]}"#
            ).id
            // Entra's credentials on Okta's Base URL: 401 everywhere, Basic or Bearer.
            var intruder = okta
            intruder.authorization = entra.authorization
            for (method, path, body) in Self.endpoints(user: ann, group: group) {
                let r = try await intruder.send(method, path, body)
                #expect(r.status == .unauthorized, "\(method) \(path)")
                #expect(
                    r.scimType == nil && r.detail.contains("invalid credentials")
                        || r.detail.contains("Authentication"), "\(method) \(path)")
            }
            // Entra on its own Base URL with Okta's ids: not found, and never in its lists.
            for (method, path, body) in Self.endpoints(user: ann, group: group)
            where path.contains(ann) || path.contains(group) {
                let r = try await entra.send(method, path, body)
                #expect(r.status == .notFound, "\(method) \(path)")
            }
            // The same through /Bulk: each operation on Okta's ids is 404.
            for (method, path, body) in Self.endpoints(user: ann, group: group) where path == "/Bulk" {
                let r = try await entra.send(method, path, body)
                let statuses = r.object["Operations"]?.arrayValue?.compactMap { $0.objectValue?["status"]?.stringValue }
                #expect(r.status == .ok && statuses == ["404", "404"], "\(method) \(path)")
            }
            #expect(try await entra.send(.get, "/Users").totalResults == 0)
            #expect(
                try await entra.send(.get, "/Users?filter=userName%20eq%20%22ann%40example.com%22").totalResults == 0)
            #expect(try await entra.send(.get, "/Groups").totalResults == 0)
            let member = try await entra.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Steal","members":[{"value":"\#(ann)"}]}"#
            )
            #expect(member.status == .badRequest && member.scimType == "invalidValue")
            // Okta's user and group are as they were.
            let user = try await admin.user(id: ann)
            #expect(
                user.status == .active && user.linked
                    && user.providerID == okta.baseURL.split(separator: "/")[1].description)
            #expect(try await okta.send(.get, "/Groups/\(group)").object["displayName"] == "Okta group")
        }
    }

    @Test func floodsGet429WithRetryAfterAndStrangersDoNotCount() async throws {
        let configuration = ServerConfiguration(rateLimit: 2)  // bursts of 4
        try await withSCIM(.memory, providers: ["Okta", "Entra"], configuration: configuration) { clients, _, _ in
            let (okta, entra) = (clients[0], clients[1])
            var stranger = okta
            stranger.authorization = "Bearer guess"
            for _ in 0..<10 { #expect(try await stranger.send(.get, "/Users").status == .unauthorized) }
            // The bucket holds 4 and refills 2 a second: the first 4 pass, then the 429 comes as soon as the
            // tokens refilled while the requests ran are spent (none, unless the machine is slow enough to refill).
            let start = ContinuousClock.now
            var passed = 0
            var answer: SCIMResponse?
            while passed < 50 {
                let response = try await okta.send(.get, "/Users")
                guard response.status == .ok else {
                    answer = response
                    break
                }
                passed += 1
            }
            let elapsed = ContinuousClock.now - start
            let refilled =
                Int(Double(elapsed.components.seconds) * 2 + Double(elapsed.components.attoseconds) * 2e-18)
            #expect(passed >= 4 && passed <= 4 + refilled, "\(passed) passed in \(elapsed)")
            let limited = try #require(answer)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "1")
            #expect(limited.detail.contains("Too many requests for this provider"))
            #expect(limited.headers[.contentType] == "application/scim+json")
            #expect(try await entra.send(.get, "/Users").status == .ok)
        }
    }

    /// Only lower bounds are asserted on the delayed answer (the delay guarantees them); the correct-credentials
    /// request gets a bound far above any request's cost, so that parallel tests cannot make it flaky.
    @Test func repeatedFailedAuthenticationsAreSlowedDown() async throws {
        let configuration = ServerConfiguration(failedAuthenticationDelay: .seconds(2))
        try await withSCIM(.memory, configuration: configuration) { clients, _, _ in
            var stranger = clients[0]
            stranger.authorization = "Bearer guess"
            let clock = ContinuousClock()
            for _ in 0..<5 { #expect(try await stranger.send(.get, "/Users").status == .unauthorized) }
            var status: HTTPResponse.Status = .ok
            let slowed = try await clock.measure { status = try await stranger.send(.get, "/Users").status }
            #expect(status == .unauthorized && slowed >= .seconds(2))
            // The right credentials are never delayed.
            let fine = try await clock.measure { status = try await clients[0].send(.get, "/Users").status }
            #expect(status == .ok && fine < .seconds(2))
        }
    }
}
