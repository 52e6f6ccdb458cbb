import Testing

@testable import SCIM

@Suite("Reading JSON and objects with case-insensitive names")
struct JSONValueTests {
    /// A body with a member name given twice in one object, and the name the error must quote.
    @Test(arguments: [
        (#"{"userName":"a@x.org","userName":"b@x.org"}"#, "userName"),
        (#"{"userName":"a@x.org","USERNAME":"b@x.org"}"#, "USERNAME"),
        (#"{"userName":"a@x.org","name":{"givenName":"A","givenname":"B"}}"#, "givenname"),
        (#"{"emails":[{"value":"a@x.org","Value":"b@x.org"}]}"#, "Value"),
        (#"{"Operations":[],"operations":[]}"#, "operations"),
        (
            #"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{},"URN:ietf:params:scim:schemas:extension:enterprise:2.0:user":{}}"#,
            "URN:ietf:params:scim:schemas:extension:enterprise:2.0:user"
        ),
        (#"{"a\u0062":1,"ab":2}"#, "ab"),
    ])
    func repeatedNamesAreRefused(_ body: String, _ name: String) {
        let error = #expect(throws: SCIMError.self) { try JSONValue(parsing: body) }
        #expect(error?.status == 400)
        #expect(error?.scimType == .invalidSyntax)
        #expect(error?.detail.contains("member \"\(name)\" twice in one object") == true, "\(error?.detail ?? "")")
    }

    @Test func aRepeatedLongNameIsCutInTheError() {
        let name = String(repeating: "k", count: 10_000)
        let error = #expect(throws: SCIMError.self) { try JSONValue(parsing: #"{"\#(name)":1,"\#(name)":2}"#) }
        #expect(error?.detail.contains(String(repeating: "k", count: 64) + "…\"") == true)
        #expect((error?.detail.count ?? .max) < 300)
    }

    @Test func theSameNameInDifferentObjectsIsFine() throws {
        let value = try JSONValue(
            parsing: #"{"name":{"value":"a"},"emails":[{"value":"b"},{"value":"c"}],"Name2":{"value":1}}"#)
        #expect(value.objectValue?.keys == ["name", "emails", "Name2"])
    }

    /// Objects past the index threshold answer exactly as small ones: case-insensitive lookups, replacing in place,
    /// removing and respelling, in order.
    @Test(arguments: [JSONObject.indexThreshold - 1, JSONObject.indexThreshold + 1, 1_000])
    func manyMembersBehaveLikeFew(_ count: Int) throws {
        let text = "{" + (0..<count).map { "\"Key\($0)\":\($0)" }.joined(separator: ",") + "}"
        var object = try #require(try JSONValue(parsing: text).objectValue)
        #expect(object.count == count)
        #expect(object["key\(count - 1)"] == .int(count - 1))
        #expect(object.index(of: "KEY0") == 0)
        object["kEy1"] = "one"
        #expect(object.members[1].key == "Key1" && object["key1"] == "one")
        #expect(object.removeValue(forKey: "key0") == .int(0))
        #expect(object.count == count - 1)
        #expect(object.index(of: "key1") == 0 && object["Key0"] == nil)
        object.renameKey("key2", to: "KEY2")
        #expect(object.members[1].key == "KEY2" && object["key2"] == .int(2))
        object["new"] = true
        #expect(object.keys.last == "new" && object["NEW"] == true)
        object["new"] = nil
        #expect(object["new"] == nil && object.count == count - 1)
        // Equality and hashing ignore how the object finds its members.
        let rebuilt = JSONObject(object.members)
        #expect(rebuilt == object && rebuilt.hashValue == object.hashValue)
    }

    @Test func laterDuplicatesReplaceEarlierOnesWhenBuiltInCode() {
        let object = JSONObject(
            (0..<40).map { (key: $0 % 2 == 0 ? "a\($0 / 2)" : "A\($0 / 2)", value: JSONValue.int($0)) })
        #expect(object.count == 20)
        #expect(object["a3"] == .int(7) && object.members[3].key == "a3")
    }
}
