import Logging
import NIOCore
import PostgresNIO
import Provisioning
import ProvisioningPostgresTesting
import ProvisioningSQL
import Testing

@testable import ProvisioningPostgres

/// A wait for PostgreSQL's answer that lasts past its deadline (`AnswerDeadlines`): the connection is closed, the
/// wait fails as a lost connection (503 for a request), and the store goes on with other connections.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresAnswerDeadlineTests {
    static let logger = Logger(label: "test")

    @Test func aStatementUnansweredPastTheDeadlineClosesItsConnectionAndFailsAsUnavailable() async throws {
        try await PostgresTesting.withStore { store in
            let deadlines = AnswerDeadlines(
                timeout: .milliseconds(500), interval: .milliseconds(100), logger: Self.logger)
            let started = ContinuousClock.now
            let failure = try await store.client.withConnection { connection async throws -> (any Error)? in
                let sql = PostgresSQLConnection(connection: connection, logger: Self.logger, answerDeadlines: deadlines)
                // Answered in time: untouched.
                #expect(try await sql.query("SELECT ?", [.integer(1)]).map(\.values) == [[.integer(1)]])
                #expect(!connection.isClosed)
                do {
                    // Twenty seconds without an answer, as a server gone silent would leave it.
                    _ = try await sql.query("SELECT pg_sleep(20)", [])
                    return nil
                } catch {
                    #expect(connection.isClosed)
                    return error
                }
            }
            let waited = ContinuousClock.now - started
            let error = try #require(failure, "a 20 s statement answered within a 0.5 s deadline")
            #expect(PostgresStore.isConnectionFailure(error), "\(String(reflecting: error))")
            #expect((PostgresStore.translate(error) as? ProvisioningError)?.code == .unavailable)
            // The deadline, plus at most one sweep interval, and far less than the statement's 20 s.
            #expect(waited >= .milliseconds(500))
            #expect(waited < .seconds(10), "the wait ended after \(waited)")
            #expect(deadlines.open == 0)
            // The pool dropped the closed connection: the store answers on another.
            #expect(try await store.read { try await $0.providers() }.isEmpty)
        }
    }

    @Test func waitsAnsweredInTimeLeaveNothingOpen() async throws {
        try await PostgresTesting.withStore { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask { _ = try await store.read { try await $0.providers() } }
                }
                try await group.waitForAll()
            }
            #expect(store.answerDeadlines.open == 0)
            #expect(store.answerDeadlines.timeout == .seconds(60))
        }
    }
}
