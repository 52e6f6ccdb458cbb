import Testing

@testable import SCIM

/// Decoding BulkRequests (RFC 7644 §3.7), `bulkId` references and their order (§3.7.1, §3.7.2), and the
/// BulkResponse (§3.7.3), as pure functions.
@Suite("Bulk requests (RFC 7644 §3.7)")
struct BulkRequestTests {
    static let schema = #""schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]"#

    static func request(_ json: String, maxOperations: Int = 1000) throws -> BulkRequest {
        let value = try JSONValue(parsing: json)
        return try BulkRequest(json: try #require(value.objectValue), maxOperations: maxOperations)
    }

    static func request(operations: String, extra: String = "") throws -> BulkRequest {
        try request("{\(schema)\(extra),\"Operations\":[\(operations)]}")
    }

    static func post(_ bulkId: String, _ path: String = "/Users", data: String = #"{"userName":"a@example.com"}"#)
        -> String
    {
        #"{"method":"POST","path":"\#(path)","bulkId":"\#(bulkId)","data":\#(data)}"#
    }

    static func group(_ bulkId: String, members: [String]) -> String {
        let list = members.map { #"{"value":"\#($0)"}"# }.joined(separator: ",")
        return post(bulkId, "/Groups", data: #"{"displayName":"\#(bulkId)","members":[\#(list)]}"#)
    }

    // MARK: Decoding

    @Test("RFC 7644 §3.7.3 example decodes: methods, paths, versions, failOnErrors")
    func decodesTheRFCExample() throws {
        let r = try Self.request(try BulkRequestExamples.text("3.7.3"))
        #expect(r.failOnErrors == 1 && !r.allOrNothing)
        let operations = r.entries.compactMap { entry -> BulkOperation? in
            if case .valid(let op) = entry { return op }
            return nil
        }
        try #require(operations.count == 4)
        #expect(operations.map(\.method) == [.post, .put, .patch, .delete])
        #expect(operations[0].bulkId == "qwerty" && operations[0].path == BulkPath(endpoint: .users))
        #expect(operations[1].path == BulkPath(endpoint: .users, id: "b7c14771-226c-4d05-8860-134711653041"))
        #expect(operations[1].version == #"W/"3694e05e9dff591""#)
        #expect(operations[2].data?["Operations"]?.arrayValue?.count == 2)
        #expect(operations[3].data == nil && operations[3].version == #"W/"0ee8add0a938e1a""#)
    }

    struct RequestError: CustomTestStringConvertible, Sendable {
        var label: String
        var body: String
        var status: Int = 400
        var scimType: SCIMError.ScimType?
        var detailContains: String
        var testDescription: String { label }
    }

    static let requestErrors: [RequestError] = [
        .init(
            label: "no schemas", body: #"{"Operations":[]}"#, scimType: .invalidSyntax, detailContains: "BulkRequest"),
        .init(
            label: "another message's schema",
            body: #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}"#,
            scimType: .invalidSyntax, detailContains: "schemas"),
        .init(label: "no Operations", body: "{\(schema)}", scimType: .invalidSyntax, detailContains: "'Operations'"),
        .init(
            label: "Operations null", body: "{\(schema),\"Operations\":null}", scimType: .invalidSyntax,
            detailContains: "'Operations'"),
        .init(
            label: "Operations not an array", body: "{\(schema),\"Operations\":{}}", scimType: .invalidSyntax,
            detailContains: "array"),
        .init(
            label: "failOnErrors 0", body: "{\(schema),\"failOnErrors\":0,\"Operations\":[]}", scimType: .invalidValue,
            detailContains: "failOnErrors"),
        .init(
            label: "failOnErrors a string", body: "{\(schema),\"failOnErrors\":\"1\",\"Operations\":[]}",
            scimType: .invalidValue, detailContains: "failOnErrors"),
        .init(
            label: "failOnErrors a fraction", body: "{\(schema),\"failOnErrors\":1.5,\"Operations\":[]}",
            scimType: .invalidValue, detailContains: "failOnErrors"),
        .init(
            label: "duplicate bulkId",
            body: "{\(schema),\"Operations\":[\(post("x")),\(post("x", data: #"{"userName":"b@example.com"}"#))]}",
            scimType: .invalidValue, detailContains: "Operations[0] and Operations[1]"),
        .init(
            label: "extension not an object",
            body: "{\(schema),\"\(BulkRequest.rosterExtension)\":true,\"Operations\":[]}",
            scimType: .invalidValue, detailContains: "allOrNothing"),
        .init(
            label: "allOrNothing not a boolean",
            body: "{\(schema),\"\(BulkRequest.rosterExtension)\":{\"allOrNothing\":\"yes\"},\"Operations\":[]}",
            scimType: .invalidValue, detailContains: "allOrNothing"),
    ]

    @Test(
        "malformed requests fail as a whole with status, scimType and a detail naming the rule",
        arguments: requestErrors)
    func rejectsRequest(_ c: RequestError) throws {
        let error = try #require(throws: SCIMError.self) { try Self.request(c.body) }
        #expect(error.status == c.status)
        #expect(error.scimType == c.scimType)
        #expect(error.detail.contains(c.detailContains), "\(error.detail)")
    }

    @Test("RFC 7644 §3.7.4: more operations than maxOperations is 413 naming the limit")
    func tooManyOperations() throws {
        let operations = (0..<3).map { Self.post("u\($0)") }.joined(separator: ",")
        let error = try #require(throws: SCIMError.self) {
            try Self.request("{\(Self.schema),\"Operations\":[\(operations)]}", maxOperations: 2)
        }
        #expect(error.status == 413 && error.scimType == nil)
        #expect(error.detail.contains("3 operations") && error.detail.contains("maxOperations is 2"))
        #expect(
            try Self.request("{\(Self.schema),\"Operations\":[\(operations)]}", maxOperations: 3).entries.count == 3)
    }

    struct OperationError: CustomTestStringConvertible, Sendable {
        var label: String
        var operation: String
        var scimType: SCIMError.ScimType
        var detailContains: String
        var method: String?
        var bulkId: String?
        var testDescription: String { label }
    }

    static let operationErrors: [OperationError] = [
        .init(
            label: "not an object", operation: #""POST""#, scimType: .invalidSyntax,
            detailContains: "Operations[1] must be an object"),
        .init(
            label: "no method", operation: #"{"path":"/Users/1"}"#, scimType: .invalidSyntax, detailContains: "'method'"
        ),
        .init(
            label: "GET is no bulk method", operation: #"{"method":"GET","path":"/Users/1"}"#, scimType: .invalidValue,
            detailContains: "Operations[1].method \"GET\"", method: "GET"),
        .init(
            label: "no path", operation: #"{"method":"DELETE"}"#, scimType: .invalidSyntax, detailContains: "'path'",
            method: "DELETE"),
        .init(
            label: "unknown endpoint", operation: #"{"method":"DELETE","path":"/Devices/1"}"#, scimType: .invalidValue,
            detailContains: "Operations[1].path \"/Devices/1\"", method: "DELETE"),
        .init(
            label: "path too deep", operation: #"{"method":"DELETE","path":"/Users/1/x"}"#, scimType: .invalidValue,
            detailContains: "path", method: "DELETE"),
        .init(
            label: "POST without bulkId",
            operation: #"{"method":"POST","path":"/Users","data":{"userName":"a@example.com"}}"#,
            scimType: .invalidSyntax, detailContains: "without 'bulkId'", method: "POST"),
        .init(
            label: "bulkId not a string", operation: #"{"method":"POST","path":"/Users","bulkId":7,"data":{}}"#,
            scimType: .invalidValue, detailContains: "bulkId", method: "POST"),
        .init(
            label: "POST to a resource",
            operation: #"{"method":"POST","path":"/Users/1","bulkId":"b","data":{"userName":"a@example.com"}}"#,
            scimType: .invalidValue, detailContains: "resource type endpoint", method: "POST", bulkId: "b"),
        .init(
            label: "PUT to the endpoint", operation: #"{"method":"PUT","path":"/Users","data":{}}"#,
            scimType: .invalidValue,
            detailContains: "must name a resource", method: "PUT"),
        .init(
            label: "PATCH without data", operation: #"{"method":"patch","path":"/Groups/1","bulkId":"p"}"#,
            scimType: .invalidSyntax, detailContains: "without 'data'", method: "PATCH", bulkId: "p"),
        .init(
            label: "data not an object", operation: #"{"method":"PUT","path":"/Groups/1","data":[]}"#,
            scimType: .invalidSyntax, detailContains: "data must be a JSON object", method: "PUT"),
        .init(
            label: "version not a string", operation: #"{"method":"DELETE","path":"/Groups/1","version":3}"#,
            scimType: .invalidValue, detailContains: "version", method: "DELETE"),
    ]

    @Test("a malformed operation fails alone: the others still decode", arguments: operationErrors)
    func rejectsOperation(_ c: OperationError) throws {
        let r = try Self.request(
            operations:
                "\(Self.post("ok")),\(c.operation),\(Self.post("after", data: #"{"userName":"b@example.com"}"#))")
        try #require(r.entries.count == 3)
        guard case .valid = r.entries[0], case .valid = r.entries[2] else {
            Issue.record("the well-formed operations around it must decode")
            return
        }
        guard case .invalid(let method, let bulkId, let error) = r.entries[1] else {
            Issue.record("expected Operations[1] to be invalid")
            return
        }
        #expect(error.status == 400 && error.scimType == c.scimType)
        #expect(error.detail.contains(c.detailContains), "\(error.detail)")
        #expect(method == c.method && bulkId == c.bulkId)
    }

    @Test("attribute names are case-insensitive; methods are uppercased; paths without a slash are accepted")
    func lenientSpelling() throws {
        let r = try Self.request(
            #"{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"operations":[{"Method":"delete","PATH":"Groups/g1"}]}"#
        )
        guard case .valid(let op) = r.entries.first else {
            Issue.record("expected a valid operation")
            return
        }
        #expect(op.method == .delete && op.path == BulkPath(endpoint: .groups, id: "g1"))
    }

    @Test("Roster's allOrNothing extension")
    func allOrNothing() throws {
        let r = try Self.request(
            operations: Self.post("a"), extra: ",\"\(BulkRequest.rosterExtension)\":{\"allOrNothing\":true}")
        #expect(r.allOrNothing)
        #expect(try !Self.request(operations: Self.post("a")).allOrNothing)
    }

    @Test(
        "bulk paths",
        arguments: [
            ("/Users", BulkPath(endpoint: .users)), ("/Groups/abc", BulkPath(endpoint: .groups, id: "abc")),
            ("users/bulkId:q", BulkPath(endpoint: .users, id: "bulkId:q")), ("/Users/", nil), ("/Users/a/b", nil),
            ("/Users/.search", nil), ("/Schemas", nil), ("", nil), ("/", nil), ("/Users?x=1", nil),
        ] as [(String, BulkPath?)])
    func paths(_ text: String, _ expected: BulkPath?) {
        #expect(BulkPath(parsing: text) == expected)
    }

    // MARK: References and their order

    static func order(_ r: BulkRequest) -> [Int] { r.plan().steps.map(\.index) }
    static func errors(_ r: BulkRequest) -> [Int: SCIMError] {
        Dictionary(uniqueKeysWithValues: r.plan().steps.compactMap { s in s.error.map { (s.index, $0) } })
    }

    @Test("RFC 7644 §3.7.2 example: the group refers to the user created before it; they run as sent")
    func rfcExampleRunsAsSent() throws {
        let r = try Self.request(try BulkRequestExamples.text("3.7.2"))
        let plan = r.plan()
        #expect(plan.steps.map(\.index) == [0, 1])
        #expect(plan.steps[1].references == ["qwerty"] && plan.steps[0].references.isEmpty)
        #expect(plan.steps.allSatisfy { $0.error == nil })
    }

    @Test("a forward reference waits for the POST that creates it, then runs right after it")
    func forwardReferenceIsDeferred() throws {
        let r = try Self.request(
            operations: [
                Self.group("g", members: ["bulkId:u2"]), Self.post("u1"),
                Self.post("u2", data: #"{"userName":"b@example.com"}"#),
                Self.post("u3", data: #"{"userName":"c@example.com"}"#),
            ].joined(separator: ","))
        #expect(Self.order(r) == [1, 2, 0, 3])
        #expect(Self.errors(r).isEmpty)
    }

    @Test("chains of forward references resolve in dependency order, in the path as well as in data")
    func chains() throws {
        // 0 patches the user 2 creates; 1 is a group listing 2's user; 2 creates a user whose manager 3 creates.
        let r = try Self.request(
            operations: [
                #"{"method":"PATCH","path":"/Users/bulkId:u","data":{"Operations":[{"op":"replace","path":"title","value":"x"}]}}"#,
                Self.group("g", members: ["bulkId:u"]),
                Self.post(
                    "u",
                    data:
                        #"{"userName":"a@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:m"}}}"#
                ),
                Self.post("m", data: #"{"userName":"m@example.com"}"#),
            ].joined(separator: ","))
        #expect(Self.order(r) == [3, 2, 0, 1])
        #expect(Self.errors(r).isEmpty)
    }

    @Test("RFC 7644 §3.7.1 example: circular references fail both operations with 409 invalidValue naming the bulkId")
    func rfcCircularExample() throws {
        let r = try Self.request(try BulkRequestExamples.text("3.7.1"))
        #expect(Self.order(r) == [0, 1])
        let errors = Self.errors(r)
        try #require(errors.count == 2)
        for (index, other) in [(0, "ytrewq"), (1, "qwerty")] {
            let e = try #require(errors[index])
            #expect(e.status == 409 && e.scimType == .invalidValue)
            #expect(e.detail.contains("'bulkId:\(other)'") && e.detail.contains("circle"), "\(e.detail)")
        }
    }

    @Test("what waits for a circle fails too; the rest runs")
    func dependentsOfACircle() throws {
        let r = try Self.request(
            operations: [
                Self.group("a", members: ["bulkId:b"]), Self.group("b", members: ["bulkId:a"]),
                Self.group("c", members: ["bulkId:a"]), Self.post("u"),
            ].joined(separator: ","))
        #expect(Self.order(r) == [3, 0, 1, 2])
        #expect(Set(Self.errors(r).keys) == [0, 1, 2])
    }

    @Test("a reference no POST defines, or a POST's own bulkId, cannot be resolved")
    func unresolvable() throws {
        let r = try Self.request(
            operations: [
                Self.group("g", members: ["bulkId:nobody"]),
                Self.post(
                    "self",
                    data:
                        #"{"userName":"a@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:self"}}}"#
                ),
                #"{"method":"DELETE","path":"/Users/bulkId:gone"}"#,
            ].joined(separator: ","))
        #expect(Self.order(r) == [0, 1, 2])
        let errors = Self.errors(r)
        #expect(errors[0]?.status == 409 && errors[0]?.detail.contains("'bulkId:nobody'") == true)
        #expect(errors[0]?.detail.contains("no POST operation") == true)
        #expect(errors[1]?.detail.contains("'bulkId:self'") == true && errors[1]?.detail.contains("own bulkId") == true)
        #expect(errors[2]?.detail.contains("'bulkId:gone'") == true)
    }

    @Test("a non-POST's bulkId names nothing; references to an invalid POST wait for it")
    func onlyPostsDefine() throws {
        let r = try Self.request(
            operations: [
                #"{"method":"DELETE","path":"/Users/1","bulkId":"d"}"#, Self.group("g", members: ["bulkId:d"]),
                Self.group("h", members: ["bulkId:bad"]), #"{"method":"POST","path":"/Users","bulkId":"bad"}"#,
            ].joined(separator: ","))
        #expect(Self.order(r) == [0, 1, 3, 2])
        let errors = Self.errors(r)
        #expect(errors[1]?.detail.contains("no POST operation") == true)
        #expect(errors[2] == nil)
    }

    @Test("resolving replaces whole-string references in data and path, and fails on a POST that created nothing")
    func resolving() throws {
        let op = BulkOperation(
            method: .patch, path: BulkPath(endpoint: .groups, id: "bulkId:g"),
            data: [
                "Operations": [
                    ["op": "add", "path": "members", "value": [["value": "bulkId:u"], ["value": "fixed"]]],
                    ["op": "replace", "path": "displayName", "value": "text mentioning bulkId:u"],
                ]
            ])
        #expect(op.references == ["g", "u"])
        let resolved = try op.resolving(["g": "G1", "u": "U1", "x": "X"])
        #expect(resolved.path.id == "G1")
        #expect(
            resolved.data
                == [
                    "Operations": [
                        ["op": "add", "path": "members", "value": [["value": "U1"], ["value": "fixed"]]],
                        ["op": "replace", "path": "displayName", "value": "text mentioning bulkId:u"],
                    ]
                ])
        let error = try #require(throws: SCIMError.self) { try op.resolving(["g": "G1"]) }
        #expect(error.status == 409 && error.scimType == .invalidValue && error.detail.contains("'bulkId:u'"))
        #expect(error.detail.contains("failed"))
    }

    // MARK: Response

    @Test("RFC 7644 §3.7.3: operations in the response carry status as a string and errors as `response`")
    func response() {
        let json = BulkResponse.json(operations: [
            .init(
                method: "POST", bulkId: "qwerty", location: "https://example.com/v2/Users/92b7", version: #"W/"1""#,
                status: 201),
            .init(
                method: "PUT", location: "https://example.com/v2/Users/b7c1", status: 412,
                error: .preconditionFailed("Failed to update. Resource changed on the server.")),
        ])
        #expect(json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
        #expect(
            json["Operations"]
                == [
                    [
                        "method": "POST", "bulkId": "qwerty", "location": "https://example.com/v2/Users/92b7",
                        "version": #"W/"1""#, "status": "201",
                    ],
                    [
                        "method": "PUT", "location": "https://example.com/v2/Users/b7c1", "status": "412",
                        "response": [
                            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "412",
                            "detail": "Failed to update. Resource changed on the server.",
                        ],
                    ],
                ])
    }

    @Test("/ServiceProviderConfig announces bulk support and its limits")
    func serviceProviderConfig() {
        let r = ServiceProviderConfig(bulk: .supported(maxOperations: 1000, maxPayloadSize: 4_194_304))
            .representation(baseURL: "http://127.0.0.1:8080/scim/p1/v2")
        #expect(r["bulk"] == ["supported": true, "maxOperations": 1000, "maxPayloadSize": 4_194_304])
    }
}
