import Foundation
import Logging
import Provisioning
import Testing

/// What the recorder keeps of a busy stretch: only what the rings can hold is redacted and written.
@Suite struct RequestRecorderTests {
    static func captured(_ n: Int, status: Int = 201, provider: String = "p1") -> CapturedRequest {
        CapturedRequest(
            RecordedRequest(
                providerID: provider, at: Date(timeIntervalSince1970: Double(n)), method: "POST",
                path: "/scim/\(provider)/v2/Users", query: nil, status: status, durationMicros: 1, requestID: "r\(n)"),
            requestBody: Array("{\"userName\":\"u\(n)@example.com\"}".utf8), responseBody: [])
    }

    @Test func survivorsAreTheNewestOfEachRingInTheBatchsOrder() {
        // 10 requests of p1 (every third a failure) and 2 of p2.
        let batch =
            (1...10).map { Self.captured($0, status: $0 % 3 == 0 ? 409 : 201) }
            + [Self.captured(11, provider: "p2"), Self.captured(12, provider: "p2")]
        let kept = RequestRecorder.survivors(batch, keep: 4, keepFailures: 2)
        // p1: the newest 4 (7-10) and the newest 2 failures (6, 9); p2: both.
        #expect(kept.map(\.request.requestID) == ["r6", "r7", "r8", "r9", "r10", "r11", "r12"])
    }

    @Test func aBusyStretchWritesOnlyWhatTheRingKeeps() async throws {
        let store = MemoryStore()
        let provider = try await AdminService(store: store).addProvider(name: "Okta").provider
        let recorder = RequestRecorder(store: store, logger: Logger(label: "test"))
        for n in 0..<5000 { recorder.record(Self.captured(n, provider: provider.id)) }
        // 1,000 written (the default ring), not the 5,000 recorded nor what compaction left waiting.
        #expect(try await recorder.flush() == 1000)
        let newest = try await RequestInspector(store: store).requests(
            RecordedRequestQuery(providerID: provider.id, limit: 1))
        #expect(newest.first?.requestID == "r4999")
    }

    /// Bodies over the limit of what waits drop the oldest requests, one by one, and the newest stay.
    @Test func bodiesOverTheLimitDropTheOldest() async throws {
        var options = RequestRecorder.Options()
        options.pendingBytesLimit = 10_000
        let store = MemoryStore()
        let provider = try await AdminService(store: store).addProvider(name: "Okta").provider
        let recorder = RequestRecorder(store: store, options: options, logger: Logger(label: "test"))
        for n in 0..<100 {
            var request = Self.captured(n, provider: provider.id)
            request.responseBody = Array(repeating: UInt8(ascii: " "), count: 1_000 - request.requestBody.count)
            recorder.record(request)
        }
        // 1,000 body bytes each: the newest 10 fit.
        #expect(recorder.waiting.requests == 10 && recorder.dropped == 90)
        #expect(try await recorder.flush() == 10)
        let kept = try await RequestInspector(store: store).requests(
            RecordedRequestQuery(providerID: provider.id, limit: 100))
        #expect(Set(kept.map(\.requestID)) == Set((90..<100).map { "r\($0)" }))
    }

    /// A stranger's requests to made-up provider ids cost little: 60 a minute in all are kept waiting (each would
    /// cost memory for a minute and a read at the next write), and none is written; a real provider's unauthenticated
    /// requests have their own 60 a minute once the recorder knows the provider exists.
    @Test func unauthenticatedRequestsForUnknownIdsAreCappedTogether() async throws {
        let store = MemoryStore()
        let provider = try await AdminService(store: store).addProvider(name: "Okta").provider
        let recorder = RequestRecorder(store: store, logger: Logger(label: "test"))
        try await recorder.refresh()
        // 1,000 within one minute (the helper's times are seconds).
        for n in 0..<1000 { recorder.record(Self.captured(n % 60, status: 401, provider: "made\(n)up")) }
        #expect(recorder.waiting.requests == 60)
        #expect(recorder.waiting.countedProviders == 60)
        #expect(try await recorder.flush() == 0)  // no such providers
        // The strangers' allowance is spent, the known provider's is not: at most 60, without their bodies.
        for n in 0..<100 { recorder.record(Self.captured(n % 60, status: 401, provider: provider.id)) }
        #expect(recorder.waiting.requests == 60)
        #expect(try await recorder.flush() == 60)
    }
}
