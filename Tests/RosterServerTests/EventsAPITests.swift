import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import ProvisioningTesting
import RosterServer
import SCIM
import Testing

/// The event feed (`GET /api/v1/events`) through HTTP, on every store: each change's event, paging, long-polling,
/// pruned cursors, authentication and bad input.
@Suite struct EventsAPITests {
    /// The integer of a JSON number.
    static func int(_ value: JSONValue?) -> Int? {
        if case .int(let n)? = value { return n }
        return nil
    }

    /// Reads the feed with a platform API key.
    struct FeedClient {
        let client: any TestClientProtocol
        let key: String

        func get(_ query: String, authorization: String? = nil) async throws -> SCIMResponse {
            let response = try await client.execute(
                uri: "/api/v1/events" + query, method: .get,
                headers: [.authorization: authorization ?? "Bearer \(key)"])
            let bytes = Array(response.body.readableBytesView)
            return SCIMResponse(
                status: response.status, headers: response.headers,
                json: bytes.isEmpty ? .null : try JSONValue(parsing: bytes))
        }

        /// A page once it holds at least `count` events (or after ``StoreConformance/patience``). On PostgreSQL an
        /// event shows once every transaction older than its own has finished (``EventCursor``): right after a
        /// write, another test's transaction still running may hold it back a moment.
        func page(_ query: String, atLeast count: Int) async throws -> (events: [JSONObject], next: String) {
            try await StoreConformance.eventually {
                try await page(query)
            } until: {
                $0.events.count >= count
            }
        }

        /// The events of one page and its `next` cursor.
        func page(_ query: String) async throws -> (events: [JSONObject], next: String) {
            let response = try await get(query)
            #expect(response.status == .ok, "\(query): \(response.json)")
            return (
                response.object["events"]?.arrayValue?.compactMap(\.objectValue) ?? [],
                response.object["next"]?.stringValue ?? ""
            )
        }
    }

    func withFeed(
        _ kind: StoreKind, _ body: @Sendable (FeedClient, SCIMTestClient, AdminService) async throws -> Void
    ) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let (_, key) = try await PlatformService(store: admin.store).createAPIKey(name: "feed")
            try await body(FeedClient(client: clients[0].client, key: key), clients[0], admin)
        }
    }

    static func user(_ userName: String, active: Bool = true) -> String {
        #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(userName)","active":\#(active),"#
            + #""name":{"givenName":"Ann","familyName":"Lee"}}"#
    }

    /// Prunes, trying again while nothing is pruned (up to ``StoreConformance/patience``): on PostgreSQL, pruning
    /// takes only events every reader may already see (``EventCursor``), and another test's transaction may hold
    /// the newest back a moment.
    static func prune(_ feed: EventFeed) async throws -> Int {
        try await StoreConformance.eventually {
            try await feed.prune()
        } until: {
            $0 > 0
        }
    }

    static func patch(_ operations: String) -> String {
        #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[\#(operations)]}"#
    }

    @Test(arguments: StoreKind.allCases)
    func everyChangeIsAnEventWithTheResourceAfterIt(_ kind: StoreKind) async throws {
        try await withFeed(kind) { feed, scim, _ in
            let ann = try await scim.send(.post, "/Users", Self.user("ann@example.com"))
            #expect(ann.status == .created)
            let bob = try await scim.send(.post, "/Users", Self.user("bob@example.com"))
            try await scim.send(
                .patch, "/Users/\(ann.id)", Self.patch(#"{"op":"replace","path":"title","value":"Engineer"}"#))
            try await scim.send(
                .patch, "/Users/\(ann.id)", Self.patch(#"{"op":"replace","path":"active","value":false}"#))
            try await scim.send(
                .patch, "/Users/\(ann.id)", Self.patch(#"{"op":"replace","path":"active","value":true}"#))
            let group = try await scim.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","members":[{"value":"\#(ann.id)"}]}"#
            )
            #expect(group.status == .created)
            try await scim.send(
                .patch, "/Groups/\(group.id)",
                Self.patch(#"{"op":"add","path":"members","value":[{"value":"\#(bob.id)"}]}"#))
            try await scim.send(
                .patch, "/Groups/\(group.id)", Self.patch(#"{"op":"remove","path":"members[value eq \"\#(ann.id)\"]"}"#)
            )
            try await scim.send(.delete, "/Groups/\(group.id)")
            try await scim.send(.delete, "/Users/\(bob.id)")
            // A refused write changes nothing and says nothing.
            #expect(try await scim.send(.post, "/Users", Self.user("ann@example.com")).status == .conflict)

            let (events, next) = try await feed.page("?limit=1000", atLeast: 15)
            let types = events.compactMap { $0["type"]?.stringValue }
            #expect(
                types == [
                    "user.created", "user.created", "user.updated", "user.blocked", "user.deactivation_scheduled",
                    "user.deactivation_cancelled", "user.unblocked", "group.created", "group.member_added",
                    "group.member_added", "group.member_removed", "group.deleted", "user.blocked",
                    "user.deactivation_scheduled", "user.unlinked",
                ], "\(types)")
            let sequences = events.compactMap { Self.int($0["sequence"]) }
            #expect(sequences == sequences.sorted() && Set(sequences).count == events.count)
            #expect(next.split(separator: ".").last.map(String.init) == String(sequences.last ?? -1))
            #expect(Set(events.compactMap { $0["id"]?.stringValue }).count == events.count)

            // Each event carries its resource as it is after the change.
            let updated = events[2]
            #expect(updated["data"]?.objectValue?["changed"] == ["title"])
            let user = updated["data"]?.objectValue?["user"]?.objectValue
            #expect(user?["id"]?.stringValue == ann.id)
            #expect(user?["attributes"]?.objectValue?["title"]?.stringValue == "Engineer")
            #expect(events[3]["data"]?.objectValue?["user"]?.objectValue?["status"]?.stringValue == "blocked")
            #expect(events[6]["data"]?.objectValue?["user"]?.objectValue?["status"]?.stringValue == "active")
            let added = events[9]["data"]?.objectValue
            #expect(added?["member"]?.objectValue?["id"]?.stringValue == bob.id)
            #expect(Self.int(added?["group"]?.objectValue?["memberCount"]) == 2)
            #expect(events[11]["data"]?.objectValue?["group"]?.objectValue?["displayName"]?.stringValue == "Sales")
            #expect(events.last?["data"]?.objectValue?["user"]?.objectValue?["linked"] == .bool(false))
            #expect(events.allSatisfy { $0["requestId"]?.stringValue?.isEmpty == false })

            // Types filter; an unknown one is refused, naming it.
            let groups = try await feed.page("?types=group.*")
            #expect(groups.events.count == 5)
            let two = try await feed.page("?types=user.unlinked,group.deleted")
            #expect(two.events.compactMap { $0["type"]?.stringValue } == ["group.deleted", "user.unlinked"])
            let bad = try await feed.get("?types=user.craeted")
            #expect(bad.status == .badRequest)
            #expect(bad.object["error"]?.stringValue?.contains("user.craeted") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pagesThroughTenThousandEventsWithNoGapAndNoDuplicate(_ kind: StoreKind) async throws {
        try await withFeed(kind) { feed, _, admin in
            let at = Date()
            for chunk in 0..<10 {
                let events = (0..<1000).map { i in
                    ProvisioningEvent(
                        type: .userUpdated, at: at, userID: "u\(chunk * 1000 + i)", data: ["n": .int(chunk * 1000 + i)])
                }
                try await admin.store.withTransaction { tx in try await tx.appendEvents(events) }
            }
            var cursor = "0"
            var seen: [Int] = []
            var pages = 0
            while true {
                // Each page read until it holds what is left of a full page: on PostgreSQL a read may show an
                // event a moment late (another test's transaction ending while the read looks, docs/events.md),
                // which would end the paging early or cut a page short.
                let (events, next) = try await feed.page(
                    "?after=\(cursor)&limit=700", atLeast: min(700, 10_000 - seen.count))
                if events.isEmpty {
                    #expect(next == cursor)
                    break
                }
                seen += events.compactMap { Self.int($0["data"]?.objectValue?["n"]) }
                cursor = next
                pages += 1
            }
            #expect(seen == Array(0..<10_000))
            #expect(pages == 15)
            #expect(try await feed.page("?after=latest").events.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anEmptyPageWaitsAndWakesOnAChange(_ kind: StoreKind) async throws {
        try await withFeed(kind) { feed, scim, _ in
            let start = try await feed.page("?after=latest").next
            async let waited = feed.page("?after=\(start)&wait=20")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await scim.send(.post, "/Users", Self.user("late@example.com")).status == .created)
            let committed = ContinuousClock.now
            let page = try await waited
            let lag = ContinuousClock.now - committed
            #expect(page.events.first?["type"]?.stringValue == "user.created")
            // Woken by the change, not by its 20 seconds running out. (How fast: the feed looks every 100 ms;
            // scripts/events-test.sh measures the wake-up on a running server.)
            #expect(lag < .seconds(10), "woke \(lag) after the commit")
            // Nothing comes: the page is empty after the wait, with the same cursor.
            let empty = try await feed.page("?after=\(page.next)&wait=1")
            #expect(empty.events.isEmpty && empty.next == page.next)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPrunedCursorIsGoneAndBadInputIsRefused(_ kind: StoreKind) async throws {
        try await withFeed(kind) { feed, scim, admin in
            let old = Date().addingTimeInterval(-40 * 86_400)
            try await admin.store.withTransaction { tx in
                try await tx.appendEvents(
                    (0..<3).map { ProvisioningEvent(type: .userCreated, at: old, data: ["n": .int($0)]) })
            }
            #expect(try await scim.send(.post, "/Users", Self.user("new@example.com")).status == .created)
            #expect(try await Self.prune(EventFeed(store: admin.store)) == 3)
            let pruned = try await admin.store.read { tx in try await tx.prunedEventCursor() }
            #expect(pruned.sequence == 3)
            let gone = try await feed.get("?after=1")
            #expect(gone.status == .gone)
            #expect(gone.object["error"]?.stringValue?.contains("after=\(pruned)") == true)
            // From the pruned position on, nothing is missing.
            #expect(try await feed.page("?after=\(pruned)", atLeast: 1).events.count == 1)
            #expect(try await feed.get("?after=0").status == .gone)

            for query in [
                "?after=-1", "?after=abc", "?after=1.", "?after=.1", "?after=1.2.3", "?after=+1", "?limit=0",
                "?limit=1001", "?wait=61", "?wait=x",
            ] {
                let response = try await feed.get(query)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.object["error"]?.stringValue?.isEmpty == false)
            }
            #expect(try await feed.get("", authorization: "Bearer nope").status == .unauthorized)
            let accounts = AdminAccounts(store: admin.store, hasher: PasswordHasher(cost: 4))
            _ = try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
            let (_, token) = try await accounts.createToken(email: "root@example.com", name: "automation")
            #expect(try await feed.get("?after=\(pruned)", authorization: "Bearer \(token)").status == .ok)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func adminActionsAndTheGuardAreEventsToo(_ kind: StoreKind) async throws {
        try await withFeed(kind) { feed, scim, admin in
            let providerID = try #require(try await admin.providers().first?.id)
            var ids: [String] = []
            for i in 0..<12 {
                ids.append(try await scim.send(.post, "/Users", Self.user("g\(i)@example.com")).id)
            }
            let start = try await feed.page("?limit=1000", atLeast: 12).next
            _ = try await admin.placeLegalHold(email: "g0@example.com", matter: "Case 7")
            _ = try await admin.releaseLegalHold(email: "g0@example.com")
            // Threshold max(10, 10% of 12) = 10 deactivations in an hour: the 11th trips the guard.
            for id in ids.prefix(11) {
                #expect(
                    try await scim.send(
                        .patch, "/Users/\(id)", Self.patch(#"{"op":"replace","path":"active","value":false}"#)
                    ).status == .ok)
            }
            // 2 legal-hold events, 11 blocks, 10 scheduled deactivations, the trip and the held one.
            let events = try await feed.page("?after=\(start)&limit=1000", atLeast: 25).events
            let types = events.compactMap { $0["type"]?.stringValue }
            #expect(Array(types.prefix(2)) == ["user.legal_hold_placed", "user.legal_hold_released"], "\(types)")
            #expect(events[0]["data"]?.objectValue?["user"]?.objectValue?["legalHold"] == .bool(true))
            #expect(events[1]["data"]?.objectValue?["user"]?.objectValue?["legalHold"] == .bool(false))
            #expect(events[0]["providerId"] == .null, "an admin's change names no provider")
            let tripped = events.filter { $0["type"]?.stringValue == "provider.guard_tripped" }
            #expect(tripped.count == 1)
            #expect(tripped.first?["providerId"]?.stringValue == providerID)
            #expect(types.filter { $0 == "user.deactivation_held" }.count == 1)
            #expect(types.filter { $0 == "user.deactivation_scheduled" }.count == 10)
            // The trip comes before the hold it causes.
            #expect(
                (types.firstIndex(of: "provider.guard_tripped") ?? .max)
                    < (types.firstIndex(of: "user.deactivation_held") ?? -1))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retentionIsASetting(_ kind: StoreKind) async throws {
        try await AdminAPITests.withAPI(kind) { api, _, _ in
            #expect(Self.int(try await api.send(.get, "/api/v1/settings").json["eventRetentionDays"]) == 30)
            let bad = try await api.send(.patch, "/api/v1/settings", #"{"eventRetentionDays":0}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.json["error"]?.stringValue?.contains("eventRetentionDays") == true)
            let set = try await api.send(.patch, "/api/v1/settings", #"{"eventRetentionDays":7}"#)
            #expect(set.status == .ok && Self.int(set.json["eventRetentionDays"]) == 7)
        }
        try await withStore(kind) { store in
            let feed = EventFeed(store: store)
            try await feed.setRetentionDays(7)
            let now = Date()
            try await store.withTransaction { tx in
                try await tx.appendEvents([
                    ProvisioningEvent(type: .userCreated, at: now.addingTimeInterval(-8 * 86_400), data: [:]),
                    ProvisioningEvent(type: .userCreated, at: now.addingTimeInterval(-6 * 86_400), data: [:]),
                ])
            }
            let endpoint = try await WebhookService(store: store).add(url: "https://hooks.example.com/x")
            try await store.withTransaction { tx in
                for days in [8.0, 6.0] {
                    try await tx.appendDelivery(
                        WebhookDelivery(
                            endpointID: endpoint.id, eventID: "evt_\(days)", eventSequence: 1,
                            eventType: "user.created",
                            attempt: 1, at: now.addingTimeInterval(-days * 86_400), statusCode: 500,
                            latencyMilliseconds: 1))
                }
            }
            #expect(try await Self.prune(feed) == 1, "kept 7 days")
            let kept = try await store.read { tx in try await tx.deliveries(endpointID: endpoint.id, limit: 10) }
            #expect(kept.map(\.eventID) == ["evt_6.0"], "delivery attempts as old go with them")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func placementEventsCarryTheUsersRolesAndWatchlists(_ kind: StoreKind) async throws {
        try await withFeed(kind) { feed, scim, admin in
            let ann = try await scim.send(.post, "/Users", Self.user("ann@example.com")).id
            let bob = try await scim.send(.post, "/Users", Self.user("bob@example.com")).id
            let start = try await feed.page("?limit=1000", atLeast: 2).next
            try await admin.store.withTransaction { tx in
                try await tx.insertWatchlist(Watchlist(id: "wl1", name: "High risk", createdAt: Date()))
                try await tx.setRoles(userID: ann, roles: ["Desktop User", "Security Center User"])
                try await tx.setRoles(userID: bob, roles: ["Desktop User"])
                try await tx.addToWatchlist(watchlistID: "wl1", userID: bob, at: Date())
                let entries = [(ann, SyncAction.rolesChanged), (bob, .rolesChanged), (bob, .watchlistAdded)].map {
                    SyncLogEntry(at: Date(), providerID: nil, userID: $0.0, action: $0.1, detail: "by hand")
                }
                try await tx.record(entries)
            }
            let events = try await feed.page("?after=\(start)", atLeast: 3).events
            let users = events.map { $0["data"]?.objectValue?["user"]?.objectValue ?? [:] }
            #expect(
                events.map { $0["type"]?.stringValue } == [
                    "user.roles_changed", "user.roles_changed", "user.watchlists_changed",
                ])
            #expect(users[0]["roles"] == ["Desktop User", "Security Center User"])
            #expect(users[1]["roles"] == ["Desktop User"])
            #expect(users[2]["watchlists"] == ["wl1"])
            #expect(users[2]["roles"] == nil, "only what the event is about")
        }
    }
}
