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

    /// The first `count` events once a reader sees them all (or after ``patience``): on PostgreSQL an event shows
    /// once every transaction older than its own has finished (``EventCursor``), and another test's may still run.
    static func visibleEvents(_ store: some ProvisioningStore, count: Int) async throws -> [ProvisioningEvent] {
        let read = { try await store.read { tx in try await tx.events(EventQuery(limit: 1000)) } }
        return try await eventually(read, until: { $0.count >= count })
    }

    /// How long a test waits for something that happens in the background (a dispatcher's retries, an event
    /// showing in the feed) before it gives up and lets its expectations fail. Waits end as soon as the thing
    /// happened, so this is only ever spent on a failure: it is long because the whole suite runs its tests in
    /// parallel on two cores, where a test's background tasks may wait seconds for a thread (a 10 s limit failed
    /// a test in CI that passes in under a second alone).
    package static let patience: Duration = .seconds(60)

    /// What `read` returns once `done` holds of it, or after ``patience``. On PostgreSQL an event shows once every
    /// older transaction of the store has finished, and the feed may also hold events back for a moment that it
    /// showed before: a transaction of another application that was running when a statement took its snapshot and
    /// ended before the statement read `pg_stat_activity` is waited for, as one whose session is unknown
    /// (`SQLTransaction.eventHorizon`); the next read shows them again.
    package static func eventually<T>(_ read: () async throws -> T, until done: (T) -> Bool) async throws -> T {
        let deadline = ContinuousClock.now + patience
        while true {
            let value = try await read()
            if done(value) || ContinuousClock.now > deadline { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The outbox: appends in order, filters by type, rolls back with its transaction, pages with no gap, prunes a
    /// prefix and remembers how far.
    static func events(_ store: some ProvisioningStore) async throws {
        let first = [event(.userCreated, 1, user: "u1"), event(.groupCreated, 2), event(.userUpdated, 3, user: "u1")]
        try await store.withTransaction { tx in try await tx.appendEvents(first) }
        try await store.withTransaction { tx in try await tx.appendEvents([event(.userDeactivated, 4, user: "u2")]) }
        let all = try await visibleEvents(store, count: 4)
        #expect(all.map(\.id) == first.map(\.id) + [all.last?.id ?? ""])
        #expect(all.map(\.type) == [.userCreated, .groupCreated, .userUpdated, .userDeactivated])
        let cursors = all.compactMap(\.cursor)
        #expect(cursors.count == 4 && cursors == cursors.sorted() && Set(cursors).count == 4)
        // The events of one transaction share its id.
        #expect(all[0].transaction == all[2].transaction && all[2].transaction <= all[3].transaction)
        // Everything but the position comes back as written.
        var stored = all[0]
        stored.sequence = nil
        stored.transaction = 0
        #expect(stored == first[0])

        let readUsers = {
            try await store.read { tx in
                try await tx.events(EventQuery(types: [.userCreated, .userUpdated, .userDeactivated]))
            }
        }
        let users = try await eventually(readUsers, until: { $0.count >= 3 })
        #expect(users.map(\.type) == [.userCreated, .userUpdated, .userDeactivated])
        let readAfterFirst = {
            try await store.read { tx in try await tx.events(EventQuery(after: cursors[0], limit: 2)) }
        }
        let afterFirst = try await eventually(readAfterFirst, until: { $0.count >= 2 })
        #expect(afterFirst.map(\.cursor) == [cursors[1], cursors[2]])

        // A transaction that fails leaves no event.
        await #expect(throws: EventsFailure.self) {
            try await store.withTransaction { tx in
                try await tx.appendEvents([event(.userCreated, 5, user: "u3")])
                throw EventsFailure()
            }
        }
        let readLast = { try await store.read { tx in try await tx.lastEventCursor() } }
        let last = try await eventually(readLast, until: { $0 >= cursors[3] })
        #expect(last == cursors[3])
        #expect(try await store.read { tx in try await tx.events(EventQuery(after: cursors[3])) }.isEmpty)

        // Pruning removes a prefix and remembers it; sequence numbers are never handed out again.
        #expect(try await store.read { tx in try await tx.prunedEventCursor() } == .start)
        let prune = { try await store.withTransaction { tx in try await tx.pruneEvents(before: at(2.5)) } }
        let pruned = try await eventually(prune, until: { $0 > 0 })
        #expect(pruned == 2)
        #expect(try await store.read { tx in try await tx.prunedEventCursor() } == cursors[1])
        #expect(try await store.withTransaction { tx in try await tx.pruneEvents(before: at(2.5)) } == 0)
        #expect(try await store.read { tx in try await tx.prunedEventCursor() } == cursors[1])
        let pruneAll = {
            try await store.withTransaction { tx in _ = try await tx.pruneEvents(before: at(10)) }
            return try await store.read { tx in try await tx.prunedEventCursor() }
        }
        let prunedAll = try await eventually(pruneAll, until: { $0 == cursors[3] })
        #expect(prunedAll == cursors[3])
        try await store.withTransaction { tx in try await tx.appendEvents([event(.userCreated, 11, user: "u4")]) }
        let after = try await visibleEvents(store, count: 1)
        #expect(after.count == 1 && (after.first?.cursor ?? .start) > cursors[3])
        #expect((after.first?.sequence ?? 0) > cursors[3].sequence)
        // Nothing committed is held back once every transaction has ended.
        let readHold = { try await store.read { tx in try await tx.feedHold() } }
        let hold = try await eventually(readHold, until: { $0 == nil })
        #expect(hold == nil)
    }

    /// 10,000 events written by concurrent transactions, read by a follower that pages after its cursor while they
    /// commit: it sees every event once, in feed order, with no gap left behind its cursor.
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
                var cursor = EventCursor.start
                var seen: [ProvisioningEvent] = []
                // Follows until every writer has committed and a page after that comes back empty with every event
                // seen, or ``patience`` after the writers finished (an event committed behind the cursor is then
                // missing for good; on PostgreSQL the newest events show once older transactions, another test's
                // too, have finished).
                var deadline: ContinuousClock.Instant?
                while true {
                    let done = finished.count.load(ordering: .sequentiallyConsistent) == writers
                    if done && deadline == nil { deadline = ContinuousClock.now + patience }
                    let query = EventQuery(after: cursor, limit: 500)
                    let page = try await store.read { tx in try await tx.events(query) }
                    if page.isEmpty {
                        if done && (seen.count >= total || ContinuousClock.now > deadline!) { break }
                        try await Task.sleep(for: .milliseconds(2))
                        continue
                    }
                    seen += page
                    cursor = page.last?.cursor ?? cursor
                }
                return seen
            }
            var seen: [ProvisioningEvent] = []
            for try await result in group { seen += result }
            return seen
        }
        #expect(seen.count == total)
        #expect(Set(seen.map(\.id)).count == total, "no event twice")
        let cursors = seen.compactMap(\.cursor)
        #expect(cursors == cursors.sorted(), "in feed order")
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
