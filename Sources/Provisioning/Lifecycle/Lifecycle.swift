package import Foundation

/// Why a deactivation that came due (or was requested) did not happen.
package enum HoldReason: String, Sendable, Hashable {
    /// The deactivation came due while the user was on legal hold; it happens when the hold is released.
    case legalHold = "legal-hold"
    /// The provider's deactivations tripped the mass-deactivation guard; an admin releases or cancels it.
    case massDeactivationGuard = "mass-deactivation-guard"
}

/// A user's lifecycle status as the platform enforces it, derived from ``Lifecycle``.
package enum LifecycleStatus: String, Sendable, Hashable {
    /// The user can sign in.
    case active
    /// Sign-in is refused and sessions are revoked; nothing is destroyed.
    case blocked
    /// The account is deactivated and its backup archives are in cold storage.
    case deactivated
}

/// The lifecycle facts persisted per user. `status` is derived, never stored separately.
///
/// The state machine keeps these invariants (given a state that holds them):
/// a deactivated user has no pending (`deactivationDueAt`) or held (`held`) deactivation;
/// at most one of `deactivationDueAt` and `held` is set; `held == .legalHold` only while `legalHold`;
/// a deactivated user is never on legal hold; a local user never has a pending or held deactivation.
package struct Lifecycle: Sendable, Hashable {
    /// The user is local (no identity provider); only admins manage it.
    package var isLocal: Bool
    /// The SCIM `active` the provider last sent (`true` for local users).
    package var providerActive: Bool
    /// The account is deactivated (archives in cold storage).
    package var deactivated: Bool
    /// An admin blocked the user.
    package var adminBlocked: Bool
    /// When the pending provider deactivation comes due; `nil` when none is pending.
    package var deactivationDueAt: Date?
    /// Why a provider deactivation is held instead of pending (mass-deactivation guard, or it came due on legal hold).
    package var held: HoldReason?
    /// The user is on legal hold: provisioning never deactivates it, and admins cannot either.
    package var legalHold: Bool

    /// Creates lifecycle facts; the defaults describe an active, provider-managed user.
    package init(
        isLocal: Bool = false, providerActive: Bool = true, deactivated: Bool = false, adminBlocked: Bool = false,
        deactivationDueAt: Date? = nil, held: HoldReason? = nil, legalHold: Bool = false
    ) {
        self.isLocal = isLocal
        self.providerActive = providerActive
        self.deactivated = deactivated
        self.adminBlocked = adminBlocked
        self.deactivationDueAt = deactivationDueAt
        self.held = held
        self.legalHold = legalHold
    }

    /// `.deactivated` when deactivated; `.blocked` when an admin blocked the user or a provider deactivation is
    /// pending or held; otherwise `.active`.
    package var status: LifecycleStatus {
        if deactivated { return .deactivated }
        if adminBlocked || deactivationDueAt != nil || held != nil { return .blocked }
        return .active
    }
}

/// Something that happened to a user: a provider request, the scheduler, or an admin.
package enum LifecycleEvent: Sendable, Hashable {
    /// The provider set `active=false` (PATCH/PUT) or DELETEd the user. `delay` is the provider's deactivation delay;
    /// `guardTripped` is whether this deactivation exceeds the provider's mass-deactivation threshold.
    case providerDeactivated(delay: Duration, guardTripped: Bool)
    /// The provider set `active=true`.
    case providerReactivated
    /// The scheduler: the pending deactivation's due time was reached.
    case deactivationDue
    /// An admin placed the user on legal hold.
    case legalHoldPlaced
    /// An admin released the user's legal hold.
    case legalHoldReleased
    /// An admin blocked the user.
    case adminBlocked
    /// An admin lifted their block.
    case adminUnblocked
    /// An admin deactivated the user (immediately, no delay).
    case adminDeactivated
    /// An admin reactivated a deactivated user.
    case adminReactivated
    /// An admin released a deactivation held by the mass-deactivation guard: it comes due now.
    case heldDeactivationReleased
    /// An admin cancelled a deactivation held by the mass-deactivation guard.
    case heldDeactivationCancelled
}

/// What the caller must do, in order; the state machine does no I/O.
package enum LifecycleAction: Sendable, Hashable {
    /// Revoke all of the user's sessions.
    case revokeSessions
    /// Move the user's backup archives to cold storage.
    case moveArchivesToColdStorage
    /// Bring the user's backup archives back from cold storage.
    case restoreArchivesFromColdStorage
    /// Write a sync-log entry.
    case log(SyncAction, detail: String?)
}

/// The kinds of sync-log entries.
package enum SyncAction: String, Sendable, Hashable, CaseIterable {
    case created, updated, blocked, unblocked
    case deactivationScheduled = "deactivation-scheduled"
    case deactivationCancelled = "deactivation-cancelled"
    case deactivated
    case deactivationHeld = "deactivation-held"
    case reactivated
    case legalHoldPlaced = "legal-hold-placed"
    case legalHoldReleased = "legal-hold-released"
    case groupCreated = "group-created"
    case groupUpdated = "group-updated"
    case memberAdded = "member-added"
    case memberRemoved = "member-removed"
    case groupDeleted = "group-deleted"
    case rejected
    /// A value left out of an accepted request under ``InvalidDataPolicy/acceptAndWarn`` (entry's `attribute` and
    /// `rule` say which and why).
    case warning
    case orgChanged = "org-changed"
    case orgCreated = "org-created"
    case rolesChanged = "roles-changed"
    case watchlistAdded = "watchlist-added"
    case watchlistRemoved = "watchlist-removed"
    /// An "apply org and role settings" run finished (detail: what it changed).
    case mappingsApplied = "mappings-applied"
    /// An admin paused the provider (its SCIM requests are answered 503 until resumed) or resumed it; the
    /// entry's detail names the admin.
    case providerPaused = "provider-paused"
    case providerResumed = "provider-resumed"
    /// An admin reverted what the provider changed since an instant; the entry's detail names the admin, the
    /// instant and what was restored, and its request id is the one every change of the revert carries.
    case reverted
}

/// A refused event, with a message an admin or a SCIM client can act on.
package struct LifecycleRefusal: Error, Sendable, Hashable {
    /// What was refused and what to do instead, as a sentence.
    package var message: String
    /// Creates a refusal.
    package init(message: String) { self.message = message }
}

/// The outcome of an allowed event: the next state and the actions to perform, in order.
/// An event that changes nothing has `next == self` and no actions.
package struct LifecycleDecision: Sendable, Hashable {
    /// The lifecycle facts to persist.
    package var next: Lifecycle
    /// What the caller must do, in order.
    package var actions: [LifecycleAction]
    /// Creates a decision.
    package init(next: Lifecycle, actions: [LifecycleAction]) {
        self.next = next
        self.actions = actions
    }
}
