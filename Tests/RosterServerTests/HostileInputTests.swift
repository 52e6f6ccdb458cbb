import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// What a provider sends that it should not: control characters, names given twice, bodies of many members, and
/// writes aimed at users it does not manage. Each is refused with a SCIM error naming the problem, stores nothing,
/// and tells the provider nothing about users it does not manage.
@Suite struct HostileInputTests {
    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#

    /// A request (with `{user}` and `{group}` standing for the provider's own ids), the scimType and a part of the
    /// detail it must produce.
    static let refused: [(HTTPRequest.Method, String, String, String, String)] = [
        (
            .post, "/Users", UsersAPITests.user("esc@example.com", extra: #","title":"\u001b[2J""#), "invalidValue",
            "Attribute 'title' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+001B at character 0."
        ),
        (
            .put, "/Users/{user}", UsersAPITests.user("ann@example.com", extra: #","nickName":"\u009b2J""#),
            "invalidValue",
            "'nickName' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+009B"
        ),
        (
            .patch, "/Users/{user}",
            #"{\#(patchOp),"Operations":[{"op":"replace","path":"title","value":"a\u007fb"}]}"#,
            "invalidValue", "'title' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+007F"
        ),
        (
            .patch, "/Users/{user}",
            #"{\#(patchOp),"Operations":[{"op":"replace","value":{"displayName":"\u001b]0;x\u0007"}}]}"#,
            "invalidValue", "'displayName' must not contain control characters"
        ),
        (
            .patch, "/Users/{user}",
            #"{\#(patchOp),"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"a\u0000@example.com"}]}"#,
            "invalidValue", "'emails.value' must not contain control characters"
        ),
        (.post, "/Groups", #"{"displayName":"\u001b[2JEng"}"#, "invalidValue", "'displayName' must not contain"),
        (
            .patch, "/Groups/{group}",
            #"{\#(patchOp),"Operations":[{"op":"replace","path":"displayName","value":"\u0085"}]}"#,
            "invalidValue",
            "'displayName' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found U+0085"
        ),
        (
            .patch, "/Groups/{group}",
            #"{\#(patchOp),"Operations":[{"op":"add","path":"members","value":[{"value":"{user}","display":"\u001b[2J"}]}]}"#,
            "invalidValue", "'members.display' must not contain control characters"
        ),
        // A name given twice, also in another case: which one was meant is unknowable.
        (
            .post, "/Users", #"{"userName":"dup@example.com","USERNAME":"other@example.com"}"#, "invalidSyntax",
            "has the member \"USERNAME\" twice in one object"
        ),
        (
            .put, "/Users/{user}", #"{"userName":"ann@example.com","active":true,"Active":false}"#, "invalidSyntax",
            "has the member \"Active\" twice"
        ),
        (
            .patch, "/Users/{user}",
            #"{\#(patchOp),"Operations":[{"op":"replace","path":"title","value":"x","Value":"y"}]}"#, "invalidSyntax",
            "has the member \"Value\" twice"
        ),
        (
            .patch, "/Users/{user}", #"{\#(patchOp),"Operations":[],"operations":[{"op":"remove","path":"title"}]}"#,
            "invalidSyntax", "has the member \"operations\" twice"
        ),
        (.post, "/Groups", #"{"displayName":"Eng","displayname":"Ops"}"#, "invalidSyntax", "\"displayname\" twice"),
    ]

    @Test(arguments: StoreKind.allCases)
    func controlCharactersAndRepeatedNamesAreRefusedAndStoreNothing(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let okta = clients[0]
            let ann = try await okta.send(
                .post, "/Users", UsersAPITests.user("ann@example.com", extra: #","title":"Lead""#))
            let group = try await okta.send(
                .post, "/Groups", #"{"displayName":"Eng","members":[{"value":"\#(ann.id)"}]}"#)
            for (method, path, body, scimType, detail) in Self.refused {
                let substituted = { (s: String) in
                    s.replacing("{user}", with: ann.id).replacing("{group}", with: group.id)
                }
                let response = try await okta.send(method, substituted(path), substituted(body))
                #expect(response.status == .badRequest, "\(method) \(path) \(body)")
                #expect(response.scimType == scimType, "\(method) \(path): \(response.detail)")
                #expect(response.detail.contains(detail), "\(method) \(path): \(response.detail)")
            }
            // Nothing of it was stored.
            let after = try await okta.send(.get, "/Users/\(ann.id)")
            #expect(after.headers[.eTag] == ann.headers[.eTag])
            #expect(after.object["title"] == "Lead")
            #expect(try await okta.send(.get, "/Users").totalResults == 1)
            let groupAfter = try await okta.send(.get, "/Groups/\(group.id)")
            #expect(groupAfter.headers[.eTag] == group.headers[.eTag])
            #expect(try await okta.send(.get, "/Groups").totalResults == 1)
            #expect(try await admin.user(email: "ann@example.com").attributes["title"] == "Lead")
        }
    }

    /// A provider's refused write aimed at a local user, by id or by the userName it POSTs, leaves nothing in that
    /// user's timeline: a provider cannot write into the history of a user it does not manage.
    @Test(arguments: StoreKind.allCases)
    func refusalsAimedAtLocalUsersStayOutOfTheirTimeline(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let local = try await admin.addLocalUser(email: "local@example.com", name: nil)
            let before = try await admin.syncLog(SyncLogQuery(userID: local.id)).count
            let requests: [(HTTPRequest.Method, String, String?)] = [
                (.patch, "/Users/\(local.id)", #"{"Operations":[{"op":"jump"}]}"#),
                (.patch, "/Users/\(local.id)", #"{"Operations":[{"op":"replace","path":"shoeSize","value":1}]}"#),
                (.put, "/Users/\(local.id)", #"{"userName":5}"#),
                (.put, "/Users/\(local.id)", UsersAPITests.user("local@example.com", extra: #","title":"\u001b""#)),
                (.delete, "/Users/\(local.id)", nil),
                (.post, "/Users", UsersAPITests.user("LOCAL@example.com")),
            ]
            for (method, path, body) in requests {
                #expect(try await okta.send(method, path, body).status.code >= 400, "\(method) \(path)")
            }
            #expect(try await admin.syncLog(SyncLogQuery(userID: local.id)).count == before)
            // The POST's refusal is in the provider's log under the name it sent, attached to no user.
            let rejected = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id, action: .rejected))
            #expect(rejected.allSatisfy { $0.userID == nil })
            #expect(rejected.contains { $0.userName == "LOCAL@example.com" })
            #expect(try await admin.user(email: "local@example.com").isLocal)
        }
    }
}
