import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Provisioning
import SCIM

/// /Bulk (RFC 7644 §3.7).
extension SCIMController {
    /// POST /Bulk: the body up to `bulkMaxPayloadSize` and at most `bulkMaxOperations` operations (413 beyond,
    /// RFC 7644 §3.7.4), run by ``SCIMService/bulk(_:_:requestID:commitGroup:)``; the answer is 200 with a BulkResponse whatever
    /// the operations' outcomes.
    func bulk(_ request: Request, _ context: Context) async throws -> Response {
        // Authenticated by a read, not the write shortcut: one read is nothing beside a bulk's operations, and a
        // provider paused a moment ago is answered 503 as a whole rather than operation by operation.
        let provider = try await self.provider(request, context)
        let body = try await body(
            request, limit: configuration.bulkMaxPayloadSize, limitName: "maxPayloadSize (RFC 7644 §3.7.4)")
        let bulk = try BulkRequest(json: body, maxOperations: configuration.bulkMaxOperations)
        let results = try await service.bulk(
            provider, bulk, requestID: context.id, commitGroup: configuration.bulkCommitGroup)
        let base = baseURL(provider)
        let operations = results.map { result in
            if let unexpected = result.unexpectedError {
                context.logger.error(
                    "Bulk operation failed unexpectedly: \(unexpected)", metadata: ["operation": "\(result.index)"])
            }
            return BulkResponse.Operation(
                method: result.method, bulkId: result.bulkId, location: result.resource.map { base + $0.description },
                version: result.version.map(ETag.forVersion), status: result.status, error: result.error)
        }
        return SCIMResponses.json(BulkResponse.json(operations: operations))
    }
}
