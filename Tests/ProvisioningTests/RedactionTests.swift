import Provisioning
import SCIM
import Testing

/// What the request inspector keeps of a body.
@Suite struct RedactionTests {
    @Test(arguments: [
        ("password", "password"), ("urn:ietf:params:scim:schemas:core:2.0:User:password", "password"),
        ("name.givenName", "name"), ("emails[type eq \"work\"].value", "emails"),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "manager"),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "employeenumber"),
        (" PhoneNumbers ", "phonenumbers"),
    ])
    func attributeNames(_ text: String, _ name: String) {
        #expect(Redaction.attributeName(text) == name)
    }

    @Test func aBodyThatNamesNothingRedactedIsKeptAsSent() {
        let body = #"{"userName":"ann@example.com",  "active":true}"#
        #expect(Redaction().keep(Array(body.utf8)) == body)
        #expect(Redaction().keep([]) == nil)
    }

    /// A list's response is only kept: unparsed when it names nothing redacted, redacted as ever when it does.
    @Test func aBodyNotReadIsParsedOnlyToRedact() {
        let redaction = Redaction(sensitive: ["phoneNumbers"])
        let page = #"{"Resources":[{"userName":"ann@example.com"}],"totalResults":1}"#
        let kept = redaction.inspect(Array(page.utf8), parse: false)
        #expect(kept.kept == page && kept.object == nil)
        #expect(redaction.inspect(Array(page.utf8)).object?["totalResults"] == 1)
        let sensitive = #"{"Resources":[{"userName":"ann@example.com","phoneNumbers":[{"value":"+1 555 0100"}]}]}"#
        let redacted = redaction.inspect(Array(sensitive.utf8), parse: false).kept
        #expect(redacted?.contains("555") == false && redacted?.contains("ann@example.com") == true)
    }

    /// RFC 7644 §3.5.2's PATCH with a path into a sensitive complex attribute, and Entra's replace without path.
    @Test func patchOperationsLoseTheValuesTheirPathNames() throws {
        let redaction = Redaction(sensitive: ["phoneNumbers"])
        let body = """
            {"Operations":[{"op":"replace","path":"phoneNumbers[type eq \\"work\\"].value","value":"+1 555 0100"},
            {"op":"add","path":"displayName","value":"Ann"},{"op":"Replace","value":{"password":"x1","active":true}}]}
            """
        let kept = try #require(redaction.keep(Array(body.utf8)))
        #expect(!kept.contains("555") && !kept.contains("x1"))
        #expect(kept.contains("\"Ann\"") && kept.contains("\"active\":true"))
        #expect(kept.contains(#"phoneNumbers[type eq \"work\"].value"#), "the path itself is kept")
    }

    @Test func longBodiesAreCutOnACharacterBoundary() throws {
        let body = "{\"displayName\":\"" + String(repeating: "é", count: RecordedRequest.bodyLimit) + "\"}"
        let kept = try #require(Redaction().keep(Array(body.utf8)))
        let prefix = kept.prefix { $0 != "…" }
        #expect(prefix.utf8.count <= RecordedRequest.bodyLimit && prefix.utf8.count >= RecordedRequest.bodyLimit - 1)
        #expect(kept.hasSuffix("more bytes]"))
        #expect(!kept.contains("\u{FFFD}"))
    }

    @Test func aBodyThatIsNotJSONIsKeptOnlyWhenItNamesNothingRedacted() {
        #expect(Redaction().keep(Array("not json".utf8)) == "not json")
        let kept = Redaction().keep(Array("{\"password\": \"x".utf8)) ?? ""
        #expect(kept.hasPrefix("[not kept") && !kept.contains("\"x"))
    }
}
