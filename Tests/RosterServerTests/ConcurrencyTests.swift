import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// Many clients at once on one resource: nothing is lost, and optimistic concurrency lets exactly one writer win.
@Suite struct ConcurrencyTests {
    @Test(arguments: StoreKind.allCases)
    func fiftyClientsAddDistinctMembersToOneGroup(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let users = try await GroupsAPITests.createUsers(okta, 50)
            let group = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Everyone"}"#
            ).id
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { tasks in
                for user in users {
                    tasks.addTask {
                        try await okta.send(
                            .patch, "/Groups/\(group)?excludedAttributes=members",
                            GroupsAPITests.patch(#"[{"op":"add","path":"members","value":[{"value":"\#(user)"}]}]"#)
                        ).status
                    }
                }
                return try await tasks.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .noContent })
            let read = try await okta.send(.get, "/Groups/\(group)")
            #expect(Set(GroupsAPITests.memberIDs(read)) == Set(users))
            #expect(read.object["meta"]?.objectValue?["version"] == "W/\"51\"")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func fiftyConditionalPutsOneWinnerPerVersion(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let created = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            let etag = try #require(created.headers[.eTag])
            let results = try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status).self) { tasks in
                for i in 0..<50 {
                    tasks.addTask {
                        let body = UsersAPITests.user("ann@example.com", extra: #","title":"writer \#(i)""#)
                        let r = try await okta.send(.put, "/Users/\(created.id)", body, headers: [.ifMatch: etag])
                        return (i, r.status)
                    }
                }
                return try await tasks.reduce(into: []) { $0.append($1) }
            }
            let winners = results.filter { $0.1 == .ok }
            #expect(winners.count == 1)
            #expect(results.filter { $0.1 == .preconditionFailed }.count == 49)
            let final = try await okta.send(.get, "/Users/\(created.id)")
            #expect(final.object["title"]?.stringValue == "writer \(winners.first?.0 ?? -1)")
            #expect(final.headers[.eTag] == "W/\"2\"")
        }
    }
}
