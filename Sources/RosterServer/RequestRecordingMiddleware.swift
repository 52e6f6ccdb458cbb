import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// Hands every SCIM request and its answer to the request inspector's ``RequestRecorder``: the body as received
/// (up to `maxBodySize`; the handler reads the same bytes again, and enforces its own limit), and the answer's body
/// as ``SCIMResponses`` wrote it (every SCIM answer, errors included, is written there; ``CapturedBody/current``
/// hands it over without copying). This runs outside ``ErrorMiddleware``, so it sees every error rendered.
struct RequestRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let recorder: RequestRecorder
    /// The largest body kept for redaction (the largest any SCIM route accepts).
    let maxBodySize: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let id = scimProviderID(request), Provider.isWellFormedID(id), recorder.records(id) else {
            return try await next(request, context)
        }
        let at = Date()
        let start = ContinuousClock.now
        var request = request
        var requestBody: [UInt8] = []
        let length = request.headers[.contentLength].flatMap(Int.init)
        if length.map({ $0 > 0 && $0 <= maxBodySize }) ?? (request.method != .get && request.method != .delete) {
            do {
                requestBody = Array(try await request.collectBody(upTo: length ?? maxBodySize).readableBytesView)
            } catch is NIOTooManyBytesError {
                // A body sent without a length that is larger than any route takes: what the route would answer.
                return SCIMResponses.error(
                    .payloadTooLarge("The request body is larger than the limit of \(maxBodySize) bytes."))
            }
        }
        let answer = CapturedBody()
        let response = try await CapturedBody.$current.withValue(answer) { try await next(request, context) }
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let recorded = RecordedRequest(
            providerID: String(id), at: at, method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query, status: response.status.code, durationMicros: micros, requestID: context.id)
        recorder.record(CapturedRequest(recorded, requestBody: requestBody, responseBody: answer.bytes))
        return response
    }
}

/// The body of a SCIM answer, kept for the request inspector by ``SCIMResponses`` when a recording middleware set
/// ``current`` for the request's task.
final class CapturedBody: @unchecked Sendable {
    @TaskLocal static var current: CapturedBody?

    /// Written once, by the request's own task, before the middleware reads it in the same task.
    private(set) var bytes: [UInt8] = []

    func keep(_ bytes: [UInt8]) { self.bytes = bytes }
}
