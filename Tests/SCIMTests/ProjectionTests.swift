import Testing

@testable import SCIM

@Suite("Projecting responses (RFC 7644 §3.4.2.5, §3.9)")
struct ProjectionTests {
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    /// The full representation of the RFC 7643 §8.2 user as the server would build it, plus an enterprise extension
    /// and, to prove it is never returned, a password.
    static func fullUser() throws -> JSONObject {
        var stored = try ResourceType.user.normalize(try SchemaFixture.object("rfc7643-8.2-full-user.json"))
        stored[enterprise] = [
            "employeeNumber": "701984", "department": "Tour Operations",
            "manager": ["value": "m1", "displayName": "John Smith"],
        ]
        var full: JSONObject = [
            "schemas": .array(ResourceType.user.schemasFor(stored).map(JSONValue.string)), "id": "2819c223",
        ]
        for (key, value) in stored { full[key] = value }
        full["groups"] = [["value": "g1", "$ref": "https://example.com/v2/Groups/g1", "display": "Tour Guides"]]
        full["meta"] = ["resourceType": "User", "location": "https://example.com/v2/Users/2819c223"]
        full["password"] = "t1meMa$heen"
        return full
    }

    static let fullGroup: JSONObject = [
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "e9e30dba", "displayName": "Tour Guides",
        "members": [
            [
                "value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223", "display": "Babs Jensen",
                "type": "User",
            ]
        ],
        "meta": ["resourceType": "Group", "location": "https://example.com/v2/Groups/e9e30dba"],
    ]

    func project(_ resource: JSONObject, _ type: ResourceType = .user, attributes: String = "", excluded: String = "")
        -> JSONObject
    {
        type.project(
            resource, attributes: ResourceType.parseAttributeList(attributes),
            excludedAttributes: ResourceType.parseAttributeList(excluded))
    }

    @Test func defaultProjectionDropsOnlyNeverReturnedAttributes() throws {
        let full = try Self.fullUser()
        var expected = full
        expected.removeValue(forKey: "password")
        #expect(project(full) == expected)
    }

    @Test(arguments: [
        ("userName", ["schemas", "id", "userName"]),
        ("USERNAME", ["schemas", "id", "userName"]),
        ("userName,displayName", ["schemas", "id", "userName", "displayName"]),
        ("urn:ietf:params:scim:schemas:core:2.0:User:userName", ["schemas", "id", "userName"]),
        ("password", ["schemas", "id"]),
        ("id", ["schemas", "id"]),
        ("foo,userName", ["schemas", "id", "userName"]),
        ("meta", ["schemas", "id", "meta"]),
        ("groups", ["schemas", "id", "groups"]),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            ["schemas", "id", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
        ),
    ])
    func attributesSelectTopLevelKeys(_ attributes: String, _ keys: [String]) throws {
        #expect(project(try Self.fullUser(), attributes: attributes).keys == keys)
    }

    @Test func subAttributeSelection() throws {
        let projected = project(try Self.fullUser(), attributes: "name.givenName,emails.value")
        #expect(projected["name"] == ["givenName": "Barbara"])
        #expect(projected["emails"] == [["value": "bjensen@example.com"], ["value": "babs@jensen.org"]])
        #expect(projected.keys == ["schemas", "id", "name", "emails"])
    }

    @Test func subAttributeSelectionDropsValuesLeftEmpty() throws {
        // No phone number has a display: nothing is left of phoneNumbers.
        let projected = project(try Self.fullUser(), attributes: "phoneNumbers.display,name.familyName")
        #expect(projected["phoneNumbers"] == nil)
        #expect(projected["name"] == ["familyName": "Jensen"])
    }

    @Test func extensionAttributeSelection() throws {
        let full = try Self.fullUser()
        let department = project(full, attributes: Self.enterprise + ":department")
        #expect(
            department == [
                "schemas": full["schemas"]!, "id": "2819c223", Self.enterprise: ["department": "Tour Operations"],
            ])
        let managerValue = project(full, attributes: Self.enterprise + ":manager.value")
        #expect(managerValue[Self.enterprise] == ["manager": ["value": "m1"]])
        // An unqualified name is a core attribute: `department` names nothing.
        #expect(project(full, attributes: "department")[Self.enterprise] == nil)
    }

    @Test func excludedAttributes() throws {
        let full = try Self.fullUser()
        let projected = project(full, excluded: "emails,name.middleName,groups")
        #expect(projected["emails"] == nil && projected["groups"] == nil && projected["password"] == nil)
        #expect(
            projected["name"]?.objectValue?.keys == [
                "formatted", "familyName", "givenName", "honorificPrefix", "honorificSuffix",
            ])
        #expect(projected["userName"] == "bjensen@example.com")
    }

    @Test func excludingAlwaysReturnedAttributesIsIgnored() throws {
        let projected = project(try Self.fullUser(), excluded: "id,schemas,foo")
        #expect(projected["id"] == "2819c223")
        #expect(projected["schemas"] != nil)
        #expect(projected["userName"] != nil)
    }

    @Test func extensionObjectLeftEmptyIsRemoved() throws {
        let full = try Self.fullUser()
        let projected = project(
            full, excluded: "\(Self.enterprise):employeeNumber,\(Self.enterprise):department,\(Self.enterprise):manager"
        )
        #expect(projected[Self.enterprise] == nil)
        #expect(project(full, excluded: Self.enterprise)[Self.enterprise] == nil)
        #expect(
            project(full, excluded: "\(Self.enterprise):manager")[Self.enterprise] == [
                "employeeNumber": "701984", "department": "Tour Operations",
            ])
    }

    @Test func groupMembersCanBeExcluded() {
        let projected = project(Self.fullGroup, .group, excluded: "members")
        #expect(projected.keys == ["schemas", "id", "displayName", "meta"])
        #expect(project(Self.fullGroup, .group) == Self.fullGroup)
        #expect(project(Self.fullGroup, .group, attributes: "displayName").keys == ["schemas", "id", "displayName"])
        #expect(project(Self.fullGroup, .group, attributes: "members.value")["members"] == [["value": "2819c223"]])
    }

    @Test func requestReturnedAttributesOnlyWhenAsked() {
        let secret = SchemaAttribute(name: "badge", description: "Badge number.", returned: .request)
        let type = ResourceType(
            name: "Worker", endpoint: "/Workers", description: "Worker",
            schema: Schema(
                id: "urn:example:Worker", name: "Worker", description: "Worker",
                attributes: [secret, .init(name: "nick", description: "Nick.")]),
            extensions: [])
        let resource: JSONObject = ["id": "w1", "badge": "42", "nick": "Wo"]
        #expect(project(resource, type) == ["id": "w1", "nick": "Wo"])
        #expect(project(resource, type, attributes: "badge") == ["id": "w1", "badge": "42"])
    }

    @Test func parseAttributeList() {
        let paths = ResourceType.parseAttributeList(
            " userName , name.givenName,,bad..path,9lives, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value "
        )
        #expect(
            paths == [
                AttributePath(attribute: "userName"),
                AttributePath(attribute: "name", subAttribute: "givenName"),
                AttributePath(schema: Self.enterprise, attribute: "manager", subAttribute: "value"),
            ])
        #expect(ResourceType.parseAttributeList("").isEmpty)
    }
}
