import Foundation
import HTTPTypes
import Logging
import Provisioning
import ProvisioningTesting
import RosterServer
import SCIM
import Testing

/// Admin-set numbers at every entry point of the server (admin API, console), and values stored out of range by an
/// older build or straight into the database: refused with one message when sent, clamped and logged when used,
/// never a crash.
@Suite struct SettingLimitsAPITests {
    // MARK: The admin API

    /// The attacks that took the server down: the delay as a bare number past every bound, and a retention whose
    /// days overflow the archive's date. Each is a 400 naming the attribute and its range, and nothing is stored.
    @Test(arguments: StoreKind.allCases)
    func theTwoAttacksAreRefusedAndNothingIsStored(_ kind: StoreKind) async throws {
        try await AdminAPITests.withAPI(kind) { api, okta, pid in
            let delay = try await api.send(
                .patch, "/api/v1/providers/\(pid)", #"{"deactivationDelay": "9223372036854775807"}"#)
            #expect(delay.status == .badRequest)
            #expect(
                delay.json["error"]?.stringValue
                    == "'deactivationDelay' must be a duration from 0 to 365d (such as 0, 90s, 15m, 2h or 1d), got '9223372036854775807'."
            )
            #expect(try await api.send(.get, "/api/v1/providers/\(pid)").json["deactivationDelay"] == "15m")

            let retention = try await api.send(
                .patch, "/api/v1/settings", #"{"coldStorageRetentionDays": 4611686018427387904}"#)
            #expect(retention.status == .badRequest)
            #expect(
                retention.json["error"]?.stringValue
                    == "'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '4611686018427387904'."
            )
            #expect(try await api.send(.get, "/api/v1/settings").json["coldStorageRetentionDays"] == 90)

            // The server still deactivates: the request that used to trap is answered.
            let user = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            #expect(try await okta.send(.patch, "/Users/\(user.id)", LifecycleAPITests.deactivate).status == .ok)
        }
    }

    /// Every admin-settable number of the admin API, with values around and far past its bounds.
    @Test(arguments: [
        (#"{"deactivationDelay": 9223372036854775807}"#, "'deactivationDelay' must be a duration from 0 to 365d"),
        (#"{"deactivationDelay": "366d"}"#, "'deactivationDelay' must be a duration from 0 to 365d"),
        (#"{"deactivationDelay": "1e308"}"#, "'deactivationDelay' must be a duration from 0 to 365d"),
        (#"{"deactivationDelay": "-1"}"#, "'deactivationDelay' must be a duration from 0 to 365d"),
        (#"{"deactivationDelay": "99999999999d"}"#, "'deactivationDelay' must be a duration from 0 to 365d"),
        (
            #"{"deactivationGuard": {"percent": 9223372036854775807}}"#,
            "'deactivationGuard.percent' must be a whole number from 0 to 100"
        ),
        (
            #"{"deactivationGuard": {"percent": 101}}"#,
            "'deactivationGuard.percent' must be a whole number from 0 to 100"
        ),
        (
            #"{"deactivationGuard": {"minimum": -1}}"#,
            "'deactivationGuard.minimum' must be a whole number from 0 to 10000000"
        ),
        (
            #"{"deactivationGuard": {"minimum": 1e308}}"#,
            "'deactivationGuard.minimum' must be a whole number from 0 to 10000000"
        ),
        (
            #"{"name": "Renamed", "deactivationDelay": "15m", "deactivationGuard": {"percent": 1000}}"#,
            "'deactivationGuard.percent'"
        ),
    ])
    func providerNumbersOutOfRangeAreRefused(_ body: String, _ message: String) async throws {
        try await AdminAPITests.withAPI(.memory) { api, _, pid in
            let before = try await api.send(.get, "/api/v1/providers/\(pid)").json
            let r = try await api.send(.patch, "/api/v1/providers/\(pid)", body)
            #expect(r.status == .badRequest)
            #expect(r.json["error"]?.stringValue?.hasPrefix(message) == true, "\(r.json)")
            var after = try await api.send(.get, "/api/v1/providers/\(pid)").json
            after["lastRequest"] = before["lastRequest"]
            #expect(after == before)
        }
    }

    @Test(arguments: [
        (
            "/api/v1/settings", #"{"coldStorageRetentionDays": 0}"#,
            "'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '0'."
        ),
        (
            "/api/v1/settings", #"{"coldStorageRetentionDays": 36501}"#,
            "'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '36501'."
        ),
        (
            "/api/v1/settings", #"{"coldStorageRetentionDays": 1e308}"#,
            "'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '1e+308'."
        ),
        (
            "/api/v1/settings", #"{"coldStorageRetentionDays": "90"}"#,
            #"'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '"90"'."#
        ),
    ])
    func settingsOutOfRangeAreRefused(_ path: String, _ body: String, _ message: String) async throws {
        try await AdminAPITests.withAPI(.memory) { api, _, _ in
            let r = try await api.send(.patch, path, body)
            #expect(r.status == .badRequest)
            #expect(r.json["error"]?.stringValue == message)
            #expect(try await api.send(.get, "/api/v1/settings").json["coldStorageRetentionDays"] == 90)
        }
    }

    @Test func pagingParametersAreBounded() async throws {
        try await AdminAPITests.withAPI(.memory) { api, _, _ in
            for (query, message) in [
                ("users?limit=1001", "'limit' must be a whole number from 1 to 1000, got '1001'."),
                (
                    "users?offset=9223372036854775807",
                    "'offset' must be a whole number from 0 to 1000000000, got '9223372036854775807'."
                ),
                ("users?offset=-1", "'offset' must be a whole number from 0 to 1000000000, got '-1'."),
                ("sync-log?limit=0", "'limit' must be a whole number from 1 to 1000, got '0'."),
                (
                    "sync-log?before=99999999999999999999",
                    "'before' must be a whole number from 1 to 9223372036854775807, got '99999999999999999999'."
                ),
            ] {
                let r = try await api.send(.get, "/api/v1/\(query)")
                #expect(r.status == .badRequest, "\(query)")
                #expect(r.json["error"]?.stringValue == message, "\(query)")
            }
            #expect(try await api.send(.get, "/api/v1/users?offset=1000000000&limit=1000").status == .ok)
        }
    }

    // MARK: The console

    @Test(arguments: StoreKind.allCases)
    func theConsoleRefusesTheSameValuesWithTheSameMessage(_ kind: StoreKind) async throws {
        try await withConsole(kind) { browser, _, issued, admin in
            var b = try await ConsoleTests.signedIn(browser)
            let id = issued.provider.id
            _ = try await b.get("/console/providers/\(id)")
            for (path, fields, message) in [
                (
                    "/console/providers/\(id)/delay", [("delay", "9223372036854775807")],
                    "&#39;deactivationDelay&#39; must be a duration from 0 to 365d (such as 0, 90s, 15m, 2h or 1d), got &#39;9223372036854775807&#39;."
                ),
                (
                    "/console/providers/\(id)/guard",
                    [("enabled", "on"), ("percent", "9223372036854775807"), ("minimum", "10")],
                    "&#39;deactivationGuard.percent&#39; must be a whole number from 0 to 100"
                ),
                (
                    "/console/providers/\(id)/guard", [("enabled", "on"), ("percent", "10"), ("minimum", "abc")],
                    "&#39;deactivationGuard.minimum&#39; must be a whole number from 0 to 10000000, got &#39;abc&#39;."
                ),
                (
                    "/console/settings/retention", [("days", "4611686018427387904")],
                    "&#39;coldStorageRetentionDays&#39; must be a whole number of days from 1 to 36500, got &#39;4611686018427387904&#39;."
                ),
            ] {
                let r = try await b.post(path, fields)
                #expect(r.status == .seeOther, "\(path)")
                #expect(try await b.get(r.location ?? "").body.contains(message), "\(path)")
            }
            let provider = try await admin.provider(id: id)
            #expect(provider.deactivationDelay == .seconds(900))
            #expect(provider.deactivationGuard == DeactivationGuard())
            #expect(try await admin.coldStorageRetentionDays() == 90)
            // The page number of the user list is bounded too (it used to overflow the offset).
            #expect(try await b.get("/console/users?page=9223372036854775807").status == .badRequest)
            #expect(try await b.get("/console/users?page=2").status == .ok)
            // The forms say the ranges.
            let page = try await b.get("/console/providers/\(id)").body
            #expect(page.contains("at most 365d") && page.contains(#"max="100""#))
            #expect(try await b.get("/console/settings").body.contains(#"max="36500""#))
        }
    }

    // MARK: Values already stored out of range

    /// Values an older build accepted, written straight into the store (no validation on that path): the delay at
    /// Int64.max seconds, the guard's percent at Int.max, the retention at 2^62 days, a due time past what 64 bits
    /// of milliseconds hold. Deactivating, the scheduler (its whole loop, not only one batch) and the admin views
    /// use each within its range, and nothing traps.
    @Test(arguments: StoreKind.allCases)
    func valuesStoredOutOfRangeAreClampedWhenUsed(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let (ann, _) = try await LifecycleAPITests.provisioned(okta, admin, "ann@example.com")
            let (bob, _) = try await LifecycleAPITests.provisioned(okta, admin, "bob@example.com")
            let pid = issued[0].provider.id
            try await admin.store.withTransaction { tx in
                var p = try #require(try await tx.provider(id: pid))
                p.deactivationDelay = .seconds(Int64.max)
                p.deactivationGuard.percent = .max
                p.deactivationGuard.minimum = .max
                try await tx.updateProvider(p)
                try await tx.setSetting("cold_storage_retention_days", "4611686018427387904")
                var user = try #require(try await tx.user(id: bob))
                user.lifecycle.providerActive = false
                user.lifecycle.deactivationDueAt = Date(timeIntervalSince1970: 1e300)
                try await tx.updateUser(user)
            }
            #expect(try await admin.provider(id: pid).deactivationDelay == .seconds(Int64.max))

            // A provider deactivation: scheduled within the delay's range.
            let start = Date()
            #expect(try await okta.send(.patch, "/Users/\(ann)", LifecycleAPITests.deactivate).status == .ok)
            let due = try #require(try await admin.user(email: "ann@example.com").deactivationDueAt)
            #expect(due.timeIntervalSince(start) <= 365 * 86_400 + 60)
            #expect(due.timeIntervalSince(start) >= 365 * 86_400 - 60)

            // The scheduler's loop runs the due deactivation (a year on) with the retention clamped to 36,500
            // days, while the far-future due time of the other user only bounds its sleep.
            let scheduler = DeactivationScheduler(
                store: admin.store, clock: ContinuousClock(), now: { Date().addingTimeInterval(365 * 86_400 + 120) },
                pollInterval: .milliseconds(5), logger: .init(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await scheduler.run() }
                _ = try await StoreConformance.eventually {
                    try await admin.user(email: "ann@example.com").status
                } until: {
                    $0 == .deactivated
                }
                group.cancelAll()
            }
            let user = try await admin.user(email: "ann@example.com")
            #expect(user.status == .deactivated)
            let archive = try #require(try await admin.view(of: user)["archives"]?.arrayValue?.first?.objectValue)
            let coldUntil = try #require(archive["coldUntil"]?.stringValue.flatMap(Timestamp.parse))
            let expected = Timestamp.milliseconds(start.addingTimeInterval(365 * 86_400 + 120 + 36_500 * 86_400))
            #expect(abs(coldUntil - expected) < 600_000)
            #expect(try await admin.user(email: "bob@example.com").status == .blocked)
            #expect(try await admin.coldStorageRetentionDays() == 36_500)

            // An admin deactivation moves archives with the clamped retention too, and the views render.
            #expect(try await admin.perform(.deactivate, email: "bob@example.com").status == .deactivated)
            _ = try await admin.view(of: try await admin.user(email: "bob@example.com"))
            #expect(try await okta.send(.get, "/Users/\(bob)").status == .ok)
        }
    }

    /// An organization rule whose priority was stored at Int.max: the next rule without a priority comes after it
    /// within the range instead of overflowing.
    @Test func aRulePriorityStoredOutOfRangeDoesNotOverflowTheNext() async throws {
        try await withSCIM(.memory) { clients, issued, admin in
            let pid = issued[0].provider.id
            var ids: [String] = []
            for name in ["Sales", "Ops"] {
                let created = try await clients[0].send(
                    .post, "/Groups",
                    #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"\#(name)"}"#)
                #expect(created.status == .created)
                ids.append(created.id)
            }
            let org = try await admin.addOrganization(name: "Sales Org", parent: nil, defaultRoles: nil)
            _ = try await admin.setOrganizationMapping(
                providerID: pid, method: .groups, organization: nil, attribute: nil, parent: nil)
            // The first rule without a priority is 1.
            let first = try await admin.addOrganizationRule(
                providerID: pid, group: "Ops", organization: "Sales Org", priority: nil)
            #expect(first.priority == 1)
            try await admin.removeRule(.organization, providerID: pid, group: "Ops", watchlist: nil)
            let sales = ids[0]
            try await admin.store.withTransaction { tx in
                try await tx.insertOrganizationRule(
                    providerID: pid,
                    MappingRules.OrganizationRule(groupID: sales, organizationID: org.id, priority: .max))
            }
            let rule = try await admin.addOrganizationRule(
                providerID: pid, group: "Ops", organization: "Sales Org", priority: nil)
            #expect(rule.priority == 1_000_000)
            await #expect(throws: ProvisioningError.self) {
                try await admin.addOrganizationRule(
                    providerID: pid, group: "Ops", organization: "Sales Org", priority: 1_000_001)
            }
        }
    }
}
