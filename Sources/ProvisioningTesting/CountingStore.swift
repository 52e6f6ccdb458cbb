package import Provisioning
import Synchronization

/// A memory store that counts its read and write transactions, for tests that check how often a service goes to
/// the store. `base` is the store itself, for setting up and checking without being counted.
package final class CountingStore: ProvisioningStore {
    package let base = MemoryStore()
    let readCount = Atomic<Int>(0)
    let writeCount = Atomic<Int>(0)

    package init() {}

    /// Read transactions so far.
    package var reads: Int { readCount.load(ordering: .relaxed) }
    /// Write transactions so far.
    package var writes: Int { writeCount.load(ordering: .relaxed) }

    package func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T)
        async throws -> T
    {
        writeCount.add(1, ordering: .relaxed)
        return try await base.withTransaction(body)
    }

    package func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        readCount.add(1, ordering: .relaxed)
        return try await base.read(body)
    }
}
