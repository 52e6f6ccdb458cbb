import Foundation
package import Provisioning
import SCIM
import Testing

extension StoreConformance {
    /// Organizations, placements, roles, watchlists, mapping rules and apply runs.
    static func organizations(_ store: some ProvisioningStore) async throws {
        let sales = Organization(
            id: "o-sales", name: "Sales", parentID: Organization.rootID,
            defaultRoles: ["Desktop User", "Audit Log Viewer"], createdAt: epoch)
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertOrganization(sales)
            for i in 0..<5 {
                try await tx.insertUser(user("u\(i)", "u\(i)@example.com", provider: "p1", seconds: Double(i)))
            }
            try await tx.insertUser(user("local", "local@example.com", provider: nil))
            try await tx.insertGroup(
                GroupRecord(
                    id: "g1", providerID: "p1", displayName: "Admins", attributes: ["displayName": "Admins"],
                    createdAt: epoch, updatedAt: epoch))
            try await tx.insertWatchlist(Watchlist(id: "w1", name: "High Risk", createdAt: epoch))
        }
        // The root exists from the start; names are unique case-insensitively.
        let (root, byName, all) = try await store.read { tx in
            (
                try await tx.organization(id: Organization.rootID), try await tx.organization(name: "SALES"),
                try await tx.organizations()
            )
        }
        #expect(
            root?.name == Organization.rootName && root?.parentID == nil && root?.defaultRoles == [Role.desktopUser])
        #expect(byName == sales)
        #expect(all.map(\.id) == [Organization.rootID, "o-sales"])
        // Inserting unless present: a name taken answers the organization that has it, and nothing is added.
        let (taken, fresh) = try await store.withTransaction { tx in
            (
                try await tx.insertOrganizationIfAbsent(
                    Organization(id: "o-dup", name: "SALES", parentID: nil, defaultRoles: [], createdAt: epoch)),
                try await tx.insertOrganizationIfAbsent(
                    Organization(
                        id: "o-emea", name: "EMEA", parentID: Organization.rootID, defaultRoles: [], createdAt: epoch))
            )
        }
        #expect(taken == sales && fresh.id == "o-emea")
        #expect(try await store.read { tx in try await tx.organization(name: "emea")?.id } == "o-emea")
        #expect(try await store.read { tx in try await tx.organization(id: "o-dup") } == nil)
        await expectConflict {
            try await store.withTransaction { tx in
                try await tx.insertOrganization(
                    Organization(id: "o2", name: "sales", parentID: nil, defaultRoles: [], createdAt: epoch))
            }
        }
        await expectConflict {
            try await store.withTransaction { tx in
                try await tx.insertWatchlist(Watchlist(id: "w2", name: "HIGH RISK", createdAt: epoch))
            }
        }

        // A placement survives user writes: only setOrganization moves a user.
        try await store.withTransaction { tx in
            try await tx.setOrganization(userID: "u1", organizationID: "o-sales", pinned: true)
            var u1 = try await tx.user(id: "u1")!
            u1.attributes["title"] = "Boss"
            u1.organizationID = Organization.rootID
            u1.version += 1
            try await tx.updateUser(u1)
        }
        let (u1, counts) = try await store.read { tx in
            (try await tx.user(id: "u1"), try await tx.organizationUserCounts())
        }
        #expect(u1?.organizationID == "o-sales" && u1?.organizationPinned == true && u1?.attributes["title"] == "Boss")
        #expect(counts == [Organization.rootID: 5, "o-sales": 1])

        // Roles and watchlists are rows, read for many users at once.
        try await store.withTransaction { tx in
            try await tx.setRoles(userID: "u1", roles: ["Security Administrator", "Desktop User"])
            try await tx.setRoles(userID: "u2", roles: ["Desktop User"])
            try await tx.setRoles(userID: "u2", roles: ["Audit Log Viewer"])
            try await tx.addToWatchlist(watchlistID: "w1", userID: "u3", at: epoch)
            try await tx.addToWatchlist(watchlistID: "w1", userID: "u1", at: epoch.addingTimeInterval(1))
            try await tx.addToWatchlist(watchlistID: "w1", userID: "u3", at: epoch.addingTimeInterval(2))
        }
        let (roles, lists, members, listCounts) = try await store.read { tx in
            (
                try await tx.roles(ofUsers: ["u1", "u2", "u4"]), try await tx.watchlists(ofUsers: ["u1", "u3", "u4"]),
                try await tx.watchlistMembers(watchlistID: "w1", limit: 10).map(\.id),
                try await tx.watchlistMemberCounts()
            )
        }
        #expect(roles == ["u1": ["Desktop User", "Security Administrator"], "u2": ["Audit Log Viewer"]])
        #expect(lists == ["u1": ["w1"], "u3": ["w1"]])
        #expect(members == ["u3", "u1"])
        #expect(listCounts == ["w1": 2])
        try await store.withTransaction { tx in try await tx.removeFromWatchlist(watchlistID: "w1", userID: "u3") }
        #expect(try await store.read { tx in try await tx.watchlists(ofUser: "u3") } == [])
        // Setting roles replaces them: a role kept stays, one left out goes, a new one comes; none clears them.
        try await store.withTransaction { tx in
            try await tx.setRoles(userID: "u1", roles: ["Desktop User", "Audit Log Viewer"])
            try await tx.setRoles(userID: "u2", roles: [])
        }
        #expect(
            try await store.read { tx in try await tx.roles(ofUsers: ["u1", "u2"]) } == [
                "u1": ["Audit Log Viewer", "Desktop User"]
            ])

        // Rules, by kind, in the order added; deleting a group deletes its rules.
        try await store.withTransaction { tx in
            try await tx.insertOrganizationRule(
                providerID: "p1", .init(groupID: "g1", organizationID: "o-sales", priority: 3))
            try await tx.insertRoleRule(
                providerID: "p1", .init(groupID: "g1", roles: ["Customer Cloud Admin", "Audit Log Viewer"]))
            try await tx.insertWatchlistRule(providerID: "p1", .init(groupID: "g1", watchlistID: "w1"))
        }
        let rules = try await store.read { tx in try await tx.mappingRules(providerID: "p1") }
        #expect(rules.organizations == [.init(groupID: "g1", organizationID: "o-sales", priority: 3)])
        #expect(rules.roles == [.init(groupID: "g1", roles: ["Customer Cloud Admin", "Audit Log Viewer"])])
        #expect(rules.watchlists == [.init(groupID: "g1", watchlistID: "w1")])
        let removed = try await store.withTransaction { tx in
            try await tx.deleteRules(.role, providerID: "p1", groupID: "g1")
        }
        #expect(removed == 2)
        try await store.withTransaction { tx in try await tx.deleteGroup(id: "g1") }
        #expect(try await store.read { tx in try await tx.mappingRules(providerID: "p1") } == MappingRules())

        // Keyset batches of a provider's linked users, and apply runs.
        let first = try await store.read { tx in try await tx.userBatch(providerID: "p1", after: 0, limit: 3) }
        #expect(first.map(\.user.id) == ["u0", "u1", "u2"])
        let rest = try await store.read { tx in
            try await tx.userBatch(providerID: "p1", after: first.last!.sequence, limit: 3)
        }
        #expect(rest.map(\.user.id) == ["u3", "u4"])
        #expect(rest.first?.user.organizationID == Organization.rootID)
        var run = MappingRun(
            id: "r1", providerID: "p1", startedAt: epoch, cursor: first.last!.sequence, processed: 3, changed: 1)
        let saved = run
        try await store.withTransaction { tx in try await tx.saveMappingRun(saved) }
        #expect(try await store.read { tx in try await tx.openMappingRun(providerID: "p1") } == run)
        run.finishedAt = epoch.addingTimeInterval(5)
        let finished = run
        try await store.withTransaction { tx in try await tx.saveMappingRun(finished) }
        #expect(try await store.read { tx in try await tx.openMappingRun(providerID: "p1") } == nil)
    }

    static func expectConflict(_ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a conflict")
        } catch let error as ProvisioningError {
            #expect(error.code == .conflict)
        } catch {
            Issue.record("expected a ProvisioningError, got \(error)")
        }
    }
}
