package import Foundation
import Synchronization

/// When each provider last made a request, recorded in the store at most once per `interval` per provider, so
/// that the console can show "last request" without a write on every SCIM call. One entry per provider id it is
/// given: the server gives it only the ids of authenticated requests.
package final class ProviderActivity: Sendable {
    let flushed = Mutex<[String: Date]>([:])
    package let interval: TimeInterval

    package init(interval: TimeInterval = 60) {
        self.interval = interval
    }

    /// Notes a request; returns whether it should be written to the store now.
    package func record(providerID: String, at now: Date) -> Bool {
        flushed.withLock { state in
            if let last = state[providerID], now.timeIntervalSince(last) < interval { return false }
            state[providerID] = now
            return true
        }
    }
}
