package import Foundation
package import Logging
import SCIM
package import ServiceLifecycle

/// Runs due deactivations: a Service in the application's group that wakes for the next due time (and at least
/// every `pollInterval`, half a second by default, so that deactivations scheduled by another process on the same
/// database run within a second of being due), works through a backlog in batches of `batchSize` (one short
/// transaction each, yielding between batches so that SCIM requests keep their latency), and once a minute marks
/// cold archives past retention for deletion, prunes events past theirs, warns when the feed has been held back
/// for a minute (``FeedHold``), rolls up the activity charts' closed hours, and sends the daily report event when
/// it is on and due.
///
/// Generic over the clock it sleeps on; the due times themselves are wall-clock dates from `now`.
package struct DeactivationScheduler<C: Clock>: Service where C.Duration == Duration {
    let store: any ProvisioningStore
    let clock: C
    let now: @Sendable () -> Date
    let pollInterval: Duration
    let batchSize: Int
    let logger: Logger

    package init(
        store: any ProvisioningStore, clock: C, now: @escaping @Sendable () -> Date = { Date() },
        pollInterval: Duration = .milliseconds(500),
        batchSize: Int = 500, logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.now = now
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.logger = logger
    }

    package func run() async throws {
        logger.info("Deactivation scheduler started")
        var lastSweep = Date.distantPast
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let done = try await runDue()
                if done == batchSize {
                    await Task.yield()
                    continue
                }
                if now().timeIntervalSince(lastSweep) >= 60 {
                    let marked = try await store.withTransaction { tx in
                        try await tx.markExpiredArchives(now: self.now())
                    }
                    if marked > 0 { logger.info("Marked \(marked) cold archive(s) past retention for deletion") }
                    let feed = EventFeed(store: store, now: now)
                    let pruned = try await feed.prune()
                    if pruned > 0 { logger.info("Pruned \(pruned) event(s) past retention") }
                    if let hold = try await feed.hold(olderThan: 60) { logger.warning("Event feed held back: \(hold)") }
                    let activity = ActivityService(store: store, now: now)
                    try await activity.rollUp()
                    if let report = try await activity.sendDailyReport() {
                        logger.info("Sent the daily report of \(report.data["day"]?.stringValue ?? "") as an event")
                    }
                    lastSweep = now()
                }
                let next = try await store.read { tx in try await tx.nextDeactivationDue() }
                var wait = pollInterval
                if let next {
                    let until = Duration.saturating(seconds: max(0, next.timeIntervalSince(now())))
                    wait = min(wait, until)
                }
                if wait > .zero {
                    try? await clock.sleep(for: wait, tolerance: nil)
                }
            } catch {
                logger.error("Deactivation scheduler: \(error)")
                try? await clock.sleep(for: pollInterval, tolerance: nil)
            }
        }
        logger.info("Deactivation scheduler stopped")
    }

    /// Runs one batch of due deactivations in one transaction. Returns how many users it handled.
    @discardableResult
    package func runDue() async throws -> Int {
        let timestamp = now()
        let limit = batchSize
        return try await store.withTransaction { tx in
            let due = try await tx.dueDeactivations(at: timestamp, limit: limit)
            for var user in due {
                let log = try await LifecycleEffects.handle(
                    .deactivationDue, user: &user,
                    in: EffectContext(now: timestamp, providerID: user.providerID, tx: tx))
                user.version += 1
                user.updatedAt = timestamp
                try await tx.updateUser(user)
                try await tx.record(log, users: [user])
            }
            return due.count
        }
    }
}
