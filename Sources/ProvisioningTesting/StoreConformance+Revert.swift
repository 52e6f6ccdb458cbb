import Foundation
import Provisioning
import SCIM
import Testing

extension StoreConformance {
    /// Before-images: every kind comes back as written (the document round-trips), a provider's since an instant in
    /// sequence order and paged by sequence; pruning deletes those before a cutoff; removed memberships come back
    /// with the `display` the provider had sent.
    static func beforeImages(_ store: some ProvisioningStore) async throws {
        // What a deleted group keeps: its count and last update are the recreation's to set.
        let group = GroupRecord(
            id: "g1", providerID: "p1", displayName: "Engineering", attributes: ["displayName": "Engineering"],
            version: 3, createdAt: at(1), updatedAt: at(1))
        let rules = MappingRules(
            organizations: [.init(groupID: "g1", organizationID: "o1", priority: 2)],
            roles: [.init(groupID: "g1", roles: ["Desktop User", "Audit Log Viewer"])],
            watchlists: [.init(groupID: "g1", watchlistID: "w1")])
        let changes: [BeforeImage.Change] = [
            .user(
                id: "u1", attributes: ["userName": "ann@example.com", "active": true, "title": "Ms"], linked: true,
                groups: [MemberReference(id: "g1", display: "Ann"), MemberReference(id: "g2", display: nil)]),
            .group(
                id: "g1", attributes: ["displayName": "Eng"], added: ["u2"],
                removed: [MemberReference(id: "u3", display: "Cy")]),
            .group(id: "g1", attributes: nil, added: [], removed: []),
            .deletedGroup(group, members: [MemberReference(id: "u1", display: nil)], rules: rules),
        ]
        let images = changes.enumerated().map { n, change in
            BeforeImage(at: at(Double(10 + n)), providerID: "p1", requestID: "req-\(n)", change: change)
        }
        try await store.withTransaction { tx in
            try await tx.appendBeforeImages(images)
            try await tx.appendBeforeImages([
                BeforeImage(
                    at: at(12), providerID: "p2", requestID: nil,
                    change: .user(id: "u9", attributes: [:], linked: false, groups: []))
            ])
        }
        let all = try await store.read { tx in
            try await tx.beforeImages(providerID: "p1", since: at(0), after: 0, limit: 100)
        }
        #expect(all.map(\.change) == changes)
        #expect(all.map(\.requestID) == ["req-0", "req-1", "req-2", "req-3"])
        #expect(all.map(\.at) == images.map(\.at))
        let sequences = all.compactMap(\.sequence)
        #expect(sequences.count == 4 && sequences == sequences.sorted())
        let since = try await store.read { tx in
            try await tx.beforeImages(providerID: "p1", since: at(11), after: 0, limit: 100)
        }
        #expect(since.map(\.requestID) == ["req-1", "req-2", "req-3"])
        let page = try await store.read { tx in
            try await tx.beforeImages(providerID: "p1", since: at(0), after: sequences[1], limit: 1)
        }
        #expect(page.map(\.requestID) == ["req-2"])
        #expect(try await store.withTransaction { tx in try await tx.pruneBeforeImages(before: at(12)) } == 2)
        let left = try await store.read { tx in
            try await tx.beforeImages(providerID: "p1", since: at(0), after: 0, limit: 100)
        }
        #expect(left.map(\.requestID) == ["req-2", "req-3"])

        // Removing memberships answers the display each had.
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            for (id, name) in [("u1", "ann@example.com"), ("u2", "bob@example.com")] {
                try await tx.insertUser(user(id, name, provider: "p1"))
            }
            try await tx.insertGroup(
                GroupRecord(
                    id: "g5", providerID: "p1", displayName: "Sales", attributes: [:], createdAt: at(1),
                    updatedAt: at(1)))
            _ = try await tx.addMembers(
                groupID: "g5",
                members: [MemberReference(id: "u1", display: "Ann A."), MemberReference(id: "u2", display: nil)])
        }
        let removed = try await store.withTransaction { tx in
            try await tx.removeMembers(groupID: "g5", userIDs: ["u2", "u1", "u7"])
        }
        #expect(removed == [MemberReference(id: "u2", display: nil), MemberReference(id: "u1", display: "Ann A.")])
        _ = try await store.withTransaction { tx in
            try await tx.addMembers(groupID: "g5", members: [MemberReference(id: "u1", display: "A")])
        }
        let left1 = try await store.withTransaction { tx in try await tx.removeMemberships(userID: "u1") }
        #expect(left1 == [MemberReference(id: "g5", display: "A")])
    }
}
