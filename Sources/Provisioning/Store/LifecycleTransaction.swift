package import Foundation

/// Deactivations waiting for their delay, and those the mass-deactivation guard holds. Part of ``StoreTransaction``.
package protocol LifecycleTransaction {
    // MARK: Scheduled deactivations
    /// Users whose pending deactivation is due at `now`, earliest first, at most `limit`.
    func dueDeactivations(at now: Date, limit: Int) async throws -> [UserRecord]
    /// The earliest pending deactivation time, if any.
    func nextDeactivationDue() async throws -> Date?
    /// A provider's users whose deactivation the mass-deactivation guard holds.
    func heldDeactivations(providerID: String) async throws -> [UserRecord]
}
