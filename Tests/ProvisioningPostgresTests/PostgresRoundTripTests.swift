import Foundation
import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
import ProvisioningSQL
import ProvisioningTesting
import SCIM
import Testing

/// How many times a SCIM request waits for PostgreSQL (issue 15): statements that need no answer at once are
/// pipelined, and the reads a request will make are named ahead (`StoreTransaction.prefetch`), so each wait
/// answers several statements. Counted by the store (`PostgresStore.roundTrips`), not timed.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresRoundTripTests {
    /// The round trips `body` waited for.
    static func roundTrips(_ store: PostgresStore, _ body: () async throws -> Void) async throws -> Int {
        try await statements(store, body).roundTrips
    }

    /// The round trips `body` waited for and the statements it sent.
    static func statements(_ store: PostgresStore, _ body: () async throws -> Void) async throws
        -> (roundTrips: Int, statements: Int)
    {
        let (trips, sent) = (store.roundTrips.value, store.statements.value)
        try await body()
        return (store.roundTrips.value - trips, store.statements.value - sent)
    }

    /// Reads answered together must each find one row or none; one that finds more runs again on its own, and
    /// the other reads keep their answers.
    @Test func aReadThatFindsMoreThanOneRowRunsAgainAlone() async throws {
        try await PostgresTesting.withStore { store in
            let two = "SELECT n FROM (VALUES (1), (2)) AS v(n) ORDER BY n"
            let (one, both) = try await store.readLatest { tx in
                let sql = try #require(tx as? SQLTransaction).connection
                await sql.prefetch([SQLRead("SELECT 7", [], atMostOneRow: true), SQLRead(two, [], atMostOneRow: true)])
                return (try await sql.query("SELECT 7", []), try await sql.query(two, []))
            }
            #expect(one.map(\.values) == [[.integer(7)]])
            #expect(both.map(\.values) == [[.integer(1)], [.integer(2)]])
        }
    }

    static let userBody: JSONObject = [
        "schemas": [.string(SchemaURN.user)], "userName": "okta.user@example.com", "active": true,
        "name": ["givenName": "Okta", "familyName": "User"],
        "emails": [["value": "okta.user@example.com", "primary": true, "type": "work"]],
    ]

    @Test func requestsWaitForTheDatabaseAFewTimes() async throws {
        try await PostgresTesting.withStore { store in
            let issued = try await AdminService(store: store).addProvider(name: "Okta")
            let service = SCIMService(store: store)
            let credentials = SCIMService.ProviderCredentials(
                providerID: issued.provider.id, username: nil, secret: issued.secret)
            // A POST /Users as the server runs it: authentication (a read), then the write.
            var created: UserRecord?
            let post = try await Self.statements(store) {
                let provider = try await service.authenticate(credentials)
                created = try await service.perform(.post(.users, Self.userBody), for: provider).user
            }
            #expect(post.roundTrips <= 3, "POST /Users, authentication included: \(post.roundTrips) round trips")
            // Each statement is an exchange with the server of its own: the authentication's one, and the write's
            // two: the provider, the organizations, the mapping rules and the user by name in one statement (no
            // user: so no transaction is opened for its lock), and one statement whose CTEs insert the user, its
            // roles, the sync log and the event (with the lock that orders events), atomic without BEGIN and
            // COMMIT.
            #expect(post.statements == 3, "POST /Users: \(post.statements) statements sent")
            // The same userName again: its locking read finds the user, so it runs again inside a transaction
            // (BEGIN, the read; ROLLBACK at the refusal), and the refusal is logged in a transaction of its own
            // (the provider, BEGIN, the user, the sync log, COMMIT): 11 statements with the authentication.
            let again = try await Self.statements(store) {
                let provider = try await service.authenticate(credentials)
                let error = await #expect(throws: SCIMError.self) {
                    _ = try await service.perform(.post(.users, Self.userBody), for: provider)
                }
                #expect(error?.status == 409 && error?.scimType == .uniqueness)
            }
            #expect(again.statements <= 11, "POST /Users of a taken userName: \(again.statements) statements sent")
            let authentication = try await Self.statements(store) { _ = try await service.authenticate(credentials) }
            #expect(authentication.statements == 1, "authentication: \(authentication.statements) statements sent")
            let id = try #require(created?.id)
            // GET /Users/{id}, groups included: the provider, the user and its groups in one statement, with no
            // transaction around it (BEGIN and COMMIT would be two more exchanges).
            let get = try await Self.statements(store) {
                _ = try await service.readUser(credentials, id: id, withGroups: true)
            }
            #expect(get.roundTrips == 1, "GET /Users/{id}: \(get.roundTrips) round trips")
            #expect(get.statements == 1, "GET /Users/{id}: the provider, the user, its groups; \(get.statements) sent")
            let group = try await service.perform(
                .post(.groups, ["schemas": [.string(SchemaURN.group)], "displayName": "Okta Group"]),
                for: try await service.authenticate(credentials)
            ).group
            let getGroup = try await Self.statements(store) {
                _ = try await service.readGroup(credentials, id: group.id, withMembers: true)
            }
            // The provider and the group in one statement, then its members.
            #expect(getGroup.statements == 2, "GET /Groups/{id}: \(getGroup.statements) statements sent")
            // The lookup an IdP sends before each push: the count and the page with the authentication, then the
            // page's groups (their ids come from the page).
            let lookup = try await Self.statements(store) {
                let query = try ListQuery(parameters: [("filter", #"userName eq "okta.user@example.com""#)])
                let found = try await service.readUsers(credentials, query: query, withGroups: true)
                #expect(found.page.totalResults == 1 && found.page.items.map(\.id) == [id])
            }
            #expect(lookup.roundTrips <= 2, "userName eq: \(lookup.roundTrips) round trips")
            // The provider and the page with its total in one statement (a unique key finds one user or none),
            // then the page's groups; no transaction around them.
            #expect(lookup.statements == 2, "userName eq: \(lookup.statements) statements sent")
            // The lookup before a create finds nobody: the provider and the (empty) page, in one statement.
            let miss = try await Self.statements(store) {
                let query = try ListQuery(parameters: [("filter", #"userName eq "nobody@example.com""#)])
                let found = try await service.readUsers(credentials, query: query, withGroups: true)
                #expect(found.page.totalResults == 0 && found.page.items.isEmpty)
            }
            #expect(miss.statements == 1, "userName eq, no match: \(miss.statements) statements sent")
            // Past the only match, the total is counted on its own.
            let past = try await service.readUsers(
                credentials,
                query: try ListQuery(parameters: [
                    ("filter", #"userName eq "okta.user@example.com""#), ("startIndex", "2"),
                ]),
                withGroups: false)
            #expect(past.page.totalResults == 1 && past.page.items.isEmpty)
            // A first page (GET /Users?startIndex=1&count=100, as IdPs import) carries its total in its rows:
            // the provider, the page, the page's groups.
            let firstPage = try await Self.statements(store) {
                let query = try ListQuery(parameters: [("startIndex", "1"), ("count", "100")])
                let found = try await service.readUsers(credentials, query: query, withGroups: true)
                #expect(found.page.totalResults == 1 && found.page.items.map(\.id) == [id])
            }
            #expect(firstPage.statements == 3, "first page: \(firstPage.statements) statements sent")
            let groupsPage = try await Self.statements(store) {
                let query = try ListQuery(parameters: [("filter", #"displayName eq "Okta Group""#)])
                let found = try await service.readGroups(credentials, query: query, withMembers: false)
                #expect(found.page.totalResults == 1)
            }
            #expect(groupsPage.statements == 2, "groups lookup: \(groupsPage.statements) statements sent")
            // A PATCH deactivating the user (Okta's deactivation), authentication included: the authentication, the
            // reads named ahead, the guard's lock on the provider with its counts, revoking the user's sessions
            // (its count is the store's answer), and the commit with the writes before it.
            let patch = try await Self.roundTrips(store) {
                let provider = try await service.authenticate(credentials)
                let body: JSONObject = [
                    "schemas": [.string(SchemaURN.patchOp)],
                    "Operations": [["op": "replace", "value": ["active": false]]],
                ]
                _ = try await service.perform(.patch(.users, id: id, body), for: provider)
            }
            #expect(patch <= 5, "PATCH active=false: \(patch) round trips")
        }
    }
}
