/// A store whose kind is chosen at run time (`--database` names a SQLite file or a PostgreSQL URL), for the
/// services that are generic over their store.
package struct AnyStore: ProvisioningStore {
    package let base: any ProvisioningStore

    package init(_ base: any ProvisioningStore) { self.base = base }

    package func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws
        -> T
    {
        try await base.withTransaction(body)
    }

    package func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await base.read(body)
    }
}
