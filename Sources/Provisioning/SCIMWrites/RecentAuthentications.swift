import Synchronization

/// Providers as they were when their credentials last authenticated a write, for one second (see
/// ``SCIMService/authenticateForWrite(_:)``). One entry per provider; expired entries are dropped whenever one is
/// added, so the table holds little more than the providers that wrote in the last second.
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

    /// Remembers `provider` and forgets every expired entry (a remembered provider that stopped writing, or was
    /// removed, would otherwise stay until it was looked up again). This runs once per provider per second at
    /// most, when the shortcut missed.
    func remember(_ provider: Provider, at now: ContinuousClock.Instant) {
        entries.withLock { entries in
            entries = entries.filter { now - $0.value.at < Self.lifetime }
            entries[provider.id] = (provider, now)
        }
    }
}
