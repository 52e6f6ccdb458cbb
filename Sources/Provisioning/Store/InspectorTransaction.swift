package import Foundation

/// The request inspector's ring of recorded SCIM requests (see ``RequestRecorder``). Part of ``StoreTransaction``.
package protocol InspectorTransaction {
    /// Appends recorded requests (their `sequence` is ignored and assigned).
    func appendRequests(_ requests: [RecordedRequest]) async throws
    /// Deletes a provider's recorded requests beyond its newest `keep`, except failures among its newest
    /// `keepFailures` failures (failures are kept longer than successes); returns how many went.
    func pruneRequests(providerID: String, keep: Int, keepFailures: Int) async throws -> Int
    /// Recorded requests, newest first.
    func requests(_ query: RecordedRequestQuery) async throws -> [RecordedRequest]
    func request(providerID: String, sequence: Int64) async throws -> RecordedRequest?
}
