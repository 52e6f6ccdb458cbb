import Foundation
import Provisioning
import SCIM
import Synchronization
import Testing

extension StoreConformance {
    static func event(_ type: EventType, _ seconds: Double, user: String? = nil) -> ProvisioningEvent {
        ProvisioningEvent(
            type: type, at: at(seconds), providerID: "p1", userID: user, requestID: "r1",
            data: ["user": ["id": .string(user ?? "")], "n": .string("\(seconds)")])
    }

    /// The outbox: appends in order, filters by type, rolls back with its transaction, pages with no gap, prunes a
    /// prefix and remembers how far.
    static func events(_ store: some ProvisioningStore) async throws {
        let first = [event(.userCreated, 1, user: "u1"), event(.groupCreated, 2), event(.userUpdated, 3, user: "u1")]
        try await store.withTransaction { tx in try await tx.appendEvents(first) }
        try await store.withTransaction { tx in try await tx.appendEvents([event(.userDeactivated, 4, user: "u2")]) }
        let all = try await store.read { tx in try await tx.events(EventQuery()) }
        #expect(all.map(\.id) == first.map(\.id) + [all.last?.id ?? ""])
        #expect(all.map(\.type) == [.userCreated, .groupCreated, .userUpdated, .userDeactivated])
        let sequences = all.compactMap(\.sequence)
        #expect(sequences.count == 4 && sequences == sequences.sorted() && Set(sequences).count == 4)
        // Everything but the sequence comes back as written.
        var stored = all[0]
        stored.sequence = nil
        #expect(stored == first[0])

        let users = try await store.read { tx in
            try await tx.events(EventQuery(types: [.userCreated, .userUpdated, .userDeactivated]))
        }
        #expect(users.map(\.type) == [.userCreated, .userUpdated, .userDeactivated])
        let afterFirst = try await store.read { tx in
            try await tx.events(EventQuery(after: sequences[0], limit: 2))
        }
        #expect(afterFirst.map(\.sequence) == [sequences[1], sequences[2]])

        // A transaction that fails leaves no event.
        await #expect(throws: EventsFailure.self) {
            try await store.withTransaction { tx in
                try await tx.appendEvents([event(.userCreated, 5, user: "u3")])
                throw EventsFailure()
            }
        }
        #expect(try await store.read { tx in try await tx.lastEventSequence() } == sequences[3])
        #expect(try await store.read { tx in try await tx.events(EventQuery(after: sequences[3])) }.isEmpty)

        // Pruning removes a prefix and remembers it; sequence numbers are never handed out again.
        #expect(try await store.read { tx in try await tx.prunedEventSequence() } == 0)
        #expect(try await store.withTransaction { tx in try await tx.pruneEvents(before: at(2.5)) } == 2)
        #expect(try await store.read { tx in try await tx.prunedEventSequence() } == sequences[1])
        #expect(try await store.withTransaction { tx in try await tx.pruneEvents(before: at(2.5)) } == 0)
        #expect(try await store.read { tx in try await tx.prunedEventSequence() } == sequences[1])
        try await store.withTransaction { tx in try await tx.pruneEvents(before: at(10)) }
        try await store.withTransaction { tx in try await tx.appendEvents([event(.userCreated, 11, user: "u4")]) }
        let after = try await store.read { tx in try await tx.events(EventQuery()) }
        #expect(after.count == 1 && (after.first?.sequence ?? 0) > sequences[3])
    }

    /// 10,000 events written by concurrent transactions, read by a follower that pages after its cursor while they
    /// commit: it sees every event once, in sequence order, with no gap left behind its cursor.
    static func eventsFollowed(_ store: some ProvisioningStore) async throws {
        let writers = 8
        let transactions = 50
        let perTransaction = 25
        let total = writers * transactions * perTransaction
        let finished = WritersFinished()
        let seen = try await withThrowingTaskGroup(of: [ProvisioningEvent].self) { group in
            for w in 0..<writers {
                group.addTask {
                    for t in 0..<transactions {
                        let batch = (0..<perTransaction).map { i in
                            event(.userUpdated, Double(w * 10_000 + t * 100 + i), user: "w\(w)")
                        }
                        try await store.withTransaction { tx in try await tx.appendEvents(batch) }
                    }
                    finished.count.add(1, ordering: .sequentiallyConsistent)
                    return []
                }
            }
            group.addTask {
                var cursor: Int64 = 0
                var seen: [ProvisioningEvent] = []
                // Follows until every writer has committed and a page after that comes back empty: an event
                // committed behind the cursor is then missing for good.
                while true {
                    let done = finished.count.load(ordering: .sequentiallyConsistent) == writers
                    let query = EventQuery(after: cursor, limit: 500)
                    let page = try await store.read { tx in try await tx.events(query) }
                    if page.isEmpty {
                        if done { break }
                        try await Task.sleep(for: .milliseconds(2))
                        continue
                    }
                    seen += page
                    cursor = page.last?.sequence ?? cursor
                }
                return seen
            }
            var seen: [ProvisioningEvent] = []
            for try await result in group { seen += result }
            return seen
        }
        #expect(seen.count == total)
        #expect(Set(seen.map(\.id)).count == total, "no event twice")
        let sequences = seen.compactMap(\.sequence)
        #expect(sequences == sequences.sorted(), "in sequence order")
        // Each writer's events in the order it wrote them.
        for w in 0..<writers {
            let mine = seen.filter { $0.userID == "w\(w)" }.map(\.at)
            #expect(mine == mine.sorted())
        }
    }
}

/// The failure a conformance check throws to roll a transaction back.
struct EventsFailure: Error {}

/// How many writers of ``StoreConformance/eventsFollowed(_:)`` have committed everything.
final class WritersFinished: Sendable {
    let count = Atomic<Int>(0)
}
