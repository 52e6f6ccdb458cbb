package import Foundation

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
    package func page(after cursor: EventCursor, limit: Int, types: Set<EventType> = [], wait: Duration = .zero)
        async throws -> EventPage
    {
        let limit = try Self.pageSize.check(limit)
        let deadline = ContinuousClock.now + wait
        let query = EventQuery(after: cursor, limit: limit + 1, types: types)
        while true {
            let (events, pruned) = try await store.read { tx in
                (try await tx.events(query), try await tx.prunedEventCursor())
            }
            if cursor < pruned {
                throw ProvisioningError.gone(
                    "Events after \(cursor) were pruned (kept \(try await retentionDays()) days; pruned through "
                        + "\(pruned)). Start again with after=\(pruned) and reconcile from the admin API.")
            }
            if !events.isEmpty || ContinuousClock.now >= deadline || Task.isCancelled {
                let page = Array(events.prefix(limit))
                return EventPage(
                    events: page, next: page.last?.cursor ?? cursor, hasMore: events.count > limit)
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
