import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SCIM

/// Building SCIM HTTP responses: every body is JSON with `Content-Type: application/scim+json`.
enum SCIMResponses {
    static let contentType = "application/scim+json"

    static func json(_ object: JSONObject, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:])
        -> Response
    {
        json(bytes: JSONValue.object(object).serialized(), status: status, headers: extra)
    }

    /// A SCIM JSON response of a body already serialized.
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        CapturedBody.current?.keep(bytes)
        var headers = extra
        headers[.contentType] = contentType
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ error: SCIMError, headers: HTTPFields = [:]) -> Response {
        json(error.body, status: HTTPResponse.Status(code: error.status), headers: headers)
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }
}
