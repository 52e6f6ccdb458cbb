import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// Hands every SCIM request and its answer to the request inspector's ``RequestRecorder``: the request's body as
/// the handler read it (after authenticating: a body the handler never reads, a stranger's, is never read for the
/// inspector either), and the answer's body as ``SCIMResponses`` wrote it (every SCIM answer, errors included, is
/// written there). ``CapturedBody/current`` hands both over. This runs outside ``ErrorMiddleware``, so it sees
/// every error rendered.
struct RequestRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let recorder: RequestRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let id = scimProviderID(request), Provider.isWellFormedID(id), recorder.records(id) else {
            return try await next(request, context)
        }
        let at = Date()
        let start = ContinuousClock.now
        let answer = CapturedBody()
        let response = try await CapturedBody.$current.withValue(answer) { try await next(request, context) }
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let recorded = RecordedRequest(
            providerID: String(id), at: at, method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query, status: response.status.code, durationMicros: micros, requestID: context.id)
        recorder.record(CapturedRequest(recorded, requestBody: answer.requestBytes, responseBody: answer.bytes))
        return response
    }
}

/// The bodies of a SCIM request and its answer, kept for the request inspector by ``SCIMController`` (the request's,
/// once read) and ``SCIMResponses`` (the answer's) when a recording middleware set ``current`` for the request's
/// task.
final class CapturedBody: @unchecked Sendable {
    @TaskLocal static var current: CapturedBody?

    // Written by the request's own task, before the middleware reads them in the same task.
    private(set) var bytes: [UInt8] = []
    private(set) var requestBytes: [UInt8] = []

    func keep(_ bytes: [UInt8]) { self.bytes = bytes }
    func keepRequest(_ bytes: [UInt8]) { requestBytes = bytes }
}
