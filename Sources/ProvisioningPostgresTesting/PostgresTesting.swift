import Foundation
package import ProvisioningPostgres

/// The PostgreSQL server the tests use, named by `ROSTER_TEST_POSTGRES_URL` (`.ci/run` starts one with
/// `scripts/postgres.sh`); without it the PostgreSQL tests do not run.
package enum PostgresTesting {
    package static let url = ProcessInfo.processInfo.environment["ROSTER_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }
    package static var enabled: Bool { url != nil }

    /// The test server's URL with a schema of its own, so that tests running at once never see each other's
    /// rows.
    package static func freshURL() throws -> PostgresURL {
        var url = try PostgresURL(parsing: url ?? "")
        url.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        url.poolSize = 4
        return url
    }

    /// Opens a store on a new schema, runs its pool and `body`, and drops the schema.
    package static func withStore(_ body: (PostgresStore) async throws -> Void) async throws {
        let store = try await PostgresStore.open(try freshURL())
        do {
            try await store.whileRunning { try await body(store) }
        } catch {
            try? await store.dropSchema()
            throw error
        }
        try await store.dropSchema()
    }
}
