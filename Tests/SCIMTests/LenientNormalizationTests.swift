import Testing

@testable import SCIM

/// `normalize(_:dropping:)`: under `accept-and-warn` what cannot be kept of attributes that are not identity is left
/// out and reported; under `reject` the same input throws the error the report carries.
@Suite("Normalizing under an invalid-data policy")
struct LenientNormalizationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        /// The attributes kept, as JSON.
        var kept: String
        /// `attribute rule` of each value left out.
        var dropped: [String]
        var scimType: String
        var testDescription: String { name }
    }

    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    static let cases: [Case] = [
        Case(
            name: "unknown core attribute", input: #"{"userName":"a@b.c","adreses":[{"country":"US"}]}"#,
            kept: #"{"userName":"a@b.c"}"#, dropped: ["adreses unknown-attribute"], scimType: "invalidSyntax"),
        Case(
            name: "unknown extension attribute",
            input: #"{"userName":"a@b.c","\#(enterprise)":{"department":"R&D","badge":7}}"#,
            kept: #"{"userName":"a@b.c","\#(enterprise)":{"department":"R&D"}}"#,
            dropped: ["\(enterprise):badge unknown-attribute"], scimType: "invalidSyntax"),
        Case(
            name: "unknown schema with attributes",
            input: #"{"userName":"a@b.c","urn:example:custom:1.0:User":{"x":1}}"#,
            kept: #"{"userName":"a@b.c"}"#, dropped: ["urn:example:custom:1.0:User unknown-attribute"],
            scimType: "invalidSyntax"),
        Case(
            name: "wrong type, single-valued", input: #"{"userName":"a@b.c","title":5,"nickName":"N"}"#,
            kept: #"{"userName":"a@b.c","nickName":"N"}"#, dropped: ["title wrong-type"], scimType: "invalidValue"),
        Case(
            name: "array for a single value", input: #"{"userName":"a@b.c","title":["Lead"]}"#,
            kept: #"{"userName":"a@b.c"}"#, dropped: ["title wrong-type"], scimType: "invalidValue"),
        Case(
            name: "wrong type in one sub-attribute",
            input: #"{"userName":"a@b.c","name":{"givenName":"A","familyName":7}}"#,
            kept: #"{"userName":"a@b.c","name":{"givenName":"A"}}"#, dropped: ["name.familyName wrong-type"],
            scimType: "invalidValue"),
        Case(
            name: "unknown sub-attribute", input: #"{"userName":"a@b.c","name":{"givenName":"A","nick":"x"}}"#,
            kept: #"{"userName":"a@b.c","name":{"givenName":"A"}}"#, dropped: ["name.nick unknown-attribute"],
            scimType: "invalidSyntax"),
        Case(
            name: "one bad element of a multi-valued attribute",
            input: #"{"userName":"a@b.c","phoneNumbers":[{"value":"555"},{"value":5551234},["x"]]}"#,
            kept: #"{"userName":"a@b.c","phoneNumbers":[{"value":"555"}]}"#,
            dropped: ["phoneNumbers.value wrong-type", "phoneNumbers wrong-type"], scimType: "invalidValue"),
        Case(
            name: "several primary",
            input:
                #"{"userName":"a@b.c","emails":[{"value":"a@b.c","primary":true},{"value":"x@b.c","primary":"True"}]}"#,
            kept:
                #"{"userName":"a@b.c","emails":[{"value":"a@b.c","primary":true},{"value":"x@b.c","primary":false}]}"#,
            dropped: ["emails.primary several-primary"], scimType: "invalidValue"),
        Case(
            name: "capitalised keys and string booleans stay valid",
            input: #"{"UserName":"a@b.c","Active":"True","Emails":[{"Value":"a@b.c","Primary":"true"}]}"#,
            kept: #"{"userName":"a@b.c","active":true,"emails":[{"value":"a@b.c","primary":true}]}"#, dropped: [],
            scimType: ""),
    ]

    @Test(arguments: cases)
    func acceptAndWarn(_ c: Case) throws {
        var dropped = DroppedValues(policy: .acceptAndWarn)
        let out = try ResourceType.user.normalize(
            try JSONValue(parsing: Array(c.input.utf8)).objectValue!, dropping: &dropped)
        #expect(JSONValue.object(out) == (try JSONValue(parsing: Array(c.kept.utf8))))
        #expect(dropped.values.map { "\($0.attribute) \($0.rule.rawValue)" } == c.dropped)
        #expect(dropped.values.allSatisfy { $0.value.count <= DroppedValue.valueLimit && !$0.error.detail.isEmpty })
    }

    @Test(arguments: cases)
    func reject(_ c: Case) throws {
        let input = try JSONValue(parsing: Array(c.input.utf8)).objectValue!
        if c.dropped.isEmpty {
            #expect(throws: Never.self) { try ResourceType.user.normalize(input) }
        } else {
            let error = #expect(throws: SCIMError.self) { try ResourceType.user.normalize(input) }
            #expect(error?.scimType?.rawValue == c.scimType)
            #expect(error?.status == 400)
        }
    }

    /// Identity attributes are strict under accept-and-warn too.
    @Test(arguments: [
        #"{"userName":5}"#, #"{"userName":"a@b.c","active":"maybe"}"#, #"{"userName":"a@b.c","externalId":["x"]}"#,
        #"{"name":{"givenName":"A"}}"#,
    ])
    func identityIsStrict(_ input: String) throws {
        var dropped = DroppedValues(policy: .acceptAndWarn)
        let object = try JSONValue(parsing: Array(input.utf8)).objectValue!
        #expect(throws: SCIMError.self) { try ResourceType.user.normalize(object, dropping: &dropped) }
        #expect(ResourceType.user.identityAttributeNames == ["id", "externalid", "username", "active"])
        #expect(ResourceType.group.identityAttributeNames == ["id", "externalid", "displayname", "members"])
    }

    @Test func longValuesAreCut() {
        let value = DroppedValue(
            attribute: "title", rule: .wrongType, value: .array([.string(String(repeating: "x", count: 500))]),
            error: .invalidValue("x"))
        #expect(value.value.count == DroppedValue.valueLimit && value.value.hasSuffix("…"))
    }

    /// PATCH operations naming unknown attributes are skipped under accept-and-warn.
    @Test func patchSkipsUnknownAttributes() throws {
        let request = try PatchRequest(
            json: try JSONValue(
                parsing: Array(
                    #"{"Operations":[{"op":"add","path":"adreses","value":"x"},{"op":"replace","value":{"title":"T","shoe":1}}]}"#
                        .utf8)))
        var dropped = DroppedValues(policy: .acceptAndWarn)
        let outcome = try ResourceType.user.applyPatch(request, to: ["userName": "a@b.c"], dropping: &dropped)
        #expect(outcome.resource["title"] == "T")
        #expect(dropped.values.map(\.attribute) == ["adreses", "shoe"])
        #expect(throws: SCIMError.self) { try ResourceType.user.applyPatch(request, to: ["userName": "a@b.c"]) }
    }

    /// A body with more values than ``DroppedValues/limit`` to leave out is refused: each would be a sync-log entry.
    @Test func tooManyValuesLeftOutRefuseTheRequest() throws {
        var members: JSONObject = ["userName": "a@b.c"]
        for i in 0..<DroppedValues.limit { members["x\(i)"] = .int(i) }
        var dropped = DroppedValues(policy: .acceptAndWarn)
        _ = try ResourceType.user.normalize(members, dropping: &dropped)
        #expect(dropped.values.count == DroppedValues.limit)
        members["one-more"] = 1
        var again = DroppedValues(policy: .acceptAndWarn)
        let error = #expect(throws: SCIMError.self) { try ResourceType.user.normalize(members, dropping: &again) }
        #expect(error?.scimType == .invalidSyntax && error?.detail.contains("More than 100 values") == true)
        #expect(error?.detail.contains("'x0'") == true)
    }
}
