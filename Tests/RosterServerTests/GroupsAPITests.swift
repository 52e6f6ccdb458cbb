import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// The Groups endpoint: Okta Group Push and Entra group provisioning, memberships as rows.
@Suite struct GroupsAPITests {
    static func createUsers(_ client: SCIMTestClient, _ count: Int) async throws -> [String] {
        var ids: [String] = []
        for i in 0..<count {
            let r = try await client.send(.post, "/Users", UsersAPITests.user("member\(i)@example.com"))
            #expect(r.status == .created)
            ids.append(r.id)
        }
        return ids
    }

    static func patch(_ operations: String) -> String {
        #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":"# + operations + "}"
    }

    static func memberIDs(_ r: SCIMResponse) -> [String] {
        (r.object["members"]?.arrayValue ?? []).compactMap { $0.objectValue?["value"]?.stringValue }
    }

    @Test(arguments: StoreKind.allCases)
    func oktaGroupPush(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let users = try await Self.createUsers(okta, 3)
            // Okta's group create (Okta SCIM 2.0 reference, "Create Groups").
            let created = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}"#
            )
            #expect(created.status == .created)
            #expect(created.headers[.location]?.hasSuffix("/Groups/\(created.id)") == true)
            let gid = created.id
            // Rename sent with every membership update: path-less, with the read-only id inside.
            let renamed = try await okta.send(
                .patch, "/Groups/\(gid)",
                Self.patch(#"[{"op":"replace","value":{"id":"\#(gid)","displayName":"Test SCIMv2 renamed"}}]"#))
            #expect(renamed.status == .ok)
            #expect(renamed.object["displayName"] == "Test SCIMv2 renamed")
            // Membership: add two, then remove one by filter and add the third.
            let added = try await okta.send(
                .patch, "/Groups/\(gid)",
                Self.patch(
                    #"[{"op":"add","path":"members","value":[{"value":"\#(users[0])","display":"m0"},{"value":"\#(users[1])"}]}]"#
                ))
            #expect(Self.memberIDs(added) == [users[0], users[1]])
            let again = try await okta.send(
                .patch, "/Groups/\(gid)",
                Self.patch(#"[{"op":"add","path":"members","value":[{"value":"\#(users[0])"}]}]"#))
            #expect(Self.memberIDs(again) == [users[0], users[1]])
            #expect(again.headers[.eTag] == added.headers[.eTag])
            let swapped = try await okta.send(
                .patch, "/Groups/\(gid)",
                Self.patch(
                    #"[{"op":"remove","path":"members[value eq \"\#(users[0])\"]"},{"op":"add","path":"members","value":[{"value":"\#(users[2])"}]}]"#
                ))
            #expect(Self.memberIDs(swapped) == [users[1], users[2]])
            // Removing an absent member is a no-op.
            let absent = try await okta.send(
                .patch, "/Groups/\(gid)", Self.patch(#"[{"op":"remove","path":"members[value eq \"\#(users[0])\"]"}]"#))
            #expect(absent.status == .ok)
            // The user's groups attribute reflects the rows.
            let user1 = try await okta.send(.get, "/Users/\(users[1])")
            #expect(user1.object["groups"]?.arrayValue?.first?.objectValue?["value"]?.stringValue == gid)
            let members = try await okta.send(
                .get, "/Groups?filter=members.value%20eq%20%22\(users[2])%22&excludedAttributes=members")
            #expect(members.totalResults == 1)
            #expect(members.resources.first?["members"] == nil)
            // Full re-push replaces the list.
            let replaced = try await okta.send(
                .patch, "/Groups/\(gid)",
                Self.patch(#"[{"op":"replace","path":"members","value":[{"value":"\#(users[0])"}]}]"#))
            #expect(Self.memberIDs(replaced) == [users[0]])
            #expect(try await okta.send(.delete, "/Groups/\(gid)").status == .noContent)
            #expect(try await okta.send(.get, "/Groups/\(gid)").status == .notFound)
            #expect(try await okta.send(.get, "/Users/\(users[0])").object["groups"] == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func entraGroupProvisioning(_ kind: StoreKind) async throws {
        try await withSCIM(kind, providers: ["Entra", "Okta"]) { clients, _, _ in
            let entra = clients[0]
            let users = try await Self.createUsers(entra, 2)
            let foreign = try await clients[1].send(.post, "/Users", UsersAPITests.user("foreign@example.com"))
            // Entra lists its ADSCIM Group URN in schemas (Entra "use SCIM to provision users and groups").
            let created = try await entra.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0","displayName":"Group1DisplayName","meta":{"resourceType":"Group"}}"#
            )
            #expect(created.status == .created)
            let gid = created.id
            let lookup = try await entra.send(
                .get, "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22group1displayname%22")
            #expect(lookup.totalResults == 1)
            let add = try await entra.send(
                .patch, "/Groups/\(gid)",
                Self.patch(
                    #"[{"op":"Add","path":"members","value":[{"$ref":null,"value":"\#(users[0])"},{"$ref":null,"value":"\#(users[1])"}]}]"#
                ))
            #expect(add.status == .ok)
            #expect(Self.memberIDs(add).count == 2)
            // Entra's legacy remove: path members with a value list.
            let remove = try await entra.send(
                .patch, "/Groups/\(gid)",
                Self.patch(#"[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"\#(users[0])"}]}]"#))
            #expect(Self.memberIDs(remove) == [users[1]])
            // A member that is not a user of this provider: 400, nothing stored.
            let bad = try await entra.send(
                .patch, "/Groups/\(gid)",
                Self.patch(
                    #"[{"op":"Add","path":"members","value":[{"value":"\#(users[0])"},{"value":"\#(foreign.id)"}]}]"#))
            #expect(bad.status == .badRequest)
            #expect(bad.scimType == "invalidValue")
            #expect(bad.detail.contains(foreign.id))
            #expect(Self.memberIDs(try await entra.send(.get, "/Groups/\(gid)")) == [users[1]])
            // Duplicate displayName within the provider: 409; another provider may use it.
            let duplicate = try await entra.send(.post, "/Groups", #"{"displayName":"GROUP1DISPLAYNAME"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.scimType == "uniqueness")
            #expect(
                try await clients[1].send(.post, "/Groups", #"{"displayName":"Group1DisplayName"}"#).status == .created)
            // The other provider can't see this group.
            #expect(try await clients[1].send(.get, "/Groups/\(gid)").status == .notFound)
            // PUT without members clears them (RFC 7644 §3.5.1).
            let put = try await entra.send(.put, "/Groups/\(gid)", #"{"displayName":"Renamed"}"#)
            #expect(put.status == .ok)
            #expect(put.object["members"] == nil || Self.memberIDs(put).isEmpty)
        }
    }

    @Test func patchResponseLeavesOutMembersOfLargeGroups() async throws {
        try await withSCIM(.sqlite) { clients, issued, admin in
            let client = clients[0]
            let providerID = issued[0].provider.id
            let created = try await client.send(.post, "/Groups", #"{"displayName":"Everyone"}"#)
            // 1,001 members written straight to the store (the API path is tested above).
            let ids = (0...1000).map { "user-\($0)" }
            try await admin.store.withTransaction { tx in
                for (i, id) in ids.enumerated() {
                    try await tx.insertUser(
                        UserRecord(
                            id: id, providerID: providerID, userName: "bulk\(i)@example.com", scimActive: true,
                            status: .active, attributes: ["userName": .string("bulk\(i)@example.com")],
                            createdAt: Date(), updatedAt: Date()))
                }
                _ = try await tx.addMembers(groupID: created.id, userIDs: Array(ids.dropLast()))
            }
            let small = try await client.send(.get, "/Groups/\(created.id)")
            #expect(Self.memberIDs(small).count == 1000)
            let patched = try await client.send(
                .patch, "/Groups/\(created.id)",
                Self.patch(#"[{"op":"add","path":"members","value":[{"value":"user-1000"}]}]"#))
            #expect(patched.status == .ok)
            #expect(patched.object["members"] == nil)
            #expect(patched.object["displayName"] == "Everyone")
            let total = try await client.send(.get, "/Groups/\(created.id)?attributes=members")
            #expect(Self.memberIDs(total).count == 1001)
        }
    }
}
