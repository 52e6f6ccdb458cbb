package import Foundation
import SCIM

/// Manual lifecycle actions (no delay), legal holds, held deactivations and the sync log, for admins.
extension AdminService {
    /// The manual actions on a user.
    package enum UserAction: Sendable {
        case block, unblock, deactivate, reactivate

        var event: LifecycleEvent {
            switch self {
            case .block: .adminBlocked
            case .unblock: .adminUnblocked
            case .deactivate: .adminDeactivated
            case .reactivate: .adminReactivated
            }
        }
    }

    /// Blocks, unblocks, deactivates (immediately: archives go to cold storage) or reactivates a user.
    @discardableResult
    package func perform(_ action: UserAction, email: String) async throws -> UserRecord {
        try await lifecycle(action.event, email: email)
    }

    /// Places a user on legal hold. Deactivated users cannot be placed on hold.
    @discardableResult
    package func placeLegalHold(email: String, matter: String?) async throws -> UserRecord {
        try await lifecycle(.legalHoldPlaced, email: email) { user in
            if let matter, !matter.trimmingCharacters(in: .whitespaces).isEmpty { user.legalHoldMatter = matter }
        }
    }

    /// Releases a legal hold; a user the provider still has inactive is deactivated now.
    @discardableResult
    package func releaseLegalHold(email: String) async throws -> UserRecord {
        try await lifecycle(.legalHoldReleased, email: email)
    }

    /// Users on legal hold.
    package func legalHolds() async throws -> [UserRecord] {
        try await store.read { tx in try await tx.searchUsers(UserSearch(legalHold: true, limit: .max)).items }
    }

    /// Releases the deactivations a provider's mass-deactivation guard holds (they come due now) and clears the
    /// guard. Returns how many were released.
    package func releaseHeldDeactivations(providerID: String) async throws -> Int {
        try await resolveHeld(providerID: providerID, event: .heldDeactivationReleased)
    }

    /// Cancels the deactivations a provider's guard holds (the users are unblocked unless blocked otherwise) and
    /// clears the guard. Returns how many were cancelled.
    package func cancelHeldDeactivations(providerID: String) async throws -> Int {
        try await resolveHeld(providerID: providerID, event: .heldDeactivationCancelled)
    }

    /// Changes a provider's mass-deactivation guard; percent and minimum must be within
    /// ``SettingLimit/guardPercent`` and ``SettingLimit/guardMinimum``.
    package func updateGuard(providerID: String, _ change: @Sendable (inout DeactivationGuard) -> Void) async throws
        -> Provider
    {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var p = try await Self.provider(providerID, tx: tx)
            change(&p.deactivationGuard)
            try SettingLimit.guardPercent.check(p.deactivationGuard.percent)
            try SettingLimit.guardMinimum.check(p.deactivationGuard.minimum)
            p.updatedAt = timestamp
            try await tx.updateProvider(p)
            return p
        }
    }

    /// Sync-log entries, newest first.
    package func syncLog(_ query: SyncLogQuery) async throws -> [SyncLogEntry] {
        try await store.read { tx in try await tx.syncLog(query) }
    }

    /// A provider's data warnings (values left out under `accept-and-warn`) since `since` (default: the last 24
    /// hours), grouped by attribute and rule, most frequent first, each with its newest `examples`.
    package func warningSummary(providerID: String, since: Date? = nil, examples: Int = 3) async throws
        -> [WarningGroup]
    {
        let from = since ?? now().addingTimeInterval(-24 * 3600)
        return try await store.read { tx in
            _ = try await Self.provider(providerID, tx: tx)
            return try await tx.warningSummary(providerID: providerID, since: from, examples: examples)
        }
    }

    // MARK: Internals

    func lifecycle(
        _ event: LifecycleEvent, email: String, prepare: @Sendable (inout UserRecord) -> Void = { _ in }
    ) async throws -> UserRecord {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var user = try await Self.user(email: email, tx: tx)
            let before = user
            let log = try await LifecycleEffects.handle(event, user: &user, in: EffectContext(now: timestamp, tx: tx))
            prepare(&user)
            guard user != before else { return user }
            user.version += 1
            user.updatedAt = timestamp
            try await tx.updateUser(user)
            try await tx.record(log, users: [user])
            return user
        }
    }

    func resolveHeld(providerID: String, event: LifecycleEvent) async throws -> Int {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var provider = try await Self.provider(providerID, tx: tx)
            let held = try await tx.heldDeactivations(providerID: providerID)
            for var user in held {
                let log = try await LifecycleEffects.handle(
                    event, user: &user, in: EffectContext(now: timestamp, tx: tx))
                user.version += 1
                user.updatedAt = timestamp
                try await tx.updateUser(user)
                try await tx.record(log, users: [user])
            }
            provider.guardTrippedAt = nil
            provider.updatedAt = timestamp
            try await tx.updateProvider(provider)
            return held.count
        }
    }
}

extension AdminService {
    /// Attributes an admin can edit on a local user.
    package struct UserEdit: Sendable {
        package var displayName: String?
        package var givenName: String?
        package var familyName: String?
        package var title: String?
        package var department: String?

        package init(
            displayName: String? = nil, givenName: String? = nil, familyName: String? = nil, title: String? = nil,
            department: String? = nil
        ) {
            self.displayName = displayName
            self.givenName = givenName
            self.familyName = familyName
            self.title = title
            self.department = department
        }
    }

    /// Edits a local user's attributes. A provisioned user's attributes belong to its provider (the IdP's values
    /// win): the edit is refused with the provider to change them in.
    package func updateUser(email: String, _ edit: UserEdit) async throws -> UserRecord {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var user = try await Self.user(email: email, tx: tx)
            if let providerID = user.providerID {
                let name = try await tx.provider(id: providerID)?.name ?? providerID
                throw ProvisioningError.invalid(
                    "\(user.userName) is managed by the provisioning provider '\(name)' (\(providerID)); change these attributes in that identity provider, whose values overwrite local edits."
                )
            }
            var attributes = user.attributes
            if let v = edit.displayName { attributes["displayName"] = .string(v) }
            if edit.givenName != nil || edit.familyName != nil {
                var name = attributes["name"]?.objectValue ?? [:]
                if let v = edit.givenName { name["givenName"] = .string(v) }
                if let v = edit.familyName { name["familyName"] = .string(v) }
                attributes["name"] = .object(name)
            }
            if let v = edit.title { attributes["title"] = .string(v) }
            if let v = edit.department {
                var ext = attributes[SchemaURN.enterpriseUser]?.objectValue ?? [:]
                ext["department"] = .string(v)
                attributes[SchemaURN.enterpriseUser] = .object(ext)
            }
            guard attributes != user.attributes else { return user }
            let changed = SCIMService.changedAttributeNames(user.attributes, attributes)
            user.attributes = attributes
            user.version += 1
            user.updatedAt = timestamp
            try await tx.updateUser(user)
            try await tx.record([
                SyncLogEntry(
                    at: timestamp, providerID: nil, userID: user.id, userName: user.userName, action: .updated,
                    detail: changed.joined(separator: ", "))
            ])
            return user
        }
    }
}

extension AdminService {
    /// How many days cold archives are kept after a deactivation before they are marked for deletion.
    package func coldStorageRetentionDays() async throws -> Int {
        try await store.read { tx in try await LifecycleEffects.retentionDays(tx: tx) }
    }

    /// Sets the cold-storage retention (within ``SettingLimit/coldStorageRetentionDays``); it applies to archives
    /// moved to cold storage from now on.
    package func setColdStorageRetention(days: Int) async throws {
        try SettingLimit.coldStorageRetentionDays.check(days)
        try await store.withTransaction { tx in try await tx.setSetting(LifecycleEffects.retentionSetting, String(days))
        }
    }
}
