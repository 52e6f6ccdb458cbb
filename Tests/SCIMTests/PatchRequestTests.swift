import Testing

@testable import SCIM

@Suite("PATCH request decoding (RFC 7644 §3.5.2)")
struct PatchRequestTests {
    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#

    struct DecodingError: CustomTestStringConvertible, Sendable {
        var label: String
        var body: String
        var status: Int = 400
        var scimType: SCIMError.ScimType
        var detailContains: String
        var testDescription: String { label }
    }

    static let decodingErrors: [DecodingError] = [
        .init(
            label: "body is an array", body: #"[{"op":"add"}]"#, scimType: .invalidSyntax, detailContains: "JSON object"
        ),
        .init(
            label: "schemas without PatchOp",
            body:
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"replace","value":{"active":false}}]}"#,
            scimType: .invalidSyntax, detailContains: "PatchOp"),
        .init(
            label: "missing Operations", body: "{\(patchOp)}", scimType: .invalidSyntax, detailContains: "Operations"),
        .init(
            label: "Operations not an array", body: #"{"Operations":{"op":"add"}}"#, scimType: .invalidSyntax,
            detailContains: "array"),
        .init(
            label: "empty Operations", body: "{\(patchOp),\"Operations\":[]}", scimType: .invalidValue,
            detailContains: "empty"),
        .init(
            label: "operation not an object", body: #"{"Operations":["add"]}"#, scimType: .invalidSyntax,
            detailContains: "Operations[0]"),
        .init(
            label: "missing op", body: #"{"Operations":[{"path":"active","value":true}]}"#, scimType: .invalidSyntax,
            detailContains: "\"op\""),
        .init(
            label: "unknown op is named", body: #"{"Operations":[{"op":"move","path":"active","value":true}]}"#,
            scimType: .invalidSyntax, detailContains: "\"move\""),
        .init(
            label: "op not a string", body: #"{"Operations":[{"op":1,"path":"active","value":true}]}"#,
            scimType: .invalidSyntax, detailContains: "op"),
        .init(
            label: "bad path", body: #"{"Operations":[{"op":"replace","path":"name..givenName","value":"x"}]}"#,
            scimType: .invalidPath, detailContains: "name..givenName"),
        .init(
            label: "unclosed filter", body: #"{"Operations":[{"op":"remove","path":"members[value eq \"x\""}]}"#,
            scimType: .invalidPath, detailContains: "closing"),
        .init(
            label: "malformed filter", body: #"{"Operations":[{"op":"remove","path":"members[value zz \"x\"]"}]}"#,
            scimType: .invalidPath, detailContains: "invalid"),
        .init(
            label: "junk after filter",
            body: #"{"Operations":[{"op":"remove","path":"emails[type eq \"work\"]value"}]}"#, scimType: .invalidPath,
            detailContains: "after"),
        .init(
            label: "path not a string", body: #"{"Operations":[{"op":"remove","path":["members"]}]}"#,
            scimType: .invalidPath, detailContains: "string"),
        .init(
            label: "remove without path", body: #"{"Operations":[{"op":"remove","value":{"members":[]}}]}"#,
            scimType: .noTarget, detailContains: "path"),
        .init(
            label: "path-less replace with a non-object value",
            body: #"{"Operations":[{"op":"replace","value":false}]}"#, scimType: .invalidSyntax,
            detailContains: "object"),
        .init(
            label: "path-less add without value", body: #"{"Operations":[{"op":"add"}]}"#, scimType: .invalidSyntax,
            detailContains: "object"),
        .init(
            label: "add with path but no value", body: #"{"Operations":[{"op":"add","path":"nickName"}]}"#,
            scimType: .invalidSyntax, detailContains: "value"),
    ]

    @Test("malformed bodies are rejected with status and scimType", arguments: decodingErrors)
    func rejects(_ c: DecodingError) throws {
        let json = try JSONValue(parsing: c.body)
        let error = try #require(throws: SCIMError.self) { try PatchRequest(json: json) }
        #expect(error.status == c.status)
        #expect(error.scimType == c.scimType)
        #expect(error.detail.contains(c.detailContains), "detail: \(error.detail)")
    }

    @Test("10,000 operations are refused with 413 before any is decoded; 1,000 are accepted")
    func operationCountIsBounded() throws {
        func body(_ n: Int) -> String {
            "{\(Self.patchOp),\"Operations\":["
                + Array(repeating: #"{"op":"replace","path":"nickName","value":"x"}"#, count: n)
                .joined(separator: ",") + "]}"
        }
        let error = try #require(throws: SCIMError.self) { try PatchRequest(json: JSONValue(parsing: body(10_000))) }
        #expect(error.status == 413)
        #expect(error.detail.contains("10000") && error.detail.contains("1000"), "\(error.detail)")
        #expect(try PatchRequest(json: JSONValue(parsing: body(PatchRequest.maxOperations))).operations.count == 1_000)
    }

    @Test(
        "op is case-insensitive, as Entra sends Add/Replace/Remove",
        arguments: [
            ("add", PatchOperation.Op.add), ("Add", .add), ("REPLACE", .replace), ("Replace", .replace),
            ("Remove", .remove), ("remove", .remove),
        ])
    func opCase(_ text: String, _ op: PatchOperation.Op) throws {
        let json = try JSONValue(
            parsing: #"{"Operations":[{"op":"\#(text)","path":"members","value":[{"value":"1"}]}]}"#)
        let request = try PatchRequest(json: json)
        #expect(request.operations.map(\.op) == [op])
    }

    @Test("Operations and schemas are found case-insensitively; schemas may be absent")
    func lenientEnvelope() throws {
        let a = try PatchRequest(
            json: JSONValue(
                parsing:
                    #"{"SCHEMAS":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"operations":[{"op":"replace","value":{"active":false}}]}"#
            ))
        #expect(a.operations.count == 1)
        #expect(a.operations[0].path == nil)
        #expect(a.operations[0].value == ["active": false])
        let b = try PatchRequest(
            json: JSONValue(parsing: #"{"Operations":[{"op":"replace","path":null,"value":{"active":true}}]}"#))
        #expect(b.operations[0].path == nil)
    }

    @Test("value keeps absent apart from null")
    func valuePresence() throws {
        let r = try PatchRequest(
            json: JSONValue(
                parsing:
                    #"{"Operations":[{"op":"remove","path":"title"},{"op":"replace","path":"title","value":null}]}"#))
        #expect(r.operations[0].value == nil)
        #expect(r.operations[1].value == .null)
    }

    @Test("error details name the failing operation")
    func detailNamesOperation() throws {
        let json = try JSONValue(
            parsing: #"{"Operations":[{"op":"add","path":"nickName","value":"x"},{"op":"bogus"}]}"#)
        let error = try #require(throws: SCIMError.self) { try PatchRequest(json: json) }
        #expect(error.detail.contains("Operations[1]"))
    }
}

@Suite("PATCH path parsing (RFC 7644 §3.5.2 PATH = attrPath / valuePath [subAttr])")
struct PatchPathTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        var text: String
        var attribute: AttributePath
        var filter: Filter?
        var subAttribute: String?
        var testDescription: String { text }
    }

    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    static let valid: [Valid] = [
        .init(text: "members", attribute: AttributePath(attribute: "members")),
        .init(text: "name.familyName", attribute: AttributePath(attribute: "name", subAttribute: "familyName")),
        .init(text: "\(enterprise):manager", attribute: AttributePath(schema: enterprise, attribute: "manager")),
        .init(
            text: "\(enterprise):manager.value",
            attribute: AttributePath(schema: enterprise, attribute: "manager", subAttribute: "value")),
        .init(
            text: "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            attribute: AttributePath(schema: "urn:ietf:params:scim:schemas:core:2.0:User", attribute: "userName")),
        .init(
            text: #"members[value eq "2819c223"]"#, attribute: AttributePath(attribute: "members"),
            filter: .comparison(AttributePath(attribute: "value"), .eq, "2819c223")),
        .init(
            text: #"emails[type eq "work"].value"#, attribute: AttributePath(attribute: "emails"),
            filter: .comparison(AttributePath(attribute: "type"), .eq, "work"), subAttribute: "value"),
        .init(
            text: #"addresses[type eq "work"].country"#, attribute: AttributePath(attribute: "addresses"),
            filter: .comparison(AttributePath(attribute: "type"), .eq, "work"), subAttribute: "country"),
        .init(
            text: #"emails[value eq "a]b"]"#, attribute: AttributePath(attribute: "emails"),
            filter: .comparison(AttributePath(attribute: "value"), .eq, "a]b")),
        .init(
            text: #"  emails[type eq "work" and value ew "example.com"]  "#,
            attribute: AttributePath(attribute: "emails"),
            filter: .and(
                .comparison(AttributePath(attribute: "type"), .eq, "work"),
                .comparison(AttributePath(attribute: "value"), .ew, "example.com"))),
    ]

    @Test("valid paths", arguments: valid)
    func parses(_ c: Valid) throws {
        let path = try PatchPath(parsing: c.text)
        #expect(path.attribute == c.attribute)
        #expect(path.filter == c.filter)
        #expect(path.subAttribute == c.subAttribute)
    }

    @Test(
        "invalid paths are invalidPath",
        arguments: [
            "", "   ", "name..x", "1abc", "emails[", #"emails[type eq "work""#, "emails[]",
            #"name.givenName[type eq "x"]"#,
            #"emails[type eq "work"].value.x"#, #"emails[type eq "work"]x"#, "a.b.c", "emails]",
        ])
    func rejects(_ text: String) throws {
        let error = try #require(throws: SCIMError.self) { try PatchPath(parsing: text) }
        #expect(error.status == 400)
        #expect(error.scimType == .invalidPath)
        #expect(!error.detail.isEmpty)
    }
}
