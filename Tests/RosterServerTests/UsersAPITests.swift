import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// The Users endpoint through HTTP, on every store, with the requests Okta and Entra ID really send.
@Suite struct UsersAPITests {
    /// Okta's create-user body (Okta SCIM 2.0 reference, "Create the User").
    static let oktaCreate = """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
         "name":{"givenName":"Test","familyName":"User"},
         "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
         "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
         "groups":[],"password":"1mz050nq","active":true}
        """

    static func user(_ userName: String, extra: String = "") -> String {
        """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\(userName)",
         "name":{"givenName":"A","familyName":"B"},"active":true\(extra)}
        """
    }

    /// A page shows each user exactly as GET /Users/{id} does, also where the page copies the stored attributes:
    /// the enterprise extension in `schemas`, text that needs escaping, groups, and a manager who is no longer
    /// linked (left out of both).
    @Test(arguments: StoreKind.allCases)
    func aPageShowsEachUserAsGetDoes(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let boss = try await okta.send(.post, "/Users", Self.user("boss@example.com"))
            let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            let employee = try await okta.send(
                .post, "/Users",
                Self.user(
                    "emp@example.com",
                    extra:
                        #","displayName":"Ann \"Q\" Öz\\👩‍💻","\#(enterprise)":{"department":"R&D","manager":{"value":"\#(boss.id)"}}"#
                ))
            #expect(employee.status == .created, "\(employee.detail)")
            let plain = try await okta.send(.post, "/Users", Self.user("plain@example.com"))
            let group = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng","members":[{"value":"\#(employee.id)"}]}"#
            )
            #expect(group.status == .created)

            let page = try await okta.send(.get, "/Users?startIndex=1&count=10")
            #expect(page.totalResults == 3)
            for resource in page.resources {
                let id = try #require(resource["id"]?.stringValue)
                #expect(resource == (try await okta.send(.get, "/Users/\(id)")).object)
            }
            let listed = try #require(page.resources.first { $0["id"]?.stringValue == employee.id })
            #expect(listed["schemas"] == [.string(SchemaURN.user), .string(enterprise)])
            #expect(listed["displayName"] == "Ann \"Q\" Öz\\👩‍💻")
            #expect(listed[enterprise]?.objectValue?["manager"]?.objectValue?["value"]?.stringValue == boss.id)
            #expect(listed["groups"]?.arrayValue?.first?.objectValue?["value"]?.stringValue == group.id)
            #expect(page.resources.first { $0["id"]?.stringValue == plain.id }?["schemas"] == [.string(SchemaURN.user)])

            // The manager is unlinked: both views leave the reference out, and keep the department.
            #expect(try await okta.send(.delete, "/Users/\(boss.id)").status == .noContent)
            let after = try await okta.send(.get, "/Users?startIndex=1&count=10")
            let shown = try #require(after.resources.first { $0["id"]?.stringValue == employee.id })
            #expect(shown[enterprise]?.objectValue == ["department": "R&D"])
            #expect(shown == (try await okta.send(.get, "/Users/\(employee.id)")).object)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func oktaCreateFlow(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            // Existence check first: an empty ListResponse, not 404.
            let check = try await okta.send(
                .get, "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
            #expect(check.status == .ok)
            #expect(check.totalResults == 0)
            #expect(check.object["Resources"] == .array([]))
            #expect(check.headers[.contentType] == "application/scim+json")

            let created = try await okta.send(
                .post, "/Users", Self.oktaCreate, headers: [.contentType: "application/json"])
            #expect(created.status == .created)
            #expect(created.object["userName"] == "test.user@okta.local")
            #expect(created.object["password"] == nil)
            #expect(created.object["active"] == true)
            let meta = try #require(created.object["meta"]?.objectValue)
            #expect(meta["resourceType"] == "User")
            #expect(meta["location"]?.stringValue == created.headers[.location])
            #expect(meta["version"]?.stringValue == created.headers[.eTag])
            #expect(meta["created"]?.stringValue != nil && meta["lastModified"]?.stringValue != nil)
            #expect(created.headers[.location]?.hasSuffix("/Users/\(created.id)") == true)

            let fetched = try await okta.send(.get, "/Users/\(created.id)")
            #expect(fetched.status == .ok)
            #expect(fetched.object["name"]?.objectValue?["familyName"] == "User")

            // Found now, also with other letter case (userName is caseExact false).
            let found = try await okta.send(.get, "/Users?filter=userName%20eq%20%22TEST.User%40OKTA.local%22")
            #expect(found.totalResults == 1)
            #expect(found.resources.first?["id"]?.stringValue == created.id)

            // Okta's duplicate: 409 uniqueness; also for a case variant.
            let duplicate = try await okta.send(.post, "/Users", Self.oktaCreate)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.scimType == "uniqueness")
            let variant = try await okta.send(.post, "/Users", Self.user("Test.User@Okta.Local"))
            #expect(variant.status == .conflict)
            #expect(variant.detail.contains("already exists"))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func authentication(_ kind: StoreKind) async throws {
        try await withSCIM(kind, providers: ["Okta", "Entra"]) { clients, issued, _ in
            let okta = clients[0]
            let none = try await okta.send(.get, "/Users", authorized: false)
            #expect(none.status == .unauthorized)
            #expect(none.object["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"])
            #expect(none.headers[.wwwAuthenticate] != nil)
            let wrong = try await okta.send(.get, "/Users", headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            // Entra's valid secret on Okta's Base URL is refused.
            let other = try await okta.send(.get, "/Users", headers: [.authorization: "Bearer \(issued[1].secret)"])
            #expect(other.status == .unauthorized)
            // The scheme in any case, the token after extra spaces and tabs.
            let padded = try await okta.send(.get, "/Users", headers: [.authorization: "bearer  \t\(issued[0].secret)"])
            #expect(padded.status == .ok)
            // Basic with Okta's username and secret works; with the wrong username it does not.
            let basic = "Basic " + Data("\(issued[0].provider.username):\(issued[0].secret)".utf8).base64EncodedString()
            #expect(try await okta.send(.get, "/Users", headers: [.authorization: basic]).status == .ok)
            let badUser = "Basic " + Data("someone:\(issued[0].secret)".utf8).base64EncodedString()
            #expect(try await okta.send(.get, "/Users", headers: [.authorization: badUser]).status == .unauthorized)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func providersSeeOnlyTheirOwnUsers(_ kind: StoreKind) async throws {
        try await withSCIM(kind, providers: ["Okta", "Entra"]) { clients, _, admin in
            let (okta, entra) = (clients[0], clients[1])
            let created = try await okta.send(.post, "/Users", Self.user("ann@example.com"))
            #expect(created.status == .created)
            #expect(try await entra.send(.get, "/Users/\(created.id)").status == .notFound)
            #expect(try await entra.send(.get, "/Users").totalResults == 0)
            #expect(try await entra.send(.delete, "/Users/\(created.id)").status == .notFound)
            // The same userName from the other provider: 409, not saying who holds it.
            let taken = try await entra.send(.post, "/Users", Self.user("ANN@example.com"))
            #expect(taken.status == .conflict)
            #expect(taken.scimType == "uniqueness")
            #expect(
                taken.detail == "userName 'ann@example.com' is already taken; userNames are unique across the platform."
            )
            // A local user is invisible and untouchable, and its 409 reads exactly like another provider's.
            _ = try await admin.addLocalUser(email: "local@example.com", name: "Lo Cal")
            let local = try await okta.send(.post, "/Users", Self.user("Local@Example.com"))
            #expect(local.status == .conflict)
            #expect(local.scimType == "uniqueness")
            #expect(
                local.detail
                    == "userName 'local@example.com' is already taken; userNames are unique across the platform.")
            #expect(
                try await okta.send(.get, "/Users?filter=userName%20eq%20%22local%40example.com%22").totalResults == 0)
            #expect(try await admin.user(email: "local@example.com").isLocal)
        }
    }

    /// Under the `reject` policy every invalid value refuses the request; `DataPolicyTests` covers
    /// `accept-and-warn`, the default.
    @Test(arguments: StoreKind.allCases)
    func invalidInputStoresNothing(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            _ = try await admin.updateProvider(
                id: issued[0].provider.id, name: nil, deactivationDelay: nil, invalidData: .reject)
            let cases: [(String, HTTPResponse.Status, String, String)] = [
                (Self.user("not-an-email"), .badRequest, "invalidValue", "userName"),
                (
                    Self.user("a@example.com", extra: #","emails":[{"value":"b@example.com","primary":true}]"#),
                    .badRequest, "invalidValue", "primary email"
                ),
                (
                    Self.user("a@example.com", extra: #","addresses":[{"country":"Atlantis","primary":true}]"#),
                    .badRequest, "invalidValue", "country"
                ),
                (Self.user("a@example.com", extra: #","shoeSize":42"#), .badRequest, "invalidSyntax", "shoeSize"),
                (#"{"userName":"a@example.com","active":"maybe"}"#, .badRequest, "invalidValue", "active"),
                (
                    Self.user(
                        "a@example.com",
                        extra:
                            #","emails":[{"value":"a@example.com","primary":true},{"value":"c@example.com","primary":true}]"#
                    ),
                    .badRequest, "invalidValue", "primary"
                ),
                (
                    Self.user(
                        "a@example.com",
                        extra:
                            #","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"nobody"}}"#
                    ),
                    .badRequest, "invalidValue", "manager"
                ),
                ("{\"userName\": ", .badRequest, "invalidSyntax", "JSON"),
                ("[1,2]", .badRequest, "invalidSyntax", "object"),
            ]
            for (body, status, scimType, mention) in cases {
                let response = try await okta.send(.post, "/Users", body)
                #expect(response.status == status, "\(body)")
                #expect(response.scimType == scimType, "\(body)")
                #expect(response.detail.contains(mention), "\(response.detail)")
            }
            #expect(try await okta.send(.get, "/Users").totalResults == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func bodyOverTheLimitIs413(_ kind: StoreKind) async throws {
        try await withSCIM(kind, configuration: ServerConfiguration(maxBodySize: 2048)) { clients, _, _ in
            let big = Self.user("a@example.com", extra: ",\"title\":\"\(String(repeating: "x", count: 4096))\"")
            let response = try await clients[0].send(.post, "/Users", big)
            #expect(response.status == .contentTooLarge)
            #expect(response.object["status"] == "413")
            #expect(try await clients[0].send(.get, "/Users").totalResults == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func oktaDeactivateAndEntraPatches(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let client = clients[0]
            let created = try await client.send(.post, "/Users", Self.oktaCreate)
            let id = created.id
            // Okta: path-less replace with an object value (Okta SCIM 2.0 reference, "Deactivate").
            let deactivated = try await client.send(
                .patch, "/Users/\(id)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
            )
            #expect(deactivated.status == .ok)
            #expect(deactivated.object["active"] == false)
            #expect(try await client.send(.get, "/Users/\(id)").object["active"] == false)
            // Entra's legacy string boolean and capitalized op.
            let reactivated = try await client.send(
                .patch, "/Users/\(id)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}"#
            )
            #expect(reactivated.object["active"] == true)
            // Entra's multi-attribute update with a value filter, dotted and URN-qualified keys.
            let updated = try await client.send(
                .patch, "/Users/\(id)",
                """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
                 {"op":"Replace","path":"name.familyName","value":"Updated"},
                 {"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom",
                  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales"}}]}
                """)
            #expect(updated.status == .ok)
            #expect(updated.object["name"]?.objectValue?["familyName"] == "Updated")
            #expect(updated.object["name"]?.objectValue?["givenName"] == "Kkom")
            #expect(updated.object["displayName"] == "Bjfe")
            #expect(
                updated.object["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?.objectValue?["department"]
                    == "Sales")
            #expect(updated.headers[.eTag] != created.headers[.eTag])
            let view = try await admin.view(of: try await admin.user(email: "test.user@okta.local"))
            #expect(view["department"] == "Sales")
            #expect(view["source"]?.stringValue != "local")
            // attributes= on a PATCH response.
            let projected = try await client.send(
                .patch, "/Users/\(id)?attributes=userName",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Boss"}]}"#
            )
            #expect(projected.object["title"] == nil)
            #expect(projected.object["userName"] == "test.user@okta.local")
            #expect(projected.object["id"]?.stringValue == id)
            // A bad PATCH stores nothing.
            let bad = try await client.send(
                .patch, "/Users/\(id)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"X"},{"op":"replace","path":"userName","value":"not-an-email"}]}"#
            )
            #expect(bad.status == .badRequest)
            #expect(try await client.send(.get, "/Users/\(id)").object["title"] == "Boss")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func putReplacesAndKeepsVersionWhenNothingChanges(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let client = clients[0]
            let created = try await client.send(.post, "/Users", Self.oktaCreate)
            // Okta's PUT echoes the GET body, with id, meta and groups.
            let fetched = try await client.send(.get, "/Users/\(created.id)")
            let same = try await client.send(.put, "/Users/\(created.id)", fetched.json.jsonText)
            #expect(same.status == .ok)
            #expect(same.headers[.eTag] == created.headers[.eTag])
            var changed = fetched.object
            changed["title"] = "Director"
            changed["active"] = nil  // Okta AIW may omit it: the user stays active.
            let replaced = try await client.send(.put, "/Users/\(created.id)", JSONValue.object(changed).jsonText)
            #expect(replaced.status == .ok)
            #expect(replaced.object["title"] == "Director")
            #expect(replaced.object["active"] == true)
            #expect(replaced.headers[.eTag] != created.headers[.eTag])
            // If-Match: a stale tag is refused with 412, the current one is accepted.
            let stale = try await client.send(
                .put, "/Users/\(created.id)", JSONValue.object(changed).jsonText,
                headers: [.ifMatch: created.headers[.eTag] ?? ""])
            #expect(stale.status == .preconditionFailed)
            let current = try await client.send(
                .delete, "/Users/\(created.id)", headers: [.ifMatch: replaced.headers[.eTag] ?? ""])
            #expect(current.status == .noContent)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deleteUnlinksButKeepsTheAccount(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let client = clients[0]
            let created = try await client.send(.post, "/Users", Self.oktaCreate)
            #expect(try await client.send(.delete, "/Users/\(created.id)").status == .noContent)
            #expect(try await client.send(.get, "/Users/\(created.id)").status == .notFound)
            #expect(try await client.send(.delete, "/Users/\(created.id)").status == .notFound)
            // Like active=false: blocked now, deactivated after the provider's delay.
            let account = try await admin.user(email: "test.user@okta.local")
            #expect(account.status == .blocked)
            #expect(account.deactivationDueAt != nil)
            #expect(!account.linked)
            // Pushed again by the same provider: linked back.
            let again = try await client.send(.post, "/Users", Self.oktaCreate)
            #expect(again.status == .created)
            #expect(again.id == created.id)
            #expect(try await admin.user(email: "test.user@okta.local").status == .active)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func listingPagingAndProjection(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let client = clients[0]
            for i in 0..<12 {
                let r = try await client.send(
                    .post, "/Users", Self.user("u\(i)@example.com", extra: ",\"title\":\"T\(i % 3)\""))
                #expect(r.status == .created)
            }
            let page = try await client.send(.get, "/Users?startIndex=11&count=5")
            #expect(page.totalResults == 12)
            #expect(page.object["startIndex"] == 11)
            #expect(page.object["itemsPerPage"] == 2)
            #expect(page.resources.map { $0["userName"]?.stringValue } == ["u10@example.com", "u11@example.com"])
            let totals = try await client.send(.get, "/Users?count=0")
            #expect(totals.totalResults == 12 && totals.resources.isEmpty)
            let clamped = try await client.send(.get, "/Users?count=5000")
            #expect(clamped.resources.count == 12)
            let filtered = try await client.send(
                .get,
                "/Users?filter=title%20eq%20%22t1%22%20and%20userName%20sw%20%22u1%22&attributes=userName&sortBy=userName&sortOrder=descending"
            )
            // "u1@…" sorts after "u10…" because "@" (0x40) follows "0" (0x30).
            #expect(filtered.resources.map { $0["userName"]?.stringValue } == ["u1@example.com", "u10@example.com"])
            #expect(filtered.resources.first?["title"] == nil)
            #expect(filtered.resources.first?["id"] != nil)
            let search = try await client.send(
                .post, "/Users/.search",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"title eq \"T2\"","count":2,"excludedAttributes":["name"]}"#
            )
            #expect(search.totalResults == 4)
            #expect(search.resources.count == 2)
            #expect(search.resources.first?["name"] == nil)
            let bad = try await client.send(.get, "/Users?filter=shoeSize%20eq%201")
            #expect(bad.status == .badRequest)
            #expect(bad.scimType == "invalidFilter")
            let malformed = try await client.send(.get, "/Users?filter=ann%40example.com")
            #expect(malformed.scimType == "invalidFilter")
        }
    }

    /// A filter on a dateTime with more than three fraction digits (as .NET clients write them) is compiled, not a
    /// crash.
    @Test(arguments: StoreKind.allCases)
    func dateTimeFiltersWithLongFractions(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            _ = try await okta.send(.post, "/Users", Self.user("ann@example.com"))
            let r = try await okta.send(
                .get, "/Users?filter=meta.lastModified%20gt%20%222011-05-13T04:42:34.1234567Z%22")
            #expect(r.status == .ok && r.totalResults == 1)
        }
    }
}
