import ProvisioningSQL
import Testing

@testable import ProvisioningPostgres

/// How a write transaction's enqueued changes are coalesced into statements (``WriteBatch``): joined only when
/// they name disjoint tables, with their own CTEs lifted to the top, and their arguments in text order.
struct WriteBatchTests {
    typealias Statement = WriteBatch.Statement

    static let user = Statement(
        sql: "INSERT INTO users (id, user_name) VALUES (?, ?)", arguments: [.text("u1"), .text("a")])
    static let roles = Statement(
        sql:
            "WITH removed AS (DELETE FROM user_roles WHERE user_id = ? AND role NOT IN (?)) INSERT INTO user_roles (user_id, role) VALUES (?, ?) ON CONFLICT DO NOTHING",
        arguments: [.text("u1"), .text("r"), .text("u1"), .text("r")])
    static let log = Statement(
        sql: "INSERT INTO sync_log (user_id, detail) VALUES (?, 'a ) ( quoted')", arguments: [.text("u1")])
    static let event = Statement(
        sql:
            "WITH ordered AS (SELECT pg_advisory_xact_lock(?)) INSERT INTO events (id) SELECT v.* FROM ordered, (VALUES (?)) AS v(id)",
        arguments: [.integer(7), .text("e1")])

    @Test func changesToDisjointTablesBecomeOneStatementWithTheirCTEsLifted() throws {
        let batches = WriteBatch.coalesce([Self.user, Self.roles, Self.log, Self.event])
        try #require(batches.count == 1)
        #expect(
            batches[0].sql
                == "WITH roster_change_1 AS (INSERT INTO users (id, user_name) VALUES (?, ?)), "
                + "removed AS (DELETE FROM user_roles WHERE user_id = ? AND role NOT IN (?)), "
                + "roster_change_2 AS (INSERT INTO user_roles (user_id, role) VALUES (?, ?) ON CONFLICT DO NOTHING), "
                + "roster_change_3 AS (INSERT INTO sync_log (user_id, detail) VALUES (?, 'a ) ( quoted')), "
                + "ordered AS (SELECT pg_advisory_xact_lock(?)) "
                + "INSERT INTO events (id) SELECT v.* FROM ordered, (VALUES (?)) AS v(id)")
        // The arguments follow the placeholders' order in the text.
        #expect(
            batches[0].arguments
                == Self.user.arguments + Self.roles.arguments + Self.log.arguments + Self.event.arguments)
        #expect(batches[0].sql.filter { $0 == "?" }.count == batches[0].arguments.count)
    }

    @Test func aChangeToATableAlreadyInTheBatchStartsANewOne() {
        // Two changes of one row in one statement would see the same snapshot: the second must see the first.
        let organization = Statement(
            sql: "UPDATE users SET organization_id = ? WHERE id = ?", arguments: [.text("o"), .text("u1")])
        let batches = WriteBatch.coalesce([Self.user, Self.log, organization, Self.event])
        #expect(batches.count == 2)
        #expect(batches[0].arguments == Self.user.arguments + Self.log.arguments)
        #expect(batches[1].sql.hasPrefix("WITH roster_change_1 AS (UPDATE users SET organization_id"))
        #expect(batches[1].arguments == organization.arguments + Self.event.arguments)
    }

    @Test func tablesChangedByTriggersCount() {
        // Inserting a user changes the provider's kept counts through a trigger.
        let counts = Statement(
            sql: "UPDATE provider_user_counts SET users = 0 WHERE provider_id = ?", arguments: [.text("p")])
        #expect(WriteBatch.coalesce([Self.user, counts]).count == 2)
    }

    @Test func aCTENameTakenStartsANewBatch() {
        let again = Statement(sql: Self.roles.sql, arguments: [.text("u2"), .text("r"), .text("u2"), .text("r")])
        let batches = WriteBatch.coalesce([Self.roles, Self.log, again])
        #expect(batches.count == 2)
    }

    @Test func aTextTheSplitterDoesNotFollowRunsAlone() {
        let recursive = Statement(sql: "WITH RECURSIVE t AS (SELECT 1) INSERT INTO a SELECT * FROM t", arguments: [])
        let batches = WriteBatch.coalesce([Self.log, recursive, Self.event])
        #expect(batches.map(\.sql) == [Self.log.sql, recursive.sql, Self.event.sql])
    }

    @Test func locksAreRecognized() {
        #expect(WriteBatch.takesLocks("SELECT * FROM users u WHERE u.id = ? FOR NO KEY UPDATE"))
        #expect(WriteBatch.takesLocks("SELECT id FROM webhook_endpoints FOR UPDATE SKIP LOCKED"))
        #expect(WriteBatch.takesLocks("SELECT pg_advisory_xact_lock(?)"))
        #expect(!WriteBatch.takesLocks("SELECT * FROM users u WHERE u.id = ?"))
    }
}

/// How reads that each find one row or none are answered by one statement (``ReadBatch``).
struct ReadBatchTests {
    @Test func eachReadIsALateralSubqueryAfterItsMarker() {
        let reads = [
            SQLRead("SELECT id, name FROM providers WHERE id = ?", [.text("p")], atMostOneRow: true),
            SQLRead(
                "SELECT id FROM users u WHERE u.user_name_lower = ? FOR NO KEY UPDATE", [.text("a")], atMostOneRow: true
            ),
        ]
        let statement = ReadBatch.statement(reads)
        #expect(
            statement.sql
                == "SELECT * FROM (SELECT 1) AS roster_reads"
                + " LEFT JOIN LATERAL (SELECT 1 AS roster_found_0, s.* FROM (SELECT id, name FROM providers WHERE id = ?) AS s) AS roster_read_0 ON true"
                + " LEFT JOIN LATERAL (SELECT 1 AS roster_found_1, s.* FROM (SELECT id FROM users u WHERE u.user_name_lower = ? FOR NO KEY UPDATE) AS s) AS roster_read_1 ON true"
        )
        #expect(statement.arguments == [.text("p"), .text("a")])
    }

    @Test func theAnswerSplitsAtTheMarkersAndAMissingRowIsNil() {
        let row: [(name: String, value: SQLValue)] = [
            ("?column?", .integer(1)),
            ("roster_found_0", .integer(1)), ("id", .text("p")), ("name", .null),
            ("roster_found_1", .null), ("id", .null),
            ("roster_found_2", .integer(1)), ("count", .integer(3)),
        ]
        let parts = ReadBatch.parts(of: row)
        #expect(parts.count == 3)
        #expect(parts[0] == [.text("p"), .null])
        #expect(parts[1] == nil)
        #expect(parts[2] == [.integer(3)])
    }
}
