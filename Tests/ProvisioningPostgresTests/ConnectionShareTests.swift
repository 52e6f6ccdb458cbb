import Foundation
import Provisioning
import ProvisioningPostgresTesting
import ProvisioningSQL
import ProvisioningTesting
import Testing

@testable import ProvisioningPostgres

/// An instance's share of the deployment's `pool`.
struct ConnectionShareTests {
    @Test(arguments: [
        (10, 1, 10), (10, 2, 5), (10, 3, 3), (10, 5, 2), (10, 6, 2), (10, 20, 2), (4, 2, 2), (1, 3, 1), (10, 0, 10),
    ])
    func theShareIsThePoolDividedByTheInstancesAndAtLeastTwo(_ pool: Int, _ instances: Int, _ share: Int) {
        #expect(ConnectionShare.share(of: pool, among: instances) == share)
    }
}

/// Serving instances on one schema count each other through their presence sessions and split `pool`; a command's
/// store does not count, and an instance that stops gives its share back.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresConnectionShareTests {
    @Test func servingInstancesSplitThePoolAndAStoppedOneGivesItsShareBack() async throws {
        var url = try PostgresTesting.freshURL()
        url.poolSize = 10
        let interval = Duration.milliseconds(100)
        let first = try await PostgresStore.open(url, serving: true, presenceInterval: interval)
        let second = try await PostgresStore.open(url, serving: true, presenceInterval: interval)
        let command = try await PostgresStore.open(url)
        try await first.whileRunning {
            try await command.whileRunning {
                #expect(try await Self.share(of: first, becomes: 10) == 10)
                try await second.whileRunning {
                    #expect(try await Self.share(of: first, becomes: 5) == 5)
                    #expect(try await Self.share(of: second, becomes: 5) == 5)
                    // Work goes on within the share.
                    let count = try await second.read { try await $0.userCount(providerID: "none") }
                    #expect(count == 0)
                }
                #expect(try await Self.share(of: first, becomes: 10) == 10)
            }
        }
        // Another schema's instances are another deployment's: they do not count.
        var other = try PostgresTesting.freshURL()
        other.poolSize = 10
        let elsewhere = try await PostgresStore.open(other, serving: true, presenceInterval: interval)
        let third = try await PostgresStore.open(url, serving: true, presenceInterval: interval)
        try await elsewhere.whileRunning {
            try await third.whileRunning {
                try await Task.sleep(for: interval * 5)
                #expect(try await Self.share(of: third, becomes: 10) == 10)
            }
        }
        try await elsewhere.dropSchema()
        try await command.dropSchema()
    }

    /// A store's transactions hold connections up to its share and no more: the rest wait their turn and run. The
    /// pool it had before closes its connections once its transactions have ended.
    @Test func transactionsRunWithinTheShareAndARetiredPoolCloses() async throws {
        try await PostgresTesting.withStore { store in
            let running = Running()
            func burst() async throws {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            try await store.read { tx in
                                await running.enter()
                                try await Task.sleep(for: .milliseconds(50))
                                let count = try await tx.userCount(providerID: "none")
                                await running.leave()
                                return count
                            }
                        }
                    }
                    for try await count in group { #expect(count == 0) }
                }
            }
            try await burst()
            #expect(await running.most == 4)
            #expect(try await Self.sessions(of: store, become: 4) == 4)
            #expect(!store.preparedStatements.counts.isEmpty)
            // A transaction on the old pool when it is replaced runs to its end: the pool closes after it.
            let inFlight = Task {
                try await store.read { tx in
                    await running.enter()
                    try await Task.sleep(for: .milliseconds(300))
                    let count = try await tx.userCount(providerID: "none")
                    await running.leave()
                    return count
                }
            }
            try await Self.until { await running.now == 1 }
            store.resizeShare(to: 2)
            #expect(try await inFlight.value == 0)
            // The new pool's connections are numbered from the start again: a statement prepared on the old pool's
            // connection of one number must not be taken for the new one's.
            #expect(store.preparedStatements.counts.isEmpty)
            await running.reset()
            try await burst()
            #expect(await running.most == 2)
            #expect(try await Self.sessions(of: store, become: 2) == 2)
            // Once the old pool closed, the new one's transactions still run on their own statements.
            try await burst()
            #expect(!store.preparedStatements.counts.isEmpty)
        }
    }

    static func until(_ done: () async -> Bool) async throws {
        #expect(try await StoreConformance.eventually({ await done() }, until: { $0 }))
    }

    /// How many sessions `store` has open, once that is `expected`, or after the tests' patience.
    static func sessions(of store: PostgresStore, become expected: Int) async throws -> Int {
        try await StoreConformance.eventually(
            {
                try await store.read { tx in
                    try await #require(tx as? SQLTransaction).connection.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?",
                        [.text(store.applicationName)]
                    ).first?[0] ?? 0
                }
            }, until: { $0 == expected })
    }

    actor Running {
        var now = 0
        var most = 0
        func enter() {
            now += 1
            most = max(most, now)
        }
        func leave() { now -= 1 }
        func reset() { most = 0 }
    }

    /// `store`'s share once it is `expected`, or after the tests' patience.
    static func share(of store: PostgresStore, becomes expected: Int) async throws -> Int {
        try await StoreConformance.eventually({ store.shareOfPool }, until: { $0 == expected })
    }
}
