import Foundation
import Provisioning
import ProvisioningPostgresTesting
import ProvisioningTesting
import Testing

@testable import ProvisioningPostgres

/// An instance's share of the deployment's `pool`: the permits, and how the serving instances on one schema
/// count each other.
struct ConnectionShareTests {
    @Test(arguments: [
        (10, 1, 10), (10, 2, 5), (10, 3, 3), (10, 5, 2), (10, 6, 2), (10, 20, 2), (4, 2, 2), (1, 3, 1), (10, 0, 10),
    ])
    func theShareIsThePoolDividedByTheInstancesAndAtLeastTwo(_ pool: Int, _ instances: Int, _ share: Int) {
        #expect(ConnectionShare.share(of: pool, among: instances) == share)
    }

    @Test func pastTheLimitTransactionsWaitAndGoInTheOrderTheyCame() async throws {
        let share = ConnectionShare(limit: 2)
        await share.acquire()
        await share.acquire()
        let order = Order()
        let first = Task {
            await share.acquire()
            await order.append(1)
        }
        try await Self.until { share.waiting == 1 }
        let second = Task {
            await share.acquire()
            await order.append(2)
        }
        try await Self.until { share.waiting == 2 }
        #expect(share.inUse == 2)
        share.release()
        await first.value
        #expect(await order.values == [1])
        #expect(share.inUse == 2 && share.waiting == 1)
        share.release()
        await second.value
        #expect(await order.values == [1, 2])
        share.release()
        share.release()
        #expect(share.inUse == 0 && share.waiting == 0)
    }

    @Test func aLargerShareLetsWaitersInAtOnceAndASmallerOneAsPermitsComeBack() async throws {
        let share = ConnectionShare(limit: 1)
        await share.acquire()
        let waiters = (0..<3).map { _ in Task { await share.acquire() } }
        try await Self.until { share.waiting == 3 }
        share.setLimit(3)
        try await Self.until { share.waiting == 1 }
        #expect(share.inUse == 3)
        share.setLimit(1)
        share.release()
        share.release()
        // Two permits came back, but one is still taken and the share is one: the last waiter still waits.
        #expect(share.inUse == 1 && share.waiting == 1)
        share.release()
        for waiter in waiters { await waiter.value }
        #expect(share.inUse == 1 && share.waiting == 0)
    }

    static func until(_ done: () -> Bool) async throws {
        _ = try await StoreConformance.eventually({ done() }, until: { $0 })
        #expect(done())
    }

    actor Order {
        var values: [Int] = []
        func append(_ value: Int) { values.append(value) }
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

    /// A store's transactions hold connections up to its share and no more: the rest wait their turn and run.
    @Test func transactionsRunWithinTheShare() async throws {
        try await PostgresTesting.withStore { store in
            store.share.setLimit(2)
            let running = Running()
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
            #expect(await running.most == 2)
            #expect(store.share.inUse == 0)
        }
    }

    actor Running {
        var now = 0
        var most = 0
        func enter() {
            now += 1
            most = max(most, now)
        }
        func leave() { now -= 1 }
    }

    /// `store`'s share once it is `expected`, or after the tests' patience.
    static func share(of store: PostgresStore, becomes expected: Int) async throws -> Int {
        try await StoreConformance.eventually({ store.share.limit }, until: { $0 == expected })
    }
}
