import Provisioning
import SCIM
import Testing

@Suite struct UserRulesTests {
    @Test(arguments: [
        "ann@example.com", "Ann.Lee+tag@sub.example.co.uk", "test.user@okta.local", "x@y.io", "o'brien@example.com",
        "jürgen@müller.de", "用户@例子.广告", "zoë.o@xn--mller-kva.example",
    ])
    func validEmails(_ text: String) {
        #expect(UserRules.isEmailAddress(text))
    }

    @Test(arguments: [
        "", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "ann lee@example.com", "ann@exa mple.com",
        ".ann@example.com", "ann..lee@example.com", "ann@-example.com", "ann@example..com", "e02e2ab1-e5bc-4277",
        "ann.@example.com", "ann@example-.com", "ann\t@example.com", "\"ann\"@example.com", "jür gen@müller.de",
        "jürgen@mül_ler.de", "ann@exam_ple.com", "jürgen\u{00A0}x@müller.de",
        String(repeating: "a", count: 65) + "@example.com", "ann@" + String(repeating: "b", count: 64) + ".com",
    ])
    func invalidEmails(_ text: String) {
        #expect(!UserRules.isEmailAddress(text))
    }

    static func user(_ userName: String, emails: JSONValue? = nil, country: String? = nil) -> JSONObject {
        var o: JSONObject = ["userName": .string(userName)]
        if let emails { o["emails"] = emails }
        if let country { o["addresses"] = [["country": .string(country), "primary": true]] }
        return o
    }

    @Test func rulesNameTheAttributeAndTheRule() {
        let cases: [(JSONObject, UserNameFormat, String?)] = [
            (Self.user("ann@example.com"), .email, nil),
            (Self.user("ann"), .email, "userName"),
            (Self.user("ann"), .any, nil),
            (Self.user("Ann@Example.com", emails: [["value": "ann@example.com", "primary": true]]), .email, nil),
            (
                Self.user("ann@example.com", emails: [["value": "bob@example.com", "primary": true]]), .email,
                "primary email"
            ),
            (Self.user("ann", emails: [["value": "bob@example.com", "primary": true]]), .any, nil),
            (Self.user("ann@example.com", emails: [["value": "not mail"]]), .email, "emails.value"),
            (Self.user("ann@example.com", country: "US"), .email, nil),
            (Self.user("ann@example.com", country: "de"), .email, nil),
            (Self.user("ann@example.com", country: "USA"), .email, nil),
            (Self.user("ann@example.com", country: "United Kingdom"), .email, nil),
            (Self.user("ann@example.com", country: "XX"), .email, "ISO 3166-1"),
            (Self.user("ann@example.com", country: "Atlantis"), .email, "ISO 3166-1"),
        ]
        for (user, format, mention) in cases {
            do {
                try UserRules.validate(user, userNameFormat: format)
                #expect(mention == nil, "\(user.jsonText) should be refused")
            } catch {
                #expect(error.status == 400)
                #expect(error.scimType == .invalidValue)
                if let mention {
                    #expect(error.detail.contains(mention), "\(error.detail)")
                } else {
                    Issue.record("\(user.jsonText) refused: \(error.detail)")
                }
            }
        }
    }

    /// Countries are stored as their alpha-2 code; under accept-and-warn what maps to nothing is left out with the
    /// rest of the address kept, and invalid secondary emails are left out.
    @Test func applyNormalizesAndLeavesOut() throws {
        var user: JSONObject = [
            "userName": "ann@example.com",
            "emails": [["value": "ann@example.com", "primary": true], ["value": "ann at home"]],
            "addresses": [["country": "United States of America", "locality": "Austin"], ["country": "Atlantis"]],
        ]
        var dropped = DroppedValues(policy: .acceptAndWarn)
        try UserRules.apply(to: &user, userNameFormat: .email, dropping: &dropped)
        #expect(user["addresses"] == [["country": "US", "locality": "Austin"]])
        #expect(user["emails"] == [["value": "ann@example.com", "primary": true]])
        #expect(dropped.values.map(\.rule) == [.email, .country])
        #expect(dropped.values.map(\.value) == [#""ann at home""#, #""Atlantis""#])
    }
}
