import Foundation
import Testing

@testable import Provisioning

/// The user lifecycle state machine: every named starting state crossed with every event, then scenarios.
@Suite struct LifecycleTests {
    // MARK: Fixed times (no clock)

    /// 2026-11-30T05:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_796_014_800)
    /// A pending deactivation not yet due (05:10).
    static let later = now.addingTimeInterval(600)
    /// A pending deactivation already due (04:59).
    static let earlier = now.addingTimeInterval(-60)
    /// Where a 15-minute delay lands (05:15).
    static let in15 = now.addingTimeInterval(900)

    // MARK: Expected actions, spelled out here (not shared with the implementation)

    static func log(_ action: SyncAction, _ detail: String?) -> LifecycleAction { .log(action, detail: detail) }
    static let revoke = LifecycleAction.revokeSessions
    static let cold = LifecycleAction.moveArchivesToColdStorage
    static let restore = LifecycleAction.restoreArchivesFromColdStorage
    static let providerBlock = log(.blocked, "deactivated by the provider")
    static let scheduled15 = log(.deactivationScheduled, "due 2026-11-30T05:15:00.000Z")
    static let scheduled0 = log(.deactivationScheduled, "due 2026-11-30T05:00:00.000Z")
    static let guardHeld = log(.deactivationHeld, "mass-deactivation guard")
    static let providerCancel = log(.deactivationCancelled, "reactivated by the provider")
    static let providerUnblock = log(.unblocked, "reactivated by the provider")
    static let providerReactivate = log(.reactivated, "reactivated by the provider")
    static let dueOnHold = log(.deactivationHeld, "the user is on legal hold and stays blocked until it is released")
    static let dueDeactivate = log(.deactivated, "deactivation delay elapsed")
    static let holdPlaced = log(.legalHoldPlaced, nil)
    static let holdReleased = log(.legalHoldReleased, nil)
    static let holdDeactivate = log(.deactivated, "legal hold released while the provider has the user inactive")
    static let adminBlock = log(.blocked, "blocked by an admin")
    static let adminUnblock = log(.unblocked, "unblocked by an admin")
    static let adminUnblockPending = log(.unblocked, "unblocked by an admin; still blocked by a pending deactivation")
    static let adminUnblockGuard = log(
        .unblocked, "unblocked by an admin; still blocked by a deactivation held by the mass-deactivation guard")
    static let adminUnblockLegalHold = log(
        .unblocked, "unblocked by an admin; still blocked by a deactivation held by the legal hold")
    static let adminUnblockDeactivated = log(.unblocked, "unblocked by an admin; the user stays deactivated")
    static let adminDeactivate = log(.deactivated, "deactivated by an admin")
    static let adminReactivate = log(.reactivated, "reactivated by an admin")
    static let heldRelease = log(.deactivationScheduled, "released by an admin")
    static let heldCancel = log(.deactivationCancelled, "cancelled by an admin")
    static let heldCancelUnblock = log(.unblocked, "deactivation cancelled by an admin")

    static let localRefusal = "Local users are managed only by admins; the identity provider cannot change them."
    static let holdOnDeactivatedRefusal = "Deactivated users cannot be placed on legal hold; reactivate the user first."
    static let deactivateOnHoldRefusal =
        "The user is on legal hold and cannot be deactivated; release the legal hold first."
    static let blockDeactivatedRefusal = "Deactivated users cannot be blocked; reactivate the user first."

    // MARK: The table

    /// Named starting states.
    enum State: String, CaseIterable, Sendable {
        case active
        case blockedPending = "blocked-pending"
        case blockedDue = "blocked-due"
        case blockedHeld = "blocked-held (guard)"
        case blockedLegalHold = "blocked-legal-hold (came due on hold)"
        case onHold = "on-hold"
        case onHoldPending = "on-hold-pending (due now)"
        case onHoldProviderInactive = "on-hold, provider inactive, nothing pending"
        case adminBlockedState = "admin-blocked"
        case adminBlockedPending = "admin-blocked + pending"
        case adminBlockedHeld = "admin-blocked + held (guard)"
        case deactivated
        case adminDeactivated = "deactivated by an admin (provider active)"
        case local
        case localDeactivated = "local, deactivated"

        var lifecycle: Lifecycle {
            switch self {
            case .active: Lifecycle()
            case .blockedPending: Lifecycle(providerActive: false, deactivationDueAt: later)
            case .blockedDue: Lifecycle(providerActive: false, deactivationDueAt: earlier)
            case .blockedHeld: Lifecycle(providerActive: false, held: .massDeactivationGuard)
            case .blockedLegalHold: Lifecycle(providerActive: false, held: .legalHold, legalHold: true)
            case .onHold: Lifecycle(legalHold: true)
            case .onHoldPending: Lifecycle(providerActive: false, deactivationDueAt: now, legalHold: true)
            case .onHoldProviderInactive: Lifecycle(providerActive: false, legalHold: true)
            case .adminBlockedState: Lifecycle(adminBlocked: true)
            case .adminBlockedPending: Lifecycle(providerActive: false, adminBlocked: true, deactivationDueAt: later)
            case .adminBlockedHeld: Lifecycle(providerActive: false, adminBlocked: true, held: .massDeactivationGuard)
            case .deactivated: Lifecycle(providerActive: false, deactivated: true)
            case .adminDeactivated: Lifecycle(deactivated: true)
            case .local: Lifecycle(isLocal: true)
            case .localDeactivated: Lifecycle(isLocal: true, deactivated: true)
            }
        }
    }

    /// Every event (the provider deactivation three ways).
    enum Event: String, CaseIterable, Sendable {
        case providerDeactivated15 = "provider-deactivated (15m)"
        case providerDeactivated0 = "provider-deactivated (0)"
        case providerDeactivatedGuard = "provider-deactivated (guard tripped)"
        case providerReactivated = "provider-reactivated"
        case deactivationDue = "deactivation-due"
        case legalHoldPlaced = "legal-hold-placed"
        case legalHoldReleased = "legal-hold-released"
        case adminBlocked = "admin-blocked"
        case adminUnblocked = "admin-unblocked"
        case adminDeactivated = "admin-deactivated"
        case adminReactivated = "admin-reactivated"
        case heldDeactivationReleased = "held-deactivation-released"
        case heldDeactivationCancelled = "held-deactivation-cancelled"

        var event: LifecycleEvent {
            switch self {
            case .providerDeactivated15: .providerDeactivated(delay: .seconds(900), guardTripped: false)
            case .providerDeactivated0: .providerDeactivated(delay: .zero, guardTripped: false)
            case .providerDeactivatedGuard: .providerDeactivated(delay: .seconds(900), guardTripped: true)
            case .providerReactivated: .providerReactivated
            case .deactivationDue: .deactivationDue
            case .legalHoldPlaced: .legalHoldPlaced
            case .legalHoldReleased: .legalHoldReleased
            case .adminBlocked: .adminBlocked
            case .adminUnblocked: .adminUnblocked
            case .adminDeactivated: .adminDeactivated
            case .adminReactivated: .adminReactivated
            case .heldDeactivationReleased: .heldDeactivationReleased
            case .heldDeactivationCancelled: .heldDeactivationCancelled
            }
        }
    }

    /// What a row expects.
    enum Expected: Sendable {
        /// Allowed, nothing changes, no actions.
        case unchanged
        /// Refused with exactly this message.
        case refused(String)
        /// Allowed: this next state and these actions, in order.
        case next(Lifecycle, [LifecycleAction])
    }

    typealias L = Lifecycle

    /// One row per (state, event).
    static let table: [State: [Event: Expected]] = [
        .active: [
            .providerDeactivated15: .next(
                L(providerActive: false, deactivationDueAt: in15), [revoke, providerBlock, scheduled15]),
            .providerDeactivated0: .next(
                L(providerActive: false, deactivationDueAt: now), [revoke, providerBlock, scheduled0]),
            .providerDeactivatedGuard: .next(
                L(providerActive: false, held: .massDeactivationGuard), [revoke, providerBlock, guardHeld]),
            .providerReactivated: .unchanged,
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .next(L(legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .next(L(adminBlocked: true), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .next(L(deactivated: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .blockedPending: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(), [providerCancel, providerUnblock]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .next(L(providerActive: false, deactivationDueAt: later, legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: later), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .next(L(providerActive: false, deactivated: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .blockedDue: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(), [providerCancel, providerUnblock]),
            .deactivationDue: .next(L(providerActive: false, deactivated: true), [revoke, cold, dueDeactivate]),
            .legalHoldPlaced: .next(
                L(providerActive: false, deactivationDueAt: earlier, legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: earlier), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .next(L(providerActive: false, deactivated: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .blockedHeld: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(), [providerCancel, providerUnblock]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .next(
                L(providerActive: false, held: .massDeactivationGuard, legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .next(
                L(providerActive: false, adminBlocked: true, held: .massDeactivationGuard), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .next(L(providerActive: false, deactivated: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .next(L(providerActive: false, deactivationDueAt: now), [heldRelease]),
            .heldDeactivationCancelled: .next(L(providerActive: false), [heldCancel, heldCancelUnblock]),
        ],
        .blockedLegalHold: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(legalHold: true), [providerCancel, providerUnblock]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .unchanged,
            .legalHoldReleased: .next(
                L(providerActive: false, deactivated: true), [holdReleased, revoke, cold, holdDeactivate]),
            .adminBlocked: .next(
                L(providerActive: false, adminBlocked: true, held: .legalHold, legalHold: true), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .refused(deactivateOnHoldRefusal),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .onHold: [
            .providerDeactivated15: .next(
                L(providerActive: false, deactivationDueAt: in15, legalHold: true),
                [revoke, providerBlock, scheduled15]),
            .providerDeactivated0: .next(
                L(providerActive: false, deactivationDueAt: now, legalHold: true), [revoke, providerBlock, scheduled0]),
            .providerDeactivatedGuard: .next(
                L(providerActive: false, held: .massDeactivationGuard, legalHold: true),
                [revoke, providerBlock, guardHeld]),
            .providerReactivated: .unchanged,
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .unchanged,
            .legalHoldReleased: .next(L(), [holdReleased]),
            .adminBlocked: .next(L(adminBlocked: true, legalHold: true), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .refused(deactivateOnHoldRefusal),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .onHoldPending: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(legalHold: true), [providerCancel, providerUnblock]),
            .deactivationDue: .next(L(providerActive: false, held: .legalHold, legalHold: true), [dueOnHold]),
            .legalHoldPlaced: .unchanged,
            // Still pending: the scheduler deactivates it, not the release.
            .legalHoldReleased: .next(L(providerActive: false, deactivationDueAt: now), [holdReleased]),
            .adminBlocked: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: now, legalHold: true),
                [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .refused(deactivateOnHoldRefusal),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .onHoldProviderInactive: [
            .providerDeactivated15: .next(
                L(providerActive: false, deactivationDueAt: in15, legalHold: true),
                [revoke, providerBlock, scheduled15]),
            .providerDeactivated0: .next(
                L(providerActive: false, deactivationDueAt: now, legalHold: true), [revoke, providerBlock, scheduled0]),
            .providerDeactivatedGuard: .next(
                L(providerActive: false, held: .massDeactivationGuard, legalHold: true),
                [revoke, providerBlock, guardHeld]),
            .providerReactivated: .next(L(legalHold: true), []),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .unchanged,
            .legalHoldReleased: .next(
                L(providerActive: false, deactivated: true), [holdReleased, revoke, cold, holdDeactivate]),
            .adminBlocked: .next(L(providerActive: false, adminBlocked: true, legalHold: true), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .refused(deactivateOnHoldRefusal),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .adminBlockedState: [
            .providerDeactivated15: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: in15), [scheduled15]),
            .providerDeactivated0: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: now), [scheduled0]),
            .providerDeactivatedGuard: .next(
                L(providerActive: false, adminBlocked: true, held: .massDeactivationGuard), [guardHeld]),
            .providerReactivated: .unchanged,
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .next(L(adminBlocked: true, legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .unchanged,
            .adminUnblocked: .next(L(), [adminUnblock]),
            .adminDeactivated: .next(L(deactivated: true, adminBlocked: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .adminBlockedPending: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(adminBlocked: true), [providerCancel]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: later, legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .unchanged,
            .adminUnblocked: .next(L(providerActive: false, deactivationDueAt: later), [adminUnblockPending]),
            .adminDeactivated: .next(
                L(providerActive: false, deactivated: true, adminBlocked: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .adminBlockedHeld: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(adminBlocked: true), [providerCancel]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .next(
                L(providerActive: false, adminBlocked: true, held: .massDeactivationGuard, legalHold: true),
                [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .unchanged,
            .adminUnblocked: .next(L(providerActive: false, held: .massDeactivationGuard), [adminUnblockGuard]),
            .adminDeactivated: .next(
                L(providerActive: false, deactivated: true, adminBlocked: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .next(
                L(providerActive: false, adminBlocked: true, deactivationDueAt: now), [heldRelease]),
            .heldDeactivationCancelled: .next(L(providerActive: false, adminBlocked: true), [heldCancel]),
        ],
        .deactivated: [
            .providerDeactivated15: .unchanged,
            .providerDeactivated0: .unchanged,
            .providerDeactivatedGuard: .unchanged,
            .providerReactivated: .next(L(), [restore, providerReactivate]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .refused(holdOnDeactivatedRefusal),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .refused(blockDeactivatedRefusal),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .unchanged,
            .adminReactivated: .next(L(providerActive: false), [restore, adminReactivate]),
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .adminDeactivated: [
            // Only the provider's `active` is recorded; the deactivation is already done.
            .providerDeactivated15: .next(L(providerActive: false, deactivated: true), []),
            .providerDeactivated0: .next(L(providerActive: false, deactivated: true), []),
            .providerDeactivatedGuard: .next(L(providerActive: false, deactivated: true), []),
            .providerReactivated: .next(L(), [restore, providerReactivate]),
            .deactivationDue: .unchanged,
            .legalHoldPlaced: .refused(holdOnDeactivatedRefusal),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .refused(blockDeactivatedRefusal),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .unchanged,
            .adminReactivated: .next(L(), [restore, adminReactivate]),
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .local: [
            .providerDeactivated15: .refused(localRefusal),
            .providerDeactivated0: .refused(localRefusal),
            .providerDeactivatedGuard: .refused(localRefusal),
            .providerReactivated: .refused(localRefusal),
            .deactivationDue: .refused(localRefusal),
            .legalHoldPlaced: .next(L(isLocal: true, legalHold: true), [holdPlaced]),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .next(L(isLocal: true, adminBlocked: true), [revoke, adminBlock]),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .next(L(isLocal: true, deactivated: true), [revoke, cold, adminDeactivate]),
            .adminReactivated: .unchanged,
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
        .localDeactivated: [
            .providerDeactivated15: .refused(localRefusal),
            .providerDeactivated0: .refused(localRefusal),
            .providerDeactivatedGuard: .refused(localRefusal),
            .providerReactivated: .refused(localRefusal),
            .deactivationDue: .refused(localRefusal),
            .legalHoldPlaced: .refused(holdOnDeactivatedRefusal),
            .legalHoldReleased: .unchanged,
            .adminBlocked: .refused(blockDeactivatedRefusal),
            .adminUnblocked: .unchanged,
            .adminDeactivated: .unchanged,
            .adminReactivated: .next(L(isLocal: true), [restore, adminReactivate]),
            .heldDeactivationReleased: .unchanged,
            .heldDeactivationCancelled: .unchanged,
        ],
    ]

    @Test(arguments: State.allCases, Event.allCases)
    func transition(_ state: State, _ event: Event) throws {
        let start = state.lifecycle
        let expected = try #require(Self.table[state]?[event], "no row for \(state.rawValue) × \(event.rawValue)")
        let result = Result { () throws(LifecycleRefusal) in try start.handle(event.event, at: Self.now) }
        switch (expected, result) {
        case (.unchanged, .success(let decision)):
            #expect(decision.next == start)
            #expect(decision.actions == [])
        case (.next(let next, let actions), .success(let decision)):
            #expect(decision.next == next)
            #expect(decision.actions == actions)
            #expect(decision.next != start || actions.isEmpty, "a row with actions should change the state")
        case (.refused(let message), .failure(let refusal)):
            #expect(refusal.message == message)
        case (.refused(let message), .success(let decision)):
            Issue.record("expected refusal \"\(message)\", got \(decision)")
        case (_, .failure(let refusal)):
            Issue.record("unexpected refusal: \(refusal.message)")
        }
    }

    @Test func tableHasExactlyOneRowPerStateAndEvent() {
        #expect(Set(Self.table.keys) == Set(State.allCases))
        for state in State.allCases {
            #expect(Set(Self.table[state, default: [:]].keys) == Set(Event.allCases), "\(state.rawValue)")
        }
    }

    /// Every `LifecycleEvent` case is exercised by the table. (The `switch` stops compiling when a case is added.)
    @Test func tableCoversEveryEventCase() {
        func caseName(_ event: LifecycleEvent) -> String {
            switch event {
            case .providerDeactivated(_, let guardTripped):
                guardTripped ? "providerDeactivated+guard" : "providerDeactivated"
            case .providerReactivated: "providerReactivated"
            case .deactivationDue: "deactivationDue"
            case .legalHoldPlaced: "legalHoldPlaced"
            case .legalHoldReleased: "legalHoldReleased"
            case .adminBlocked: "adminBlocked"
            case .adminUnblocked: "adminUnblocked"
            case .adminDeactivated: "adminDeactivated"
            case .adminReactivated: "adminReactivated"
            case .heldDeactivationReleased: "heldDeactivationReleased"
            case .heldDeactivationCancelled: "heldDeactivationCancelled"
            }
        }
        #expect(Set(Event.allCases.map { caseName($0.event) }).count == 12)
    }

    // MARK: Properties over the whole table

    /// The invariants `Lifecycle` documents.
    static func invariantViolations(_ l: Lifecycle) -> [String] {
        var v: [String] = []
        if l.deactivated, l.deactivationDueAt != nil || l.held != nil {
            v.append("deactivated with a pending/held deactivation")
        }
        if l.deactivationDueAt != nil, l.held != nil { v.append("both pending and held") }
        if l.held == .legalHold, !l.legalHold { v.append("held for legal hold without a legal hold") }
        if l.deactivated, l.legalHold { v.append("deactivated on legal hold") }
        if l.isLocal, l.deactivationDueAt != nil || l.held != nil || !l.providerActive {
            v.append("local touched by provider")
        }
        return v
    }

    @Test(arguments: State.allCases)
    func startingStatesHoldTheInvariants(_ state: State) {
        #expect(Self.invariantViolations(state.lifecycle) == [])
    }

    @Test(arguments: State.allCases, Event.allCases)
    func transitionsKeepTheInvariants(_ state: State, _ event: Event) {
        guard let decision = try? state.lifecycle.handle(event.event, at: Self.now) else { return }
        #expect(Self.invariantViolations(decision.next) == [], "\(state.rawValue) × \(event.rawValue)")
    }

    /// Providers retry; admins double-click. Replaying an allowed event at the same time changes nothing.
    @Test(arguments: State.allCases, Event.allCases)
    func replayingAnEventIsANoOp(_ state: State, _ event: Event) throws {
        guard let first = try? state.lifecycle.handle(event.event, at: Self.now) else { return }
        let second = try first.next.handle(event.event, at: Self.now)
        #expect(second.next == first.next)
        #expect(second.actions == [])
    }

    /// Status changes are always logged: when the status changes, a sync-log entry says so.
    @Test(arguments: State.allCases, Event.allCases)
    func statusChangesAreLogged(_ state: State, _ event: Event) {
        guard let decision = try? state.lifecycle.handle(event.event, at: Self.now) else { return }
        let logged = decision.actions.compactMap { if case .log(let a, _) = $0 { a } else { nil } }
        switch (state.lifecycle.status, decision.next.status) {
        case (.active, .blocked): #expect(logged.contains(.blocked))
        case (.blocked, .active): #expect(logged.contains(.unblocked))
        case (_, .deactivated) where state.lifecycle.status != .deactivated:
            #expect(logged.contains(.deactivated))
            #expect(decision.actions.contains(.revokeSessions))
            #expect(decision.actions.contains(.moveArchivesToColdStorage))
        case (.deactivated, let s) where s != .deactivated:
            #expect(logged.contains(.reactivated))
            #expect(decision.actions.first == .restoreArchivesFromColdStorage)
        default:
            #expect(state.lifecycle.status == decision.next.status)
        }
    }

    // MARK: Status derivation

    @Test(arguments: [
        (L(), LifecycleStatus.active),
        (L(providerActive: false), .active),
        (L(legalHold: true), .active),
        (L(isLocal: true), .active),
        (L(adminBlocked: true), .blocked),
        (L(deactivationDueAt: now), .blocked),
        (L(held: .massDeactivationGuard), .blocked),
        (L(held: .legalHold, legalHold: true), .blocked),
        (L(adminBlocked: true, deactivationDueAt: later), .blocked),
        (L(deactivated: true), .deactivated),
        (L(deactivated: true, adminBlocked: true), .deactivated),
        (L(isLocal: true, deactivated: true), .deactivated),
    ])
    func statusIsDerived(_ lifecycle: Lifecycle, _ status: LifecycleStatus) {
        #expect(lifecycle.status == status)
    }

    // MARK: Details

    @Test(arguments: [
        (Duration.milliseconds(1500), "due 2026-11-30T05:00:01.500Z"),
        (.seconds(86_400), "due 2026-12-01T05:00:00.000Z"),
        (.seconds(-60), "due 2026-11-30T05:00:00.000Z"),  // a negative delay is due now, never in the past
    ])
    func scheduledDetailIsTheDueTime(_ delay: Duration, _ detail: String) throws {
        let d = try L().handle(.providerDeactivated(delay: delay, guardTripped: false), at: Self.now)
        #expect(d.actions.last == .log(.deactivationScheduled, detail: detail))
        #expect(d.next.deactivationDueAt.map { Timestamp8601.check($0, detail) } == true)
    }

    /// Unblocking says why the user is still blocked (or deactivated).
    @Test(arguments: [
        (L(adminBlocked: true), adminUnblock, LifecycleStatus.active),
        (L(providerActive: false, adminBlocked: true, deactivationDueAt: later), adminUnblockPending, .blocked),
        (L(providerActive: false, adminBlocked: true, held: .massDeactivationGuard), adminUnblockGuard, .blocked),
        (
            L(providerActive: false, adminBlocked: true, held: .legalHold, legalHold: true), adminUnblockLegalHold,
            .blocked
        ),
        (L(deactivated: true, adminBlocked: true), adminUnblockDeactivated, .deactivated),
    ])
    func unblockDetailSaysWhatRemains(_ start: Lifecycle, _ entry: LifecycleAction, _ status: LifecycleStatus) throws {
        let d = try start.handle(.adminUnblocked, at: Self.now)
        #expect(d.actions == [entry])
        #expect(!d.next.adminBlocked)
        #expect(d.next.status == status)
    }

    // MARK: Scenarios

    /// Applies events in order; returns the final state and every step's actions.
    static func run(_ start: Lifecycle, _ steps: [(LifecycleEvent, Date)]) throws -> (Lifecycle, [[LifecycleAction]]) {
        var state = start
        var actions: [[LifecycleAction]] = []
        for (event, time) in steps {
            let d = try state.handle(event, at: time)
            state = d.next
            actions.append(d.actions)
        }
        return (state, actions)
    }

    @Test func providerReactivatesBeforeDue() throws {
        let (end, actions) = try Self.run(
            L(),
            [
                (.providerDeactivated(delay: .seconds(900), guardTripped: false), Self.now),
                (.deactivationDue, Self.now.addingTimeInterval(300)),  // a scheduler firing early does nothing
                (.providerReactivated, Self.now.addingTimeInterval(600)),
                (.deactivationDue, Self.in15),  // the stale timer fires: nothing pending
            ])
        #expect(end == L())
        #expect(end.status == .active)
        #expect(
            actions == [
                [Self.revoke, Self.providerBlock, Self.scheduled15],
                [],
                [Self.providerCancel, Self.providerUnblock],
                [],
            ])
    }

    @Test func deactivationComesDueThenProviderReactivates() throws {
        var (state, actions) = try Self.run(
            L(),
            [
                (.providerDeactivated(delay: .seconds(900), guardTripped: false), Self.now),
                (.deactivationDue, Self.in15),
            ])
        #expect(state == L(providerActive: false, deactivated: true))
        #expect(state.status == .deactivated)
        #expect(actions.last == [Self.revoke, Self.cold, Self.dueDeactivate])
        (state, actions) = try Self.run(state, [(.providerReactivated, Self.in15.addingTimeInterval(3600))])
        #expect(state == L())
        #expect(state.status == .active)
        #expect(actions == [[Self.restore, Self.providerReactivate]])
    }

    @Test func zeroDelayIsDueAtOnce() throws {
        let (end, actions) = try Self.run(
            L(),
            [
                (.providerDeactivated(delay: .zero, guardTripped: false), Self.now),
                (.deactivationDue, Self.now),
            ])
        #expect(end.status == .deactivated)
        #expect(
            actions == [
                [Self.revoke, Self.providerBlock, Self.scheduled0], [Self.revoke, Self.cold, Self.dueDeactivate],
            ])
    }

    @Test func legalHoldKeepsTheUserBlockedUntilReleased() throws {
        var (state, actions) = try Self.run(
            L(),
            [
                (.legalHoldPlaced, Self.now),
                (.providerDeactivated(delay: .seconds(900), guardTripped: false), Self.now),
                (.deactivationDue, Self.in15),
            ])
        #expect(state == L(providerActive: false, held: .legalHold, legalHold: true))
        #expect(state.status == .blocked)
        #expect(actions == [[Self.holdPlaced], [Self.revoke, Self.providerBlock, Self.scheduled15], [Self.dueOnHold]])
        // An admin cannot deactivate during the hold either.
        #expect(throws: LifecycleRefusal(message: Self.deactivateOnHoldRefusal)) {
            try state.handle(.adminDeactivated, at: Self.in15)
        }
        (state, actions) = try Self.run(state, [(.legalHoldReleased, Self.in15.addingTimeInterval(86_400))])
        #expect(state == L(providerActive: false, deactivated: true))
        #expect(state.status == .deactivated)
        #expect(actions == [[Self.holdReleased, Self.revoke, Self.cold, Self.holdDeactivate]])
        // Deactivated users cannot go back on hold.
        #expect(throws: LifecycleRefusal(message: Self.holdOnDeactivatedRefusal)) {
            try state.handle(.legalHoldPlaced, at: Self.in15)
        }
    }

    @Test func guardHeldDeactivationReleasedByAnAdmin() throws {
        let released = Self.now.addingTimeInterval(7200)
        var (state, actions) = try Self.run(
            L(),
            [
                (.providerDeactivated(delay: .seconds(900), guardTripped: true), Self.now),
                (.deactivationDue, Self.in15),  // nothing is due while held
            ])
        #expect(state == L(providerActive: false, held: .massDeactivationGuard))
        #expect(state.status == .blocked)
        #expect(actions == [[Self.revoke, Self.providerBlock, Self.guardHeld], []])
        (state, actions) = try Self.run(state, [(.heldDeactivationReleased, released)])
        #expect(state == L(providerActive: false, deactivationDueAt: released))
        #expect(actions == [[Self.heldRelease]])
        (state, actions) = try Self.run(state, [(.deactivationDue, released)])
        #expect(state == L(providerActive: false, deactivated: true))
        #expect(actions == [[Self.revoke, Self.cold, Self.dueDeactivate]])
    }

    @Test func guardHeldDeactivationCancelledByAnAdmin() throws {
        let (end, actions) = try Self.run(
            L(adminBlocked: true),
            [
                (.providerDeactivated(delay: .seconds(900), guardTripped: true), Self.now),
                (.heldDeactivationCancelled, Self.in15),
                (.adminUnblocked, Self.in15),
            ])
        // The provider still says inactive; the user is active again.
        #expect(end == L(providerActive: false))
        #expect(end.status == .active)
        #expect(actions == [[Self.guardHeld], [Self.heldCancel], [Self.adminUnblock]])
    }

    @Test func adminLifecycleOnALocalUser() throws {
        let (end, actions) = try Self.run(
            L(isLocal: true),
            [
                (.adminBlocked, Self.now),
                (.adminDeactivated, Self.now),
                (.adminReactivated, Self.in15),
                (.adminUnblocked, Self.in15),
            ])
        #expect(end == L(isLocal: true))
        #expect(
            actions == [
                [Self.revoke, Self.adminBlock],
                [Self.revoke, Self.cold, Self.adminDeactivate],
                [Self.restore, Self.adminReactivate],
                [Self.adminUnblock],
            ])
        #expect(throws: LifecycleRefusal(message: Self.localRefusal)) {
            try end.handle(.providerDeactivated(delay: .zero, guardTripped: false), at: Self.now)
        }
    }
}

/// Checks a due date against the time in a "due …" detail, independently of the implementation's formatter.
enum Timestamp8601 {
    static func check(_ date: Date, _ detail: String) -> Bool {
        let text = detail.dropFirst("due ".count)
        guard let parsed = try? Date(String(text), strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        else { return false }
        return abs(parsed.timeIntervalSince(date)) < 0.001
    }
}
