import Testing

@testable import SCIM

@Suite("Core schemas (RFC 7643 §4, §8.7)")
struct SchemaTests {
    static let userAttributes = [
        "userName", "name", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
        "locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims", "photos", "addresses", "groups",
        "entitlements", "roles", "x509Certificates", "c42OrgName",
    ]

    @Test func userSchemaHasExactlyTheRFCAttributesPlusC42OrgName() {
        #expect(Schema.user.attributes.map(\.name) == Self.userAttributes)
        #expect(Schema.user.id == "urn:ietf:params:scim:schemas:core:2.0:User")
        #expect(Schema.user.name == "User")
    }

    @Test(arguments: [
        ("name", ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"]),
        ("emails", ["value", "display", "type", "primary"]),
        ("phoneNumbers", ["value", "display", "type", "primary"]),
        ("ims", ["value", "display", "type", "primary"]),
        ("photos", ["value", "display", "type", "primary"]),
        (
            "addresses",
            ["formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"]
        ),
        ("groups", ["value", "$ref", "display", "type"]),
        ("entitlements", ["value", "display", "type", "primary"]),
        ("roles", ["value", "display", "type", "primary"]),
        ("x509Certificates", ["value", "display", "type", "primary"]),
    ])
    func userComplexAttributesHaveTheirSubAttributes(name: String, subAttributes: [String]) throws {
        let attribute = try #require(Schema.user.attribute(named: name))
        #expect(attribute.type == .complex)
        #expect(attribute.subAttributes.map(\.name) == subAttributes)
        #expect(attribute.multiValued == (name != "name"))
    }

    @Test func userCharacteristicsFollowRFC7643Section871() throws {
        let user = Schema.user
        let userName = try #require(user.attribute(named: "userName"))
        #expect(
            userName.required && !userName.caseExact && userName.uniqueness == .server && userName.returned == .default)
        let password = try #require(user.attribute(named: "password"))
        #expect(password.mutability == .writeOnly && password.returned == .never)
        let groups = try #require(user.attribute(named: "groups"))
        #expect(groups.mutability == .readOnly)
        #expect(groups.subAttributes.allSatisfy { $0.mutability == .readOnly })
        #expect(groups.subAttribute(named: "$ref")?.referenceTypes == ["User", "Group"])
        #expect(groups.subAttribute(named: "type")?.canonicalValues == ["direct", "indirect"])
        #expect(user.attribute(named: "active")?.type == .boolean)
        #expect(user.attribute(named: "profileUrl")?.type == .reference)
        #expect(user.attribute(named: "profileUrl")?.referenceTypes == ["external"])
        #expect(user.attribute(named: "photos")?.subAttribute(named: "value")?.type == .reference)
        #expect(user.attribute(named: "x509Certificates")?.subAttribute(named: "value")?.type == .binary)
        #expect(
            user.attribute(named: "emails")?.subAttribute(named: "type")?.canonicalValues == ["work", "home", "other"])
        #expect(
            user.attribute(named: "phoneNumbers")?.subAttribute(named: "type")?.canonicalValues
                == ["work", "home", "mobile", "fax", "pager", "other"])
        #expect(user.attribute(named: "ims")?.subAttribute(named: "type")?.canonicalValues.count == 8)
        #expect(user.attribute(named: "roles")?.subAttribute(named: "type")?.canonicalValues == [])
        // Everything else is the RFC's default: readWrite, returned default, not required.
        for attribute in user.attributes where !["userName", "password", "groups"].contains(attribute.name) {
            #expect(
                attribute.mutability == .readWrite && attribute.returned == .default && !attribute.required,
                "\(attribute.name)")
        }
    }

    @Test func c42OrgNameIsACaseInsensitiveReadWriteString() throws {
        let org = try #require(Schema.user.attribute(named: "C42ORGNAME"))
        #expect(org.name == "c42OrgName")
        #expect(org.type == .string && !org.caseExact && org.mutability == .readWrite && !org.multiValued)
        #expect(
            org.description
                == "Name of the organization the user belongs to in this platform; used by organization mapping.")
    }

    @Test func groupSchema() throws {
        #expect(Schema.group.attributes.map(\.name) == ["displayName", "members"])
        #expect(Schema.group.attribute(named: "displayName")?.required == true)
        let members = try #require(Schema.group.attribute(named: "members"))
        #expect(members.multiValued && members.type == .complex)
        #expect(members.subAttributes.map(\.name) == ["value", "$ref", "type", "display"])
        #expect(members.subAttribute(named: "value")?.mutability == .immutable)
        #expect(members.subAttribute(named: "$ref")?.referenceTypes == ["User", "Group"])
        #expect(members.subAttribute(named: "type")?.canonicalValues == ["User", "Group"])
    }

    @Test func enterpriseUserSchema() throws {
        let ext = Schema.enterpriseUser
        #expect(ext.id == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        #expect(
            ext.attributes.map(\.name) == [
                "employeeNumber", "costCenter", "organization", "division", "department", "manager",
            ])
        let manager = try #require(ext.attribute(named: "manager"))
        #expect(manager.subAttributes.map(\.name) == ["value", "$ref", "displayName"])
        #expect(manager.subAttribute(named: "displayName")?.mutability == .readOnly)
        #expect(manager.subAttribute(named: "$ref")?.referenceTypes == ["User"])
    }

    @Test func resourceTypes() {
        #expect(ResourceType.user.name == "User" && ResourceType.user.endpoint == "/Users")
        #expect(ResourceType.user.schema == .user)
        #expect(ResourceType.user.extensions == [ResourceType.Extension(schema: .enterpriseUser, required: false)])
        #expect(ResourceType.group.name == "Group" && ResourceType.group.endpoint == "/Groups")
        #expect(ResourceType.group.extensions.isEmpty)
        #expect(ResourceType.user.knowsSchema("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"))
    }
}

@Suite("Discovery representations (RFC 7643 §5–§7)")
struct DiscoveryTests {
    static let baseURL = "http://127.0.0.1:8080/scim/p1/v2"

    /// Every `null` anywhere in a value, by path.
    static func nulls(in value: JSONValue, at path: String = "$") -> [String] {
        switch value {
        case .null: [path]
        case .array(let a): a.enumerated().flatMap { nulls(in: $0.element, at: "\(path)[\($0.offset)]") }
        case .object(let o): o.flatMap { nulls(in: $0.value, at: "\(path).\($0.key)") }
        default: []
        }
    }

    static func attributes(_ representation: JSONObject) -> [JSONObject] {
        (representation["attributes"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    @Test(arguments: [Schema.user, Schema.group, Schema.enterpriseUser])
    func schemaRepresentationIsCompleteAndHasNoNulls(schema: Schema) throws {
        let r = schema.representation(baseURL: Self.baseURL)
        #expect(Self.nulls(in: .object(r)).isEmpty)
        #expect(r["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:Schema"])
        #expect(r["id"] == .string(schema.id))
        #expect(r["meta"] == ["resourceType": "Schema", "location": .string(Self.baseURL + "/Schemas/" + schema.id)])
        let attributes = Self.attributes(r)
        #expect(attributes.count == schema.attributes.count)
        let keys = [
            "name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned",
            "uniqueness",
        ]
        for attribute in attributes {
            for key in keys { #expect(attribute[key] != nil, "\(attribute["name"]?.stringValue ?? "?") lacks \(key)") }
            #expect((attribute["subAttributes"] != nil) == (attribute["type"] == "complex"))
            #expect(attribute["canonicalValues"]?.arrayValue?.isEmpty != true)
            #expect(attribute["referenceTypes"]?.arrayValue?.isEmpty != true)
        }
        // It survives a round trip through JSON text.
        #expect(try JSONValue(parsing: JSONValue.object(r).jsonText) == .object(r))
    }

    @Test func userSchemaRepresentationSpotChecks() throws {
        let attributes = Self.attributes(Schema.user.representation(baseURL: Self.baseURL))
        let password = try #require(attributes.first { $0["name"] == "password" })
        #expect(password["mutability"] == "writeOnly" && password["returned"] == "never")
        let emails = try #require(attributes.first { $0["name"] == "emails" })
        let emailSubs = (emails["subAttributes"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(emailSubs.map { $0["name"] } == ["value", "display", "type", "primary"])
        #expect(emailSubs.first { $0["name"] == "type" }?["canonicalValues"] == ["work", "home", "other"])
        #expect(emailSubs.first { $0["name"] == "value" }?["canonicalValues"] == nil)
        let roles = try #require(attributes.first { $0["name"] == "roles" })
        let roleType = (roles["subAttributes"]?.arrayValue ?? []).compactMap(\.objectValue).first {
            $0["name"] == "type"
        }
        #expect(roleType?["canonicalValues"] == nil)
        let profileUrl = try #require(attributes.first { $0["name"] == "profileUrl" })
        #expect(profileUrl["referenceTypes"] == ["external"])
    }

    @Test func resourceTypeRepresentations() {
        let user = ResourceType.user.representation(baseURL: Self.baseURL)
        #expect(
            user.keys == ["schemas", "id", "name", "endpoint", "description", "schema", "schemaExtensions", "meta"])
        #expect(user["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"])
        #expect(user["id"] == "User" && user["endpoint"] == "/Users")
        #expect(user["schema"] == "urn:ietf:params:scim:schemas:core:2.0:User")
        #expect(
            user["schemaExtensions"] == [
                ["schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false]
            ])
        #expect(
            user["meta"] == [
                "resourceType": "ResourceType", "location": "http://127.0.0.1:8080/scim/p1/v2/ResourceTypes/User",
            ])
        let group = ResourceType.group.representation(baseURL: Self.baseURL)
        #expect(group["endpoint"] == "/Groups" && group["schemaExtensions"] == [])
        #expect(Self.nulls(in: .object(user)).isEmpty && Self.nulls(in: .object(group)).isEmpty)
    }

    @Test func serviceProviderConfigRepresentation() throws {
        let r = ServiceProviderConfig(documentationUri: "https://example.com/roster/scim").representation(
            baseURL: Self.baseURL)
        #expect(Self.nulls(in: .object(r)).isEmpty)
        #expect(r["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
        #expect(r["documentationUri"] == "https://example.com/roster/scim")
        #expect(r["patch"] == ["supported": true])
        #expect(r["bulk"] == ["supported": false, "maxOperations": 0, "maxPayloadSize": 0])
        #expect(r["filter"] == ["supported": true, "maxResults": 1000])
        #expect(r["changePassword"] == ["supported": false])
        #expect(r["sort"] == ["supported": true])
        #expect(r["etag"] == ["supported": true])
        let schemeValues = try #require(r["authenticationSchemes"]?.arrayValue)
        let schemes = schemeValues.compactMap(\.objectValue)
        try #require(schemes.count == 2)
        #expect(schemes.map { $0["type"] } == ["httpbasic", "oauthbearertoken"])
        #expect(schemes[0]["primary"] == true)
        #expect(schemes.allSatisfy { $0["name"]?.stringValue != nil && $0["description"]?.stringValue != nil })
        #expect(
            r["meta"] == [
                "resourceType": "ServiceProviderConfig",
                "location": "http://127.0.0.1:8080/scim/p1/v2/ServiceProviderConfig",
            ])
    }

    @Test func listResponse() {
        let r = ListResponse.json(resources: [["id": "a"]], totalResults: 5, startIndex: 3, itemsPerPage: 1)
        #expect(r["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        #expect(r["totalResults"] == .int(5) && r["startIndex"] == .int(3) && r["itemsPerPage"] == .int(1))
        #expect(r.keys.contains("Resources"))
        #expect(r["Resources"] == [["id": "a"]])
    }
}
