import Dispatch
import Foundation
import HummingbirdBcrypt
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// bcrypt on a thread of its own, with a bounded queue.
///
/// A bcrypt at cost 12 keeps a core busy for a few hundred milliseconds. Run on Swift's shared concurrency pool
/// (one thread per core), a handful of parallel sign-ins would occupy every thread and stall SCIM requests and
/// health checks behind them. Here hashes run one at a time on a dedicated thread at a lower scheduling priority
/// (Linux `nice` 10, so that on busy cores the kernel runs the threads serving requests first); at most
/// ``capacity`` may run or wait, and one more is refused at once (``ProvisioningError/refused(_:retryAfter:)``)
/// instead of piling up.
package final class PasswordHasher: Sendable {
    /// bcrypt's cost factor (2^cost rounds) for new hashes.
    package let cost: UInt8
    /// The most hashes running or waiting; one more is refused.
    package let capacity: Int
    let worker = Worker()
    let admitted = Mutex(0)
    /// A hash of a random password at ``cost``, verified against when an email is unknown, so that an unknown
    /// email costs what a wrong password does.
    let decoy = Mutex<String?>(nil)

    package init(cost: UInt8 = 12, capacity: Int = 8) {
        self.cost = cost
        self.capacity = max(1, capacity)
        let worker = worker
        let thread = Thread { worker.loop() }
        thread.name = "roster-bcrypt"
        thread.start()
    }

    deinit { worker.stop() }

    /// The bcrypt hash of `password`, made on the hashing thread.
    package func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await run { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`, checked on the hashing thread. With no hash (an unknown email) the
    /// password is checked against a decoy hash of the same cost, and the answer is `false`.
    package func verify(_ password: String, hash: String?) async throws -> Bool {
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
    package func checkRoom() throws(ProvisioningError) {
        guard admitted.withLock({ $0 }) < capacity else { throw Self.busy }
    }

    static var busy: ProvisioningError {
        ProvisioningError.refused("Too many sign-ins at once: try again in a second.", retryAfter: 1)
    }

    /// Runs `work` on the hashing thread, or refuses when ``capacity`` hashes are already admitted.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        let capacity = capacity
        let entered = admitted.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard entered else { throw Self.busy }
        return await withCheckedContinuation { continuation in
            worker.submit {
                let result = work()
                self.admitted.withLock { $0 -= 1 }
                continuation.resume(returning: result)
            }
        }
    }

    /// The hashing thread's work list, shared by the thread and the hasher (the thread holds no reference to the
    /// hasher, so that dropping the hasher stops the thread).
    final class Worker: Sendable {
        let state = Mutex<(jobs: [@Sendable () -> Void], stopped: Bool)>(([], false))
        let wake = DispatchSemaphore(value: 0)

        func submit(_ job: @escaping @Sendable () -> Void) {
            state.withLock { $0.jobs.append(job) }
            wake.signal()
        }

        func stop() {
            state.withLock { $0.stopped = true }
            wake.signal()
        }

        /// Runs jobs in order until stopped and drained.
        func loop() {
            #if canImport(Glibc)
                // On Linux the nice value is per thread; `who` 0 is the calling thread.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
            while true {
                wake.wait()
                let (job, stopped) = state.withLock { state -> ((@Sendable () -> Void)?, Bool) in
                    state.jobs.isEmpty ? (nil, state.stopped) : (state.jobs.removeFirst(), false)
                }
                if let job { job() } else if stopped { return }
            }
        }
    }
}
