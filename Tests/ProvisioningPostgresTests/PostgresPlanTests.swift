import Foundation
import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
import ProvisioningSQL
import ProvisioningTesting
import SCIM
import Testing

/// The hot queries use their index on a table that was never analyzed: right after an initial sync, before
/// autovacuum gets to it, is exactly when IdPs send a `userName eq` lookup before every push (issue 15). Each check
/// records the statements the store really runs and asks PostgreSQL for their plans.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresPlanTests {
    /// Passes every statement to the store's connection and keeps it, to be explained afterwards.
    final class Recorder: SQLConnection {
        let base: any SQLConnection
        var statements: [(sql: String, arguments: [SQLValue])] = []

        init(_ base: any SQLConnection) { self.base = base }

        var dialect: SQLDialect { base.dialect }

        func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> Int {
            statements.append((sql, arguments))
            return try await base.execute(sql, arguments)
        }

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            statements.append((sql, arguments))
            return try await base.query(sql, arguments)
        }
    }

    struct Rollback: Error {}

    /// What a plan must not contain: a walk over every user of the provider (or of the table), or over every
    /// membership.
    static let scans = ["Seq Scan on users", "users_by_provider", "Seq Scan on group_members"]

    @Test func hotQueriesUseTheirIndexWithoutStatistics() async throws {
        try await PostgresTesting.withStore { store in
            let provider = try await AdminService(store: store).addProvider(name: "Okta").provider
            let pid = provider.id
            // 10,000 users and a group of 3,334 members, written as an initial sync leaves them: never analyzed.
            try await store.withTransaction { tx in
                let sql = try #require(tx as? SQLTransaction)
                try await sql.execute(
                    """
                    INSERT INTO users (id, provider_id, linked, user_name, user_name_lower, external_id, scim_active,
                    status, doc, version, created_at, updated_at)
                    SELECT 'u' || g, ?, 1, 'user' || g || '@example.com', 'user' || g || '@example.com', 'ext' || g, 1,
                    'active', '{}', 1, 0, 0 FROM generate_series(1, 10000) g
                    """, [pid])
                try await sql.execute(
                    """
                    INSERT INTO groups (id, provider_id, display_name, display_name_lower, doc, version, created_at,
                    updated_at) VALUES ('g1', ?, 'Everyone', 'everyone', '{}', 1, 0, 0)
                    """, [pid])
                try await sql.execute(
                    """
                    INSERT INTO group_members (group_id, user_id, seq, display)
                    SELECT 'g1', id, seq, NULL FROM users WHERE seq % 3 = 0
                    """)
            }
            let never: Int = try await store.read { tx in
                try await (tx as? SQLTransaction)?.fetchAll(
                    """
                    SELECT COUNT(*) FROM pg_stat_user_tables WHERE relid = 'users'::regclass
                    AND last_analyze IS NULL AND last_autoanalyze IS NULL
                    """
                ).first?[0] ?? 0
            }
            #expect(never == 1, "the users table must not have been analyzed")

            let checks: [(String, @Sendable (SQLTransaction) async throws -> Void)] = [
                (
                    "userName eq",
                    { tx in
                        _ = try await tx.users(
                            providerID: pid, query: try Self.query(#"userName eq "User5@example.com""#))
                    }
                ),
                (
                    "externalId eq",
                    { tx in _ = try await tx.users(providerID: pid, query: try Self.query(#"externalId eq "ext5""#)) }
                ),
                ("id eq", { tx in _ = try await tx.users(providerID: pid, query: try Self.query(#"id eq "u5""#)) }),
                (
                    "Entra's id eq and manager eq",
                    { tx in
                        _ = try await tx.users(
                            providerID: pid,
                            query: try Self.query(
                                #"id eq "u5" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u6""#
                            ))
                    }
                ),
                ("user by userName", { tx in _ = try await tx.user(userName: "user5@example.com") }),
                ("user by id", { tx in _ = try await tx.user(id: "u5") }),
                ("existing user ids", { tx in _ = try await tx.existingUserIDs(["u5", "u6"], providerID: pid) }),
                ("a group's members page", { tx in _ = try await tx.members(groupID: "g1", limit: 100) }),
                ("groups of a user", { tx in _ = try await tx.groups(ofUser: "u6") }),
                (
                    "member add",
                    { tx in
                        _ = try await tx.addMembers(groupID: "g1", members: [MemberReference(id: "u7", display: nil)])
                    }
                ),
                ("member remove", { tx in _ = try await tx.removeMembers(groupID: "g1", userIDs: ["u6"]) }),
                (
                    "200 members added at once",
                    { tx in
                        _ = try await tx.addMembers(
                            groupID: "g1",
                            members: (1...200).map { MemberReference(id: "u\($0 * 3 + 1)", display: nil) })
                    }
                ),
                (
                    "200 members removed at once",
                    { tx in _ = try await tx.removeMembers(groupID: "g1", userIDs: (1...200).map { "u\($0 * 3)" }) }
                ),
                (
                    "200 user ids checked at once",
                    { tx in _ = try await tx.existingUserIDs((1...200).map { "u\($0)" }, providerID: pid) }
                ),
            ]
            for (name, body) in checks {
                let plans: [String] = try await Self.explain(store, body)
                #expect(!plans.isEmpty, "\(name): no statement recorded")
                for plan in plans {
                    for scan in Self.scans {
                        #expect(!plan.contains(scan), "\(name) walks the provider's users:\n\(plan)")
                    }
                }
            }
        }
    }

    /// Runs `body` on a recording connection in a transaction that is rolled back, and returns the plan of every
    /// statement it ran, as the store's sessions run it: the generic plan (`plan_cache_mode` is
    /// `force_generic_plan`, see `PostgresStore`), which an `EXPLAIN` with arguments would not show (it plans for
    /// the values). Each statement is prepared with its arguments' types and explained as `EXECUTE` of them.
    static func query(_ filter: String) throws -> StoreQuery {
        StoreQuery(filter: try Filter(parsing: filter), sort: nil, offset: 0, limit: 100)
    }

    static func explain(
        _ store: some ProvisioningStore, _ body: @escaping @Sendable (SQLTransaction) async throws -> Void
    )
        async throws -> [String]
    {
        let plans = PlanBox()
        do {
            try await store.withTransaction { tx in
                let base = try #require(tx as? SQLTransaction).connection
                let recorder = Recorder(base)
                try await body(SQLTransaction(recorder))
                for (n, statement) in recorder.statements.enumerated() {
                    let types = statement.arguments.map { value in
                        switch value {
                        case .integer: "bigint"
                        case .real: "double precision"
                        case .text, .null: "text"
                        }
                    }
                    let name = "roster_plan_\(n)"
                    let declared = types.isEmpty ? "" : "(" + types.joined(separator: ", ") + ")"
                    // EXECUTE takes its values as literals (a bound parameter cannot reach it).
                    let values = statement.arguments.map { value in
                        switch value {
                        case .integer(let i): "\(i)"
                        case .real(let d): "\(d)"
                        case .null: "NULL"
                        case .text(let t): "'" + t.replacingOccurrences(of: "'", with: "''") + "'"
                        }
                    }
                    let executed = values.isEmpty ? "" : "(" + values.joined(separator: ", ") + ")"
                    _ = try await base.execute("PREPARE \(name)\(declared) AS \(statement.sql)", [])
                    let rows = try await base.query("EXPLAIN EXECUTE \(name)\(executed)", [])
                    _ = try await base.execute("DEALLOCATE \(name)", [])
                    plans.append(
                        rows.map { row in String(sqlValue: row.values.first ?? .null) }.joined(separator: "\n"))
                }
                throw Rollback()
            }
        } catch is Rollback {}
        return plans.values
    }

    final class PlanBox: @unchecked Sendable {
        private let lock = NSLock()
        private var plans: [String] = []
        func append(_ plan: String) { lock.withLock { plans.append(plan) } }
        var values: [String] { lock.withLock { plans } }
    }
}
