import Synchronization

/// Providers as they were when their credentials last authenticated a write, for one second (see
/// ``SCIMService/authenticateForWrite(_:)``). One entry per provider: the table is as large as the number of
/// providers that wrote in the last second, at most.
final class RecentAuthentications: Sendable {
    static let lifetime = Duration.seconds(1)
    let entries = Mutex<[String: (provider: Provider, at: ContinuousClock.Instant)]>([:])

    func provider(_ id: String, at now: ContinuousClock.Instant) -> Provider? {
        entries.withLock { entries in
            guard let entry = entries[id] else { return nil }
            guard now - entry.at < Self.lifetime else {
                entries[id] = nil
                return nil
            }
            return entry.provider
        }
    }

    func remember(_ provider: Provider, at now: ContinuousClock.Instant) {
        entries.withLock { $0[provider.id] = (provider, now) }
    }
}
