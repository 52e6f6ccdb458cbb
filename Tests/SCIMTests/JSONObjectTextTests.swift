import SCIM
import Testing

@testable import SCIM

/// Stored JSON objects read without being parsed: the scan accepts what the parser accepts, finds the top-level
/// members, and copies them byte for byte.
@Suite struct JSONObjectTextTests {
    static let stored: JSONObject = [
        "userName": "ann@example.com",
        "name": ["givenName": "Ann \"The\" Öz", "familyName": "Line\nBreak \\ 👩‍💻"],
        "emails": [["value": "ann@example.com", "primary": true, "type": "work"]],
        "active": false,
        "x": ["n": 12, "d": 1.5e-3, "z": 0, "neg": -7, "null": nil, "empty": [:], "list": []],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ["manager": ["value": "m-1"]],
    ]

    @Test func readsTheMembersOfRostersOwnText() throws {
        let text = Self.stored.jsonText
        let object = try #require(JSONObjectText(text))
        #expect(!object.isEmpty)
        #expect(object.hasMember("userName") && object.hasMember("USERNAME") && !object.hasMember("user"))
        #expect(object.value(of: "name") == Self.stored["name"])
        #expect(object.value(of: "active") == false)
        #expect(object.value(of: "x") == Self.stored["x"])
        #expect(object.value(of: "missing") == nil)
        #expect(
            object.value(of: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user")?.objectValue?["manager"]
                == ["value": "m-1"])
        var members: [UInt8] = []
        object.writeMembers(to: &members)
        #expect(members == Array(text.utf8.dropFirst().dropLast()), "the text between the braces")
        #expect(object.bytes == Array(text.utf8))
    }

    @Test func anEmptyObjectHasNoMembers() throws {
        for text in ["{}", " { } ", "{\n}"] {
            let object = try #require(JSONObjectText(text))
            #expect(object.isEmpty)
            var members: [UInt8] = []
            object.writeMembers(to: &members)
            #expect(members.isEmpty)
        }
    }

    /// Whitespace is allowed anywhere RFC 8259 allows it, and the members' text is copied as it is.
    @Test func whitespaceAroundMembers() throws {
        let object = try #require(JSONObjectText(#" { "a" : [ 1 , { "b" : null } ] , "c":"d" } "#))
        #expect(object.value(of: "a") == [1, ["b": nil]])
        #expect(object.value(of: "c") == "d")
    }

    /// Not one well-formed object, or a top-level name the lookups cannot compare (escaped, or given twice).
    @Test(arguments: [
        "", "[]", "\"text\"", "1", "{", "}", "{\"a\":1", "{\"a\":1,}", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":tru}",
        "{\"a\":nul}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}",
        "{\"a\":\"x\ny\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"open}", "{\"a\":[1,2}",
        "{\"a\":{\"b\":1]}",
        "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1 \"b\":2}", "{\"a\":1,\"A\":2}", "{\"a\\u0062\":1}",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",
    ])
    func refused(_ text: String) {
        #expect(JSONObjectText(text) == nil)
    }

    /// Every text the scan accepts, the request parser accepts as an object with the same members.
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"\u00e9\/\b\f\n\r\t\"\\"}}"#, #"{"n":-0.5E+10,"m":0,"k":123e-2}"#,
        #"{"deep":[[[[{"x":[]}]]]]}"#, #"{"é":"ü","emoji":"👩‍💻"}"#,
    ])
    func acceptedTextParses(_ text: String) throws {
        let object = try #require(JSONObjectText(text))
        let parsed = try #require(try JSONValue(parsing: text).objectValue)
        #expect(parsed.count == object.members.count)
        for (key, value) in parsed { #expect(object.value(of: key) == value) }
    }

    /// A ListResponse around serialized resources is the same text as the one of parsed resources.
    @Test func listResponseAroundSerializedResources() {
        let resources: [JSONValue] = [["id": "1"], ["id": "2", "x": [1, 2]], [:]]
        for count in 0...resources.count {
            let some = Array(resources.prefix(count))
            let expected = JSONValue.object(
                ListResponse.json(resources: some, totalResults: 10, startIndex: 3, itemsPerPage: count)
            ).serialized()
            #expect(
                ListResponse.serialized(
                    resources: some.map { $0.serialized() }, totalResults: 10, startIndex: 3, itemsPerPage: count)
                    == expected)
        }
    }
}
