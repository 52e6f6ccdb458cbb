/// A store whose kind is chosen at run time (`--database` names a SQLite file or a PostgreSQL URL), for the
/// services that are generic over their store.
public struct AnyStore: ProvisioningStore {
    public let base: any ProvisioningStore

    public init(_ base: any ProvisioningStore) { self.base = base }

    public func withTransaction<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await base.withTransaction(body)
    }

    public func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await base.read(body)
    }
}
