package import Foundation
import Synchronization

/// One page of the event feed: the events and the cursor to ask after next.
package struct EventPage: Sendable, Hashable {
    package var events: [ProvisioningEvent]
    /// The position to pass as `after` for the next page: the last event's, or the cursor asked with when the page
    /// is empty.
    package var next: EventCursor
    /// Whether more events were already there when the page was read.
    package var hasMore: Bool
}

/// Committed events the feed does not show yet: on PostgreSQL an event shows once every older transaction of the
/// store has finished (``EventCursor``), so one left open holds back the events committed after it began.
package struct FeedHold: Sendable, Hashable, CustomStringConvertible {
    /// The session of the transaction that holds them, as `pg_stat_activity` shows it.
    package struct Holder: Sendable, Hashable {
        package var pid: Int
        /// How long its transaction has been open.
        package var seconds: Int
        /// Its current or last statement (at most 200 characters).
        package var query: String

        package init(pid: Int, seconds: Int, query: String) {
            self.pid = pid
            self.seconds = seconds
            self.query = query
        }
    }

    package var events: Int
    /// When the oldest of them happened.
    package var oldest: Date
    package var holder: Holder?

    package init(events: Int, oldest: Date, holder: Holder?) {
        self.events = events
        self.oldest = oldest
        self.holder = holder
    }

    package var description: String {
        let what = "\(events) committed event(s) since \(Timestamp.format(oldest)) wait for an older transaction"
        guard let holder else { return what + " whose session does not show in pg_stat_activity." }
        return what
            + " (PostgreSQL pid \(holder.pid), open for \(holder.seconds) s, last statement: \(holder.query))."
            + " The feed and webhooks show them once it ends; SELECT pg_terminate_backend(\(holder.pid)) ends it."
    }
}

/// The event feed: pages of events after a cursor, long-polled when empty, and their retention.
package struct EventFeed: Sendable {
    /// The setting that holds how many days events are kept.
    package static let retentionSetting = "event_retention_days"
    package static let defaultRetentionDays = 30
    /// Events on one page: 1 to 1,000, 100 when not given.
    package static let pageSize = SettingLimit.pageSize
    package static let defaultPageSize = 100

    let store: any ProvisioningStore
    let now: @Sendable () -> Date
    /// How often a waiting reader looks again: events written by another instance on the same database arrive
    /// within this, as do this instance's.
    let pollInterval: Duration
    /// The newest position, shared by every copy of this feed (the server keeps one feed for all its readers).
    let newest = NewestEventPosition()

    package init(
        store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() },
        pollInterval: Duration = .milliseconds(100)
    ) {
        self.store = store
        self.now = now
        self.pollInterval = pollInterval
    }

    /// The events after `cursor` of `types` (every type when empty), at most `limit`; when there are none, waits
    /// up to `wait` for one. A cursor below what retention pruned is ``ProvisioningError/Code/gone`` (410): the
    /// reader has missed events and must start again from a fresh position.
    ///
    /// A waiting reader reads its page again only once the newest position moved past the one its empty page's
    /// own read saw; the newest position is read at most once per `pollInterval` for all the readers waiting on
    /// this feed (``NewestEventPosition``). A hundred idle long polls thus cost the database ten small reads a
    /// second, not a thousand page reads. (The position that an empty page is compared with comes from the same
    /// read, so the page saw every event up to it. A newest position read apart would not do: on PostgreSQL one
    /// read may show less than a read a moment before it, an event held back while a transaction that just ended
    /// is still waited for (docs/events.md), and a page read then would be taken to have seen that event.)
    package func page(after cursor: EventCursor, limit: Int, types: Set<EventType> = [], wait: Duration = .zero)
        async throws -> EventPage
    {
        let limit = try Self.pageSize.check(limit)
        let deadline = ContinuousClock.now + wait
        let query = EventQuery(after: cursor, limit: limit + 1, types: types)
        let store = store
        // The newest position that the read of this reader's last empty page saw.
        var seenThrough: EventCursor?
        while true {
            let newest =
                wait > .zero
                ? try await self.newest.value(maxAge: pollInterval) {
                    try await store.read { tx in try await tx.lastEventCursor() }
                } : nil
            let done = ContinuousClock.now >= deadline || Task.isCancelled
            if let seenThrough, let newest, newest <= seenThrough {
                if done { return EventPage(events: [], next: cursor, hasMore: false) }
            } else {
                let (events, pruned, covered) = try await store.read { tx in
                    let events = try await tx.events(query)
                    let pruned = try await tx.prunedEventCursor()
                    // What an empty page saw, for a waiting reader: read in the same transaction as the page.
                    let covered = wait > .zero && events.isEmpty ? try await tx.lastEventCursor() : nil
                    return (events, pruned, covered)
                }
                if cursor < pruned {
                    throw ProvisioningError.gone(
                        "Events after \(cursor) were pruned (kept \(try await retentionDays()) days; pruned through "
                            + "\(pruned)). Start again with after=\(pruned) and reconcile from the admin API.")
                }
                if !events.isEmpty || done || ContinuousClock.now >= deadline {
                    let page = Array(events.prefix(limit))
                    return EventPage(
                        events: page, next: page.last?.cursor ?? cursor, hasMore: events.count > limit)
                }
                seenThrough = covered
            }
            try await Task.sleep(for: min(pollInterval, deadline - ContinuousClock.now))
        }
    }

    /// The position of the newest event: where a new reader that wants only what comes next starts.
    package func latest() async throws -> EventCursor {
        try await store.read { tx in try await tx.lastEventCursor() }
    }

    /// Events held back for more than `age` (``FeedHold``), or `nil`.
    package func hold(olderThan age: TimeInterval) async throws -> FeedHold? {
        guard let hold = try await store.read({ tx in try await tx.feedHold() }) else { return nil }
        return now().timeIntervalSince(hold.oldest) > age ? hold : nil
    }

    /// How many days events are kept: the default when unset, clamped into range (and logged) when stored out of it.
    package func retentionDays() async throws -> Int {
        let stored = try await store.read { tx in try await tx.setting(Self.retentionSetting) }
        return SettingLimit.eventRetentionDays.clamped(
            setting: stored, fallback: Self.defaultRetentionDays, subject: "the platform")
    }

    /// Sets how many days events are kept (within ``SettingLimit/eventRetentionDays``); the next prune applies it.
    package func setRetentionDays(_ days: Int) async throws {
        try SettingLimit.eventRetentionDays.check(days)
        try await store.withTransaction { tx in try await tx.setSetting(Self.retentionSetting, String(days)) }
    }

    /// Deletes the events past retention, and webhook delivery attempts and before-images as old (so a revert
    /// reaches back as far as the feed does); returns how many events.
    @discardableResult
    package func prune() async throws -> Int {
        let cutoff = now().addingTimeInterval(-Double(try await retentionDays()) * 86_400)
        return try await store.withTransaction { tx in
            _ = try await tx.pruneDeliveries(before: cutoff)
            _ = try await tx.pruneBeforeImages(before: cutoff)
            return try await tx.pruneEvents(before: cutoff)
        }
    }
}

/// The newest event position, read from the store at most once per `maxAge` however many readers ask: a reader
/// that finds the last value too old starts one read, and the readers asking meanwhile wait for that read instead
/// of starting their own. A value is never newer than the store's position when it is returned (it was read
/// before), which is what ``EventFeed/page(after:limit:types:wait:)`` relies on.
package final class NewestEventPosition: Sendable {
    private struct State {
        var value: EventCursor?
        /// When the read that gave `value` started.
        var readAt = ContinuousClock.Instant.now
        var reading: Task<EventCursor, any Error>?
        var readingSince = ContinuousClock.Instant.now
    }

    private let state = Mutex(State())

    package init() {}

    private enum Step {
        case known(EventCursor)
        case await(Task<EventCursor, any Error>, started: ContinuousClock.Instant)
    }

    package func value(maxAge: Duration, read: @escaping @Sendable () async throws -> EventCursor) async throws
        -> EventCursor
    {
        let asked = ContinuousClock.now
        let step = state.withLock { state -> Step in
            if let value = state.value, asked - state.readAt < maxAge { return .known(value) }
            if let reading = state.reading { return .await(reading, started: state.readingSince) }
            let task = Task { try await read() }
            state.reading = task
            state.readingSince = asked
            return .await(task, started: asked)
        }
        switch step {
        case .known(let value):
            return value
        case .await(let reading, let started):
            let result = await reading.result
            state.withLock { state in
                guard state.reading == reading else { return }
                state.reading = nil
                if case .success(let value) = result {
                    state.value = value
                    state.readAt = started
                }
            }
            return try result.get()
        }
    }
}
