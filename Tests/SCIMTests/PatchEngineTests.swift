import Testing

@testable import SCIM

@Suite("PATCH engine (RFC 7644 §3.5.2)")
struct PatchEngineTests {
    static let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    static let user = PatchTestTypes.user
    static let group = PatchTestTypes.group

    static func patch(_ type: ResourceType, _ resource: String, _ operations: String, deferred: Set<String> = []) throws
        -> PatchOutcome
    {
        let request = try PatchRequest(json: JSONValue(parsing: #"{"Operations":\#(operations)}"#))
        let stored = try #require(JSONValue(parsing: resource).objectValue)
        return try type.applyPatch(request, to: stored, deferredAttributes: deferred)
    }

    struct Applied: CustomTestStringConvertible, Sendable {
        var label: String
        var type: ResourceType = PatchEngineTests.user
        var resource: String = #"{"userName":"bjensen"}"#
        var operations: String
        var expected: String
        var testDescription: String { label }
    }

    static let applied: [Applied] = [
        .init(
            label: "case-insensitive names are written as the schema spells them",
            operations:
                #"[{"op":"replace","value":{"Active":"True","DISPLAYNAME":"Babs","NAME.GIVENNAME":"Barbara"}},{"op":"add","path":"EMAILS","value":{"VALUE":"b@x.org","Type":"work"}}]"#,
            expected:
                #"{"userName":"bjensen","active":true,"displayName":"Babs","name":{"givenName":"Barbara"},"emails":[{"value":"b@x.org","type":"work"}]}"#
        ),
        .init(
            label: "existing key with other case is respelled, not duplicated",
            resource: #"{"userName":"bjensen","nickname":"Barb"}"#,
            operations: #"[{"op":"replace","path":"nickName","value":"Babs"}]"#,
            expected: #"{"userName":"bjensen","nickName":"Babs"}"#),
        .init(
            label: "read-only keys and password in a path-less value are ignored",
            operations:
                #"[{"op":"replace","value":{"id":"123","meta":{"version":"W/\"1\""},"schemas":["x"],"groups":[{"value":"g"}],"password":"hunter2","title":"Boss"}}]"#,
            expected: #"{"userName":"bjensen","title":"Boss"}"#),
        .init(
            label: "password with a path is dropped",
            operations: #"[{"op":"replace","path":"password","value":"hunter2"}]"#, expected: #"{"userName":"bjensen"}"#
        ),
        .init(
            label: "core URN-qualified key and extension object in a path-less value",
            operations:
                #"[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"babs","urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"Department":"Tour"}}}]"#,
            expected:
                #"{"userName":"babs","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tour"}}"#
        ),
        .init(
            label: "unqualified extension attribute is found in the extension (Entra/Okta leniency)",
            operations:
                #"[{"op":"replace","value":{"department":"Tour"}},{"op":"add","path":"costCenter","value":"4130"}]"#,
            expected:
                #"{"userName":"bjensen","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tour","costCenter":"4130"}}"#
        ),
        .init(
            label: "a whole-extension path takes an object of its attributes",
            operations:
                #"[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"employeeNumber":"7"}}]"#,
            expected:
                #"{"userName":"bjensen","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"}}"#
        ),
        .init(
            label: "removing a whole extension",
            resource:
                #"{"userName":"bjensen","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"}}"#,
            operations: #"[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]"#,
            expected: #"{"userName":"bjensen"}"#),
        .init(
            label: "removing the last extension attribute drops the extension object",
            resource:
                #"{"userName":"bjensen","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}}}"#,
            operations: #"[{"op":"remove","path":"manager"}]"#, expected: #"{"userName":"bjensen"}"#),
        .init(
            label: "primary:true on an added email clears it on the others (RFC 7643 §2.4)",
            resource: #"{"userName":"bjensen","emails":[{"value":"a@x.org","primary":true},{"value":"b@x.org"}]}"#,
            operations: #"[{"op":"add","path":"emails","value":[{"value":"c@x.org","type":"work","primary":"True"}]}]"#,
            expected:
                #"{"userName":"bjensen","emails":[{"value":"a@x.org","primary":false},{"value":"b@x.org"},{"value":"c@x.org","type":"work","primary":true}]}"#
        ),
        .init(
            label: "primary set through a filter and sub-attribute",
            resource:
                #"{"userName":"bjensen","emails":[{"value":"a@x.org","primary":true},{"value":"b@x.org","type":"home"}]}"#,
            operations: #"[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]"#,
            expected:
                #"{"userName":"bjensen","emails":[{"value":"a@x.org","primary":false},{"value":"b@x.org","type":"home","primary":true}]}"#
        ),
        .init(
            label: "filter compares \"True\" with a boolean sub-attribute as true (Entra)",
            resource: #"{"userName":"bjensen","roles":[{"value":"admin","primary":true},{"value":"user"}]}"#,
            operations: #"[{"op":"replace","path":"roles[primary eq \"True\"].display","value":"Administrator"}]"#,
            expected:
                #"{"userName":"bjensen","roles":[{"value":"admin","primary":true,"display":"Administrator"},{"value":"user"}]}"#
        ),
        .init(
            label: "replace with null unassigns; remove of an absent attribute is a no-op",
            resource: #"{"userName":"bjensen","title":"Boss"}"#,
            operations:
                #"[{"op":"replace","path":"title","value":null},{"op":"remove","path":"nickName"},{"op":"remove","path":"emails[type eq \"work\"]"}]"#,
            expected: #"{"userName":"bjensen"}"#),
        .init(
            label: "removing the last sub-attribute removes the complex attribute",
            resource: #"{"userName":"bjensen","name":{"givenName":"Barbara"}}"#,
            operations: #"[{"op":"remove","path":"name.givenName"}]"#, expected: #"{"userName":"bjensen"}"#),
        .init(
            label: "replace on a singular complex attribute merges sub-attributes (RFC 7644 §3.5.2.3)",
            resource: #"{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"}}"#,
            operations: #"[{"op":"replace","path":"name","value":{"givenName":"Babs","middleName":null}}]"#,
            expected: #"{"userName":"bjensen","name":{"givenName":"Babs","familyName":"Jensen"}}"#),
        .init(
            label: "add merges a complex value into the existing one",
            resource: #"{"userName":"bjensen","name":{"givenName":"Barbara"}}"#,
            operations: #"[{"op":"add","value":{"name":{"familyName":"Jensen"}}}]"#,
            expected: #"{"userName":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"}}"#),
        .init(
            label: "a lone object added to a multi-valued attribute is one element",
            operations: #"[{"op":"add","path":"phoneNumbers","value":{"value":"555-1234","type":"work"}}]"#,
            expected: #"{"userName":"bjensen","phoneNumbers":[{"value":"555-1234","type":"work"}]}"#),
        .init(
            label: "replace with an empty array unassigns a multi-valued attribute",
            resource: #"{"userName":"bjensen","emails":[{"value":"a@x.org"}]}"#,
            operations: #"[{"op":"replace","path":"emails","value":[]}]"#, expected: #"{"userName":"bjensen"}"#),
        .init(
            label: "an eq-and-eq filter with no match seeds both sub-attributes",
            operations:
                #"[{"op":"replace","path":"phoneNumbers[type eq \"work\" and primary eq true].value","value":"555"}]"#,
            expected: #"{"userName":"bjensen","phoneNumbers":[{"type":"work","primary":true,"value":"555"}]}"#),
        .init(
            label: "Entra quirk: addresses[type eq \"work\"].country creates the work address",
            operations: #"[{"op":"Add","path":"addresses[type eq \"work\"].country","value":"US"}]"#,
            expected: #"{"userName":"bjensen","addresses":[{"type":"work","country":"US"}]}"#),
        .init(
            label: "a filtered path used as a key in a path-less value",
            resource: #"{"userName":"bjensen","emails":[{"value":"old@x.org","type":"work"}]}"#,
            operations: #"[{"op":"replace","value":{"emails[type eq \"work\"].value":"new@x.org","title":"Boss"}}]"#,
            expected: #"{"userName":"bjensen","emails":[{"value":"new@x.org","type":"work"}],"title":"Boss"}"#),
        .init(
            label: "an unknown schema URI carrying nothing is ignored (Entra's ADSCIM URN)",
            operations:
                #"[{"op":"replace","value":{"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User":{},"title":"Boss"}}]"#,
            expected: #"{"userName":"bjensen","title":"Boss"}"#),
        .init(
            label: "operations apply in order",
            operations:
                #"[{"op":"add","path":"title","value":"A"},{"op":"replace","path":"title","value":"B"},{"op":"remove","path":"title"},{"op":"add","path":"title","value":"C"}]"#,
            expected: #"{"userName":"bjensen","title":"C"}"#),
    ]

    @Test("applies", arguments: applied)
    func applies(_ c: Applied) throws {
        let outcome = try Self.patch(c.type, c.resource, c.operations)
        let expected = try JSONValue(parsing: c.expected)
        #expect(JSONValue.object(outcome.resource).canonicallyEquals(expected), "got \(outcome.resource.jsonText)")
        #expect(outcome.deferred.isEmpty)
        let normalized = try c.type.normalize(outcome.resource)
        #expect(
            JSONValue.object(normalized).canonicallyEquals(.object(outcome.resource)),
            "normalize changed \(outcome.resource.jsonText)")
    }

    struct Rejected: CustomTestStringConvertible, Sendable {
        var label: String
        var type: ResourceType = PatchEngineTests.user
        var resource: String = #"{"userName":"bjensen","emails":[{"value":"a@x.org","type":"home"}]}"#
        var operations: String
        var deferred: Set<String> = []
        var scimType: SCIMError.ScimType
        var detailContains: String
        var testDescription: String { label }
    }

    static let rejected: [Rejected] = [
        .init(
            label: "unknown attribute in a path", operations: #"[{"op":"replace","path":"jobTitle","value":"x"}]"#,
            scimType: .invalidPath, detailContains: "jobTitle"),
        .init(
            label: "unknown sub-attribute in a path",
            operations: #"[{"op":"replace","path":"name.nickname","value":"x"}]"#,
            scimType: .invalidPath, detailContains: "name.nickname"),
        .init(
            label: "unknown sub-attribute after a filter",
            operations: #"[{"op":"replace","path":"emails[type eq \"work\"].nope","value":"x"}]"#,
            scimType: .invalidPath, detailContains: "nope"),
        .init(
            label: "unknown sub-attribute in a filter",
            operations: #"[{"op":"remove","path":"emails[kind eq \"work\"]"}]"#,
            scimType: .invalidPath, detailContains: "kind"),
        .init(
            label: "unknown extension URN",
            operations: #"[{"op":"replace","path":"urn:example:ext:1.0:User:foo","value":"x"}]"#,
            scimType: .invalidPath, detailContains: "urn:example:ext:1.0:User:foo"),
        .init(
            label: "unknown key in a path-less value",
            operations: #"[{"op":"replace","value":{"active":false,"favouriteColour":"blue"}}]"#,
            scimType: .invalidSyntax, detailContains: "favouriteColour"),
        .init(
            label: "unknown dotted key in a path-less value",
            operations: #"[{"op":"replace","value":{"name.nickName":"x"}}]"#,
            scimType: .invalidSyntax, detailContains: "name.nickName"),
        .init(
            label: "unknown key inside an extension object",
            operations:
                #"[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"shoeSize":"9"}}}]"#,
            scimType: .invalidSyntax, detailContains: "shoeSize"),
        .init(
            label: "explicit path to id", operations: #"[{"op":"replace","path":"id","value":"x"}]"#,
            scimType: .mutability, detailContains: "id"),
        .init(
            label: "explicit path to meta sub-attribute",
            operations: #"[{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}]"#,
            scimType: .mutability, detailContains: "meta.created"),
        .init(
            label: "explicit path to groups", operations: #"[{"op":"add","path":"groups","value":[{"value":"g"}]}]"#,
            scimType: .mutability, detailContains: "groups"),
        .init(
            label: "replace through a non-eq filter matching nothing",
            operations: #"[{"op":"replace","path":"emails[value co \"zzz\"].type","value":"work"}]"#,
            scimType: .noTarget, detailContains: "emails"),
        .init(
            label: "filter operator unsuited to the sub-attribute's type",
            operations: #"[{"op":"remove","path":"emails[primary gt true]"}]"#,
            scimType: .invalidPath, detailContains: "primary"),
        .init(
            label: "unknown schema URI carrying attributes",
            operations: #"[{"op":"replace","value":{"urn:example:ext:1.0:User":{"x":"1"}}}]"#,
            scimType: .invalidSyntax, detailContains: "urn:example:ext:1.0:User"),
        .init(
            label: "filter on a simple attribute other than value",
            operations: #"[{"op":"remove","path":"title[type eq \"x\"]"}]"#,
            scimType: .invalidPath, detailContains: "title"),
        .init(
            label: "complex attribute given a non-object",
            operations: #"[{"op":"replace","path":"name","value":[1,2]}]"#,
            scimType: .invalidValue, detailContains: "name"),
        .init(
            label: "a later failure fails the whole request",
            operations: #"[{"op":"replace","path":"title","value":"ok"},{"op":"replace","path":"nope","value":"x"}]"#,
            scimType: .invalidPath, detailContains: "Operations[1]"),
        .init(
            label: "deferred sub-attribute change", type: PatchEngineTests.group, resource: #"{"displayName":"g"}"#,
            operations: #"[{"op":"replace","path":"members[value eq \"1\"].display","value":"x"}]"#,
            deferred: ["members"],
            scimType: .invalidPath, detailContains: "members"),
        .init(
            label: "deferred element without value", type: PatchEngineTests.group, resource: #"{"displayName":"g"}"#,
            operations: #"[{"op":"add","path":"members","value":[{"display":"x"}]}]"#, deferred: ["members"],
            scimType: .invalidValue, detailContains: "value"),
        .init(
            label: "control character in a deferred element", type: PatchEngineTests.group,
            resource: #"{"displayName":"g"}"#,
            operations: #"[{"op":"add","path":"members","value":[{"value":"1","display":"\u001b[2J"}]}]"#,
            deferred: ["members"],
            scimType: .invalidValue,
            detailContains:
                "'members.display' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+001B"),
    ]

    @Test("rejects", arguments: rejected)
    func rejects(_ c: Rejected) throws {
        let error = try #require(throws: SCIMError.self) {
            try Self.patch(c.type, c.resource, c.operations, deferred: c.deferred)
        }
        #expect(error.status == 400)
        #expect(error.scimType == c.scimType)
        #expect(error.detail.contains(c.detailContains), "detail: \(error.detail)")
    }

    @Test("immutable attributes may be set once but not changed (RFC 7643 §7)")
    func immutable() throws {
        let type = ResourceType(
            name: "Thing", endpoint: "/Things", description: "t",
            schema: Schema(
                id: "urn:example:Thing", name: "Thing", description: "t",
                attributes: [
                    SchemaAttribute(name: "serial", description: "s", mutability: .immutable),
                    SchemaAttribute(name: "label", description: "l"),
                ]),
            extensions: [])
        let set = try Self.patch(type, "{}", #"[{"op":"add","path":"serial","value":"A1"}]"#)
        #expect(set.resource == ["serial": "A1"])
        let same = try Self.patch(type, #"{"serial":"A1"}"#, #"[{"op":"replace","value":{"serial":"A1","label":"x"}}]"#)
        #expect(same.resource == ["serial": "A1", "label": "x"])
        let error = try #require(throws: SCIMError.self) {
            try Self.patch(type, #"{"serial":"A1"}"#, #"[{"op":"replace","path":"serial","value":"B2"}]"#)
        }
        #expect(error.scimType == .mutability)
        #expect(error.detail.contains("serial"))
    }

    struct Deferral: CustomTestStringConvertible, Sendable {
        var label: String
        var operations: String
        var expected: [DeferredChange]
        var testDescription: String { label }
    }

    static let deferrals: [Deferral] = [
        .init(
            label: "or of value-eq filters becomes one keyed remove",
            operations: #"[{"op":"remove","path":"members[value eq \"1\" or value eq \"2\"]"}]"#,
            expected: [.remove(attribute: "members", values: [["value": "1"], ["value": "2"]])]),
        .init(
            label: "other filters are passed through",
            operations: #"[{"op":"remove","path":"members[type eq \"Group\"]"}]"#,
            expected: [
                .removeMatching(
                    attribute: "members", filter: .comparison(AttributePath(attribute: "type"), .eq, "Group"))
            ]),
        .init(
            label: "path-less add with members",
            operations: #"[{"op":"add","value":{"members":[{"Value":"1","$ref":null}]}}]"#,
            expected: [.add(attribute: "members", values: [["value": "1"]])]),
        .init(
            label: "replace with null removes all", operations: #"[{"op":"replace","path":"members","value":null}]"#,
            expected: [.removeAll(attribute: "members")]),
        .init(
            label: "replace with an empty list", operations: #"[{"op":"replace","path":"members","value":[]}]"#,
            expected: [.replace(attribute: "members", values: [])]),
        .init(
            label: "replace through a filter is remove then add",
            operations: #"[{"op":"replace","path":"members[value eq \"1\"]","value":{"value":"1","display":"One"}}]"#,
            expected: [
                .remove(attribute: "members", values: [["value": "1"]]),
                .add(attribute: "members", values: [["value": "1", "display": "One"]]),
            ]),
        .init(
            label: "strings are taken as member ids", operations: #"[{"op":"add","path":"Members","value":["1","2"]}]"#,
            expected: [.add(attribute: "members", values: [["value": "1"], ["value": "2"]])]),
        .init(
            label: "an empty add emits nothing", operations: #"[{"op":"add","path":"members","value":[]}]"#,
            expected: []),
    ]

    @Test("deferred attributes become changes and never touch the resource", arguments: deferrals)
    func deferral(_ c: Deferral) throws {
        let outcome = try Self.patch(Self.group, #"{"displayName":"g"}"#, c.operations, deferred: ["Members"])
        #expect(outcome.deferred == c.expected)
        #expect(outcome.resource == ["displayName": "g"])
    }

    @Test("ResourceType.applyPatch leaves its input untouched")
    func pure() throws {
        let stored: JSONObject = ["userName": "bjensen", "emails": [["value": "a@x.org"]]]
        let request = try PatchRequest(json: JSONValue(parsing: #"{"Operations":[{"op":"remove","path":"emails"}]}"#))
        let first = try Self.user.applyPatch(request, to: stored)
        let second = try Self.user.applyPatch(request, to: stored)
        #expect(first == second)
        #expect(first.resource == ["userName": "bjensen"])
        #expect(stored["emails"] != nil)
    }
}
