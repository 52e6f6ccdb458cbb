import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Provisioning
import SCIM
import Synchronization

/// Hands every SCIM request and its answer to the request inspector's ``RequestRecorder``: the body as received
/// (up to `maxBodySize`; the handler reads the same bytes again, and enforces its own limit), the answer as
/// written, after every error was rendered (this runs outside ``ErrorMiddleware``). The recorder is told once the
/// answer's body has been written, so recording adds no wait to the request.
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
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let captured = CapturedRequest(
            providerID: String(id), at: at, method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query, status: response.status.code, durationMicros: micros, requestID: context.id,
            requestBody: requestBody, responseBody: [])
        let recorder = self.recorder
        let body = response.body
        let box = CapturedBody()
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(CapturingWriter(inner: writer, box: box))
            var captured = captured
            captured.responseBody = box.recorded
            recorder.record(captured)
        }
        return response
    }
}

/// The bytes of an answer as they are written (at most what the inspector could keep of a body it redacts).
final class CapturedBody: Sendable {
    /// The copy, or `nil` once the answer grew past ``CapturingWriter/limit``.
    let bytes = Mutex<[UInt8]?>([])

    /// What the recorder gets: the copy, or a note of why there is none.
    var recorded: [UInt8] { bytes.withLock { $0 } ?? Array("[not kept: the answer was over 1 MiB]".utf8) }
}

/// Writes through to the connection and keeps a copy in `box`.
struct CapturingWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let box: CapturedBody
    /// The most of an answer copied: SCIM answers are JSON documents that are redacted whole, so a cut copy
    /// would not parse; lists longer than this are kept as a note of their size by the recorder.
    static let limit = 1 << 20

    mutating func write(_ buffer: ByteBuffer) async throws {
        box.bytes.withLock { bytes in
            guard let count = bytes?.count else { return }
            if count + buffer.readableBytes <= Self.limit { bytes! += buffer.readableBytesView } else { bytes = nil }
        }
        try await inner.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await inner.finish(trailingHeaders)
    }
}
