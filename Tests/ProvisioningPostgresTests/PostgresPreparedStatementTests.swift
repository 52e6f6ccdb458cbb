import Foundation
import Logging
import PostgresNIO
import Provisioning
import ProvisioningPostgresTesting
import ProvisioningSQL
import ProvisioningTesting
import SCIM
import Testing

@testable import ProvisioningPostgres

/// Statements prepared per connection (issue 15): PostgreSQL parses and plans a statement once per connection,
/// and a prepared statement answers what the unnamed one answers.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresPreparedStatementTests {
    static let logger = Logger(label: "test")

    /// Runs `body` on one leased connection of the store, through the store's prepared statements.
    static func onOneConnection<T: Sendable>(
        _ store: PostgresStore, _ body: (PostgresSQLConnection, PostgresConnection) async throws -> T
    ) async throws -> T {
        try await store.share.withConnection { connection, preparedStatements in
            try await body(
                PostgresSQLConnection(
                    connection: connection, logger: logger, preparedStatements: preparedStatements),
                connection)
        }
    }

    @Test func aQueryIsPreparedOnItsSecondUseAndAnswersTheSame() async throws {
        try await PostgresTesting.withStore { store in
            try await Self.onOneConnection(store) { sql, connection in
                let text = "SELECT ? || '-suffix', ? + 1, ?"
                let arguments: [SQLValue] = [.text("name"), .integer(41), .null]
                let unnamed = try await sql.query(text, arguments)
                #expect(store.preparedStatements.counts[connection.id] == nil)
                let prepared = try await sql.query(text, arguments)
                #expect(store.preparedStatements.counts[connection.id] == 1)
                let again = try await sql.query(text, [.text("other"), .integer(1), .text("x")])
                #expect(unnamed.map(\.values) == [[.text("name-suffix"), .integer(42), .null]])
                #expect(prepared.map(\.values) == unnamed.map(\.values))
                #expect(again.map(\.values) == [[.text("other-suffix"), .integer(2), .text("x")]])
                // Other argument types make a statement of their own (its parameters are typed after them).
                #expect(store.preparedStatements.counts[connection.id] == 1)
                _ = try await sql.query(text, [.text("a"), .integer(1), .text("b")])
                #expect(store.preparedStatements.counts[connection.id] == 2)
            }
        }
    }

    @Test func requestsRunPreparedAndAnswerAsBefore() async throws {
        try await PostgresTesting.withStore { store in
            let issued = try await AdminService(store: store).addProvider(name: "Okta")
            let service = SCIMService(store: store)
            let credentials = SCIMService.ProviderCredentials(
                providerID: issued.provider.id, username: nil, secret: issued.secret)
            let provider = try await service.authenticate(credentials)
            let created = try await service.perform(.post(.users, PostgresRoundTripTests.userBody), for: provider).user
            var reads: [UserRecord] = []
            for _ in 0..<6 {
                reads.append(try await service.readUser(credentials, id: created.id, withGroups: true).user)
            }
            #expect(store.preparedStatements.counts.values.reduce(0, +) > 0)
            #expect(reads.allSatisfy { $0 == reads[0] })
            #expect(reads[0].userName == created.userName)
            #expect(reads[0].linked)
        }
    }

    @Test func aFailureBeforeAPreparationIsTheTransactionsNotTheRefusal() async throws {
        try await PostgresTesting.withStore { store in
            try await Self.onOneConnection(store) { sql, connection in
                try await sql.execute("CREATE TEMP TABLE names (name TEXT PRIMARY KEY)", [])
                try await sql.execute("INSERT INTO names (name) VALUES ('taken')", [])
                // Seen once before: its next use prepares it, inside the transaction the insert aborted.
                let text = "SELECT name FROM names WHERE name = ?"
                _ = try await sql.query(text, [.text("taken")])
                #expect(store.preparedStatements.counts[connection.id] == nil)
                try await sql.execute("BEGIN", [])
                try await sql.enqueue("INSERT INTO names (name) VALUES (?)", [.text("taken")])
                await #expect(throws: SQLStoreError.self) { _ = try await sql.query(text, [.text("taken")]) }
                try await sql.execute("ROLLBACK", [])
                #expect(try await sql.query(text, [.text("taken")]).count == 1)
            }
        }
    }

    /// postgres-nio reports a prepared statement's failure in its older error type (`PostgresError`): a unique
    /// violation is still a conflict (the store reads SQLSTATEs from both types, see `PostgresStore.sqlState`).
    @Test func aPreparedStatementsFailureIsReadLikeAnUnnamedOnes() async throws {
        try await PostgresTesting.withStore { store in
            try await Self.onOneConnection(store) { sql, connection in
                try await sql.execute("CREATE TEMP TABLE names (name TEXT PRIMARY KEY)", [])
                let insert = "INSERT INTO names (name) VALUES (?)"
                try await sql.enqueue(insert, [.text("a")])
                try await sql.enqueue(insert, [.text("b")])
                try await sql.checkPending()
                #expect(store.preparedStatements.counts[connection.id] == 1)
                do {
                    try await sql.enqueue(insert, [.text("a")])
                    try await sql.checkPending()
                    Issue.record("a duplicate name was inserted")
                } catch let error as SQLStoreError {
                    guard case .uniqueViolation = error else { throw error }
                }
            }
        }
    }

    @Test func aConnectionHoldsAtMostItsShareOfStatements() async throws {
        try await PostgresTesting.withStore { store in
            let limit = PreparedStatements.perConnection
            try await Self.onOneConnection(store) { sql, connection in
                for n in 0..<(limit + 10) {
                    let text = "SELECT ? + \(n)"
                    _ = try await sql.query(text, [.integer(1)])
                    let answer = try await sql.query(text, [.integer(1)])
                    #expect(answer.map(\.values) == [[.integer(Int64(n) + 1)]])
                }
                #expect(store.preparedStatements.counts[connection.id] == limit)
            }
        }
    }

    @Test func aClosedConnectionsStatementsAreForgotten() async throws {
        try await PostgresTesting.withStore { store in
            let id = try await Self.onOneConnection(store) { sql, connection in
                for _ in 0..<2 { _ = try await sql.query("SELECT ?", [.text("x")]) }
                #expect(store.preparedStatements.counts[connection.id] == 1)
                try await connection.close()
                return connection.id
            }
            for _ in 0..<50 where store.preparedStatements.counts[id] != nil {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(store.preparedStatements.counts[id] == nil)
        }
    }
}
