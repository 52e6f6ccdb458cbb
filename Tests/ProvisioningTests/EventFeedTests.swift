import Foundation
import Provisioning
import ProvisioningTesting
import SCIM
import Synchronization
import Testing

/// How the feed's long polls use the store: waiting readers share one read of the newest position per interval and
/// read their page again only once it moved.
struct EventFeedTests {
    /// A memory store that counts its read transactions.
    final class CountingStore: ProvisioningStore {
        let base = MemoryStore()
        let reads = Atomic<Int>(0)

        func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
        {
            try await base.withTransaction(body)
        }

        func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
            reads.add(1, ordering: .relaxed)
            return try await base.read(body)
        }
    }

    static func append(_ store: some ProvisioningStore, _ type: EventType) async throws {
        try await store.withTransaction { tx in
            try await tx.appendEvents([ProvisioningEvent(type: type, at: Date(), data: [:])])
        }
    }

    /// Twenty readers long-polling an idle feed for a second, looking every 20 ms: each polling on its own read
    /// the store 20 × 50 = 1,000 times; sharing, they read it about once per look in all (the newest position)
    /// besides each one's first page.
    @Test func idleLongPollsShareOneReadOfTheNewestPosition() async throws {
        let store = CountingStore()
        try await Self.append(store, .userCreated)
        let feed = EventFeed(store: store, pollInterval: .milliseconds(20))
        let start = try await feed.latest()
        let before = store.reads.load(ordering: .relaxed)
        let pages = try await withThrowingTaskGroup(of: EventPage.self) { group in
            for _ in 0..<20 { group.addTask { try await feed.page(after: start, limit: 100, wait: .seconds(1)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let reads = store.reads.load(ordering: .relaxed) - before
        #expect(pages.count == 20 && pages.allSatisfy { $0.events.isEmpty && $0.next == start })
        #expect(reads >= 20, "each reader read its page once")
        #expect(reads < 150, "\(reads) reads for 20 readers over 50 looks: the newest position is shared")
    }

    /// Readers waiting with a cursor wake with the event written meanwhile; a reader of other types stays empty and
    /// reads its page again once per change of the newest position, not once per look.
    @Test func waitingReadersWakeWithTheEventAndOtherTypesStayEmpty() async throws {
        let store = CountingStore()
        let feed = EventFeed(store: store, pollInterval: .milliseconds(20))
        let start = try await feed.latest()
        async let users = withThrowingTaskGroup(of: EventPage.self) { group in
            for _ in 0..<5 { group.addTask { try await feed.page(after: start, limit: 100, wait: .seconds(60)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        async let groups = feed.page(after: start, limit: 100, types: [.groupCreated], wait: .seconds(2))
        try await Task.sleep(for: .milliseconds(300))
        try await Self.append(store, .userCreated)
        let woken = try await users
        #expect(woken.count == 5)
        #expect(woken.allSatisfy { $0.events.map(\.type) == [.userCreated] && $0.next > start })
        let other = try await groups
        #expect(other.events.isEmpty && other.next == start)
    }

    /// The shared position is never newer than the store's when returned, and a read that fails fails every
    /// reader waiting on it, the next one reads again.
    @Test func theSharedPositionIsReadOnceAtATimeAndAFailureIsNotKept() async throws {
        let position = NewestEventPosition()
        let calls = Atomic<Int>(0)
        struct Down: Error {}
        let failing = Atomic<Bool>(true)
        let read: @Sendable () async throws -> EventCursor = {
            calls.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(50))
            if failing.load(ordering: .relaxed) { throw Down() }
            return EventCursor(sequence: 7)
        }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask { (try? await position.value(maxAge: .seconds(60), read: read)) != nil }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: false, count: 10), "all ten waited on the one failing read")
        #expect(calls.load(ordering: .relaxed) == 1)
        failing.store(false, ordering: .relaxed)
        #expect(try await position.value(maxAge: .seconds(60), read: read) == EventCursor(sequence: 7))
        #expect(try await position.value(maxAge: .seconds(60), read: read) == EventCursor(sequence: 7))
        #expect(calls.load(ordering: .relaxed) == 2, "the failure was not kept; the success was, for maxAge")
    }
}
