import Foundation
import Provisioning
import SCIM
import Testing

/// A user's representation copied from its stored attributes is the same text as the one built from them.
@Suite struct RepresentationTests {
    static let attributeSets: [JSONObject] = [
        [:],
        ["userName": "plain@example.com", "active": true],
        [
            "userName": "ann@example.com", "externalId": "00u1",
            "name": ["givenName": "Ann \"Q\"", "familyName": "Öz\\👩‍💻\n"],
            "emails": [["value": "ann@example.com", "type": "work", "primary": true]],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": [
                "department": "R&D", "manager": ["value": "boss-id", "displayName": "Boss"],
            ],
        ],
    ]
    static let groupSets: [[MemberReference]] = [
        [], [MemberReference(id: "g1", display: "Engineering"), MemberReference(id: "g2", display: nil)],
    ]

    static func stored(_ attributes: JSONObject) -> UserRecord {
        UserRecord(
            id: "u-1", providerID: "p-1", linked: true, userName: "ann@example.com", scimActive: true,
            storedAttributes: attributes.jsonText, version: 3, createdAt: Date(timeIntervalSince1970: 1_700_000_000),
            updatedAt: Date(timeIntervalSince1970: 1_700_000_123.456))
    }

    @Test(arguments: attributeSets, groupSets)
    func copiedTextEqualsTheSerialization(_ attributes: JSONObject, _ groups: [MemberReference]) throws {
        let user = Self.stored(attributes)
        #expect(user.storedAttributes != nil)
        let built = JSONValue.object(Representation.user(user, groups: groups, baseURL: "https://r.example/scim/p"))
        let copied = Representation.userJSON(user, groups: groups, baseURL: "https://r.example/scim/p")
        #expect(copied == built.serialized())
        #expect(try JSONValue(parsing: copied) == built)
    }

    /// Attributes that were set are serialized: the stored text no longer says what they are.
    @Test func setAttributesAreNotCopied() {
        var user = Self.stored(Self.attributeSets[2])
        #expect(user.managerID == "boss-id", "read from the stored text")
        user.attributes["title"] = "CEO"
        #expect(user.storedAttributes == nil)
        #expect(user.managerID == "boss-id")
        let built = JSONValue.object(Representation.user(user, groups: [], baseURL: "b")).serialized()
        #expect(Representation.userJSON(user, groups: [], baseURL: "b") == built)
        #expect(String(decoding: built, as: UTF8.self).contains(#""title":"CEO""#))
    }

    /// A damaged row reads as no attributes, as before, and its text is never copied into a response.
    @Test func damagedStoredTextIsNotCopied() throws {
        let user = UserRecord(
            id: "u-2", providerID: "p-1", linked: true, userName: "x", scimActive: true,
            storedAttributes: #"{"userName":"x","name":{"givenName":tru}}"#, version: 1, createdAt: Date(),
            updatedAt: Date())
        #expect(user.storedAttributes == nil)
        #expect(user.attributes.isEmpty)
        let copied = Representation.userJSON(user, groups: [], baseURL: "b")
        #expect(try JSONValue(parsing: copied).objectValue?["id"] == "u-2")
    }

    /// Copies of a record share the parsed attributes; equality and hashing go by the attributes, however held.
    @Test func storedAndParsedRecordsCompareByTheirAttributes() {
        let stored = Self.stored(Self.attributeSets[2])
        var parsed = stored
        parsed.attributes = Self.attributeSets[2]
        #expect(stored.storedAttributes != nil && parsed.storedAttributes == nil)
        #expect(stored == parsed)
        #expect(Set([stored, parsed]).count == 1)
        parsed.attributes["title"] = "CEO"
        #expect(stored != parsed)
    }
}
