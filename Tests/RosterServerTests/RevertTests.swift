import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Provisioning
import RosterServer
import SCIM
import Testing

/// Reverting a provider's changes since an instant: a bad push undone through the domain's write paths, compared
/// by full dumps of users, organizations, roles, watchlists, groups and memberships before and after.
@Suite struct RevertTests {
    /// Everything a push can change, as comparable text: timestamps and versions (an ETag must change when the
    /// content changed and changed back) left out, member lists sorted.
    static func dump(_ store: any ProvisioningStore, providerID: String) async throws -> [String] {
        try await store.read { tx in
            var lines: [String] = []
            let users = try await tx.allUsers(offset: 0, limit: 100_000)
            let roles = try await tx.roles(ofUsers: users.map(\.id))
            let watchlists = try await tx.watchlists(ofUsers: users.map(\.id))
            let groupsOf = try await tx.groups(ofUsers: users.map(\.id))
            for u in users {
                let state = [
                    u.id, u.userName, u.attributes.jsonText, "linked \(u.linked)", u.status.rawValue,
                    "scim \(u.scimActive) deactivated \(u.deactivated) blocked \(u.adminBlocked)",
                    "due \(u.deactivationDueAt.map(Timestamp.format) ?? "-") held \(u.held.map { "\($0)" } ?? "-")",
                    "hold \(u.legalHold) org \(u.organizationID) pinned \(u.organizationPinned)",
                    "roles \(roles[u.id] ?? [])", "watchlists \(watchlists[u.id] ?? [])",
                    "groups \((groupsOf[u.id] ?? []).map(\.id).sorted())",
                ]
                lines.append("user " + state.joined(separator: " | "))
            }
            let groups = try await tx.groups(
                providerID: providerID, query: StoreQuery(filter: nil, sort: nil, offset: 0, limit: 10_000))
            for g in groups.items.sorted(by: { $0.id < $1.id }) {
                let members = try await tx.members(groupID: g.id, limit: .max)
                    .map { "\($0.id)=\($0.display ?? "-")" }.sorted()
                lines.append(
                    "group \(g.id) | \(g.displayName) | \(g.attributes.jsonText) | \(g.memberCount) | \(members)")
            }
            let counts = try await tx.organizationUserCounts()
            for o in try await tx.organizations().sorted(by: { $0.id < $1.id }) {
                lines.append(
                    "organization \(o.id) | \(o.name) | \(o.parentID ?? "-") | \(o.defaultRoles) | \(counts[o.id] ?? 0)"
                )
            }
            let rules = try await tx.mappingRules(providerID: providerID)
            lines.append("rules \(rules.organizations) \(rules.roles) \(rules.watchlists)")
            return lines
        }
    }

    static func deactivate(_ okta: SCIMTestClient, _ id: String) async throws {
        let r = try await okta.send(
            .patch, "/Users/\(id)", GroupsAPITests.patch(#"[{"op":"replace","value":{"active":false}}]"#))
        #expect(r.status == .ok, "\(r.detail)")
    }

    /// The issue's bad push over SCIM, 1,000 users: 300 deactivated, 200 moved to another organization by a changed
    /// attribute, a mapped group of 500 emptied; besides, a user deleted and the mapped group it was in deleted, and
    /// a user created. After the revert, the dump equals the one before; the created user is left alone and listed.
    @Test(arguments: StoreKind.allCases)
    func aBadPushOfAThousandUsersIsUndone(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            let revert = RevertService(store: admin.store)
            _ = try await admin.addOrganization(name: "Regions", parent: nil, defaultRoles: nil)
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .attribute, organization: nil, attribute: nil, parent: "Regions")
            _ = try await admin.setRoleMappingMode(providerID: pid, mode: .groups)
            _ = try await admin.addWatchlist(name: "Departing")

            var ids: [String] = []
            for i in 0..<1000 {
                ids.append(
                    try await MappingAPITests.createUser(
                        okta, "u\(i)@example.com", extra: #","c42OrgName":"\#(i < 500 ? "EMEA" : "APAC")""#))
            }
            func group(_ name: String, _ members: Range<Int>) async throws -> String {
                let list = members.map { #"{"value":"\#(ids[$0])","display":"User \#($0)"}"# }.joined(separator: ",")
                let r = try await okta.send(
                    .post, "/Groups",
                    #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"\#(name)","members":[\#(list)]}"#
                )
                #expect(r.status == .created, "\(r.detail)")
                return r.id
            }
            let admins = try await group("Backup Admins", 0..<500)
            let contractors = try await group("Contractors", 900..<910)
            _ = try await admin.addRoleRule(providerID: pid, group: "Backup Admins", roles: ["Audit Log Viewer"])
            _ = try await admin.addWatchlistRule(providerID: pid, group: "Contractors", watchlist: "Departing")
            _ = try await admin.addRoleRule(providerID: pid, group: "Contractors", roles: ["Desktop User"])
            _ = try await admin.applyMappings(providerID: pid, dryRun: false)
            // User 500 has an archive: its deactivation comes due below, and the revert brings the archive back.
            _ = try await PlatformService(store: admin.store).registerDevice(
                userName: "u500@example.com", name: "laptop")

            let before = try await Self.dump(admin.store, providerID: pid)
            #expect(before.contains { $0.contains("u0@example.com") && $0.contains("Audit Log Viewer") })
            try await Task.sleep(for: .milliseconds(5))
            let since = Date()
            try await Task.sleep(for: .milliseconds(5))

            // The bad push.
            for i in 500..<800 { try await Self.deactivate(okta, ids[i]) }
            for i in 0..<200 {
                let r = try await okta.send(
                    .patch, "/Users/\(ids[i])",
                    GroupsAPITests.patch(#"[{"op":"replace","value":{"c42OrgName":"APAC"}}]"#))
                #expect(r.status == .ok)
            }
            let emptied = try await okta.send(
                .patch, "/Groups/\(admins)", GroupsAPITests.patch(#"[{"op":"remove","path":"members"}]"#))
            #expect(emptied.status == .ok && (emptied.object["members"]?.arrayValue ?? []).isEmpty)
            #expect(try await okta.send(.delete, "/Users/\(ids[905])").status == .noContent)
            #expect(try await okta.send(.delete, "/Groups/\(contractors)").status == .noContent)
            let newcomer = try await MappingAPITests.createUser(
                okta, "new@example.com", extra: #","c42OrgName":"EMEA""#)
            // Changed after its creation: still left alone (its first image is no state to go back to).
            let titled = try await okta.send(
                .patch, "/Users/\(newcomer)", GroupsAPITests.patch(#"[{"op":"replace","path":"title","value":"New"}]"#))
            #expect(titled.status == .ok)
            // The guard held most deactivations; the first ones come due and move archives to cold storage.
            #expect(try await LifecycleAPITests.scheduler(admin.store, at: 901).runDue() > 0)
            let u500 = try await admin.user(email: "u500@example.com")
            #expect(u500.status == .deactivated)
            #expect(try await admin.view(of: u500)["archives"]?.arrayValue?.first?.objectValue?["tier"] == "cold")
            let pushed = try await Self.dump(admin.store, providerID: pid)
            #expect(pushed != before)

            // The preview: what the revert will do, and nothing written.
            let plan = try await revert.plan(providerID: pid, since: since)
            #expect(plan.users.count == 501, "300 deactivated, 200 moved, 1 deleted")
            #expect(plan.reactivations == 301)
            #expect(plan.users.filter(\.relink).map(\.id) == [ids[905]])
            #expect(plan.users.first { $0.id == ids[0] }?.changed == ["c42OrgName"])
            #expect(plan.membershipsAdded == 510 && plan.membershipsRemoved == 0)
            #expect(plan.groupsRecreated == 1)
            #expect(plan.groups.first { $0.recreate != nil }?.add.count == 10)
            #expect(plan.createdUsers.map(\.id) == [newcomer])
            #expect(plan.skipped.isEmpty)
            #expect(try await Self.dump(admin.store, providerID: pid) == pushed)

            let outcome = try await revert.revert(providerID: pid, since: since, by: "root@example.com")
            #expect(outcome.failures.isEmpty)
            var after = try await Self.dump(admin.store, providerID: pid)
            // The created user is left alone: the only difference is it, and its organization's count.
            let placed = try await admin.user(id: newcomer)
            #expect(placed.linked && placed.status == .active && placed.attributes["title"] == "New")
            after.removeAll { $0.hasPrefix("user \(newcomer) ") }
            after = after.map { line in
                guard line.hasPrefix("organization \(placed.organizationID) "),
                    let count = Int(line.split(separator: " ").last!)
                else { return line }
                return line.dropLast(String(count).count) + String(count - 1)
            }
            let difference = after.difference(from: before)
            #expect(difference.isEmpty, "\(difference.prefix(6))")
            #expect(try await admin.view(of: u500)["archives"]?.arrayValue?.first?.objectValue?["tier"] == "active")

            // Logged as the admin's revert; every change it made carries its id.
            let entries = try await admin.syncLog(SyncLogQuery(providerID: pid, action: .reverted))
            #expect(entries.count == 1)
            #expect(entries.first?.detail?.hasPrefix("by root@example.com: changes since ") == true)
            #expect(entries.first?.requestID == outcome.revertID)
            var query = SyncLogQuery(providerID: pid, limit: 10_000)
            query.requestID = outcome.revertID
            let changes = try await admin.syncLog(query)
            #expect(changes.contains { $0.action == .reactivated && $0.userID == u500.id })
            #expect(changes.contains { $0.action == .memberAdded && $0.groupID == admins })
            #expect(changes.contains { $0.action == .groupCreated && $0.groupID == contractors })

            // Done again, it finds nothing to do.
            #expect(try await revert.plan(providerID: pid, since: since).isEmpty)
        }
    }

    /// Legal-hold and local-user rules still apply; a name taken since is skipped with its reason; the provider that
    /// pushes again after a revert wins.
    @Test(arguments: StoreKind.allCases)
    func rulesStillApplyAndTheProviderWinsAfterwards(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            let revert = RevertService(store: admin.store)
            let ann = try await MappingAPITests.createUser(okta, "ann@example.com")
            let bob = try await MappingAPITests.createUser(okta, "bob@example.com")
            let cy = try await MappingAPITests.createUser(okta, "cy@example.com")
            _ = try await admin.placeLegalHold(email: "ann@example.com", matter: "Matter 7")
            try await Task.sleep(for: .milliseconds(5))
            let since = Date()
            try await Task.sleep(for: .milliseconds(5))
            // Ann (on hold) is deactivated by the IdP: blocked, held. Bob is renamed, and a local user then takes
            // his old name. Cy is renamed.
            try await Self.deactivate(okta, ann)
            _ = try await LifecycleAPITests.scheduler(admin.store, at: 901).runDue()
            #expect(try await admin.user(email: "ann@example.com").held == .legalHold)
            for (id, name) in [(bob, "robert@example.com"), (cy, "cyril@example.com")] {
                let r = try await okta.send(
                    .patch, "/Users/\(id)",
                    GroupsAPITests.patch(#"[{"op":"replace","path":"userName","value":"\#(name)"}]"#))
                #expect(r.status == .ok, "\(r.detail)")
            }
            _ = try await admin.addLocalUser(email: "bob@example.com", name: nil)

            let outcome = try await revert.revert(providerID: pid, since: since, by: "root@example.com")
            #expect(outcome.failures.map(\.id) == [bob])
            #expect(outcome.failures.first?.reason.contains("bob@example.com") == true)
            // Ann is active again and still on hold; Cy has his name back; Bob keeps the new one.
            let annNow = try await admin.user(email: "ann@example.com")
            #expect(annNow.status == .active && annNow.legalHold && annNow.held == nil)
            #expect(try await admin.user(id: cy).userName == "cy@example.com")
            #expect(try await admin.user(id: bob).userName == "robert@example.com")
            // The local user is never touched, and the IdP's next push wins.
            #expect(try await admin.user(email: "bob@example.com").isLocal)
            let r = try await okta.send(
                .patch, "/Users/\(cy)",
                GroupsAPITests.patch(#"[{"op":"replace","path":"userName","value":"cyril@example.com"}]"#))
            #expect(r.status == .ok && r.object["userName"] == "cyril@example.com")

            await #expect(throws: ProvisioningError.self) {
                try await revert.plan(providerID: pid, since: Date().addingTimeInterval(3600))
            }
            await #expect(throws: ProvisioningError.self) {
                try await revert.plan(providerID: "nosuchprov1", since: since)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theAdminAPIPreviewsAndReverts(_ kind: StoreKind) async throws {
        try await AdminAPITests.withAPI(kind) { api, okta, pid in
            let ann = try await MappingAPITests.createUser(okta, "ann@example.com")
            try await Task.sleep(for: .milliseconds(5))
            let since = #"{"since":"\#(Timestamp.format(Date()))"}"#
            try await Task.sleep(for: .milliseconds(5))
            try await Self.deactivate(okta, ann)
            // Since a minute ago, Ann was created in the period: left alone.
            let recent = try await api.send(.post, "/api/v1/providers/\(pid)/revert?dryRun=true", #"{"since":"1m"}"#)
            #expect(recent.json["createdUsers"]?.arrayValue?.count == 1 && recent.json["users"]?.arrayValue == [])
            let preview = try await api.send(.post, "/api/v1/providers/\(pid)/revert?dryRun=true", since)
            #expect(preview.status == .ok)
            #expect(preview.json["counts"]?.objectValue?["reactivated"] == .int(1))
            #expect(try await okta.send(.get, "/Users/\(ann)").object["active"] == false, "a preview writes nothing")
            let done = try await api.send(.post, "/api/v1/providers/\(pid)/revert", since)
            #expect(done.status == .ok)
            #expect(done.json["revertId"]?.stringValue?.hasPrefix("revert-") == true)
            #expect(try await okta.send(.get, "/Users/\(ann)").object["active"] == true)
            let bad = try await api.send(.post, "/api/v1/providers/\(pid)/revert", #"{"since":"yesterday"}"#)
            #expect(bad.status == .badRequest && bad.json["error"]?.stringValue?.contains("since") == true)
            #expect(try await api.send(.post, "/api/v1/providers/\(pid)/revert", "{}").status == .badRequest)
            #expect(
                try await api.send(.post, "/api/v1/providers/nosuchprov1/revert", #"{"since":"1h"}"#).status
                    == .notFound)
        }
    }

    /// The console: the provider page links to the revert; the preview says what comes back and what is left
    /// alone, advises pausing first, and writes nothing; confirming reverts and names the admin.
    @Test(arguments: StoreKind.allCases)
    func theConsolePreviewsThenReverts(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, okta, issued, admin in
            var b = try await ConsoleTests.signedIn(browser)
            let pid = issued.provider.id
            let ann = try await MappingAPITests.createUser(okta, "ann@example.com")
            try await Task.sleep(for: .milliseconds(5))
            let since = Date()
            try await Task.sleep(for: .milliseconds(5))
            try await Self.deactivate(okta, ann)
            _ = try await MappingAPITests.createUser(okta, "newcomer@example.com")

            #expect(
                try await b.get("/console/providers/\(pid)").body.contains("href=\"/console/providers/\(pid)/revert\""))
            let form = try await b.get("/console/providers/\(pid)/revert")
            #expect(
                form.status == .ok && form.body.contains("id=\"revert-since\"") && !form.body.contains("revert-counts"))
            let preview = try await b.get(
                "/console/providers/\(pid)/revert?since=\(ConsoleBrowser.escape(Timestamp.format(since)))")
            #expect(preview.status == .ok)
            #expect(preview.body.contains("<dd data-count=\"reactivated\">1</dd>"))
            #expect(preview.body.contains("ann@example.com") && preview.body.contains("reactivated"))
            #expect(preview.body.contains("newcomer@example.com"), "listed as left alone")
            #expect(preview.body.contains("source of truth") && preview.body.contains("id=\"revert-pause\""))
            #expect(try await admin.user(id: ann).status == .blocked, "a preview writes nothing")
            #expect(try await b.get("/console/providers/\(pid)/revert?since=soon").status == .badRequest)

            let done = try await b.post("/console/providers/\(pid)/revert", [("since", Timestamp.format(since))])
            #expect(done.status == .seeOther)
            #expect(try await admin.user(id: ann).status == .active)
            let page = try await b.get("/console/providers/\(pid)")
            #expect(page.body.contains("Reverted: 1 user restored (1 reactivated)"))
            let entry = try await admin.syncLog(SyncLogQuery(providerID: pid, action: .reverted)).first
            #expect(entry?.detail?.hasPrefix("by root@example.com") == true)
            let again = try await b.get(
                "/console/providers/\(pid)/revert?since=\(ConsoleBrowser.escape(Timestamp.format(since)))")
            #expect(again.body.contains("id=\"revert-nothing\"") && !again.body.contains("confirm-revert"))
        }
    }
}
