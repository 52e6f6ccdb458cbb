import Dispatch
import HummingbirdBcrypt
import Synchronization

/// bcrypt on a thread of its own, with a bounded queue.
///
/// A bcrypt at cost 12 keeps a core busy for a few hundred milliseconds. Run on Swift's shared concurrency pool
/// (one thread per core), a handful of parallel sign-ins would occupy every thread and stall SCIM requests and
/// health checks behind them. Here hashes run one at a time on a serial queue; at most ``capacity`` may wait, and
/// one more is refused at once (``ProvisioningError/refused(_:retryAfter:)``) instead of piling up.
public final class PasswordHasher: Sendable {
    /// bcrypt's cost factor (2^cost rounds) for new hashes.
    public let cost: UInt8
    /// The most hashes running or waiting; one more is refused.
    public let capacity: Int
    let queue = DispatchQueue(label: "roster.bcrypt", qos: .utility)
    let admitted = Mutex(0)
    /// A hash of a random password at ``cost``, verified against when an email is unknown, so that an unknown
    /// email costs what a wrong password does.
    let decoy = Mutex<String?>(nil)

    public init(cost: UInt8 = 12, capacity: Int = 8) {
        self.cost = cost
        self.capacity = max(1, capacity)
    }

    /// The bcrypt hash of `password`, made on the hashing thread.
    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await run { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`, checked on the hashing thread. With no hash (an unknown email) the
    /// password is checked against a decoy hash of the same cost, and the answer is `false`.
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let cost = cost
        let stored = hash ?? decoy.withLock { $0 }
        return try await run {
            guard let stored else {
                // The first unknown email pays for making the decoy, which costs what a verification does.
                let made = Bcrypt.hash(Credentials.generateSecret(), cost: cost)
                self.decoy.withLock { $0 = $0 ?? made }
                return false
            }
            let matches = Bcrypt.verify(password, hash: stored)
            return hash != nil && matches
        }
    }

    /// Refuses at once when the queue is full, so that a caller can skip work (a store transaction) that a refused
    /// hash would waste. ``run(_:)`` still enforces the bound.
    public func checkRoom() throws(ProvisioningError) {
        guard admitted.withLock({ $0 }) < capacity else { throw Self.busy }
    }

    static var busy: ProvisioningError {
        ProvisioningError.refused("Too many sign-ins at once: try again in a second.", retryAfter: 1)
    }

    /// Runs `work` on the hashing queue, or refuses when ``capacity`` hashes are already admitted.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        let capacity = capacity
        let entered = admitted.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard entered else { throw Self.busy }
        return await withCheckedContinuation { continuation in
            queue.async {
                let result = work()
                self.admitted.withLock { $0 -= 1 }
                continuation.resume(returning: result)
            }
        }
    }
}
