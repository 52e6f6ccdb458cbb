import Foundation
import Logging
import Provisioning
import SCIM
import Testing

extension StoreConformance {
    static func recorded(
        _ provider: String, _ seconds: Double, status: Int = 200, method: String = "GET", path: String = "/Users",
        userName: String? = nil
    ) -> RecordedRequest {
        RecordedRequest(
            providerID: provider, at: at(seconds), method: method, path: "/scim/\(provider)/v2\(path)", query: nil,
            status: status, durationMicros: 1500, requestID: "req-\(provider)-\(seconds)", userName: userName,
            requestBody: "{\"userName\":\"x\"}", responseBody: nil)
    }

    /// The request inspector's ring: a provider's pause and recording switch round-trip; requests come back
    /// newest first and filtered; pruning keeps the newest `keep` and, on top, the newest `keepFailures`
    /// failures; removing a provider removes its requests.
    static func inspector(_ store: some ProvisioningStore) async throws {
        var paused = provider("p1")
        paused.pausedAt = at(5)
        paused.recordsRequests = false
        try await store.withTransaction { [paused] tx in
            try await tx.insertProvider(paused)
            try await tx.insertProvider(provider("p2"))
        }
        let stored = try await store.read { tx in try await tx.provider(id: "p1") }
        #expect(stored?.pausedAt == at(5) && stored?.recordsRequests == false)
        let resumed = provider("p1")
        try await store.withTransaction { tx in try await tx.updateProvider(resumed) }
        let updated = try await store.read { tx in try await tx.provider(id: "p1") }
        #expect(updated?.pausedAt == nil && updated?.recordsRequests == true)

        // 10 requests of p1: every third fails; one of p2.
        let written: [RecordedRequest] = (1...10).map { (n: Int) -> RecordedRequest in
            let status = n % 3 == 0 ? 409 : 200
            let method = n % 2 == 0 ? "POST" : "GET"
            return recorded("p1", Double(n), status: status, method: method, userName: n == 4 ? "Ann@Example.com" : nil)
        }
        try await store.withTransaction { tx in
            try await tx.appendRequests(written)
            try await tx.appendRequests([recorded("p2", 1)])
        }
        let all = try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p1")) }
        #expect(all.map(\.at) == written.reversed().map { (r: RecordedRequest) in r.at })
        var first = all.last!
        #expect(first.sequence != nil)
        first.sequence = nil
        #expect(first == written[0])
        let failures = try await store.read { tx in
            try await tx.requests(RecordedRequestQuery(providerID: "p1", failedOnly: true))
        }
        #expect(failures.map(\.status) == [409, 409, 409])
        let posts4xx = try await store.read { tx in
            try await tx.requests(RecordedRequestQuery(providerID: "p1", statusClass: 4, method: "POST"))
        }
        #expect(posts4xx.map(\.at) == [at(6)])
        let ann = try await store.read { tx in
            try await tx.requests(RecordedRequestQuery(providerID: "p1", userName: "ann@example.COM"))
        }
        #expect(ann.map(\.at) == [at(4)])
        let page = try await store.read { tx in
            try await tx.requests(RecordedRequestQuery(providerID: "p1", before: all[2].sequence, limit: 2))
        }
        #expect(page.map(\.sequence) == [all[3].sequence, all[4].sequence])
        let one = try await store.read { tx in try await tx.request(providerID: "p1", sequence: all[0].sequence!) }
        #expect(one == all[0])
        #expect(
            try await store.read { tx in try await tx.request(providerID: "p2", sequence: all[0].sequence!) } == nil)

        // Keep the newest 4, and the newest 2 failures on top: seconds 7-10 and the failures at 6 (and 9, kept
        // anyway); the failure at 3 goes.
        let pruned = try await store.withTransaction { tx in
            try await tx.pruneRequests(providerID: "p1", keep: 4, keepFailures: 2)
        }
        #expect(pruned == 5)
        let kept = try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p1")) }
        #expect(kept.map(\.at) == [at(10), at(9), at(8), at(7), at(6)])
        // Failures beyond the ring are kept only up to their own bound.
        #expect(
            try await store.withTransaction { tx in
                try await tx.pruneRequests(providerID: "p1", keep: 1, keepFailures: 0)
            } == 4)
        #expect(
            try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p1")) }.map(\.at) == [
                at(10)
            ])
        // Another provider's ring is its own.
        #expect(try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p2")) }.count == 1)
        try await store.withTransaction { tx in try await tx.deleteProvider(id: "p2") }
        #expect(try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p2")) }.isEmpty)
    }

    /// What the recorder writes through a store: passwords and sensitive attributes never reach it, a provider
    /// that does not record (or does not exist) keeps nothing, a request that names a user by id gets its
    /// userName, and the ring stays within its settings.
    static func inspectorRecorder(_ store: some ProvisioningStore) async throws {
        var quiet = provider("p2")
        quiet.recordsRequests = false
        try await store.withTransaction { [quiet] tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertProvider(quiet)
            try await tx.insertUser(user("u1", "ann@example.com", provider: "p1"))
        }
        let inspector = RequestInspector(store: store)
        _ = try await inspector.updateSettings(requestsKept: 5, failuresKept: 1, sensitiveAttributes: ["phoneNumbers"])
        let recorder = RequestRecorder(store: store, logger: Logger(label: "test"))
        func capture(_ provider: String, _ n: Int, status: Int = 201, path: String = "/Users", body: String) {
            recorder.record(
                CapturedRequest(
                    RecordedRequest(
                        providerID: provider, at: at(Double(n)), method: "POST", path: "/scim/\(provider)/v2\(path)",
                        query: nil, status: status, durationMicros: 10, requestID: "r\(n)"),
                    requestBody: Array(body.utf8), responseBody: Array("{\"id\":\"u\(n)\"}".utf8)))
        }
        // Okta's create with a password (Okta's SCIM 2.0 guide) and a phone number marked sensitive.
        capture(
            "p1", 1,
            body: """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@example.com",\
                "password":"S3cr3t-Pa55","phoneNumbers":[{"value":"+1 555 0100","type":"work"}]}
                """)
        // Entra's PATCH replacing a password by path, and one that names the attribute in a value object.
        capture(
            "p1", 2, path: "/Users/u1",
            body: """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[\
                {"op":"replace","path":"password","value":"N3w-Pa55"},\
                {"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:password":"Th1rd-Pa55"}}]}
                """)
        // A body that is not JSON and names password.
        capture("p1", 3, status: 400, body: "{\"password\": \"Fourth-Pa55\"")
        capture("p2", 4, body: "{\"userName\":\"quiet@example.com\"}")
        capture("nosuchprov", 5, body: "{\"userName\":\"stranger@example.com\"}")
        #expect(try await recorder.flush() == 3)

        let requests = try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p1")) }
        #expect(requests.count == 3)
        let everything = requests.map { "\($0.requestBody ?? "") \($0.responseBody ?? "")" }.joined()
        for secret in ["S3cr3t-Pa55", "N3w-Pa55", "Th1rd-Pa55", "Fourth-Pa55", "555 0100"] {
            #expect(!everything.contains(secret), "\(secret) was stored")
        }
        #expect(everything.contains(Redaction.marker))
        #expect(requests.last?.userName == "bob@example.com")
        #expect(requests.last?.requestBody?.contains("\"userName\":\"bob@example.com\"") == true)
        // The PATCH named the user by id only.
        #expect(requests[1].userID == "u1" && requests[1].userName == "ann@example.com")
        #expect(try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p2")) }.isEmpty)

        // The ring: 5 newest, and 1 failure on top.
        for n in 10..<20 { capture("p1", n, body: "{\"userName\":\"u\(n)@example.com\"}") }
        try await recorder.flush()
        let ring = try await store.read { tx in try await tx.requests(RecordedRequestQuery(providerID: "p1")) }
        #expect(ring.map(\.at) == (15..<20).reversed().map { at(Double($0)) } + [at(3)])
    }
}
