import Foundation
import HTTPTypes
import Logging
import Provisioning
import RosterServer
import SCIM
import Testing

/// The user lifecycle through the SCIM API on every store: deactivation delay, cancel, legal hold, the
/// mass-deactivation guard, manual actions, local users and the sync log. Time passes by injecting `now` into the
/// scheduler, never by sleeping.
@Suite struct LifecycleAPITests {
    static let deactivate =
        #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
    static let reactivate =
        #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}"#

    static func scheduler(_ store: any ProvisioningStore, at offset: TimeInterval) -> DeactivationScheduler<
        ContinuousClock
    > {
        DeactivationScheduler(
            store: store, clock: ContinuousClock(), now: { Date().addingTimeInterval(offset) },
            logger: .init(label: "test"))
    }

    static func actions(_ admin: AdminService, _ email: String) async throws -> [String] {
        let user = try await admin.user(email: email)
        return try await admin.syncLog(SyncLogQuery(userID: user.id)).reversed().map(\.action.rawValue)
    }

    /// A user with a device, an archive and an open session.
    static func provisioned(_ client: SCIMTestClient, _ admin: AdminService, _ email: String) async throws
        -> (id: String, token: String)
    {
        let created = try await client.send(.post, "/Users", UsersAPITests.user(email))
        #expect(created.status == .created)
        let platform = PlatformService(store: admin.store)
        _ = try await platform.registerDevice(userName: email, name: "laptop")
        let (token, _) = try await platform.signIn(userName: email, deviceID: nil)
        return (created.id, token)
    }

    @Test(arguments: StoreKind.allCases)
    func deactivationIsDelayedAndCancelledByReactivation(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let okta = clients[0]
            let (id, token) = try await Self.provisioned(okta, admin, "ann@example.com")
            let before = Date()
            let patched = try await okta.send(.patch, "/Users/\(id)", Self.deactivate)
            #expect(patched.object["active"] == false)
            var user = try await admin.user(email: "ann@example.com")
            #expect(user.status == .blocked)
            let due = try #require(user.deactivationDueAt)
            #expect(abs(due.timeIntervalSince(before) - 900) < 60)
            // Blocked at once: the session is revoked, sign-in refused.
            let platform = PlatformService(store: admin.store)
            await #expect(throws: (any Error).self) { try await platform.currentSession(token: token) }
            await #expect(throws: (any Error).self) {
                try await platform.signIn(userName: "ann@example.com", deviceID: nil)
            }
            // Not due yet: the scheduler leaves it.
            #expect(try await Self.scheduler(admin.store, at: 60).runDue() == 0)
            #expect(try await okta.send(.get, "/Users/\(id)").object["active"] == false)
            // Reactivated inside the delay: cancelled, unblocked.
            #expect(try await okta.send(.patch, "/Users/\(id)", Self.reactivate).object["active"] == true)
            user = try await admin.user(email: "ann@example.com")
            #expect(user.status == .active)
            #expect(user.deactivationDueAt == nil)
            #expect(try await Self.scheduler(admin.store, at: 3600).runDue() == 0)
            #expect(try await admin.user(email: "ann@example.com").status == .active)
            #expect(
                try await Self.actions(admin, "ann@example.com")
                    == ["created", "blocked", "deactivation-scheduled", "deactivation-cancelled", "unblocked"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func dueDeactivationMovesArchivesToColdStorageAndReactivationBringsThemBack(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let (id, _) = try await Self.provisioned(okta, admin, "bob@example.com")
            try await admin.setColdStorageRetention(days: 30)
            // Okta AIW: deactivation by PUT with active false.
            var body = try await okta.send(.get, "/Users/\(id)").object
            body["active"] = false
            #expect(try await okta.send(.put, "/Users/\(id)", JSONValue.object(body).jsonText).status == .ok)
            #expect(try await Self.scheduler(admin.store, at: 901).runDue() == 1)
            var user = try await admin.user(email: "bob@example.com")
            #expect(user.status == .deactivated)
            var view = try await admin.view(of: user)
            let archive = try #require(view["archives"]?.arrayValue?.first?.objectValue)
            #expect(archive["tier"] == "cold")
            let coldUntil = try #require(archive["coldUntil"]?.stringValue.flatMap(Timestamp.parse))
            let expected = Timestamp.milliseconds(Date().addingTimeInterval(901 + 30 * 86_400))
            #expect(abs(coldUntil - expected) < 120_000)
            // Still readable by the provider, with active false (Okta never deletes).
            #expect(try await okta.send(.get, "/Users/\(id)").object["active"] == false)
            // The provider reactivates: account and archives come back.
            #expect(try await okta.send(.patch, "/Users/\(id)", Self.reactivate).status == .ok)
            user = try await admin.user(email: "bob@example.com")
            #expect(user.status == .active)
            view = try await admin.view(of: user)
            #expect(view["archives"]?.arrayValue?.first?.objectValue?["tier"] == "active")
            let log = try await admin.syncLog(SyncLogQuery(userID: user.id))
            #expect(log.first?.action == .reactivated)
            #expect(log.contains { $0.action == .deactivated && $0.providerID == issued[0].provider.id })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func legalHoldBlocksInsteadOfDeactivatingUntilReleased(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            _ = try await admin.updateProvider(id: issued[0].provider.id, name: nil, deactivationDelay: .zero)
            let (id, _) = try await Self.provisioned(okta, admin, "carol@example.com")
            try await admin.placeLegalHold(email: "carol@example.com", matter: "Case 42")
            #expect(try await okta.send(.delete, "/Users/\(id)").status == .noContent)
            #expect(try await Self.scheduler(admin.store, at: 1).runDue() == 1)
            var user = try await admin.user(email: "carol@example.com")
            #expect(user.status == .blocked)
            #expect(user.held == .legalHold)
            #expect(user.legalHoldMatter == "Case 42")
            let held = try await admin.syncLog(SyncLogQuery(userID: user.id, action: .deactivationHeld))
            #expect(held.first?.detail?.contains("legal hold") == true)
            // Released while the provider still has the user inactive: deactivated at once.
            user = try await admin.releaseLegalHold(email: "carol@example.com")
            #expect(user.status == .deactivated)
            // Deactivated users cannot be placed on hold.
            await #expect(throws: ProvisioningError.self) {
                try await admin.placeLegalHold(email: "carol@example.com", matter: nil)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func massDeactivationGuardHoldsAndAdminsReleaseOrCancel(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let providerID = issued[0].provider.id
            _ = try await admin.updateProvider(id: providerID, name: nil, deactivationDelay: .zero)
            var ids: [String] = []
            for i in 0..<14 {
                ids.append(try await okta.send(.post, "/Users", UsersAPITests.user("g\(i)@example.com")).id)
            }
            // Threshold: max(10, 10% of 14) = 10 deactivations within an hour; the 11th and later are held.
            for id in ids.prefix(12) {
                #expect(try await okta.send(.patch, "/Users/\(id)", Self.deactivate).status == .ok)
            }
            let provider = try await admin.provider(id: providerID)
            #expect(provider.guardTrippedAt != nil)
            #expect(try await admin.user(email: "g10@example.com").held == .massDeactivationGuard)
            #expect(try await admin.user(email: "g11@example.com").status == .blocked)
            #expect(try await Self.scheduler(admin.store, at: 1).runDue() == 10)
            #expect(try await admin.user(email: "g11@example.com").status == .blocked)
            // Once tripped, further deactivations are held too.
            #expect(try await okta.send(.patch, "/Users/\(ids[12])", Self.deactivate).status == .ok)
            #expect(try await admin.user(email: "g12@example.com").held == .massDeactivationGuard)
            // Cancel one batch? The admin cancels: unblocked, guard reset.
            #expect(try await admin.cancelHeldDeactivations(providerID: providerID) == 3)
            #expect(try await admin.user(email: "g12@example.com").status == .active)
            #expect(try await admin.provider(id: providerID).guardTrippedAt == nil)
            // Tripped again later (the hour still counts 10), then released: they run.
            #expect(try await okta.send(.patch, "/Users/\(ids[13])", Self.deactivate).status == .ok)
            #expect(try await admin.user(email: "g13@example.com").held == .massDeactivationGuard)
            #expect(try await admin.releaseHeldDeactivations(providerID: providerID) == 1)
            #expect(try await Self.scheduler(admin.store, at: 1).runDue() == 1)
            #expect(try await admin.user(email: "g13@example.com").status == .deactivated)
            // Disabled guard: nothing is held.
            _ = try await admin.updateGuard(providerID: providerID) { $0.enabled = false }
            #expect(try await okta.send(.patch, "/Users/\(ids[12])", Self.deactivate).status == .ok)
            #expect(try await admin.user(email: "g12@example.com").held == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func manualActionsHaveNoDelay(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let okta = clients[0]
            let (_, token) = try await Self.provisioned(okta, admin, "dan@example.com")
            let platform = PlatformService(store: admin.store)
            var user = try await admin.perform(.block, email: "dan@example.com")
            #expect(user.status == .blocked)
            await #expect(throws: (any Error).self) { try await platform.currentSession(token: token) }
            user = try await admin.perform(.unblock, email: "dan@example.com")
            #expect(user.status == .active)
            user = try await admin.perform(.deactivate, email: "dan@example.com")
            #expect(user.status == .deactivated)
            #expect(try await admin.view(of: user)["archives"]?.arrayValue?.first?.objectValue?["tier"] == "cold")
            user = try await admin.perform(.reactivate, email: "dan@example.com")
            #expect(user.status == .active)
            try await admin.placeLegalHold(email: "dan@example.com", matter: nil)
            await #expect(throws: ProvisioningError.self) {
                try await admin.perform(.deactivate, email: "dan@example.com")
            }
            // Local users: admins act on them; providers never see them.
            let local = try await admin.addLocalUser(email: "eve@example.com", name: nil)
            #expect(try await admin.perform(.block, email: "eve@example.com").status == .blocked)
            #expect(try await okta.send(.patch, "/Users/\(local.id)", Self.deactivate).status == .notFound)
            #expect(try await okta.send(.delete, "/Users/\(local.id)").status == .notFound)
            // The IdP's values win: admins edit local users only; the refusal names the provider.
            do {
                _ = try await admin.updateUser(email: "dan@example.com", .init(title: "X"))
                Issue.record("editing a provisioned user must be refused")
            } catch let error as ProvisioningError {
                #expect(error.message.contains("'Okta'"))
            }
            #expect(
                try await admin.updateUser(email: "eve@example.com", .init(title: "Boss")).attributes["title"] == "Boss"
            )
        }
    }

    @Test(arguments: StoreKind.allCases)
    func syncLogRecordsChangesAndRefusalsButNotNoOps(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let created = try await okta.send(.post, "/Users", UsersAPITests.user("fay@example.com"))
            let fetched = try await okta.send(.get, "/Users/\(created.id)")
            #expect(try await okta.send(.put, "/Users/\(created.id)", fetched.json.jsonText).status == .ok)
            var body = fetched.object
            body["title"] = "Lead"
            body["name"] = ["givenName": "Fay", "familyName": "B"]
            #expect(try await okta.send(.put, "/Users/\(created.id)", JSONValue.object(body).jsonText).status == .ok)
            let bad = try await okta.send(
                .patch, "/Users/\(created.id)",
                #"{"Operations":[{"op":"replace","path":"userName","value":"not-an-email"}]}"#)
            #expect(bad.status == .badRequest)
            _ = try await admin.addLocalUser(email: "local@example.com", name: nil)
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("local@example.com")).status == .conflict)
            let log = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id))
            let fay = log.filter { $0.userName == "fay@example.com" }.map(\.action)
            #expect(fay == [.rejected, .updated, .created])  // the unchanged PUT recorded nothing
            #expect(log.first { $0.action == .updated }?.detail == "name, title")
            #expect(
                log.first { $0.userName == "fay@example.com" && $0.action == .rejected }?.detail?.contains("userName")
                    == true)
            #expect(log.contains { $0.action == .rejected && $0.userName == "local@example.com" })
            #expect(log.allSatisfy { $0.requestID?.isEmpty == false })
            // A PATCH that does not even decode is refused and recorded too.
            #expect(
                try await okta.send(.patch, "/Users/\(created.id)", #"{"Operations":[{"op":"jump"}]}"#).status
                    == .badRequest)
            let last = try await admin.syncLog(SyncLogQuery(userID: created.id, limit: 1))
            #expect(last.first?.action == .rejected)
            #expect(last.first?.detail?.contains("jump") == true)
            // Groups and members.
            let group = try await okta.send(
                .post, "/Groups", #"{"displayName":"Eng","members":[{"value":"\#(created.id)"}]}"#)
            _ = try await okta.send(
                .patch, "/Groups/\(group.id)",
                #"{"Operations":[{"op":"remove","path":"members[value eq \"\#(created.id)\"]"},{"op":"replace","path":"displayName","value":"Engineering"}]}"#
            )
            _ = try await okta.send(.delete, "/Groups/\(group.id)")
            let groupLog = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id)).filter {
                $0.groupID == group.id
            }
            #expect(
                groupLog.reversed().map(\.action) == [
                    .groupCreated, .memberAdded, .groupUpdated, .memberRemoved, .groupDeleted,
                ])
        }
    }
}
