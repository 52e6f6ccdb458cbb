package import Foundation

extension LifecycleRefusal {
    /// A provider event on a local user.
    static let localUser = LifecycleRefusal(
        message: "Local users are managed only by admins; the identity provider cannot change them.")
    /// A legal hold on a deactivated user.
    static let holdOnDeactivated = LifecycleRefusal(
        message: "Deactivated users cannot be placed on legal hold; reactivate the user first.")
    /// An admin deactivation during a legal hold.
    static let deactivateOnHold = LifecycleRefusal(
        message: "The user is on legal hold and cannot be deactivated; release the legal hold first.")
    /// An admin block on a deactivated user.
    static let blockDeactivated = LifecycleRefusal(
        message: "Deactivated users cannot be blocked; reactivate the user first.")
}

extension Lifecycle {
    /// Decides the next state and actions for `event` at `now`. Throws LifecycleRefusal when the event is not allowed.
    ///
    /// Pure: no clock, no I/O. An allowed event that changes nothing returns `self` and no actions, so callers can
    /// replay provider requests safely.
    package func handle(_ event: LifecycleEvent, at now: Date) throws(LifecycleRefusal) -> LifecycleDecision {
        switch event {
        case .providerDeactivated(let delay, let guardTripped):
            guard !isLocal else { throw .localUser }
            return providerDeactivated(delay: delay, guardTripped: guardTripped, at: now)
        case .providerReactivated:
            guard !isLocal else { throw .localUser }
            return providerReactivated()
        case .deactivationDue:
            guard !isLocal else { throw .localUser }
            return deactivationDue(at: now)
        case .legalHoldPlaced:
            guard !deactivated else { throw .holdOnDeactivated }
            return legalHoldPlaced()
        case .legalHoldReleased:
            return legalHoldReleased()
        case .adminBlocked:
            guard !deactivated else { throw .blockDeactivated }
            return adminBlock()
        case .adminUnblocked:
            return adminUnblock()
        case .adminDeactivated:
            guard !deactivated else { return unchanged }
            guard !legalHold else { throw .deactivateOnHold }
            return adminDeactivate()
        case .adminReactivated:
            return adminReactivate()
        case .heldDeactivationReleased:
            return heldDeactivationReleased(at: now)
        case .heldDeactivationCancelled:
            return heldDeactivationCancelled()
        }
    }

    private var unchanged: LifecycleDecision { LifecycleDecision(next: self, actions: []) }

    private var hasPendingOrHeldDeactivation: Bool { deactivationDueAt != nil || held != nil }

    private func providerDeactivated(delay: Duration, guardTripped: Bool, at now: Date) -> LifecycleDecision {
        var next = self
        next.providerActive = false
        // Deactivated already, or a deactivation is pending/held: keep it (no rescheduling), nothing to do.
        guard !deactivated, !hasPendingOrHeldDeactivation else { return LifecycleDecision(next: next, actions: []) }
        var actions: [LifecycleAction] = []
        if !adminBlocked {
            actions += [.revokeSessions, .log(.blocked, detail: "deactivated by the provider")]
        }
        if guardTripped {
            next.held = .massDeactivationGuard
            actions.append(.log(.deactivationHeld, detail: "mass-deactivation guard"))
        } else {
            // Clamped to the setting's range: a delay stored out of range by an older build must not reach the date.
            let range = SettingLimit.deactivationDelay.range
            let due = now.addingTimeInterval(
                Self.seconds(min(max(delay, .seconds(range.lowerBound)), .seconds(range.upperBound))))
            next.deactivationDueAt = due
            actions.append(.log(.deactivationScheduled, detail: "due \(Self.iso8601(due))"))
        }
        return LifecycleDecision(next: next, actions: actions)
    }

    private func providerReactivated() -> LifecycleDecision {
        var next = self
        next.providerActive = true
        next.deactivationDueAt = nil
        next.held = nil
        if deactivated {
            next.deactivated = false
            return LifecycleDecision(
                next: next,
                actions: [.restoreArchivesFromColdStorage, .log(.reactivated, detail: "reactivated by the provider")])
        }
        guard hasPendingOrHeldDeactivation else { return LifecycleDecision(next: next, actions: []) }
        var actions: [LifecycleAction] = [.log(.deactivationCancelled, detail: "reactivated by the provider")]
        if next.status == .active { actions.append(.log(.unblocked, detail: "reactivated by the provider")) }
        return LifecycleDecision(next: next, actions: actions)
    }

    private func deactivationDue(at now: Date) -> LifecycleDecision {
        guard let due = deactivationDueAt, due <= now, !deactivated else { return unchanged }
        var next = self
        next.deactivationDueAt = nil
        if legalHold {
            next.held = .legalHold
            return LifecycleDecision(
                next: next,
                actions: [
                    .log(.deactivationHeld, detail: "the user is on legal hold and stays blocked until it is released")
                ])
        }
        next.deactivated = true
        next.held = nil
        return LifecycleDecision(
            next: next,
            actions: [
                .revokeSessions, .moveArchivesToColdStorage, .log(.deactivated, detail: "deactivation delay elapsed"),
            ])
    }

    private func legalHoldPlaced() -> LifecycleDecision {
        guard !legalHold else { return unchanged }
        var next = self
        next.legalHold = true
        return LifecycleDecision(next: next, actions: [.log(.legalHoldPlaced, detail: nil)])
    }

    private func legalHoldReleased() -> LifecycleDecision {
        guard legalHold else { return unchanged }
        var next = self
        next.legalHold = false
        var actions: [LifecycleAction] = [.log(.legalHoldReleased, detail: nil)]
        // The deactivation came due during the hold, or the provider still has the user inactive and nothing is
        // pending or held: deactivate now, with no further delay. A pending (not yet due) deactivation stays pending.
        let cameDueDuringHold = held == .legalHold
        let providerStillInactive = !isLocal && !providerActive && !deactivated && !hasPendingOrHeldDeactivation
        if cameDueDuringHold || providerStillInactive {
            next.deactivated = true
            next.held = nil
            next.deactivationDueAt = nil
            actions += [
                .revokeSessions, .moveArchivesToColdStorage,
                .log(.deactivated, detail: "legal hold released while the provider has the user inactive"),
            ]
        }
        return LifecycleDecision(next: next, actions: actions)
    }

    private func adminBlock() -> LifecycleDecision {
        guard !adminBlocked else { return unchanged }
        var next = self
        next.adminBlocked = true
        return LifecycleDecision(next: next, actions: [.revokeSessions, .log(.blocked, detail: "blocked by an admin")])
    }

    private func adminUnblock() -> LifecycleDecision {
        guard adminBlocked else { return unchanged }
        var next = self
        next.adminBlocked = false
        let detail =
            if deactivated {
                "unblocked by an admin; the user stays deactivated"
            } else if deactivationDueAt != nil {
                "unblocked by an admin; still blocked by a pending deactivation"
            } else {
                switch held {
                case .massDeactivationGuard?:
                    "unblocked by an admin; still blocked by a deactivation held by the mass-deactivation guard"
                case .legalHold?: "unblocked by an admin; still blocked by a deactivation held by the legal hold"
                case nil: "unblocked by an admin"
                }
            }
        return LifecycleDecision(next: next, actions: [.log(.unblocked, detail: detail)])
    }

    private func adminDeactivate() -> LifecycleDecision {
        var next = self
        next.deactivated = true
        next.deactivationDueAt = nil
        next.held = nil
        return LifecycleDecision(
            next: next,
            actions: [
                .revokeSessions, .moveArchivesToColdStorage, .log(.deactivated, detail: "deactivated by an admin"),
            ])
    }

    private func adminReactivate() -> LifecycleDecision {
        guard deactivated else { return unchanged }
        var next = self
        next.deactivated = false
        next.deactivationDueAt = nil
        next.held = nil
        return LifecycleDecision(
            next: next,
            actions: [.restoreArchivesFromColdStorage, .log(.reactivated, detail: "reactivated by an admin")])
    }

    private func heldDeactivationReleased(at now: Date) -> LifecycleDecision {
        guard held == .massDeactivationGuard, !deactivated else { return unchanged }
        var next = self
        next.held = nil
        next.deactivationDueAt = now
        return LifecycleDecision(next: next, actions: [.log(.deactivationScheduled, detail: "released by an admin")])
    }

    private func heldDeactivationCancelled() -> LifecycleDecision {
        guard held == .massDeactivationGuard, !deactivated else { return unchanged }
        var next = self
        next.held = nil
        var actions: [LifecycleAction] = [.log(.deactivationCancelled, detail: "cancelled by an admin")]
        if next.status == .active { actions.append(.log(.unblocked, detail: "deactivation cancelled by an admin")) }
        return LifecycleDecision(next: next, actions: actions)
    }

    /// A duration in seconds, attoseconds included.
    private static func seconds(_ d: Duration) -> TimeInterval {
        let c = d.components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) / 1e18
    }

    /// RFC 3339 in UTC with milliseconds, as SCIM writes timestamps (`2026-11-30T05:15:00.000Z`).
    private static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
