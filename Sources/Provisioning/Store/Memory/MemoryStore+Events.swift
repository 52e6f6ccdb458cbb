import Foundation

/// The outbox in memory: one write at a time, so appending in order is commit order (every event's transaction is
/// 0, ``EventCursor``).
extension MemoryTransaction {
    func appendEvents(_ events: [ProvisioningEvent]) async throws {
        for var event in events {
            state.lastEventSequence += 1
            event.sequence = state.lastEventSequence
            state.events.append(event)
        }
    }

    func events(_ query: EventQuery) async throws -> [ProvisioningEvent] {
        // Sequence numbers are the array's order: a binary search finds the first one after the cursor.
        var low = 0
        var high = state.events.count
        while low < high {
            let mid = (low + high) / 2
            if (state.events[mid].sequence ?? 0) <= query.after.sequence { low = mid + 1 } else { high = mid }
        }
        return Array(
            state.events[low...].lazy.filter { query.types.isEmpty || query.types.contains($0.type) }.prefix(
                query.limit))
    }

    func lastEventCursor() async throws -> EventCursor { EventCursor(sequence: state.lastEventSequence) }

    func feedHold() async throws -> FeedHold? { nil }

    func prunedEventCursor() async throws -> EventCursor { EventCursor(sequence: state.prunedEventSequence) }

    func pruneEvents(before cutoff: Date) async throws -> Int {
        // A prefix in sequence order: through the newest event older than the cutoff.
        guard let last = state.events.lastIndex(where: { $0.at < cutoff }) else { return 0 }
        state.prunedEventSequence = max(state.prunedEventSequence, state.events[last].sequence ?? 0)
        state.events.removeFirst(last + 1)
        return last + 1
    }
}
