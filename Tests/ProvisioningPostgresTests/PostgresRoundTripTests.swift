import Foundation
import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
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
        let before = store.roundTrips.value
        try await body()
        return store.roundTrips.value - before
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
            let post = try await Self.roundTrips(store) {
                let provider = try await service.authenticate(credentials)
                created = try await service.perform(.post(.users, Self.userBody), for: provider).user
            }
            #expect(post <= 3, "POST /Users, authentication included: \(post) round trips")
            let id = try #require(created?.id)
            // GET /Users/{id}, groups included: authentication and the reads in one round trip.
            let get = try await Self.roundTrips(store) {
                _ = try await service.readUser(credentials, id: id, withGroups: true)
            }
            #expect(get == 1, "GET /Users/{id}: \(get) round trips")
            // The lookup an IdP sends before each push: the count and the page with the authentication, then the
            // page's groups (their ids come from the page).
            let lookup = try await Self.roundTrips(store) {
                let query = try ListQuery(parameters: [("filter", #"userName eq "okta.user@example.com""#)])
                let found = try await service.readUsers(credentials, query: query, withGroups: true)
                #expect(found.page.totalResults == 1)
            }
            #expect(lookup <= 2, "userName eq: \(lookup) round trips")
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
