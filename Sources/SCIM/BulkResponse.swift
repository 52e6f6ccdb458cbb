/// The BulkResponse message (RFC 7644 §3.7.3).
public enum BulkResponse {
    /// The outcome of one operation.
    public struct Operation: Sendable, Hashable {
        /// The method the operation sent.
        public var method: String?
        /// The `bulkId` the operation sent.
        public var bulkId: String?
        /// The resource's URL; absent for a POST that failed (RFC 7644 §3.7.3).
        public var location: String?
        /// The resource's ETag after the operation.
        public var version: String?
        /// The HTTP status of the operation.
        public var status: Int
        /// The error, for a failed operation (its SCIM Error body becomes `response`).
        public var error: SCIMError?

        public init(
            method: String?, bulkId: String? = nil, location: String? = nil, version: String? = nil, status: Int,
            error: SCIMError? = nil
        ) {
            self.method = method
            self.bulkId = bulkId
            self.location = location
            self.version = version
            self.status = status
            self.error = error
        }

        /// The operation as RFC 7644 §3.7.3 shows it: `status` as a string, `response` the SCIM Error of a failed
        /// operation; successful operations carry no `response` (the client can GET `location`).
        public var representation: JSONObject {
            var o = JSONObject()
            if let method { o["method"] = .string(method) }
            if let bulkId { o["bulkId"] = .string(bulkId) }
            if let location { o["location"] = .string(location) }
            if let version { o["version"] = .string(version) }
            o["status"] = .string(String(status))
            if let error { o["response"] = .object(error.body) }
            return o
        }
    }

    /// The BulkResponse: `schemas` and `Operations`.
    public static func json(operations: [Operation]) -> JSONObject {
        [
            "schemas": [.string(SchemaURN.bulkResponse)],
            "Operations": .array(operations.map { .object($0.representation) }),
        ]
    }
}
