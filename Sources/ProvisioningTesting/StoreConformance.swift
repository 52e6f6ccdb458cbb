import Foundation
package import Provisioning
import SCIM
import Testing

/// One behavioural suite every ``ProvisioningStore`` must pass, run by each store's test target (memory, SQLite,
/// and PostgreSQL when it lands), so that the stores cannot drift apart.
package enum StoreConformance {
    /// The names of the checks, for `@Test(arguments:)`.
    package static let checks: [String] = [
        "providers", "users-and-usernames", "user-queries", "groups-and-members", "rollback", "settings", "platform",
        "organizations", "deep-pages", "credentials", "parallel-sign-in", "events", "events-followed",
        "inspector", "inspector-recorder", "activity", "before-images",
    ]

    /// Runs one named check against a fresh store.
    package static func run(_ check: String, on store: some ProvisioningStore) async throws {
        switch check {
        case "providers": try await providers(store)
        case "users-and-usernames": try await usersAndUserNames(store)
        case "user-queries": try await userQueries(store)
        case "groups-and-members": try await groupsAndMembers(store)
        case "rollback": try await rollback(store)
        case "settings": try await settings(store)
        case "platform": try await platform(store)
        case "organizations": try await organizations(store)
        case "deep-pages": try await deepPages(store)
        case "credentials": try await credentials(store)
        case "parallel-sign-in": try await parallelSignIn(store)
        case "events": try await events(store)
        case "events-followed": try await eventsFollowed(store)
        case "inspector": try await inspector(store)
        case "inspector-recorder": try await inspectorRecorder(store)
        case "activity": try await activity(store)
        case "before-images": try await beforeImages(store)
        default: Issue.record("unknown check \(check)")
        }
    }

    static let epoch = Date(timeIntervalSince1970: 1_790_000_000)

    static func provider(_ id: String) -> Provider {
        Provider(
            id: id, name: "Provider \(id)", username: "scim-\(id)", secretHash: Credentials.hash(secret: "s-\(id)"),
            deactivationDelay: .seconds(900), createdAt: epoch, updatedAt: epoch)
    }

    static func user(_ id: String, _ userName: String, provider: String?, seconds: Double = 0, extra: JSONObject = [:])
        -> UserRecord
    {
        var attributes: JSONObject = ["userName": .string(userName), "active": true]
        for m in extra { attributes[m.key] = m.value }
        return UserRecord(
            id: id, providerID: provider, userName: userName, scimActive: true, status: .active, attributes: attributes,
            createdAt: epoch.addingTimeInterval(seconds), updatedAt: epoch.addingTimeInterval(seconds))
    }

    static func providers(_ store: some ProvisioningStore) async throws {
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertProvider(provider("p2"))
        }
        let (byID, second, all) = try await store.read { tx in
            (try await tx.provider(id: "p1"), try await tx.provider(id: "p2"), try await tx.providers())
        }
        #expect(byID == provider("p1"))
        #expect(second?.id == "p2")
        #expect(all.map(\.id) == ["p1", "p2"])
        var renamedProvider = provider("p1")
        renamedProvider.name = "Renamed"
        renamedProvider.deactivationDelay = .seconds(2)
        let changed = renamedProvider
        try await store.withTransaction { tx in try await tx.updateProvider(changed) }
        #expect(try await store.read { tx in try await tx.provider(id: "p1") } == changed)
        try await store.withTransaction { tx in try await tx.deleteProvider(id: "p2") }
        #expect(try await store.read { tx in try await tx.provider(id: "p2") } == nil)
    }

    static func usersAndUserNames(_ store: some ProvisioningStore) async throws {
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertUser(user("u1", "Ann@Example.com", provider: "p1"))
        }
        let found = try await store.read { tx in try await tx.user(userName: "ann@example.COM") }
        #expect(found?.id == "u1")
        #expect(found?.userName == "Ann@Example.com")
        await #expect(throws: (any Error).self) {
            try await store.withTransaction { tx in
                try await tx.insertUser(user("u2", "ANN@example.com", provider: nil))
            }
        }
        var edited = try #require(found)
        edited.userName = "ann.b@example.com"
        edited.version = 2
        edited.attributes["userName"] = "ann.b@example.com"
        let renamed = edited
        try await store.withTransaction { tx in try await tx.updateUser(renamed) }
        let (old, new) = try await store.read { tx in
            (try await tx.user(userName: "ann@example.com"), try await tx.user(id: "u1"))
        }
        #expect(old == nil)
        #expect(new == renamed)
        // The count of a provider's linked users follows inserts, unlinking and linking again.
        #expect(try await store.read { tx in try await tx.userCount(providerID: "p1") } == 1)
        var unlinked = renamed
        unlinked.linked = false
        unlinked.version = 3
        let gone = unlinked
        try await store.withTransaction { tx in
            try await tx.updateUser(gone)
            try await tx.insertUser(user("u3", "carl@example.com", provider: "p1"))
        }
        #expect(try await store.read { tx in try await tx.userCount(providerID: "p1") } == 1)
        var relinked = gone
        relinked.linked = true
        relinked.version = 4
        let back = relinked
        try await store.withTransaction { tx in try await tx.updateUser(back) }
        #expect(try await store.read { tx in try await tx.userCount(providerID: "p1") } == 2)
    }

    static func userQueries(_ store: some ProvisioningStore) async throws {
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertProvider(provider("p2"))
            for i in 0..<25 {
                let extra: JSONObject = [
                    "title": .string(i % 2 == 0 ? "Engineer" : "Manager"),
                    "emails": [
                        ["value": .string("user\(i)@example.com"), "type": .string(i % 3 == 0 ? "work" : "home")]
                    ],
                    "externalId": .string("ext-\(i)"),
                ]
                try await tx.insertUser(
                    user("u\(i)", "user\(i)@example.com", provider: "p1", seconds: Double(i), extra: extra))
            }
            try await tx.insertUser(user("other", "other@example.com", provider: "p2"))
        }
        func query(_ filter: String?, offset: Int = 0, limit: Int = 100, sort: String? = nil, descending: Bool = false)
            async throws -> Page<UserRecord>
        {
            let f = try filter.map { try Filter(parsing: $0) }
            let key = sort.map {
                SortKey(attribute: ResourceType.user.resolve(AttributePath(parsing: $0)!)!, descending: descending)
            }
            return try await store.read { tx in
                try await tx.users(
                    providerID: "p1", query: StoreQuery(filter: f, sort: key, offset: offset, limit: limit))
            }
        }
        #expect(try await query(nil).totalResults == 25)
        #expect(try await query("userName eq \"USER3@example.com\"").items.map(\.id) == ["u3"])
        #expect(try await query("userName eq \"other@example.com\"").totalResults == 0)
        #expect(try await query("externalId eq \"ext-4\"").items.map(\.id) == ["u4"])
        #expect(try await query("externalId eq \"EXT-4\"").totalResults == 0)
        #expect(try await query("title eq \"engineer\"").totalResults == 13)
        #expect(try await query("emails[type eq \"work\"]").totalResults == 9)
        #expect(
            try await query("emails[type eq \"work\" and value sw \"user1\"]").items.map(\.id) == ["u12", "u15", "u18"])
        #expect(try await query("emails.value ew \"7@example.com\"").items.map(\.id) == ["u7", "u17"])
        #expect(try await query("not (title eq \"Engineer\") and userName co \"2\"").items.map(\.id) == ["u21", "u23"])
        #expect(try await query("title pr").totalResults == 25)
        #expect(try await query("nickName pr").totalResults == 0)
        #expect(try await query("nickName ne \"x\"").totalResults == 25)
        // On a multi-valued attribute, `ne` means no value equals.
        #expect(try await query("emails.type ne \"work\"").totalResults == 16)
        #expect(try await query("not (emails[type eq \"work\"]) and userName sw \"user1\"").totalResults == 8)
        #expect(try await query("meta.created gt \"2026-09-21T14:13:30Z\"").totalResults == 25 - 11)
        // Stable paging: pages never repeat or skip.
        var seen: [String] = []
        for offset in stride(from: 0, to: 25, by: 7) {
            seen += try await query(nil, offset: offset, limit: 7).items.map(\.id)
        }
        #expect(seen == (0..<25).map { "u\($0)" })
        #expect(try await query(nil, limit: 0).items.isEmpty)
        #expect(try await query(nil, limit: 0).totalResults == 25)
        let sorted = try await query(nil, limit: 3, sort: "userName", descending: true).items.map(\.id)
        #expect(sorted == ["u9", "u8", "u7"])
    }

    static func groupsAndMembers(_ store: some ProvisioningStore) async throws {
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            for i in 0..<5 { try await tx.insertUser(user("u\(i)", "u\(i)@example.com", provider: "p1")) }
            let g = GroupRecord(
                id: "g1", providerID: "p1", displayName: "Engineering", attributes: ["displayName": "Engineering"],
                createdAt: epoch, updatedAt: epoch)
            try await tx.insertGroup(g)
        }
        let added = try await store.withTransaction { tx in
            try await tx.addMembers(groupID: "g1", userIDs: ["u0", "u1", "u1", "u2"])
        }
        #expect(added == ["u0", "u1", "u2"])
        let again = try await store.withTransaction { tx in
            try await tx.addMembers(groupID: "g1", userIDs: ["u1", "u3"])
        }
        #expect(again == ["u3"])
        let removed = try await store.withTransaction { tx in
            try await tx.removeMembers(groupID: "g1", userIDs: ["u0", "u4"])
        }
        #expect(removed.map(\.id) == ["u0"])
        let (group, members, groupsOfU1, byName) = try await store.read { tx in
            (
                try await tx.group(id: "g1"), try await tx.members(groupID: "g1", limit: 10),
                try await tx.groups(ofUser: "u1"),
                try await tx.group(providerID: "p1", displayName: "ENGINEERING")
            )
        }
        #expect(group?.memberCount == 3)
        #expect(members.map(\.id) == ["u1", "u2", "u3"])
        #expect(groupsOfU1.map(\.id) == ["g1"])
        #expect(byName?.id == "g1")
        let filtered = try await store.read { tx in
            try await tx.groups(
                providerID: "p1",
                query: StoreQuery(
                    filter: try Filter(parsing: "members.value eq \"u2\""), sort: nil, offset: 0, limit: 10))
        }
        #expect(filtered.items.map(\.id) == ["g1"])
        let usersInGroup = try await store.read { tx in
            try await tx.users(
                providerID: "p1",
                query: StoreQuery(
                    filter: try Filter(parsing: "groups.value eq \"g1\""), sort: nil, offset: 0, limit: 10))
        }
        #expect(usersInGroup.items.map(\.id) == ["u1", "u2", "u3"])
        let left = try await store.withTransaction { tx in try await tx.removeMemberships(userID: "u2") }
        #expect(left.map(\.id) == ["g1"])
        let cleared = try await store.withTransaction { tx in
            try await tx.removeMembers(groupID: "g1", userIDs: ["u1", "u3"])
        }
        #expect(cleared.map(\.id) == ["u1", "u3"])
        #expect(try await store.read { tx in try await tx.group(id: "g1")?.memberCount } == 0)
        let existing = try await store.read { tx in try await tx.existingUserIDs(["u1", "nope"], providerID: "p1") }
        #expect(existing == ["u1"])
        try await store.withTransaction { tx in try await tx.deleteGroup(id: "g1") }
        #expect(try await store.read { tx in try await tx.group(id: "g1") } == nil)
    }

    struct Abort: Error {}

    static func rollback(_ store: some ProvisioningStore) async throws {
        await #expect(throws: Abort.self) {
            try await store.withTransaction { tx in
                try await tx.insertProvider(provider("p1"))
                try await tx.insertUser(user("u1", "a@example.com", provider: "p1"))
                throw Abort()
            }
        }
        let (p, u) = try await store.read { tx in (try await tx.provider(id: "p1"), try await tx.user(id: "u1")) }
        #expect(p == nil)
        #expect(u == nil)
    }

    static func settings(_ store: some ProvisioningStore) async throws {
        #expect(try await store.read { tx in try await tx.setting("public_url") } == nil)
        try await store.withTransaction { tx in try await tx.setSetting("public_url", "http://a") }
        try await store.withTransaction { tx in try await tx.setSetting("public_url", "http://b") }
        #expect(try await store.read { tx in try await tx.setting("public_url") } == "http://b")
    }
}
