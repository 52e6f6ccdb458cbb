import Testing

@testable import SCIM

@Suite("Normalizing request bodies (RFC 7643 §2, RFC 7644 §3.3)")
struct NormalizationTests {
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    /// A fixture and what normalizing it must produce.
    struct FixtureCase: Sendable, CustomTestStringConvertible {
        var fixture: String
        var group: Bool
        var expected: String
        var testDescription: String { fixture }
        var type: ResourceType { group ? .group : .user }
    }

    static let fixtureCases: [FixtureCase] = [
        FixtureCase(
            fixture: "rfc7643-8.2-full-user.json", group: false,
            expected: #"""
                {"externalId":"701984","userName":"bjensen@example.com",
                 "name":{"formatted":"Ms. Barbara J Jensen, III","familyName":"Jensen","givenName":"Barbara","middleName":"Jane","honorificPrefix":"Ms.","honorificSuffix":"III"},
                 "displayName":"Babs Jensen","nickName":"Babs","profileUrl":"https://login.example.com/bjensen",
                 "emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
                 "addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","formatted":"100 Universal City Plaza\nHollywood, CA 91608 USA","primary":true},
                              {"type":"home","streetAddress":"456 Hollywood Blvd","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","formatted":"456 Hollywood Blvd\nHollywood, CA 91608 USA"}],
                 "phoneNumbers":[{"value":"555-555-5555","type":"work"},{"value":"555-555-4444","type":"mobile"}],
                 "ims":[{"value":"someaimhandle","type":"aim"}],
                 "photos":[{"value":"https://photos.example.com/profilephoto/72930000000Ccne/F","type":"photo"},{"value":"https://photos.example.com/profilephoto/72930000000Ccne/T","type":"thumbnail"}],
                 "userType":"Employee","title":"Tour Guide","preferredLanguage":"en-US","locale":"en-US","timezone":"America/Los_Angeles","active":true,
                 "x509Certificates":[{"value":"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFDASBgNVBAoMC2V4YW1wbGUuY29tMRQwEgYDVQQDDAtleGFtcGxlLmNvbTAeFw0xMTEwMjIwNjI0MzFaFw0xMjEwMDQwNjI0MzFaMH8xCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRQwEgYDVQQKDAtleGFtcGxlLmNvbTEhMB8GA1UEAwwYTXMuIEJhcmJhcmEgSiBKZW5zZW4gSUlJMSIwIAYJKoZIhvcNAQkBFhNiamVuc2VuQGV4YW1wbGUuY29t"}]}
                """#),
        FixtureCase(
            fixture: "okta/create-user.json", group: false,
            expected: #"""
                {"userName":"test.user@okta.local","name":{"givenName":"Test","familyName":"User"},
                 "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
                 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","active":true}
                """#),
        FixtureCase(
            fixture: "entra/create-user.json", group: false,
            expected: #"""
                {"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com",
                 "active":true,
                 "emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
                 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Engineering"}}
                """#),
        FixtureCase(fixture: "okta/create-group.json", group: true, expected: #"{"displayName":"Test SCIMv2"}"#),
        FixtureCase(
            fixture: "entra/create-group.json", group: true,
            expected: #"""
                {"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}
                """#),
    ]

    @Test(arguments: fixtureCases)
    func fixturesNormalizeToTheCanonicalStoredForm(_ c: FixtureCase) throws {
        let input = try SchemaFixture.object(c.fixture)
        let normalized = try c.type.normalize(input)
        let expected = try SchemaFixture.json(c.expected)
        #expect(normalized == expected)
        for key in ["schemas", "id", "meta", "groups", "password"] { #expect(normalized[key] == nil, "\(key) kept") }
        // Normalizing is idempotent: the stored form is its own canonical form.
        #expect(try c.type.normalize(normalized) == normalized)
    }

    @Test func passwordIsNeverKept() throws {
        let okta = try SchemaFixture.object("okta/create-user.json")
        #expect(okta["password"] == "1mz050nq")
        let normalized = try ResourceType.user.normalize(okta)
        #expect(normalized["password"] == nil)
        #expect(!normalized.jsonText.contains("1mz050nq"))
    }

    @Test func namesAreRespelledCanonically() throws {
        let input = try SchemaFixture.json(
            #"""
            {"USERNAME":"bjensen","usertype":"Employee","Name":{"GIVENNAME":"Barbara"},
             "Emails":[{"VALUE":"b@example.com","Primary":true,"TYPE":"work"}],
             "externalid":"x1","C42ORGNAME":"Acme",
             "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"DEPARTMENT":"Sales","Manager":{"VALUE":"m1"}}}
            """#)
        let normalized = try ResourceType.user.normalize(input)
        #expect(
            normalized.keys == ["userName", "userType", "name", "emails", "externalId", "c42OrgName", Self.enterprise])
        #expect(normalized["name"]?.objectValue?.keys == ["givenName"])
        #expect(normalized["emails"]?.arrayValue?.first?.objectValue?.keys == ["value", "primary", "type"])
        #expect(normalized[Self.enterprise] == ["department": "Sales", "manager": ["value": "m1"]])
        #expect(normalized[Self.enterprise]?.objectValue?.keys == ["department", "manager"])
    }

    @Test(arguments: [
        (JSONValue.string("True"), true), ("False", false), ("true", true), ("FALSE", false), (.bool(true), true),
        (.bool(false), false),
    ])
    func booleansAcceptStrings(_ value: JSONValue, _ expected: Bool) throws {
        let normalized = try ResourceType.user.normalize([
            "userName": "u", "active": value, "emails": [["value": "a@b.c", "primary": value]],
        ])
        #expect(normalized["active"] == .bool(expected))
        #expect(normalized["emails"]?.arrayValue?.first?.objectValue?["primary"] == .bool(expected))
    }

    @Test func nullsAndEmptiesAreDropped() throws {
        let input = try SchemaFixture.json(
            #"""
            {"userName":"u","title":null,"addresses":null,"roles":[],"name":{"givenName":null,"familyName":null},
             "emails":[null,{"value":"a@b.c","display":null},{"type":null}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":null},"department":null}}
            """#)
        let normalized = try ResourceType.user.normalize(input)
        #expect(normalized == ["userName": "u", "emails": [["value": "a@b.c"]]])
        #expect(ResourceType.user.schemasFor(normalized) == ["urn:ietf:params:scim:schemas:core:2.0:User"])
    }

    @Test func readOnlyAttributesAreDropped() throws {
        let input: JSONObject = [
            "id": "abc", "userName": "u", "meta": ["resourceType": "User"], "groups": [["value": "g1"]],
            Self.enterprise: ["manager": ["value": "m1", "displayName": "Boss"]],
        ]
        let normalized = try ResourceType.user.normalize(input)
        #expect(normalized == ["userName": "u", Self.enterprise: ["manager": ["value": "m1"]]])
    }

    @Test func singleValuesOfMultiValuedAttributesAreWrapped() throws {
        let normalized = try ResourceType.user.normalize(["userName": "u", "emails": ["value": "a@b.c"]])
        #expect(normalized["emails"] == [["value": "a@b.c"]])
    }

    @Test func bareManagerIdIsReadAsValue() throws {
        let normalized = try ResourceType.user.normalize([
            "userName": "u", Self.enterprise: ["manager": "26118915-6090-4610-87e4-49d8ca9f808d"],
        ])
        #expect(normalized[Self.enterprise] == ["manager": ["value": "26118915-6090-4610-87e4-49d8ca9f808d"]])
    }

    @Test func flattenedExtensionAttributeIsNested() throws {
        let normalized = try ResourceType.user.normalize(["userName": "u", Self.enterprise + ":department": "Sales"])
        #expect(normalized == ["userName": "u", Self.enterprise: ["department": "Sales"]])
    }

    @Test func schemasForListsCoreAndPresentExtensions() throws {
        let normalized = try ResourceType.user.normalize(try SchemaFixture.object("entra/create-user.json"))
        #expect(ResourceType.user.schemasFor(normalized) == [SchemaURN.user, SchemaURN.enterpriseUser])
        #expect(ResourceType.group.schemasFor(["displayName": "g"]) == [SchemaURN.group])
    }

    @Test(arguments: [
        (#"{"displayName":"g","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group":{}}"#, true),
        (#"{"displayName":"g","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group":null}"#, true),
        (#"{"displayName":"g","urn:example:params:scim:schemas:extension:acme:2.0:Group":{"x":null}}"#, true),
        (
            #"{"displayName":"g","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group":{"x":"y"}}"#,
            false
        ),
    ])
    func unknownSchemaURNsWithoutAttributesAreIgnored(_ body: String, _ accepted: Bool) throws {
        let input = try SchemaFixture.json(body)
        if accepted {
            #expect(try ResourceType.group.normalize(input) == ["displayName": "g"])
        } else {
            let error = #expect(throws: SCIMError.self) { try ResourceType.group.normalize(input) }
            #expect(error?.scimType == .invalidSyntax)
            #expect(
                error?.detail.contains("http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group")
                    == true)
        }
    }

    @Test func groupMembersAreKept() throws {
        let input = try SchemaFixture.json(
            #"""
            {"displayName":"Admins","members":[{"value":"u1","display":"Ann"},{"VALUE":"g2","$REF":"https://x/Groups/g2","Type":"Group"}]}
            """#)
        let normalized = try ResourceType.group.normalize(input)
        #expect(
            normalized["members"] == [
                ["value": "u1", "display": "Ann"], ["value": "g2", "$ref": "https://x/Groups/g2", "type": "Group"],
            ])
    }

    /// A body that must be rejected, with the error it must produce.
    struct Rejection: Sendable, CustomTestStringConvertible {
        var body: String
        var group: Bool = false
        var scimType: SCIMError.ScimType
        var detail: String
        var testDescription: String { detail }
    }

    static let rejections: [Rejection] = [
        Rejection(
            body: #"{"userName":"u","foo":1}"#, scimType: .invalidSyntax,
            detail: "Unknown attribute 'foo' for resource type User; see /Schemas for the supported attributes."),
        Rejection(
            body: #"{"userName":"u","name":{"nickname":"x"}}"#, scimType: .invalidSyntax, detail: "'name.nickname'"),
        Rejection(
            body: #"{"userName":"u","emails":[{"value":"a@b.c","label":"x"}]}"#, scimType: .invalidSyntax,
            detail: "'emails.label'"),
        Rejection(
            body: #"{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"floor":"3"}}"#,
            scimType: .invalidSyntax, detail: "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:floor'"),
        Rejection(
            body: #"{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:floor":"3"}"#,
            scimType: .invalidSyntax,
            detail: "Unknown attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:floor'"),
        Rejection(
            body: #"{"displayName":"g","owner":"x"}"#, group: true, scimType: .invalidSyntax,
            detail: "for resource type Group"),
        Rejection(
            body: #"{"userName":"u","urn:example:acme:2.0:User":{"badge":"7"}}"#, scimType: .invalidSyntax,
            detail: "Unknown schema 'urn:example:acme:2.0:User'"),
        Rejection(
            body: #"{"userName":"u","active":"maybe"}"#, scimType: .invalidValue,
            detail: #"Attribute 'active' must be a boolean, got string "maybe"."#),
        Rejection(
            body: #"{"userName":"u","active":1}"#, scimType: .invalidValue,
            detail: "Attribute 'active' must be a boolean, got integer 1."),
        Rejection(
            body: #"{"userName":5}"#, scimType: .invalidValue,
            detail: "Attribute 'userName' must be a string, got integer 5."),
        Rejection(
            body: #"{"userName":"u","displayName":["a","b"]}"#, scimType: .invalidValue,
            detail: "'displayName' must be a string, not an array"),
        Rejection(
            body: #"{"userName":"u","name":"Barbara Jensen"}"#, scimType: .invalidValue,
            detail: "Attribute 'name' must be an object, got string"),
        Rejection(
            body: #"{"userName":"u","emails":[{"value":true}]}"#, scimType: .invalidValue,
            detail: "Attribute 'emails.value' must be a string, got boolean true."),
        Rejection(
            body: #"{"userName":"u","emails":[["a@b.c"]]}"#, scimType: .invalidValue,
            detail: "Each value of 'emails' must be an object"),
        Rejection(
            body: #"{"userName":"u","externalId":42}"#, scimType: .invalidValue,
            detail: "Attribute 'externalId' must be a string"),
        Rejection(
            body: #"{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"Sales"}"#,
            scimType: .invalidValue,
            detail: "must be an object of extension attributes"),
        Rejection(
            body: #"{"userName":"u","emails":[{"value":"a@b.c","primary":true},{"value":"d@e.f","primary":"True"}]}"#,
            scimType: .invalidValue, detail: "At most one value of 'emails' may be primary; found 2."),
        Rejection(
            body: #"{"displayName":"x"}"#, scimType: .invalidValue,
            detail: "Attribute 'userName' is required for resource type User"),
        Rejection(body: #"{"userName":null}"#, scimType: .invalidValue, detail: "Attribute 'userName' is required"),
        Rejection(body: #"{"userName":"  "}"#, scimType: .invalidValue, detail: "Attribute 'userName' is required"),
        Rejection(
            body: #"{"members":[]}"#, group: true, scimType: .invalidValue,
            detail: "Attribute 'displayName' is required for resource type Group"),
        Rejection(
            body: #"{"displayName":"g","members":[{"display":"Ann"}]}"#, group: true, scimType: .invalidValue,
            detail: "Each value of 'members' must have a non-empty 'value'."),
        Rejection(
            body: #"{"displayName":"g","members":[{"value":7}]}"#, group: true, scimType: .invalidValue,
            detail: "Attribute 'members.value' must be a string, got integer 7."),
        // Control characters: C0, DEL and C1, wherever a string goes, named by attribute and code point.
        Rejection(
            body: #"{"userName":"u","title":"\u001b[2J"}"#, scimType: .invalidValue,
            detail:
                "Attribute 'title' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+001B at character 0."
        ),
        Rejection(
            body: #"{"userName":"u\u0000@x.org"}"#, scimType: .invalidValue,
            detail: "'userName' must not contain control characters"),
        Rejection(
            body: #"{"userName":"u","displayName":"Ann\u007f"}"#, scimType: .invalidValue,
            detail:
                "'displayName' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+007F at character 3"
        ),
        Rejection(
            body: #"{"userName":"u","nickName":"é\u009b2J"}"#, scimType: .invalidValue,
            detail:
                "'nickName' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+009B at character 1"
        ),
        Rejection(
            body: #"{"userName":"u","name":{"givenName":"A\u0085"}}"#, scimType: .invalidValue,
            detail: "'name.givenName' must not contain"),
        Rejection(
            body: #"{"userName":"u","emails":[{"value":"a@b.c","type":"work\u0007"}]}"#, scimType: .invalidValue,
            detail: "'emails.type' must not contain"),
        Rejection(
            body: #"{"userName":"u","externalId":"\u001b]0;pwned\u0007"}"#, scimType: .invalidValue,
            detail: "'externalId' must not contain"),
        Rejection(
            body:
                #"{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R\u0008D"}}"#,
            scimType: .invalidValue,
            detail: "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' must not contain"),
        Rejection(
            body: #"{"userName":"u","title":"Head\nof"}"#, scimType: .invalidValue,
            detail:
                "found U+000A at character 4; line breaks and tabs are allowed only in addresses.formatted and addresses.streetAddress."
        ),
        Rejection(
            body: #"{"userName":"u","title":"\tHead"}"#, scimType: .invalidValue,
            detail: "found U+0009 at character 0; line breaks"),
        Rejection(
            body: #"{"userName":"u","addresses":[{"locality":"Holly\r\nwood"}]}"#, scimType: .invalidValue,
            detail: "'addresses.locality' must not contain"),
        Rejection(
            body: #"{"displayName":"\u001b[2JEng"}"#, group: true, scimType: .invalidValue,
            detail: "'displayName' must not contain control characters"),
        Rejection(
            body: #"{"displayName":"g","members":[{"value":"u1","display":"\u009b31m"}]}"#, group: true,
            scimType: .invalidValue,
            detail: "'members.display' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+009B"
        ),
    ]

    /// RFC 7643 §4.1.2: addresses' `formatted` and `streetAddress` may hold line breaks (and tabs); other text,
    /// including characters that merely look like controls (U+00A0, U+2028), is kept as sent.
    @Test func lineBreaksAreTextInAddressesOnly() throws {
        let input = try SchemaFixture.json(
            #"{"userName":"u","title":"Ünïcödé\u00a0ok\u2028","addresses":[{"formatted":"1 Main St\r\nSpringfield","streetAddress":"1 Main St\n\tFloor 2"}]}"#
        )
        let normalized = try ResourceType.user.normalize(input)
        #expect(normalized["title"] == "Ünïcödé\u{A0}ok\u{2028}")
        let address = normalized["addresses"]?.arrayValue?.first?.objectValue
        #expect(address?["formatted"] == "1 Main St\r\nSpringfield")
        #expect(address?["streetAddress"] == "1 Main St\n\tFloor 2")
    }

    @Test(arguments: rejections)
    func invalidBodiesAreRejected(_ r: Rejection) throws {
        let input = try SchemaFixture.json(r.body)
        let type: ResourceType = r.group ? .group : .user
        let error = #expect(throws: SCIMError.self) { try type.normalize(input) }
        #expect(error?.status == 400)
        #expect(error?.scimType == r.scimType)
        #expect(error?.detail.contains(r.detail) == true, "\(error?.detail ?? "no error")")
    }

    @Test(arguments: [
        ("2010-01-23T04:56:22Z", true), ("2011-05-13T04:42:34.123+02:00", true), ("2024-02-29T00:00:00-05:00", true),
        ("2008-01-23T04:56:22", true), ("2023-02-29T00:00:00Z", false), ("2010-01-23", false),
        ("2010-13-01T00:00:00Z", false),
        ("2010-01-23T24:00:00Z", false), ("2010-01-23T04:56:22ZZ", false), ("yesterday", false),
        ("2010-01-23T04:56:22.Z", false),
    ])
    func dateTimeSyntax(_ text: String, _ valid: Bool) {
        #expect(DateTimeSyntax.isValid(text) == valid)
    }

    @Test func dateTimeAttributesAreChecked() throws {
        let attribute = SchemaAttribute(name: "hired", type: .dateTime, description: "Hire date.")
        let type = ResourceType(
            name: "Worker", endpoint: "/Workers", description: "Worker",
            schema: Schema(id: "urn:example:Worker", name: "Worker", description: "Worker", attributes: [attribute]),
            extensions: [])
        #expect(try type.normalize(["hired": "2010-01-23T04:56:22Z"]) == ["hired": "2010-01-23T04:56:22Z"])
        let error = #expect(throws: SCIMError.self) { try type.normalize(["hired": "last week"]) }
        #expect(error?.scimType == .invalidValue)
        #expect(error?.detail.contains("xsd:dateTime") == true)
    }
}
