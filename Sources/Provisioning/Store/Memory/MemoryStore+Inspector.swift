import Foundation

/// The request inspector's ring in memory.
extension MemoryTransaction {
    func appendRequests(_ requests: [RecordedRequest]) async throws {
        for var request in requests {
            state.lastRequestSequence += 1
            request.sequence = state.lastRequestSequence
            state.requests.append(request)
        }
    }

    func pruneRequests(providerID: String, keep: Int, keepFailures: Int) async throws -> Int {
        let own = state.requests.filter { $0.providerID == providerID }
        let kept = Set(own.suffix(keep).compactMap(\.sequence))
            .union(own.filter(\.failed).suffix(keepFailures).compactMap(\.sequence))
        let before = state.requests.count
        state.requests.removeAll { $0.providerID == providerID && !kept.contains($0.sequence ?? 0) }
        return before - state.requests.count
    }

    func requests(_ query: RecordedRequestQuery) async throws -> [RecordedRequest] {
        Array(state.requests.reversed().lazy.filter(query.matches).prefix(query.limit))
    }

    func request(providerID: String, sequence: Int64) async throws -> RecordedRequest? {
        state.requests.first { $0.providerID == providerID && $0.sequence == sequence }
    }
}
