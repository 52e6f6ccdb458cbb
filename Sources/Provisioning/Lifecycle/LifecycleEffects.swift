import Foundation
import SCIM

/// Carries out lifecycle decisions inside a transaction: the new state onto the user, the actions onto sessions,
/// archives and the sync log. The decisions themselves come from the pure ``Lifecycle`` state machine.
enum LifecycleEffects {
    /// The setting that holds how many days cold archives are kept before they are marked for deletion.
    static let retentionSetting = "cold_storage_retention_days"
    static let defaultRetentionDays = 90

    /// Handles `event` for `user` and performs what the decision asks. Returns the sync-log entries to write.
    /// A refusal is ``ProvisioningError/Code/invalid`` (400 `invalidValue` on every route).
    static func handle(_ event: LifecycleEvent, user: inout UserRecord, in context: some TransactionContext)
        async throws -> [SyncLogEntry]
    {
        let (now, tx) = (context.now, context.tx)
        let decision: LifecycleDecision
        do {
            decision = try user.lifecycle.handle(event, at: now)
        } catch {
            throw ProvisioningError.invalid(error.message)
        }
        user.lifecycle = decision.next
        var entries: [SyncLogEntry] = []
        for action in decision.actions {
            switch action {
            case .revokeSessions:
                _ = try await tx.revokeSessions(userID: user.id, at: now)
            case .moveArchivesToColdStorage:
                let days = try await retentionDays(tx: tx)
                _ = try await tx.moveArchivesToColdStorage(
                    userID: user.id, until: now.addingTimeInterval(Double(days) * 86_400))
            case .restoreArchivesFromColdStorage:
                _ = try await tx.restoreArchives(userID: user.id)
            case .log(let syncAction, let detail):
                entries.append(
                    SyncLogEntry(
                        at: now, providerID: context.providerID, userID: user.id, userName: user.userName,
                        action: syncAction, detail: detail, requestID: context.requestID))
            }
        }
        return entries
    }

    /// The cold-storage retention in days: the default when unset, clamped into
    /// ``SettingLimit/coldStorageRetentionDays`` (and logged) when stored out of range.
    static func retentionDays(tx: any StoreTransaction) async throws -> Int {
        SettingLimit.coldStorageRetentionDays.clamped(
            setting: try await tx.setting(retentionSetting), fallback: defaultRetentionDays, subject: "the platform")
    }

    /// The event for a provider turning a user inactive: held when the provider's mass-deactivation guard trips
    /// (or already tripped). Tripping flags the provider. The provider's delay and guard are clamped into their
    /// ranges (and logged) when stored out of them.
    static func providerDeactivation(provider stored: Provider, at now: Date, tx: any StoreTransaction) async throws
        -> LifecycleEvent
    {
        var provider = stored
        let subject = "provider \(provider.id)"
        provider.deactivationDelay = SettingLimit.deactivationDelay.clamped(
            provider.deactivationDelay, subject: subject)
        provider.deactivationGuard.percent = SettingLimit.guardPercent.clamped(
            provider.deactivationGuard.percent, subject: subject)
        provider.deactivationGuard.minimum = SettingLimit.guardMinimum.clamped(
            provider.deactivationGuard.minimum, subject: subject)
        guard provider.deactivationGuard.enabled else {
            return .providerDeactivated(delay: provider.deactivationDelay, guardTripped: false)
        }
        // The provider's row is locked from here to the commit, so deactivations running at once count one after
        // the other and the guard trips at its threshold, not past it. The counts are named with the lock: they
        // go out together, and run once it is held.
        let since = now.addingTimeInterval(-TimeInterval(DeactivationGuard.window.components.seconds))
        try await tx.prefetch([
            .lockedProvider(id: provider.id),
            .syncLogCount(providerID: provider.id, action: .deactivationScheduled, since: since),
            .userCount(providerID: provider.id),
        ])
        var current = try await tx.lockedProvider(id: provider.id) ?? provider
        if current.guardTrippedAt != nil {
            return .providerDeactivated(delay: provider.deactivationDelay, guardTripped: true)
        }
        let recent = try await tx.syncLogCount(providerID: provider.id, action: .deactivationScheduled, since: since)
        let threshold = provider.deactivationGuard.threshold(users: try await tx.userCount(providerID: provider.id))
        guard recent + 1 > threshold else {
            return .providerDeactivated(delay: provider.deactivationDelay, guardTripped: false)
        }
        current.guardTrippedAt = now
        try await tx.updateProvider(current)
        try await tx.appendEvents([
            ProvisioningEvent(
                type: .providerGuardTripped, at: now, providerID: provider.id,
                data: [
                    "provider": ["id": .string(provider.id), "name": .string(provider.name)],
                    "detail": .string(
                        "\(recent + 1) deactivations in the last \(DeactivationGuard.window.components.seconds / 60) minutes passed the threshold of \(threshold)"
                    ),
                ])
        ])
        return .providerDeactivated(delay: provider.deactivationDelay, guardTripped: true)
    }
}
