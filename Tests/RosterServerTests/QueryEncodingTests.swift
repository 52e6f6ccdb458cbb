import Foundation
import HTTPTypes
import SCIM
import Testing

/// Query strings as IdPs encode them: Microsoft's SCIM Validator (Entra ID) and most Java and Python clients use
/// HTML form encoding, where `+` is a space and a literal plus is `%2B`.
struct QueryEncodingTests {
    /// The lookups Microsoft's SCIM Validator (Entra ID) sends, byte for byte: HTML form encoding, `+` for spaces.
    @Test(arguments: StoreKind.allCases)
    func plusInQueryIsASpace(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let entra = clients[0]
            let alice = try await entra.send(.post, "/Users", UsersAPITests.user("alice@example.com"))
            let plus = try await entra.send(.post, "/Users", UsersAPITests.user("a+b@example.com"))
            #expect(plus.status == .created)
            let group = try await entra.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Group One","members":[{"value":"\#(alice.id)"}]}"#
            )

            let byName = try await entra.send(.get, "/Users?filter=userName+eq+%22alice%40example.com%22")
            #expect(byName.status == .ok)
            #expect(byName.totalResults == 1 && byName.resources.first?["id"]?.stringValue == alice.id)
            // A literal plus arrives as %2B.
            let literal = try await entra.send(.get, "/Users?filter=userName+eq+%22a%2Bb%40example.com%22")
            #expect(literal.totalResults == 1 && literal.resources.first?["id"]?.stringValue == plus.id)

            let groups = try await entra.send(
                .get, "/Groups?filter=displayName+eq+%22Group+One%22&excludedAttributes=members")
            #expect(groups.status == .ok && groups.totalResults == 1)
            #expect(groups.resources.first?["id"]?.stringValue == group.id)
            #expect(groups.resources.first?["members"] == nil)

            // attributes, sortBy, sortOrder and paging decode the same way.
            let page = try await entra.send(
                .get,
                "/Users?filter=userName+sw+%22a%22&attributes=userName,+name.givenName&sortBy=+userName&sortOrder=+descending&startIndex=+1&count=+1"
            )
            #expect(page.status == .ok, "\(page.detail)")
            #expect(page.totalResults == 2 && page.resources.count == 1)
            #expect(page.resources.first?["userName"] == "alice@example.com")
            #expect(page.resources.first?["name"]?.objectValue?["givenName"] == "A")
            #expect(page.resources.first?["active"] == nil)

            let single = try await entra.send(.get, "/Groups/\(group.id)?excludedAttributes=members+")
            #expect(single.status == .ok && single.object["members"] == nil)
        }
    }

    @Test
    func queryStringDecoding() {
        let cases: [(String, [String])] = [
            ("filter=userName+eq+%22a%40b.c%22", ["filter", "userName eq \"a@b.c\""]),
            ("filter=userName%20eq%20%22a%2Bb%40c.d%22", ["filter", "userName eq \"a+b@c.d\""]),
            ("a=1&&b=&c", ["a", "1", "b", "", "c", ""]),
            ("x=%zz%4", ["x", "%zz%4"]),
            ("na+me=v%C3%A9", ["na me", "vé"]),
        ]
        for (query, expected) in cases {
            #expect(QueryString.parameters(query).flatMap { [$0.name, $0.value] } == expected, "\(query)")
        }
    }

}
