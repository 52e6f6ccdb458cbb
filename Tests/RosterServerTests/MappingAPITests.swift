import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// Organizations, roles and watchlists from SCIM groups and attributes, pushed through the SCIM API with Okta's
/// request shapes, mapped with the admin service, applied with and without a dry run.
@Suite struct MappingAPITests {
    typealias Admin = AdminService

    /// Where a user sits: organization name, roles, watchlist names.
    struct Seat: Equatable, CustomStringConvertible {
        var organization: String
        var roles: [String]
        var watchlists: [String]
        var description: String { "\(organization) \(roles) \(watchlists)" }
    }

    static func seat(_ admin: Admin, _ email: String) async throws -> Seat {
        let view = try await admin.view(of: try await admin.user(email: email))
        func strings(_ key: String) -> [String] { view[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        return Seat(
            organization: view["organization"]?.stringValue ?? "", roles: strings("roles"),
            watchlists: strings("watchlists"))
    }

    static func createUser(_ client: SCIMTestClient, _ email: String, extra: String = "") async throws -> String {
        let r = try await client.send(.post, "/Users", UsersAPITests.user(email, extra: extra))
        #expect(r.status == .created, "\(r.detail)")
        return r.id
    }

    /// Okta's Group Push create (Okta SCIM 2.0 reference, "Create Groups"), with members.
    static func createGroup(_ client: SCIMTestClient, _ name: String, members: [String] = []) async throws -> String {
        let list = members.map { #"{"value":"\#($0)"}"# }.joined(separator: ",")
        let r = try await client.send(
            .post, "/Groups",
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"\#(name)","members":[\#(list)]}"#
        )
        #expect(r.status == .created, "\(r.detail)")
        return r.id
    }

    /// Okta's membership update: `add` with `path: members`.
    static func addMember(_ client: SCIMTestClient, group: String, user: String) async throws {
        let r = try await client.send(
            .patch, "/Groups/\(group)",
            GroupsAPITests.patch(#"[{"op":"add","path":"members","value":[{"value":"\#(user)","display":"x"}]}]"#))
        #expect(r.status == .ok || r.status == .noContent, "\(r.detail)")
    }

    /// Okta's membership removal: `remove` with a `members[value eq "…"]` filter.
    static func removeMember(_ client: SCIMTestClient, group: String, user: String) async throws {
        let r = try await client.send(
            .patch, "/Groups/\(group)",
            GroupsAPITests.patch(#"[{"op":"remove","path":"members[value eq \"\#(user)\"]"}]"#))
        #expect(r.status == .ok || r.status == .noContent, "\(r.detail)")
    }

    static let desktop = ["Desktop User"]

    // MARK: Membership changes re-evaluate at once

    @Test(arguments: StoreKind.allCases)
    func membershipChangesMoveRolesAndWatchlists(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            let ann = try await Self.createUser(okta, "ann@example.com")
            let bob = try await Self.createUser(okta, "bob@example.com")
            #expect(
                try await Self.seat(admin, "ann@example.com")
                    == Seat(organization: "Root", roles: Self.desktop, watchlists: []))
            let created = try #require(
                try await admin.syncLog(SyncLogQuery(userID: ann)).first { $0.action == .created })
            #expect(created.detail == "organization Root; roles Desktop User")

            let security = try await Self.createGroup(okta, "Security")
            let leavers = try await Self.createGroup(okta, "Leavers")
            _ = try await admin.addWatchlist(name: "Departing Employees")
            _ = try await admin.addRoleRule(
                providerID: pid, group: "security", roles: ["security administrator", "Insider Risk Analyst"])
            _ = try await admin.addWatchlistRule(providerID: pid, group: "Leavers", watchlist: "departing employees")

            try await Self.addMember(okta, group: security, user: ann)
            try await Self.addMember(okta, group: leavers, user: bob)
            #expect(
                try await Self.seat(admin, "ann@example.com")
                    == Seat(
                        organization: "Root", roles: ["Insider Risk Analyst", "Security Administrator"], watchlists: [])
            )
            #expect(
                try await Self.seat(admin, "bob@example.com")
                    == Seat(organization: "Root", roles: Self.desktop, watchlists: ["Departing Employees"]))

            // The sync log says what moved, with the request that moved it.
            let annLog = try await admin.syncLog(SyncLogQuery(userID: ann))
            let rolesEntry = try #require(annLog.first { $0.action == .rolesChanged })
            #expect(rolesEntry.detail == "+Insider Risk Analyst, +Security Administrator, −Desktop User")
            #expect(rolesEntry.providerID == pid)
            let bobLog = try await admin.syncLog(SyncLogQuery(userID: bob))
            #expect(bobLog.contains { $0.action == .watchlistAdded && $0.detail == "Departing Employees" })

            // Leaving the group leaves the watchlist and the roles.
            try await Self.removeMember(okta, group: security, user: ann)
            try await Self.removeMember(okta, group: leavers, user: bob)
            #expect(try await Self.seat(admin, "ann@example.com").roles == Self.desktop)
            #expect(try await Self.seat(admin, "bob@example.com").watchlists == [])
            #expect(try await admin.syncLog(SyncLogQuery(userID: bob)).contains { $0.action == .watchlistRemoved })

            // Deleting a mapped group re-evaluates its former members, and its rules go with it.
            try await Self.addMember(okta, group: security, user: ann)
            #expect(try await Self.seat(admin, "ann@example.com").roles.contains("Security Administrator"))
            #expect(try await okta.send(.delete, "/Groups/\(security)").status == .noContent)
            #expect(try await Self.seat(admin, "ann@example.com").roles == Self.desktop)
            #expect(try await admin.mappingOverview(providerID: pid).roleRules.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func manualRoleModeNeverChangesRoles(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            let ann = try await Self.createUser(okta, "ann@example.com")
            let admins = try await Self.createGroup(okta, "Admins")
            _ = try await admin.addRoleRule(providerID: pid, group: "Admins", roles: ["Customer Cloud Admin"])
            // In mode groups, an admin cannot set the roles by hand.
            await #expect(throws: ProvisioningError.self) {
                try await admin.setRoles(email: "ann@example.com", roles: ["Audit Log Viewer"])
            }
            _ = try await admin.setRoleMappingMode(providerID: pid, mode: .manual)
            // A user created in manual mode starts with the organization's default roles.
            _ = try await Self.createUser(okta, "bob@example.com")
            #expect(try await Self.seat(admin, "bob@example.com").roles == Self.desktop)
            try await Self.addMember(okta, group: admins, user: ann)
            #expect(try await Self.seat(admin, "ann@example.com").roles == Self.desktop)
            #expect(
                try await admin.setRoles(email: "ann@example.com", roles: ["audit log viewer"]) == ["Audit Log Viewer"])
            let report = try await admin.applyMappings(providerID: pid, dryRun: false)
            #expect(report.roleChanges == 0)
            #expect(try await Self.seat(admin, "ann@example.com").roles == ["Audit Log Viewer"])
        }
    }

    // MARK: Apply org and role settings

    @Test(arguments: StoreKind.allCases)
    func applyWithAndWithoutDryRun(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            // Groups are pushed first, as method groups needs.
            let ann = try await Self.createUser(okta, "ann@example.com")
            let bob = try await Self.createUser(okta, "bob@example.com")
            let cy = try await Self.createUser(okta, "cy@example.com")
            _ = try await Self.createUser(okta, "dee@example.com")
            _ = try await Self.createGroup(okta, "Engineering", members: [ann, bob])
            _ = try await Self.createGroup(okta, "Sales", members: [cy])
            _ = try await Self.createGroup(okta, "Sales Leads", members: [cy])
            _ = try await admin.addOrganization(
                name: "Engineering", parent: nil, defaultRoles: ["Desktop User", "Audit Log Viewer"])
            _ = try await admin.addOrganization(name: "Sales", parent: nil, defaultRoles: nil)
            _ = try await admin.addOrganization(name: "Unassigned", parent: nil, defaultRoles: nil)
            let (_, note) = try await admin.setOrganizationMapping(
                providerID: pid, method: .groups, organization: "Unassigned", attribute: nil, parent: nil)
            #expect(note == nil)
            _ = try await admin.addOrganizationRule(
                providerID: pid, group: "Engineering", organization: "Engineering", priority: nil)
            _ = try await admin.addOrganizationRule(
                providerID: pid, group: "Sales Leads", organization: "Engineering", priority: 2)
            _ = try await admin.addOrganizationRule(providerID: pid, group: "Sales", organization: "Sales", priority: 1)
            _ = try await admin.addRoleRule(providerID: pid, group: "Sales Leads", roles: ["Insider Risk Analyst"])

            // Changing the mapping moved nobody.
            #expect(try await Self.seat(admin, "ann@example.com").organization == "Root")

            let dry = try await admin.applyMappings(providerID: pid, dryRun: true)
            #expect(dry.dryRun && dry.processed == 4 && dry.changed == 4)
            #expect(dry.organizationMoves == 4 && dry.roleChanges == 3)
            let cyChange = try #require(dry.changes.first { $0.userName == "cy@example.com" })
            #expect(cyChange.organizationFrom == "Root" && cyChange.organizationTo == "Sales")
            #expect(cyChange.rolesTo == ["Insider Risk Analyst"])
            // Nothing was written.
            #expect(try await Self.seat(admin, "cy@example.com").organization == "Root")
            #expect(try await admin.syncLog(SyncLogQuery(action: .orgChanged)).isEmpty)

            let real = try await admin.applyMappings(providerID: pid, dryRun: false, batchSize: 3)
            #expect(real.processed == 4 && real.changed == 4 && real.organizationMoves == 4 && real.roleChanges == 3)
            #expect(real.changes == dry.changes)
            #expect(
                try await Self.seat(admin, "ann@example.com")
                    == Seat(organization: "Engineering", roles: ["Audit Log Viewer", "Desktop User"], watchlists: []))
            #expect(
                try await Self.seat(admin, "cy@example.com")
                    == Seat(organization: "Sales", roles: ["Insider Risk Analyst"], watchlists: []))
            #expect(try await Self.seat(admin, "dee@example.com").organization == "Unassigned")
            let moves = try await admin.syncLog(SyncLogQuery(action: .orgChanged))
            #expect(moves.count == 4)
            #expect(moves.allSatisfy { $0.requestID == "apply:\(real.runID ?? "")" })
            #expect(try await admin.syncLog(SyncLogQuery(action: .mappingsApplied)).count == 1)

            // Applying again changes nothing.
            let again = try await admin.applyMappings(providerID: pid, dryRun: false)
            #expect(again.processed == 4 && again.changed == 0)

            // From now on membership changes move people by themselves.
            try await Self.removeMember(
                okta, group: (try await admin.mappingOverview(providerID: pid)).groups[1].id, user: cy)
            #expect(try await Self.seat(admin, "cy@example.com").organization == "Engineering")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func applyResumesAnInterruptedRun(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            for i in 0..<25 { _ = try await Self.createUser(okta, "u\(i)@example.com") }
            _ = try await admin.addOrganization(name: "Everyone", parent: nil, defaultRoles: nil)
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .single, organization: "Everyone", attribute: nil, parent: nil)
            // A run that committed its first batch of 10 and then died.
            let cursor = try await admin.store.read { tx in
                try await tx.userBatch(providerID: pid, after: 0, limit: 10).last!.sequence
            }
            let crashed = MappingRun(
                id: "crashed-run", providerID: pid, startedAt: Date(), cursor: cursor, processed: 10)
            try await admin.store.withTransaction { tx in try await tx.saveMappingRun(crashed) }

            let report = try await admin.applyMappings(providerID: pid, dryRun: false, batchSize: 10)
            #expect(report.resumed && report.runID == "crashed-run")
            #expect(report.processed == 25 && report.changed == 15)
            // The first ten were the crashed run's (here untouched, to show they were not redone).
            #expect(try await Self.seat(admin, "u0@example.com").organization == "Root")
            #expect(try await Self.seat(admin, "u9@example.com").organization == "Root")
            #expect(try await Self.seat(admin, "u10@example.com").organization == "Everyone")
            #expect(try await Self.seat(admin, "u24@example.com").organization == "Everyone")
            #expect(try await admin.store.read { tx in try await tx.openMappingRun(providerID: pid) } == nil)
            // A new run starts from the beginning.
            let fresh = try await admin.applyMappings(providerID: pid, dryRun: false, batchSize: 10)
            #expect(!fresh.resumed && fresh.changed == 10)
        }
    }

    // MARK: Attribute methods create organizations

    @Test(arguments: StoreKind.allCases)
    func c42OrgNameCreatesOrganizations(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            _ = try await admin.addOrganization(
                name: "Regions", parent: nil, defaultRoles: ["Desktop User", "Audit Log Viewer"])
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .attribute, organization: nil, attribute: nil, parent: "Regions")
            let ann = try await Self.createUser(okta, "ann@example.com", extra: #","c42OrgName":"EMEA""#)
            _ = try await Self.createUser(okta, "bob@example.com", extra: #","c42OrgName":"emea""#)
            _ = try await Self.createUser(okta, "cy@example.com")
            #expect(
                try await Self.seat(admin, "ann@example.com")
                    == Seat(organization: "EMEA", roles: ["Audit Log Viewer", "Desktop User"], watchlists: []))
            #expect(try await Self.seat(admin, "bob@example.com").organization == "EMEA")
            #expect(try await Self.seat(admin, "cy@example.com").organization == "Root")
            let organizations = try await admin.organizations()
            let emea = try #require(organizations.first { $0.organization.name == "EMEA" })
            #expect(emea.parentName == "Regions" && emea.users == 2 && emea.organization.createdByProvider == pid)
            let created = try await admin.syncLog(SyncLogQuery(action: .orgCreated))
            #expect(created.count == 1 && created[0].detail?.hasPrefix("EMEA (under Regions") == true)
            let annCreated = try #require(
                try await admin.syncLog(SyncLogQuery(userID: ann)).first { $0.action == .created })
            #expect(annCreated.detail == "organization EMEA; roles Audit Log Viewer, Desktop User")

            // Okta's attribute update (PATCH replace without path) moves the user.
            let patched = try await okta.send(
                .patch, "/Users/\(ann)",
                GroupsAPITests.patch(#"[{"op":"replace","value":{"c42OrgName":"APAC"}}]"#))
            #expect(patched.status == .ok, "\(patched.detail)")
            #expect(try await Self.seat(admin, "ann@example.com").organization == "APAC")
            let moved = try #require(
                try await admin.syncLog(SyncLogQuery(userID: ann)).first { $0.action == .orgChanged })
            #expect(moved.detail == "EMEA → APAC")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func customAttributeDryRunCreatesNothing(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            let enterprise = #","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"DEPT"}"#
            for (i, dept) in ["Finance", "Finance", "Legal", "Engineering"].enumerated() {
                _ = try await Self.createUser(
                    okta, "e\(i)@example.com", extra: enterprise.replacingOccurrences(of: "DEPT", with: dept))
            }
            _ = try await admin.addOrganization(name: "Engineering", parent: nil, defaultRoles: nil)
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .attribute, organization: nil,
                attribute: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", parent: nil)
            let before = try await admin.organizations().count

            let dry = try await admin.applyMappings(providerID: pid, dryRun: true)
            #expect(dry.organizationsCreated == ["Finance", "Legal"])
            #expect(dry.organizationMoves == 4)
            #expect(try await admin.organizations().count == before)

            let real = try await admin.applyMappings(providerID: pid, dryRun: false, batchSize: 1)
            #expect(real.organizationsCreated == ["Finance", "Legal"] && real.organizationMoves == 4)
            #expect(try await admin.organizations().count == before + 2)
            #expect(try await Self.seat(admin, "e1@example.com").organization == "Finance")
            #expect(try await Self.seat(admin, "e3@example.com").organization == "Engineering")
            #expect(try await admin.syncLog(SyncLogQuery(action: .orgCreated)).count == 2)
        }
    }

    // MARK: Method single, admin moves, local users

    @Test(arguments: StoreKind.allCases)
    func singleKeepsUsersAnAdminMoved(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            _ = try await admin.addOrganization(name: "Sales", parent: nil, defaultRoles: nil)
            _ = try await admin.addOrganization(
                name: "Support", parent: "Sales", defaultRoles: ["Desktop User", "Audit Log Viewer"])
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .single, organization: "Sales", attribute: nil, parent: nil)
            _ = try await Self.createUser(okta, "ann@example.com")
            _ = try await Self.createUser(okta, "bob@example.com")
            #expect(try await Self.seat(admin, "ann@example.com").organization == "Sales")

            try await admin.moveUser(email: "ann@example.com", organization: "support")
            #expect(
                try await Self.seat(admin, "ann@example.com")
                    == Seat(organization: "Support", roles: ["Audit Log Viewer", "Desktop User"], watchlists: []))
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .single, organization: "Root", attribute: nil, parent: nil)
            let report = try await admin.applyMappings(providerID: pid, dryRun: false)
            #expect(report.organizationMoves == 1)
            #expect(try await Self.seat(admin, "ann@example.com").organization == "Support")
            #expect(try await Self.seat(admin, "bob@example.com").organization == "Root")

            // Under the other methods the mapping decides, and a move by hand is refused with the reason.
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .groups, organization: nil, attribute: nil, parent: nil)
            await #expect(throws: ProvisioningError.self) {
                try await admin.moveUser(email: "bob@example.com", organization: "Sales")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func localUsersAreNeverMoved(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let pid = issued[0].provider.id
            _ = try await admin.addOrganization(
                name: "Sales", parent: nil, defaultRoles: ["Desktop User", "Audit Log Viewer"])
            _ = try await admin.addLocalUser(email: "local@example.com", name: nil, organization: "Sales")
            #expect(
                try await Self.seat(admin, "local@example.com")
                    == Seat(organization: "Sales", roles: ["Audit Log Viewer", "Desktop User"], watchlists: []))
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .single, organization: "Root", attribute: nil, parent: nil)
            let report = try await admin.applyMappings(providerID: pid, dryRun: false)
            #expect(report.processed == 0 && report.changed == 0)
            try await admin.moveUser(email: "local@example.com", organization: "Root")
            #expect(try await Self.seat(admin, "local@example.com").organization == "Root")
            #expect(
                try await admin.setRoles(email: "local@example.com", roles: ["Customer Cloud Admin"]) == [
                    "Customer Cloud Admin"
                ])
        }
    }

    // MARK: Configuration rules and messages

    @Test(arguments: StoreKind.allCases)
    func mappingConfigurationRulesAndMessages(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let pid = issued[0].provider.id
            // No groups yet: said clearly, for method groups and for role mapping.
            let (_, note) = try await admin.setOrganizationMapping(
                providerID: pid, method: .groups, organization: nil, attribute: nil, parent: nil)
            #expect(note?.hasPrefix("There are no SCIM groups available") == true)
            #expect(
                try await admin.mappingOverview(providerID: pid).roleMappingMessage
                    == "There are no SCIM groups available")
            do {
                _ = try await admin.addRoleRule(providerID: pid, group: "Admins", roles: ["Desktop User"])
                Issue.record("mapping a group that does not exist must fail")
            } catch let error as ProvisioningError {
                #expect(error.code == .notFound && error.message.hasPrefix("There are no SCIM groups available"))
            }

            _ = try await Self.createGroup(okta, "Admins")
            _ = try await Self.createGroup(okta, "Staff")
            #expect(try await admin.mappingOverview(providerID: pid).roleMappingMessage == nil)
            _ = try await admin.addRoleRule(providerID: pid, group: "Admins", roles: ["Customer Cloud Admin"])
            #expect(try await admin.mappingOverview(providerID: pid).groupsWithoutRoles.map(\.displayName) == ["Staff"])
            // Only groups not yet mapped can be added.
            await #expect(throws: ProvisioningError.self) {
                try await admin.addRoleRule(providerID: pid, group: "admins", roles: ["Desktop User"])
            }
            _ = try await admin.addRoleRule(providerID: pid, group: "Staff", roles: ["Desktop User"])
            #expect(try await admin.mappingOverview(providerID: pid).roleMappingMessage == "All SCIM groups are mapped")
            try await admin.removeRule(.role, providerID: pid, group: "Staff")
            #expect(try await admin.mappingOverview(providerID: pid).roleMappingMessage == nil)

            // Unknown names are refused with what exists.
            do {
                _ = try await admin.addRoleRule(providerID: pid, group: "Staff", roles: ["Overlord"])
                Issue.record("an unknown role must fail")
            } catch let error as ProvisioningError {
                #expect(error.message.contains("'Overlord' is not a role") && error.message.contains("Desktop User"))
            }
            await #expect(throws: ProvisioningError.self) {
                try await admin.addOrganizationRule(
                    providerID: pid, group: "Staff", organization: "Nowhere", priority: nil)
            }
            await #expect(throws: ProvisioningError.self) {
                try await admin.setOrganizationMapping(
                    providerID: pid, method: .attribute, organization: nil, attribute: "emails.value", parent: nil)
            }
            await #expect(throws: ProvisioningError.self) {
                try await admin.addOrganization(name: "root", parent: nil, defaultRoles: nil)
            }
            await #expect(throws: ProvisioningError.self) {
                try await admin.addWatchlist(name: "x")
                try await admin.addWatchlist(name: "X")
            }
        }
    }
}
