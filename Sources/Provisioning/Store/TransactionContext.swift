import Foundation

/// What effects carried out inside a transaction need (``LifecycleEffects``, ``MappingEffects``): the instant, the
/// provider the sync-log entries name (none for an admin's action), the request id they carry, and the transaction.
/// A provider's write passes its ``WriteContext``; admins and the scheduler pass an ``EffectContext``.
protocol TransactionContext {
    var now: Date { get }
    var providerID: String? { get }
    var requestID: String? { get }
    var tx: any StoreTransaction { get }
}

/// A ``TransactionContext`` for what is not a provider's write: an admin's action, the scheduler's.
struct EffectContext: TransactionContext {
    let now: Date
    let providerID: String?
    let requestID: String?
    let tx: any StoreTransaction

    init(now: Date, providerID: String? = nil, requestID: String? = nil, tx: any StoreTransaction) {
        self.now = now
        self.providerID = providerID
        self.requestID = requestID
        self.tx = tx
    }
}
