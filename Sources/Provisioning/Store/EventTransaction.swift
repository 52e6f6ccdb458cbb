package import Foundation

/// The outbox of provisioning events: appended in the change's own transaction, read in sequence order by the
/// feed, pruned after the retention period. Part of ``StoreTransaction``.
///
/// Sequence numbers follow commit order: a reader that has seen sequence `n` never later finds a committed
/// event below `n` (PostgreSQL serializes the events' appends from their insert to their commit; SQLite and
/// memory run one write at a time).
package protocol EventTransaction {
    /// Appends events (their `sequence` is assigned by the store).
    func appendEvents(_ events: [ProvisioningEvent]) async throws
    /// Events after `query.after`, in sequence order, at most `query.limit`.
    func events(_ query: EventQuery) async throws -> [ProvisioningEvent]
    /// The largest sequence number written so far (0 when none).
    func lastEventSequence() async throws -> Int64
    /// The largest sequence number pruned so far (0 when none): a reader positioned below it has missed events.
    func prunedEventSequence() async throws -> Int64
    /// Deletes the events in sequence order up to the newest one older than `cutoff` (a prefix, so a reader is
    /// never left with a hole), remembering the largest sequence deleted; returns how many.
    func pruneEvents(before cutoff: Date) async throws -> Int
}
