import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Provisioning
import RosterServer
import SCIM
import Testing

/// `/metrics`: Prometheus text with request counts and latencies by route pattern (never ids), and the backlog.
@Suite struct MetricsTests {
    @Test(arguments: StoreKind.allCases)
    func requestsAndBacklogAreExposed(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com")).id
            _ = try await okta.send(.get, "/Users/\(ann)")
            _ = try await okta.send(.get, "/Users/\(ann)")
            _ = try await okta.send(.get, "/Users/nope")
            _ = try await okta.send(.patch, "/Users/\(ann)", #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#)
            let r = try await okta.client.execute(uri: "/metrics", method: .get)
            #expect(r.status == .ok && r.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: r.body)
            let lines = Set(text.split(separator: "\n").map(String.init))
            let route = "/scim/{provider}/v2/Users/{id}"
            #expect(lines.contains("roster_http_requests_total{route=\"\(route)\",method=\"GET\",status=\"200\"} 2"), "\(text.prefix(600))")
            #expect(lines.contains("roster_http_requests_total{route=\"\(route)\",method=\"GET\",status=\"404\"} 1"))
            #expect(lines.contains("roster_http_requests_total{route=\"/scim/{provider}/v2/Users\",method=\"POST\",status=\"201\"} 1"))
            #expect(lines.contains("roster_http_request_duration_seconds_count{route=\"\(route)\",method=\"GET\",status=\"200\"} 2"))
            #expect(lines.contains("roster_http_request_duration_seconds_bucket{route=\"\(route)\",method=\"GET\",status=\"200\",le=\"+Inf\"} 2"))
            #expect(!text.contains(ann), "ids never become labels")
            #expect(lines.contains("roster_deactivations_pending 1"))
            #expect(lines.contains("roster_sync_log_entries{action=\"deactivation-scheduled\"} 1"))
            #expect(lines.contains("roster_providers 1"))
        }
    }
}
