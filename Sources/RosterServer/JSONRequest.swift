import Hummingbird
import NIOCore
import Provisioning
import SCIM

/// Reading the JSON bodies of the platform API and the admin API (not SCIM, whose bodies have their own rules).
enum JSONRequest {
    /// The request body as a JSON object; an empty body is `{}` when `emptyIsObject`, a syntax error otherwise.
    /// Bodies over `maxBodySize` throw `NIOTooManyBytesError` (413), before reading when the length is declared.
    static func object(_ request: Request, maxBodySize: Int, emptyIsObject: Bool) async throws -> JSONObject {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodySize {
            throw NIOTooManyBytesError(maxBytes: maxBodySize)
        }
        let buffer = try await request.body.collect(upTo: maxBodySize)
        if emptyIsObject && buffer.readableBytes == 0 { return [:] }
        let value = try JSONValue(parsing: buffer.readableBytesView)
        guard let object = value.objectValue else {
            throw ProvisioningError.invalid("The request body must be a JSON object, got \(value.typeName).")
        }
        return object
    }

    /// A required string member; missing or `null` is "required".
    static func string(_ body: JSONObject, _ name: String) throws -> String {
        guard let text = try optionalString(body, name) else {
            throw ProvisioningError.invalid("'\(name)' is required.")
        }
        return text
    }

    /// An optional string member (`null` counts as absent); any other type is refused.
    static func optionalString(_ body: JSONObject, _ name: String) throws -> String? {
        guard let value = body[name], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw ProvisioningError.invalid("'\(name)' must be a string, got \(value.typeName).")
        }
        return text
    }

    /// An optional boolean member (`null` counts as absent); any other type is refused. `label` is how the error
    /// names it (a nested member's full path).
    static func optionalBool(_ body: JSONObject, _ name: String, label: String? = nil) throws -> Bool? {
        guard let value = body[name], !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw ProvisioningError.invalid("'\(label ?? name)' must be a boolean, got \(value.typeName).")
        }
        return flag
    }
}
