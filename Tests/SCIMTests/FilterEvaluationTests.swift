import Testing

@testable import SCIM

/// A small User resource type built here so these tests do not depend on the full RFC 7643 schemas.
enum FilterTestFixtures {
    static let enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    static let statsURN = "urn:example:params:scim:schemas:extension:stats:2.0:User"

    static func multiValued(
        _ name: String, extra: [SchemaAttribute] = [], valueType: SchemaAttribute.DataType = .string
    )
        -> SchemaAttribute
    {
        SchemaAttribute(
            name: name, type: .complex, multiValued: true, description: name,
            subAttributes: [
                SchemaAttribute(name: "value", type: valueType, description: "value"),
                SchemaAttribute(name: "display", description: "display"),
                SchemaAttribute(name: "type", description: "type"),
                SchemaAttribute(name: "primary", type: .boolean, description: "primary"),
            ] + extra)
    }

    static let user = ResourceType(
        name: "User", endpoint: "/Users", description: "User Account",
        schema: Schema(
            id: "urn:ietf:params:scim:schemas:core:2.0:User", name: "User", description: "User Account",
            attributes: [
                SchemaAttribute(name: "userName", description: "userName", required: true, uniqueness: .server),
                SchemaAttribute(
                    name: "name", type: .complex, description: "name",
                    subAttributes: [
                        SchemaAttribute(name: "formatted", description: "formatted"),
                        SchemaAttribute(name: "familyName", description: "familyName"),
                        SchemaAttribute(name: "givenName", description: "givenName"),
                        SchemaAttribute(name: "middleName", description: "middleName"),
                    ]),
                SchemaAttribute(name: "displayName", description: "displayName"),
                SchemaAttribute(name: "nickName", description: "nickName"),
                SchemaAttribute(
                    name: "profileUrl", type: .reference, description: "profileUrl", referenceTypes: ["external"]),
                SchemaAttribute(name: "title", description: "title"),
                SchemaAttribute(name: "userType", description: "userType"),
                SchemaAttribute(name: "preferredLanguage", description: "preferredLanguage"),
                SchemaAttribute(name: "active", type: .boolean, description: "active"),
                SchemaAttribute(name: "password", description: "password", mutability: .writeOnly, returned: .never),
                multiValued("emails"),
                multiValued("phoneNumbers"),
                multiValued("ims"),
                multiValued("entitlements"),
                multiValued("x509Certificates", valueType: .binary),
                SchemaAttribute(
                    name: "addresses", type: .complex, multiValued: true, description: "addresses",
                    subAttributes: [
                        SchemaAttribute(name: "streetAddress", description: "streetAddress"),
                        SchemaAttribute(name: "locality", description: "locality"),
                        SchemaAttribute(name: "postalCode", description: "postalCode"),
                        SchemaAttribute(name: "type", description: "type"),
                        SchemaAttribute(name: "primary", type: .boolean, description: "primary"),
                    ]),
            ]),
        extensions: [
            ResourceType.Extension(
                schema: Schema(
                    id: enterpriseURN, name: "EnterpriseUser", description: "Enterprise User",
                    attributes: [
                        SchemaAttribute(name: "employeeNumber", description: "employeeNumber"),
                        SchemaAttribute(name: "costCenter", description: "costCenter"),
                        SchemaAttribute(name: "department", description: "department"),
                        SchemaAttribute(
                            name: "manager", type: .complex, description: "manager",
                            subAttributes: [
                                SchemaAttribute(name: "value", description: "value"),
                                SchemaAttribute(name: "$ref", type: .reference, description: "$ref"),
                                SchemaAttribute(name: "displayName", description: "displayName", mutability: .readOnly),
                            ]),
                    ]),
                required: false),
            ResourceType.Extension(
                schema: Schema(
                    id: statsURN, name: "Stats", description: "Numbers and binaries, for tests",
                    attributes: [
                        SchemaAttribute(name: "loginCount", type: .integer, description: "loginCount"),
                        SchemaAttribute(name: "rating", type: .decimal, description: "rating"),
                        SchemaAttribute(name: "badge", type: .binary, description: "badge", caseExact: true),
                        SchemaAttribute(name: "lastLogin", type: .dateTime, description: "lastLogin"),
                        SchemaAttribute(name: "scores", type: .integer, multiValued: true, description: "scores"),
                    ]),
                required: false),
        ])

    /// RFC 7643 §8.2's full user, with §8.3's enterprise extension and a few test-only numbers.
    static let bjensenJSON = #"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          "id": "2819c223-7f76-453a-919d-413861904646",
          "externalId": "701984",
          "userName": "bjensen@example.com",
          "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III"
          },
          "displayName": "Babs Jensen",
          "nickName": "Babs",
          "profileUrl": "https://login.example.com/bjensen",
          "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
          ],
          "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA",
             "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA", "primary": true},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA",
             "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"}
          ],
          "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-555-4444", "type": "mobile"}
          ],
          "ims": [{"value": "someaimhandle", "type": "aim"}],
          "photos": [
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}
          ],
          "userType": "Employee",
          "title": "Tour Guide",
          "preferredLanguage": "en-US",
          "locale": "en-US",
          "timezone": "America/Los_Angeles",
          "active": true,
          "password": "t1meMa$heen",
          "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
          "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"a330bc54f0671c9\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
          },
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {
              "value": "26118915-6090-4610-87e4-49d8ca9f808d",
              "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
              "displayName": "John Smith"
            }
          },
          "urn:example:params:scim:schemas:extension:stats:2.0:User": {
            "loginCount": 42,
            "rating": 4.5,
            "badge": "QmFkZ2U=",
            "lastLogin": "2024-02-29T23:30:00.250-08:00",
            "scores": [3, 10, 7]
          }
        }
        """#

    static func bjensen() throws -> JSONObject {
        try #require(try JSONValue(parsing: bjensenJSON).objectValue)
    }
}

struct FilterEvaluationTests {
    static let cases: [(String, Bool)] = [
        // RFC 7644 §3.4.2.2 examples against bjensen.
        (#"userName eq "bjensen""#, false),
        (#"name.familyName co "O'Malley""#, false),
        (#"userName sw "J""#, false),
        (#"userName sw "B""#, true),
        (#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bJ""#, true),
        ("title pr", true),
        (#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        (#"title pr and userType eq "Employee""#, true),
        (#"title pr or userType eq "Intern""#, true),
        (#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#, true),
        (#"schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER""#, true),
        (#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#, false),
        (#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#, true),
        (#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#, false),
        (#"userType eq "Employee" and (emails.type eq "work")"#, true),
        (#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#, true),
        (#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#, true),
        (#"emails[type eq "home" and value co "@example.com"] or ims[type eq "aim" and value co "@foo.com"]"#, false),

        // caseExact false: userName, displayName, name.*, emails.*, enterprise department.
        (#"userName eq "bjensen@example.com""#, true),
        (#"userName eq "BJensen@EXAMPLE.com""#, true),
        (#"displayName eq "babs jensen""#, true),
        (#"name.familyName co "ENS""#, true),
        (#"name.familyName sw "j""#, true),
        (#"name.familyName ew "SEN""#, true),
        (#"name.givenName eq "Barbara ""#, false),
        (#"emails.value eq "BABS@jensen.org""#, true),
        // caseExact true: id, externalId, meta.resourceType, meta.version.
        (#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
        (#"id sw "2819C223""#, false),
        (#"externalId eq "701984""#, true),
        ("externalId eq 701984", true),
        ("externalId eq jyoung", false),
        (#"meta.resourceType eq "User""#, true),
        (#"meta.resourceType eq "user""#, false),
        (#"meta.version eq "W/\"a330bc54f0671c9\"""#, true),
        (#"meta.version eq "w/\"A330BC54F0671C9\"""#, false),
        (#"meta.location sw "https://example.com/v2/Users/""#, true),

        // String ordering (lexicographic, case-insensitive when caseExact is false).
        (#"userName gt "BJENSEN""#, true),
        (#"userName lt "c""#, true),
        (#"userName le "bjensen@example.com""#, true),
        (#"userName lt "BJENSEN@EXAMPLE.COM""#, false),
        (#"id gt "2819C""#, true),
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter gt "4000""#, true),
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter lt "500""#, true),

        // Multi-valued: any element matches; sub-attributes across elements.
        (#"emails.value eq "babs@jensen.org""#, true),
        (#"emails.type eq "home""#, true),
        (#"emails co "jensen.org""#, true),
        (#"emails eq "bjensen@example.com""#, true),
        (#"emails.type eq "home" and emails.value co "@example.com""#, true),
        (#"phoneNumbers.value ew "4444""#, true),
        (#"phoneNumbers[type eq "mobile" and value ew "5555"]"#, false),
        (#"phoneNumbers[type eq "mobile" and value ew "4444"]"#, true),
        (#"addresses.postalCode eq "91608""#, true),
        (#"addresses[type eq "home" and streetAddress sw "456"]"#, true),
        (#"addresses[type eq "work"].streetAddress eq "456 Hollywood Blvd""#, false),
        (#"x509Certificates.value sw "MIIDQzCC""#, true),

        // Value filters.
        (#"emails[type eq "work"]"#, true),
        (#"emails[type eq "WORK"]"#, true),
        (#"emails[type eq "other"]"#, false),
        ("emails[primary eq true]", true),
        (#"emails[primary eq true and type eq "home"]"#, false),
        ("emails[not (primary eq true)]", true),
        (#"emails[type eq "work"].value eq "bjensen@example.com""#, true),
        (#"emails[type eq "home"].value eq "bjensen@example.com""#, false),
        (#"emails[type eq "work"].value pr"#, true),
        (#"emails[type eq "work"].display pr"#, false),
        (#"not (emails[type eq "other"])"#, true),
        (#"ims[type eq "aim" or type eq "xmpp"]"#, true),
        (#"entitlements[value pr]"#, false),
        (#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "home"]"#, true),

        // pr, ne and null on present and missing attributes.
        ("nickName pr", true),
        ("emails pr", true),
        ("name pr", true),
        ("entitlements pr", false),
        ("name.middleName pr", true),
        ("emails.display pr", false),
        (#"entitlements.value eq "x""#, false),
        (#"entitlements.value ne "x""#, true),
        (#"title ne "Tour Guide""#, false),
        (#"title ne "tour guide""#, false),
        (#"userType ne "Intern""#, true),
        (#"emails.type ne "work""#, false),
        (#"emails.type ne "other""#, true),
        ("entitlements eq null", true),
        ("title eq null", false),
        ("title ne null", true),
        ("entitlements ne null", false),
        ("title co null", false),

        // Booleans: eq/ne only; unquoted literals or the strings "true"/"false".
        ("active eq true", true),
        ("active eq false", false),
        ("active ne false", true),
        ("active ne true", false),
        (#"active eq "TRUE""#, true),
        ("not (active eq true)", false),

        // Extension attributes live under their URN.
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour Operations""#, true),
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#, true),
        (
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true
        ),
        (#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName co "smith""#, true),
        (
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true
        ),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr", true),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr", true),

        // Numbers compare numerically.
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount eq 42", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount eq 42.0", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount gt 41", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount gt 42", false),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount ge 42", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount lt 100", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount le 9", false),
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount eq "42""#, true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:rating gt 4", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:rating eq 4.5", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:rating lt 4.25", false),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:rating ge 45e-1", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:scores gt 9", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:scores lt 3", false),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:scores eq 7", true),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:scores ne 7", false),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:scores ne 8", true),

        // Binary with caseExact true.
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:badge eq "QmFkZ2U=""#, true),
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:badge eq "qmfkz2u=""#, false),

        // dateTime compares chronologically across offsets and precisions.
        (#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
        (#"meta.lastModified eq "2011-05-13T04:42:34.000Z""#, true),
        (#"meta.lastModified gt "2011-05-13T04:42:33.999Z""#, true),
        (#"meta.lastModified lt "2011-05-13T04:42:34.001Z""#, true),
        (#"meta.lastModified gt "2011-05-13T00:00:00-05:00""#, false),
        (#"meta.lastModified gt "2011-05-13""#, true),
        (#"meta.lastModified lt "2011-05-14""#, true),
        (#"meta.created lt "2011-05-13T04:42:34Z""#, true),
        (#"meta.created gt "2009-12-31T23:59:59Z" and meta.created lt "2010-01-24T00:00:00Z""#, true),
        (#"meta.created sw "2010-01""#, true),
        (#"meta.created lt "2011""#, true),
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:lastLogin eq "2024-03-01T07:30:00.25Z""#, true),
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:lastLogin gt "2024-03-01T07:30:00Z""#, true),
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:lastLogin lt "2024-03-01""#, false),

        // Logic.
        (#"not (userName eq "x")"#, true),
        (#"userName eq "x" or (title pr and not (nickName eq "Babs"))"#, false),
        (#"userName eq "x" or title pr and nickName eq "Babs""#, true),
        (#"(userName eq "x" or title pr) and nickName eq "x""#, false),
    ]

    @Test("Filters against RFC 7643 §8.2's bjensen", arguments: cases)
    func evaluate(filter text: String, expected: Bool) throws {
        let filter = try Filter(parsing: text)
        try filter.validate(against: FilterTestFixtures.user)
        #expect(filter.matches(try FilterTestFixtures.bjensen(), in: FilterTestFixtures.user) == expected, "\(text)")
    }

    @Test("Attribute names in the stored resource are looked up case-insensitively")
    func caseInsensitiveNames() throws {
        let resource: JSONObject = [
            "USERNAME": "alice",
            "Name": ["GIVENNAME": "Alice"],
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": ["Department": "R&D"],
        ]
        let type = FilterTestFixtures.user
        #expect(try Filter(parsing: #"username eq "ALICE""#).matches(resource, in: type))
        #expect(try Filter(parsing: #"name.givenname eq "alice""#).matches(resource, in: type))
        #expect(
            try Filter(parsing: #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:DEPARTMENT eq "r&d""#)
                .matches(resource, in: type))
    }

    static let emptyValues: [String] = [
        "title pr", "nickName pr", "emails pr", "name pr", "name.givenName pr", "ims pr", "phoneNumbers.value pr",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr",
    ]

    @Test("pr does not match null, empty strings, empty arrays or empty objects", arguments: emptyValues)
    func presentOnEmpty(filter text: String) throws {
        let resource: JSONObject = [
            "title": "",
            "nickName": nil,
            "emails": [],
            "name": ["givenName": nil],
            "ims": [nil],
            "phoneNumbers": [["value": ""]],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ["manager": [:]],
        ]
        let filter = try Filter(parsing: text)
        #expect(!filter.matches(resource, in: FilterTestFixtures.user))
        #expect(try Filter(parsing: text.replacingPr(with: "eq null")).matches(resource, in: FilterTestFixtures.user))
        #expect(Filter.not(filter).matches(resource, in: FilterTestFixtures.user))
    }

    @Test("An empty resource: ne and not match, everything else does not")
    func emptyResource() throws {
        let type = FilterTestFixtures.user
        #expect(try Filter(parsing: #"userName ne "x""#).matches([:], in: type))
        #expect(try Filter(parsing: #"emails[type ne "x"]"#).matches([:], in: type) == false)
        #expect(try Filter(parsing: #"userName eq "x""#).matches([:], in: type) == false)
        #expect(try Filter(parsing: #"userName gt "a""#).matches([:], in: type) == false)
        #expect(try Filter(parsing: #"not (userName pr)"#).matches([:], in: type))
    }

    @Test("Unvalidated filters on undefined attributes compare by the stored JSON type, case-insensitively")
    func undefinedAttributes() throws {
        let type = FilterTestFixtures.user
        let resource = try FilterTestFixtures.bjensen()
        #expect(try Filter(parsing: #"timezone eq "america/los_angeles""#).matches(resource, in: type))
        #expect(try Filter(parsing: #"photos.type eq "photo""#).matches(resource, in: type))
        #expect(try Filter(parsing: #"photos co "profilephoto""#).matches(resource, in: type))
        #expect(
            try Filter(
                parsing: #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization sw "universal""#
            ).matches(resource, in: type))
        #expect(
            try Filter(parsing: "urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount gt 1").matches(
                resource, in: type))
        #expect(try Filter(parsing: #"noSuchAttribute eq "x""#).matches(resource, in: type) == false)
        // Extension attributes are found only under their URN (RFC 7644 §3.10).
        #expect(try Filter(parsing: #"department eq "Tour Operations""#).matches(resource, in: type) == false)
        #expect(try Filter(parsing: #"noSuchAttribute ne "x""#).matches(resource, in: type))
        #expect(try Filter(parsing: #"name eq "x""#).matches(resource, in: type) == false)
    }

    @Test("Dates: RFC 3339 forms and calendar validity")
    func dateTimes() {
        let base = FilterDateTime(parsing: "1970-01-01T00:00:00Z")
        #expect(base?.seconds == 0)
        #expect(FilterDateTime(parsing: "2000-03-01T00:00:00Z")?.seconds == 951_868_800)
        #expect(FilterDateTime(parsing: "2011-05-13T04:42:34Z") == FilterDateTime(parsing: "2011-05-13t06:42:34+02:00"))
        #expect(FilterDateTime(parsing: "2011-05-13 04:42:34z") == FilterDateTime(parsing: "2011-05-13T04:42:34"))
        #expect(FilterDateTime(parsing: "1969-12-31T23:59:59.5Z")?.seconds == -1)
        #expect(FilterDateTime(parsing: "1969-12-31T23:59:59.5Z")?.nanoseconds == 500_000_000)
        #expect(FilterDateTime(parsing: "2024-02-29T00:00:00Z") != nil)
        for bad in [
            "2023-02-29T00:00:00Z", "2011-13-01", "2011-05-13T24:00:00Z", "2011-05-13T04:42:34+0200", "2011-05-13T",
            "2011-05-13T04:42:34.Z", "20110513", "", "2011-05-13T04:42:34Zjunk",
        ] {
            #expect(FilterDateTime(parsing: bad) == nil, "\(bad)")
        }
    }

    // MARK: Validation

    static let valid: [String] =
        FilterParserTests.rfcExamples.map(\.0) + [
            #"emails[type eq "work"].value eq "x""#,
            "externalId eq jyoung",
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
            #"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME eq "x""#,
            "meta.created pr",
            "active eq false",
            "active eq null",
            #"active eq "True""#,
            "x509Certificates.value eq \"AAEC\"",
            "urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount gt 3",
            #"urn:example:params:scim:schemas:extension:stats:2.0:User:rating le "4.5""#,
            #"urn:example:params:scim:schemas:extension:stats:2.0:User:lastLogin gt "2020-01-01""#,
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "x""#,
            "name pr",
            "addresses[primary eq true]",
            #"name[givenName eq "x"]"#,
        ]

    @Test("Filters naming defined attributes validate", arguments: valid)
    func validFilter(text: String) throws {
        let filter = try Filter(parsing: text)
        #expect(throws: Never.self) { try filter.validate(against: FilterTestFixtures.user) }
    }

    static let invalid: [(String, String)] = [
        (#"foo eq "x""#, "Unknown attribute 'foo' in filter; the User resource type defines no such attribute."),
        ("foo pr", "Unknown attribute 'foo' in filter"),
        (#"name.foo eq "x""#, "Unknown attribute 'name.foo' in filter"),
        (#"userName.foo eq "x""#, "Unknown attribute 'userName.foo'"),
        (
            #"emails[foo eq "x"]"#,
            "Unknown attribute 'foo' in filter; inside 'emails[...]' name one of the sub-attributes of 'emails': value, display, type, primary."
        ),
        (#"emails[type eq "work"].foo eq "x""#, "Unknown attribute 'foo'"),
        (#"emails[emails.type eq "work"]"#, "Unknown attribute 'emails.type'"),
        (#"foo[type eq "x"]"#, "Unknown attribute 'foo'"),
        (
            #"urn:example:unknown:2.0:User:userName eq "x""#,
            "'urn:example:unknown:2.0:User' is not a schema of the User resource type"
        ),
        (
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x""#,
            "Unknown attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName'"
        ),
        (#"not (title pr and foo pr)"#, "Unknown attribute 'foo'"),
        ("title pr or foo pr", "Unknown attribute 'foo'"),
        ("active gt true", "The operator 'gt' cannot be used on the boolean attribute 'active'"),
        ("emails[primary le false]", "The operator 'le' cannot be used on the boolean attribute 'primary'"),
        (#"active co "t""#, "The operator 'co' cannot be used on the boolean attribute 'active'"),
        (#"active eq "yes""#, "must be compared with true or false"),
        ("active eq 1", "must be compared with true or false"),
        (
            #"x509Certificates.value lt "x""#,
            "The operator 'lt' cannot be used on the binary attribute 'x509Certificates.value'"
        ),
        (#"urn:example:params:scim:schemas:extension:stats:2.0:User:badge ge "x""#, "binary attribute"),
        (
            #"urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount co "4""#,
            "The operator 'co' cannot be used on the integer attribute"
        ),
        (
            #"urn:example:params:scim:schemas:extension:stats:2.0:User:loginCount eq "many""#,
            "must be compared with a number"
        ),
        ("urn:example:params:scim:schemas:extension:stats:2.0:User:rating eq true", "must be compared with a number"),
        (
            #"name eq "x""#,
            "Attribute 'name' in filter is complex and has no 'value' sub-attribute; compare one of its sub-attributes instead, such as 'name.formatted'"
        ),
        (#"meta gt "x""#, "is complex and has no 'value' sub-attribute"),
        (
            #"userName[value eq "x"]"#,
            "Attribute 'userName' in filter is not a complex attribute; a value filter '[...]' applies only to complex attributes"
        ),
        (#"meta[value eq "x"]"#, "Unknown attribute 'value' in filter; inside 'meta[...]'"),
        (#"department eq "Tour Operations""#, "Unknown attribute 'department'"),
    ]

    @Test("Filters naming unknown attributes or misusing operators fail with invalidFilter", arguments: invalid)
    func invalidFilter(text: String, detail: String) throws {
        let filter = try Filter(parsing: text)
        let error = #expect(throws: SCIMError.self) { try filter.validate(against: FilterTestFixtures.user) }
        #expect(error?.status == 400)
        #expect(error?.scimType == .invalidFilter)
        #expect(error?.detail.contains(detail) == true, "\(error?.detail ?? "no error")")
    }

    @Test("Constructed filters the parser never produces are still validated")
    func constructedFilters() throws {
        let nested = Filter.valuePath(
            AttributePath(attribute: "emails"),
            .valuePath(AttributePath(attribute: "ims"), .present(AttributePath(attribute: "value"))))
        let error = #expect(throws: SCIMError.self) { try nested.validate(against: FilterTestFixtures.user) }
        #expect(error?.detail.contains("Value filters cannot be nested") == true)
        #expect(nested.matches(try #require(try? FilterTestFixtures.bjensen()), in: FilterTestFixtures.user) == false)

        let subPath = Filter.valuePath(
            AttributePath(attribute: "emails", subAttribute: "value"), .present(AttributePath(attribute: "x")))
        #expect(throws: SCIMError.self) { try subPath.validate(against: FilterTestFixtures.user) }
    }
}

extension String {
    fileprivate func replacingPr(with replacement: String) -> String {
        guard hasSuffix(" pr") else { return self }
        return String(dropLast(3)) + " " + replacement
    }
}
