import Foundation
import Provisioning
import ProvisioningTesting
import SCIM
import Synchronization
import Testing

/// How the feed's long polls use the store: waiting readers share one read of the newest position per interval and
/// read their page again only once it moved.
struct EventFeedTests {
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
        let before = store.reads
        let pages = try await withThrowingTaskGroup(of: EventPage.self) { group in
            for _ in 0..<20 { group.addTask { try await feed.page(after: start, limit: 100, wait: .seconds(1)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let reads = store.reads - before
        #expect(pages.count == 20 && pages.allSatisfy { $0.events.isEmpty && $0.next == start })
        #expect(reads >= 20, "each reader read its page once")
        #expect(reads < 150, "\(reads) reads for 20 readers over 50 looks: the newest position is shared")
    }

    /// Readers waiting with a cursor wake with the event written meanwhile (the shared position moved past what
    /// they had seen); a reader of other types stays empty until its deadline.
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

    /// A memory store whose read number `staleRead` is answered by `stale`, a store that lacks the last event:
    /// as a PostgreSQL read shows less than a read a moment before it when a transaction that just ended is still
    /// waited for (docs/events.md).
    final class DippingStore: ProvisioningStore {
        let base = MemoryStore()
        let stale = MemoryStore()
        let staleRead: Int
        let reads = Atomic<Int>(0)

        init(staleRead: Int) { self.staleRead = staleRead }

        func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T)
            async throws -> T
        {
            try await base.withTransaction(body)
        }

        func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
            let number = reads.add(1, ordering: .relaxed).newValue
            return try await (number == staleRead ? stale : base).read(body)
        }
    }

    /// The newest position is read (it shows the event), then the page is read and does not show it yet: the
    /// reader must read its page again, not take that page to have seen the event and sleep through its wait.
    @Test func aPageReadThatShowsLessThanTheNewestPositionIsReadAgain() async throws {
        let store = DippingStore(staleRead: 2)
        for copy in [store.base, store.stale] { try await Self.append(copy, .userCreated) }
        let start = try await store.base.read { try await $0.lastEventCursor() }
        try await Self.append(store.base, .groupCreated)
        let feed = EventFeed(store: store, pollInterval: .milliseconds(20))
        // Read 1: the shared newest position (the group's event); read 2: the page, from the store without it. A
        // reader that took that page to have seen the event returns it empty when its wait runs out.
        let page = try await feed.page(after: start, limit: 100, wait: StoreConformance.patience)
        #expect(page.events.map(\.type) == [.groupCreated])
        #expect(store.reads.load(ordering: .relaxed) >= 3)
    }

    /// What the read below counts and how it answers, shared with the readers.
    final class Probe: Sendable {
        let calls = Atomic<Int>(0)
        let asked = Atomic<Int>(0)
        let failing = Atomic<Bool>(true)
        struct Down: Error {}

        /// Fails, once every one of ten readers asked (and a moment more, for the last to reach the lock), while
        /// `failing`; then answers position 7 at once.
        func read() async throws -> EventCursor {
            calls.add(1, ordering: .relaxed)
            guard failing.load(ordering: .relaxed) else { return EventCursor(sequence: 7) }
            _ = try await StoreConformance.eventually {
                self.asked.load(ordering: .relaxed)
            } until: {
                $0 == 10
            }
            try await Task.sleep(for: .milliseconds(100))
            throw Down()
        }
    }

    /// Readers asking at once wait for one read instead of starting their own; a failed read fails those waiting
    /// on it and is not kept, so the next reader reads again; a value read is kept for `maxAge`.
    @Test func theSharedPositionIsReadOnceAtATimeAndAFailureIsNotKept() async throws {
        let position = NewestEventPosition()
        let probe = Probe()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    probe.asked.add(1, ordering: .relaxed)
                    return (try? await position.value(maxAge: .seconds(60), read: probe.read)) != nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: false, count: 10), "every reader saw the failure")
        let shared = probe.calls.load(ordering: .relaxed)
        #expect(shared < 10, "ten readers asking at once started \(shared) reads")
        probe.failing.store(false, ordering: .relaxed)
        #expect(try await position.value(maxAge: .seconds(60), read: probe.read) == EventCursor(sequence: 7))
        #expect(try await position.value(maxAge: .seconds(60), read: probe.read) == EventCursor(sequence: 7))
        #expect(probe.calls.load(ordering: .relaxed) == shared + 1, "the failure was not kept; the value was")
        #expect(try await position.value(maxAge: .zero, read: probe.read) == EventCursor(sequence: 7))
        #expect(probe.calls.load(ordering: .relaxed) == shared + 2, "past maxAge it reads again")
    }
}
