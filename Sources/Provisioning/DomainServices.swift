package import Foundation

/// The domain's services over one store, built once: what the server's routes and the CLI's commands call, so
/// that both share one clock and one password hasher (bcrypt's queue is per hasher).
package struct DomainServices: Sendable {
    package let store: any ProvisioningStore
    package let scim: SCIMService
    package let admin: AdminService
    package let accounts: AdminAccounts
    package let platform: PlatformService
    package let events: EventFeed
    package let webhooks: WebhookService
    package let inspector: RequestInspector
    package let activity: ActivityService
    package let revert: RevertService

    /// - Parameters:
    ///   - bcryptCost: the cost of admin passwords' hashes.
    ///   - now: the clock every service reads (tests pass their own).
    package init(store: any ProvisioningStore, bcryptCost: UInt8 = 12, now: @escaping @Sendable () -> Date = { Date() })
    {
        self.store = store
        scim = SCIMService(store: store, now: now)
        admin = AdminService(store: store, now: now)
        accounts = AdminAccounts(store: store, hasher: PasswordHasher(cost: bcryptCost), now: now)
        platform = PlatformService(store: store, now: now)
        events = EventFeed(store: store, now: now)
        webhooks = WebhookService(store: store, now: now)
        inspector = RequestInspector(store: store)
        activity = ActivityService(store: store, now: now)
        revert = RevertService(store: store, now: now)
    }
}
