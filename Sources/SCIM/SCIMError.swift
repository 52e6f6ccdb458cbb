/// A SCIM protocol error (RFC 7644 §3.12): an HTTP status, an optional `scimType` and a `detail` that says what
/// is wrong and how to fix it.
public struct SCIMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `scimType` keywords of RFC 7644 Table 9.
    public struct ScimType: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidFilter = ScimType(rawValue: "invalidFilter")
        public static let tooMany = ScimType(rawValue: "tooMany")
        public static let uniqueness = ScimType(rawValue: "uniqueness")
        public static let mutability = ScimType(rawValue: "mutability")
        public static let invalidSyntax = ScimType(rawValue: "invalidSyntax")
        public static let invalidPath = ScimType(rawValue: "invalidPath")
        public static let noTarget = ScimType(rawValue: "noTarget")
        public static let invalidValue = ScimType(rawValue: "invalidValue")
        public static let invalidVers = ScimType(rawValue: "invalidVers")
        public static let sensitive = ScimType(rawValue: "sensitive")
    }

    /// The HTTP status code.
    public var status: Int
    /// The detail error keyword, when the status is 400 or 409 and one applies.
    public var scimType: ScimType?
    /// A human-readable explanation.
    public var detail: String

    public init(status: Int, scimType: ScimType? = nil, detail: String) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
    }

    public var description: String {
        "SCIM \(status)\(scimType.map { " \($0.rawValue)" } ?? ""): \(detail)"
    }

    /// The error as a SCIM Error resource (RFC 7644 §3.12); `status` is a string, as the RFC's examples show.
    public var body: JSONObject {
        var o: JSONObject = [
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": .string(String(status)),
        ]
        if let scimType { o["scimType"] = .string(scimType.rawValue) }
        o["detail"] = .string(detail)
        return o
    }

    public static func invalidFilter(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .invalidFilter, detail: detail)
    }
    public static func invalidSyntax(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .invalidSyntax, detail: detail)
    }
    public static func invalidValue(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .invalidValue, detail: detail)
    }
    public static func invalidPath(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .invalidPath, detail: detail)
    }
    public static func noTarget(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .noTarget, detail: detail)
    }
    public static func mutability(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .mutability, detail: detail)
    }
    public static func tooMany(_ detail: String) -> SCIMError {
        SCIMError(status: 400, scimType: .tooMany, detail: detail)
    }
    public static func uniqueness(_ detail: String) -> SCIMError {
        SCIMError(status: 409, scimType: .uniqueness, detail: detail)
    }
    public static func badRequest(_ detail: String) -> SCIMError {
        SCIMError(status: 400, detail: detail)
    }
    public static func notFound(_ detail: String) -> SCIMError {
        SCIMError(status: 404, detail: detail)
    }
    public static func conflict(_ detail: String) -> SCIMError {
        SCIMError(status: 409, detail: detail)
    }
    public static func preconditionFailed(_ detail: String) -> SCIMError {
        SCIMError(status: 412, detail: detail)
    }
    public static func unauthorized(_ detail: String) -> SCIMError {
        SCIMError(status: 401, detail: detail)
    }
    public static func forbidden(_ detail: String) -> SCIMError {
        SCIMError(status: 403, detail: detail)
    }
    public static func methodNotAllowed(_ detail: String) -> SCIMError {
        SCIMError(status: 405, detail: detail)
    }
    public static func payloadTooLarge(_ detail: String) -> SCIMError {
        SCIMError(status: 413, detail: detail)
    }
    public static func notImplemented(_ detail: String) -> SCIMError {
        SCIMError(status: 501, detail: detail)
    }
    public static func internalError(_ detail: String) -> SCIMError {
        SCIMError(status: 500, detail: detail)
    }
}
