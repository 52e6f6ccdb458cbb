/// A decoded BulkRequest message (RFC 7644 §3.7): the operations to run, in the order sent, each either decoded or
/// refused on its own.
///
/// What makes the whole request unusable is thrown: a body that is not a BulkRequest (no schema, no `Operations`),
/// more operations than the limit (413, RFC 7644 §3.7.4), a `failOnErrors` that is not a positive integer, or two
/// operations with one `bulkId` (references to it would be ambiguous). What is wrong with a single operation (an
/// unknown `method`, a bad `path`, a POST without `bulkId`, missing `data`) fails only that operation: it becomes an
/// ``Entry/invalid(method:bulkId:error:)`` entry, answered with its error in the BulkResponse, while the others run.
public struct BulkRequest: Sendable, Hashable {
    /// Roster's extension of the BulkRequest message: `{"allOrNothing": true}` under this URN runs every operation
    /// in one transaction (see ``allOrNothing``).
    public static let rosterExtension = "urn:roster:params:scim:api:messages:2.0:BulkRequest"

    /// One element of `Operations`.
    public enum Entry: Sendable, Hashable {
        /// A well-formed operation.
        case valid(BulkOperation)
        /// An operation that fails on its own, with the `method` and `bulkId` it sent (for its response) and why.
        case invalid(method: String?, bulkId: String?, error: SCIMError)

        /// The `bulkId` the operation sent, if any.
        public var bulkId: String? {
            switch self {
            case .valid(let operation): operation.bulkId
            case .invalid(_, let bulkId, _): bulkId
            }
        }

        /// The `method` the operation sent, as sent (uppercased when it is one SCIM knows).
        public var method: String? {
            switch self {
            case .valid(let operation): operation.method.rawValue
            case .invalid(let method, _, _): method
            }
        }

        /// Whether the operation is a POST, which defines its `bulkId` for the others to reference.
        var isPost: Bool { method?.equalsIgnoringCase(BulkOperation.Method.post.rawValue) == true }
    }

    /// The operations in the order sent.
    public var entries: [Entry]
    /// How many operations may fail before the rest are skipped (RFC 7644 §3.7.3); `nil` runs them all.
    public var failOnErrors: Int?
    /// Roster's extension: every operation in one transaction; the first failure rolls all of them back.
    public var allOrNothing: Bool

    /// A request built in code.
    public init(entries: [Entry], failOnErrors: Int? = nil, allOrNothing: Bool = false) {
        self.entries = entries
        self.failOnErrors = failOnErrors
        self.allOrNothing = allOrNothing
    }

    /// Decodes a BulkRequest body (RFC 7644 §3.7). Attribute names are case-insensitive (RFC 7643 §2.1).
    ///
    /// - Parameter maxOperations: the limit announced as `bulk.maxOperations` in `/ServiceProviderConfig`.
    /// - Throws: ``SCIMError`` with status
    ///   - 413 when there are more than `maxOperations` operations (RFC 7644 §3.7.4);
    ///   - 400 `invalidSyntax` when `schemas` lacks the BulkRequest URN or `Operations` is missing or not an array;
    ///   - 400 `invalidValue` when `failOnErrors` is not an integer of at least 1, the Roster extension is
    ///     malformed, or a `bulkId` is used twice.
    public init(json body: JSONObject, maxOperations: Int) throws(SCIMError) {
        let urns = body["schemas"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard urns.contains(where: { $0.equalsIgnoringCase(SchemaURN.bulkRequest) }) else {
            throw SCIMError.invalidSyntax(
                "A BulkRequest must list '\(SchemaURN.bulkRequest)' in 'schemas' (RFC 7644 §3.7).")
        }
        guard let rawOperations = body["Operations"], !rawOperations.isNull else {
            throw SCIMError.invalidSyntax("A BulkRequest must have an 'Operations' array (RFC 7644 §3.7).")
        }
        guard case .array(let list) = rawOperations else {
            throw SCIMError.invalidSyntax("'Operations' must be an array of operations; got \(rawOperations.typeName).")
        }
        guard list.count <= maxOperations else {
            throw SCIMError.payloadTooLarge(
                "The BulkRequest has \(list.count) operations; maxOperations is \(maxOperations) (RFC 7644 §3.7.4). Split it into requests of at most \(maxOperations) operations."
            )
        }
        var failOnErrors: Int? = nil
        switch body["failOnErrors"] {
        case nil, .null?: break
        case .int(let n)? where n >= 1: failOnErrors = n
        case .double(let d)? where d >= 1 && d == d.rounded() && d < 1e15: failOnErrors = Int(d)
        case let other?:
            throw SCIMError.invalidValue(
                "'failOnErrors' must be an integer of at least 1 (the number of errors after which the rest is skipped); got \(other.serializedForDetail)."
            )
        }
        var allOrNothing = false
        if let ext = body[Self.rosterExtension], !ext.isNull {
            guard let object = ext.objectValue else {
                throw SCIMError.invalidValue(
                    "'\(Self.rosterExtension)' must be an object such as {\"allOrNothing\": true}.")
            }
            switch object["allOrNothing"] {
            case nil, .null?: break
            case .bool(let b)?: allOrNothing = b
            case let other?:
                throw SCIMError.invalidValue(
                    "'\(Self.rosterExtension):allOrNothing' must be true or false; got \(other.serializedForDetail).")
            }
        }
        var entries: [Entry] = []
        entries.reserveCapacity(list.count)
        var firstUse: [String: Int] = [:]
        for (index, element) in list.enumerated() {
            let entry = Self.entry(element, index: index)
            if let bulkId = entry.bulkId {
                if let first = firstUse.updateValue(index, forKey: bulkId) {
                    throw SCIMError.invalidValue(
                        "'bulkId' \"\(bulkId)\" is used by Operations[\(first)] and Operations[\(index)]; each bulkId must be unique within a request (RFC 7644 §3.7)."
                    )
                }
            }
            entries.append(entry)
        }
        self.init(entries: entries, failOnErrors: failOnErrors, allOrNothing: allOrNothing)
    }

    /// Decodes `Operations[index]`; what is wrong with it becomes an invalid entry.
    static func entry(_ json: JSONValue, index: Int) -> Entry {
        let position = "Operations[\(index)]"
        guard case .object(let object) = json else {
            return .invalid(
                method: nil, bulkId: nil,
                error: .invalidSyntax(
                    "\(position) must be an object with 'method', 'path' and 'data'; got \(json.typeName)."))
        }
        let methodText = object["method"]?.stringValue.map(\.asciiUppercased)
        var bulkId: String? = nil
        switch object["bulkId"] {
        case nil, .null?: break
        case .string(let s)? where !s.isEmpty: bulkId = s
        case let other?:
            return .invalid(
                method: methodText, bulkId: nil,
                error: .invalidValue("\(position).bulkId must be a non-empty string; got \(other.serializedForDetail).")
            )
        }
        do throws(SCIMError) {
            return .valid(try BulkOperation(object, bulkId: bulkId, position: position))
        } catch {
            return .invalid(method: methodText, bulkId: bulkId, error: error)
        }
    }
}

/// One operation of a BulkRequest (RFC 7644 §3.7): a SCIM write as it would be sent alone.
public struct BulkOperation: Sendable, Hashable {
    /// The methods a bulk operation may use.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case post = "POST"
        case put = "PUT"
        case patch = "PATCH"
        case delete = "DELETE"
    }

    public var method: Method
    /// The resource (or, for POST, the resource type endpoint) relative to the Base URL.
    public var path: BulkPath
    /// The client's name for the resource a POST creates; other operations refer to it as `bulkId:<bulkId>`.
    public var bulkId: String?
    /// The ETag the resource must have (an `If-Match` precondition) for PUT, PATCH and DELETE.
    public var version: String?
    /// The body of the single request: a resource for POST and PUT, a PatchOp for PATCH; `nil` for DELETE.
    public var data: JSONObject?

    /// An operation built in code.
    public init(method: Method, path: BulkPath, bulkId: String? = nil, version: String? = nil, data: JSONObject? = nil)
    {
        self.method = method
        self.path = path
        self.bulkId = bulkId
        self.version = version
        self.data = data
    }

    /// Decodes the members of one operation; `position` names it in error details.
    init(_ object: JSONObject, bulkId: String?, position: String) throws(SCIMError) {
        let allowed = Method.allCases.map(\.rawValue).joined(separator: ", ")
        guard let rawMethod = object["method"], !rawMethod.isNull else {
            throw SCIMError.invalidSyntax("\(position) has no 'method'; expected one of \(allowed).")
        }
        guard let text = rawMethod.stringValue, let method = Method(rawValue: text.asciiUppercased) else {
            throw SCIMError.invalidValue(
                "\(position).method \(rawMethod.serializedForDetail) is not a bulk method; expected one of \(allowed) (RFC 7644 §3.7)."
            )
        }
        guard let rawPath = object["path"], !rawPath.isNull else {
            throw SCIMError.invalidSyntax("\(position) has no 'path' (such as \"/Users\" or \"/Groups/{id}\").")
        }
        guard let pathText = rawPath.stringValue, let path = BulkPath(parsing: pathText) else {
            throw SCIMError.invalidValue(
                "\(position).path \(rawPath.serializedForDetail) is not a resource path; expected \"/Users\", \"/Groups\", \"/Users/{id}\" or \"/Groups/{id}\"."
            )
        }
        switch method {
        case .post:
            guard path.id == nil else {
                throw SCIMError.invalidValue(
                    "\(position) is a POST to '\(pathText)'; a POST's path must be the resource type endpoint (\"/\(path.endpoint.rawValue)\")."
                )
            }
            guard bulkId != nil else {
                throw SCIMError.invalidSyntax(
                    "\(position) is a POST without 'bulkId'; RFC 7644 §3.7 requires a bulkId for every POST.")
            }
        case .put, .patch, .delete:
            guard path.id != nil else {
                throw SCIMError.invalidValue(
                    "\(position) is a \(method.rawValue) to '\(pathText)'; its path must name a resource (\"/\(path.endpoint.rawValue)/{id}\")."
                )
            }
        }
        var version: String? = nil
        switch object["version"] {
        case nil, .null?: break
        case .string(let s)?: version = s
        case let other?:
            throw SCIMError.invalidValue(
                "\(position).version must be a string (an ETag such as W/\"3\"); got \(other.typeName).")
        }
        var data: JSONObject? = nil
        if method != .delete {
            guard let rawData = object["data"], !rawData.isNull else {
                throw SCIMError.invalidSyntax(
                    "\(position) is a \(method.rawValue) without 'data'; RFC 7644 §3.7 requires the body of the single request."
                )
            }
            guard let d = rawData.objectValue else {
                throw SCIMError.invalidSyntax("\(position).data must be a JSON object; got \(rawData.typeName).")
            }
            data = d
        }
        self.init(method: method, path: path, bulkId: bulkId, version: version, data: data)
    }
}

/// The `path` of a bulk operation: a resource type endpoint, optionally with a resource id (which may be a
/// `bulkId:` reference, RFC 7644 §3.7.2).
public struct BulkPath: Sendable, Hashable, CustomStringConvertible {
    /// The resource type endpoints a bulk operation may address.
    public enum Endpoint: String, Sendable, Hashable {
        case users = "Users"
        case groups = "Groups"
    }

    public var endpoint: Endpoint
    /// The resource id; `nil` for the endpoint itself.
    public var id: String?

    public init(endpoint: Endpoint, id: String? = nil) {
        self.endpoint = endpoint
        self.id = id
    }

    /// `/Users`, `/Groups`, `/Users/{id}`, `/Groups/{id}` (the leading slash may be left out, the endpoint's letter
    /// case does not matter); `nil` for anything else.
    public init?(parsing text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("/") { rest.removeFirst() }
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first else { return nil }
        let name = String(first)
        let endpoint: Endpoint
        if name.equalsIgnoringCase(Endpoint.users.rawValue) {
            endpoint = .users
        } else if name.equalsIgnoringCase(Endpoint.groups.rawValue) {
            endpoint = .groups
        } else {
            return nil
        }
        var id: String? = nil
        if parts.count == 2 {
            let candidate = parts[1]
            guard !candidate.isEmpty, !candidate.contains("/"), !candidate.contains("?"), !candidate.hasPrefix(".")
            else { return nil }
            id = String(candidate)
        }
        self.init(endpoint: endpoint, id: id)
    }

    public var description: String { "/\(endpoint.rawValue)" + (id.map { "/\($0)" } ?? "") }
}

extension JSONValue {
    /// The value as compact JSON, cut to 100 characters, for error details.
    var serializedForDetail: String {
        let text = jsonText
        return text.count > 100 ? String(text.prefix(100)) + "…" : text
    }
}

extension String {
    /// The string with ASCII letters raised.
    var asciiUppercased: String {
        String(decoding: utf8.map { ($0 >= 97 && $0 <= 122) ? $0 - 32 : $0 }, as: UTF8.self)
    }
}
