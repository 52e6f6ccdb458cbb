import Foundation
import NIOCore
import PostgresNIO
import Provisioning
import ProvisioningPostgresTesting
import ProvisioningSQL
import ProvisioningTesting
import SCIM
import Testing

@testable import ProvisioningPostgres

/// The PostgreSQL store: the same conformance checks as the memory and SQLite stores, then what only several
/// instances on one database can get wrong. Runs when `ROSTER_TEST_POSTGRES_URL` names a server (`.ci/run` starts
/// one with `scripts/postgres.sh`).
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresStoreTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: String) async throws {
        try await PostgresTesting.withStore { store in try await StoreConformance.run(check, on: store) }
    }

    /// Four instances starting together on an empty schema: every one opens, and each migration ran once.
    @Test func migrationsRunOnceWhenInstancesStartTogether() async throws {
        let url = try PostgresTesting.freshURL()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.open(url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let applied = try await stores[0].appliedMigrations()
        #expect(applied == Migrations.all(for: .postgres).map(\.identifier))
        try await stores[0].dropSchema()
    }

    /// Two instances receive the same new user at once: exactly one creates it; the other is told it exists.
    @Test func twoInstancesCreatingTheSameUserGiveOneCreatedAndOneConflict() async throws {
        try await PostgresTesting.withStore { first in
            let second = try await PostgresStore.open(first.url)
            try await second.whileRunning {
                let issued = try await AdminService(store: first).addProvider(name: "Okta")
                let body: JSONObject = [
                    "schemas": [.string(SchemaURN.user)], "userName": "race@example.com", "active": true,
                ]
                for round in 0..<10 {
                    var user = body
                    user["userName"] = .string("race\(round)@example.com")
                    let attempt = user
                    async let a = Self.outcome {
                        try await SCIMService(store: first).perform(.post(.users, attempt), for: issued.provider).user
                    }
                    async let b = Self.outcome {
                        try await SCIMService(store: second).perform(.post(.users, attempt), for: issued.provider).user
                    }
                    let outcomes = await [a, b]
                    #expect(outcomes.filter { $0 == "created" }.count == 1, "round \(round): \(outcomes)")
                    #expect(outcomes.filter { $0 == "uniqueness" }.count == 1, "round \(round): \(outcomes)")
                }
                #expect(try await first.read { try await $0.userCount(providerID: issued.provider.id) } == 10)
            }
        }
    }

    /// Method `attribute` places two users in the same new organization at once, from two instances: both are
    /// created, in one organization, logged `org-created` once (a unique violation on the name answered 409 before).
    @Test func twoInstancesPlacingUsersInTheSameNewOrganizationBothSucceed() async throws {
        try await PostgresTesting.withStore { first in
            let second = try await PostgresStore.open(first.url)
            try await second.whileRunning {
                let admin = AdminService(store: first)
                let issued = try await admin.addProvider(name: "Okta")
                _ = try await admin.setOrganizationMapping(
                    providerID: issued.provider.id, method: .attribute, organization: nil, attribute: nil, parent: nil)
                for round in 0..<10 {
                    func user(_ n: Int) -> JSONObject {
                        [
                            "schemas": [.string(SchemaURN.user)], "userName": .string("u\(round)-\(n)@example.com"),
                            "c42OrgName": .string("Region \(round)"),
                        ]
                    }
                    let (x, y) = (user(1), user(2))
                    async let a = Self.outcome {
                        try await SCIMService(store: first).perform(.post(.users, x), for: issued.provider).user
                    }
                    async let b = Self.outcome {
                        try await SCIMService(store: second).perform(.post(.users, y), for: issued.provider).user
                    }
                    let outcomes = await [a, b]
                    #expect(outcomes == ["created", "created"], "round \(round): \(outcomes)")
                }
                let organizations = try await admin.organizations().filter { $0.organization.name.hasPrefix("Region ") }
                #expect(organizations.count == 10 && organizations.allSatisfy { $0.users == 2 })
                #expect(try await admin.syncLog(SyncLogQuery(action: .orgCreated, limit: 100)).count == 10)
            }
        }
    }

    static func outcome(_ body: () async throws -> UserRecord) async -> String {
        do {
            _ = try await body()
            return "created"
        } catch let error as SCIMError {
            return error.scimType?.rawValue ?? "\(error.status)"
        } catch {
            return "\(error)"
        }
    }

    /// Every session of the store starts with its settings as startup parameters: its name, the lock timeout and
    /// generic plans (a prepared statement planned once per connection, not again after an autoanalyze).
    @Test func sessionsStartWithGenericPlansAndTheLockTimeout() async throws {
        try await PostgresTesting.withStore { store in
            let settings: [String] = try await store.read { tx in
                let sql = try #require(tx as? SQLTransaction)
                let row = try #require(
                    try await sql.fetchAll(
                        """
                        SELECT current_setting('plan_cache_mode'), current_setting('lock_timeout'),
                        current_setting('application_name')
                        """
                    ).first)
                return [row[0], row[1], row[2]]
            }
            #expect(settings == ["force_generic_plan", "10s", store.applicationName])
        }
    }

    /// Connections the server drops (a restart, a failover) fail that transaction as `unavailable`, and the next
    /// one reconnects.
    @Test func droppedConnectionsAreUnavailableThenRecover() async throws {
        try await PostgresTesting.withStore { store in
            let admin = AdminService(store: store)
            _ = try await admin.addProvider(name: "Okta")
            // Another session ends every connection of this store's schema, as a server restart would.
            _ = try await store.withOwnConnection {
                try await $0.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND application_name = ?",
                    [.text(store.applicationName)])
            }
            try await Task.sleep(for: .milliseconds(200))
            var failures = 0
            for _ in 0..<3 {
                do {
                    _ = try await admin.providers()
                } catch let error as ProvisioningError {
                    #expect(error.code == .unavailable)
                    failures += 1
                }
            }
            #expect(failures <= 1)
            #expect(try await admin.providers().count == 1)
        }
    }

    @Test func anUnreachableServerIsUnavailable() async throws {
        var url = try PostgresTesting.freshURL()
        url.port = 1
        await #expect(throws: ProvisioningError.self) { _ = try await PostgresStore.open(url) }
    }
}

/// What needs no server: URLs and placeholders.
@Suite struct PostgresURLTests {
    @Test func parsesEveryPart() throws {
        let url = try PostgresURL(
            parsing:
                "postgres://ro%40ster:p%3Ass@db.example.com:6543/prod?schema=roster&sslmode=require&pool=20&lock_timeout=5"
        )
        #expect(url.username == "ro@ster")
        #expect(url.password == "p:ss")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "prod")
        #expect(url.schema == "roster")
        #expect(url.tls == .require)
        #expect(url.poolSize == 20)
        #expect(url.lockTimeout == 5)
        #expect(!url.description.contains("p:ss"))
    }

    @Test(arguments: [
        ("postgres://host/db", "user name"),
        ("postgres://u@host", "database name"),
        ("postgres://u@host/db?schema=Robert'); DROP", "schema"),
        ("postgres://u@host/db?sslmode=maybe", "sslmode"),
        ("postgres://u@host/db?pool=0", "'pool' must be a whole number of connections from 1 to 200, got '0'."),
        (
            "postgres://u@host/db?lock_timeout=9223372036854775808",
            "'lock_timeout' must be a whole number of seconds from 1 to 3600"
        ),
        ("postgres://u@host/db?colour=blue", "Unknown"),
    ])
    func refusesWithTheReason(_ string: String, _ reason: String) {
        do {
            _ = try PostgresURL(parsing: string)
            Issue.record("\(string) parsed")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func placeholdersAreNumberedOutsideQuotes() {
        #expect(
            PostgresSQLConnection.numberingPlaceholders("SELECT '?', \"a?\" FROM t WHERE a = ? AND b IN (?, ?)")
                == "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)")
    }
}
