package import Foundation

/// The outbox of provisioning events: appended in the change's own transaction, read in feed order
/// (``EventCursor``) by the feed, pruned after the retention period. Part of ``StoreTransaction``.
///
/// A position the store gives is final: a reader that has seen the events up to a cursor never later finds one
/// before it (PostgreSQL reads only the events of transactions older than every one of the store's transactions
/// still running; SQLite and memory run one write at a time).
package protocol EventTransaction {
    /// Appends events (their `sequence` is assigned by the store).
    func appendEvents(_ events: [ProvisioningEvent]) async throws
    /// Events after `query.after` that a reader may see, in feed order, at most `query.limit`.
    func events(_ query: EventQuery) async throws -> [ProvisioningEvent]
    /// The position of the last event a reader may see (``EventCursor/start`` when none).
    func lastEventCursor() async throws -> EventCursor
    /// Committed events a reader does not see yet because an older transaction of the store still runs, and that
    /// transaction's session; `nil` when none (always on SQLite and in memory, where one write runs at a time).
    func feedHold() async throws -> FeedHold?
    /// The last position pruned so far (``EventCursor/start`` when none): a reader before it has missed events.
    func prunedEventCursor() async throws -> EventCursor
    /// Deletes the events in feed order up to the last one older than `cutoff` (a prefix, so a reader is never
    /// left with a hole), remembering the last position deleted; returns how many.
    func pruneEvents(before cutoff: Date) async throws -> Int
}
