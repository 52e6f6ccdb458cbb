package import Foundation
package import SCIM

/// What a provisioning event says happened. The raw values are the names the feed and webhooks carry.
package enum EventType: String, Sendable, Hashable, CaseIterable {
    case userCreated = "user.created"
    /// The event's `changed` names the attributes that changed.
    case userUpdated = "user.updated"
    case userBlocked = "user.blocked"
    case userUnblocked = "user.unblocked"
    case userDeactivationScheduled = "user.deactivation_scheduled"
    case userDeactivationCancelled = "user.deactivation_cancelled"
    /// A deactivation the mass-deactivation guard or a legal hold holds.
    case userDeactivationHeld = "user.deactivation_held"
    case userDeactivated = "user.deactivated"
    case userReactivated = "user.reactivated"
    /// The provider DELETEd the user: the account stays, the provider no longer manages it.
    case userUnlinked = "user.unlinked"
    case userOrganizationChanged = "user.organization_changed"
    case userRolesChanged = "user.roles_changed"
    case userWatchlistsChanged = "user.watchlists_changed"
    case userLegalHoldPlaced = "user.legal_hold_placed"
    case userLegalHoldReleased = "user.legal_hold_released"
    case groupCreated = "group.created"
    case groupUpdated = "group.updated"
    case groupDeleted = "group.deleted"
    case groupMemberAdded = "group.member_added"
    case groupMemberRemoved = "group.member_removed"
    case organizationCreated = "organization.created"
    /// An "apply org and role settings" run finished.
    case providerMappingsApplied = "provider.mappings_applied"
    case providerGuardTripped = "provider.guard_tripped"
    case providerPaused = "provider.paused"
    case providerResumed = "provider.resumed"
    /// An admin reverted the provider's changes since an instant (each change it made has its own event).
    case providerReverted = "provider.reverted"
    /// The provisioning report of the UTC day before (when the daily report is on): `data.report`.
    case reportDaily = "report.daily"
    /// A test delivery to a webhook endpoint; never written to the feed.
    case ping = "ping"

    /// The event a sync-log action becomes; `nil` for entries that record no change (warnings, rejections).
    package init?(_ action: SyncAction) {
        switch action {
        case .created: self = .userCreated
        case .updated: self = .userUpdated
        case .blocked: self = .userBlocked
        case .unblocked: self = .userUnblocked
        case .deactivationScheduled: self = .userDeactivationScheduled
        case .deactivationCancelled: self = .userDeactivationCancelled
        case .deactivationHeld: self = .userDeactivationHeld
        case .deactivated: self = .userDeactivated
        case .reactivated: self = .userReactivated
        case .legalHoldPlaced: self = .userLegalHoldPlaced
        case .legalHoldReleased: self = .userLegalHoldReleased
        case .groupCreated: self = .groupCreated
        case .groupUpdated: self = .groupUpdated
        case .groupDeleted: self = .groupDeleted
        case .memberAdded: self = .groupMemberAdded
        case .memberRemoved: self = .groupMemberRemoved
        case .orgChanged: self = .userOrganizationChanged
        case .orgCreated: self = .organizationCreated
        case .rolesChanged: self = .userRolesChanged
        case .watchlistAdded, .watchlistRemoved: self = .userWatchlistsChanged
        case .mappingsApplied: self = .providerMappingsApplied
        case .providerPaused: self = .providerPaused
        case .providerResumed: self = .providerResumed
        case .reverted: self = .providerReverted
        case .rejected, .warning: return nil
        }
    }

    /// Whether the type is about a user, and so carries the user as it is after the change.
    var isAboutUser: Bool { rawValue.hasPrefix("user.") }
    /// Whether the type is about a group, and so carries the group as it is after the change.
    var isAboutGroup: Bool { rawValue.hasPrefix("group.") }
}

/// One change, as the event feed and webhooks deliver it. Written in the change's own transaction (the outbox):
/// a change and its event commit together or not at all.
package struct ProvisioningEvent: Sendable, Hashable, Identifiable {
    /// Stable and unique (`evt_` and a time-ordered UUID); what webhook deliveries carry as `webhook-id`.
    package var id: String
    /// The store's sequence number, unique and never handed out again. `nil` until stored.
    package var sequence: Int64?
    /// The transaction that wrote the event, by which PostgreSQL orders the feed (``EventCursor``); 0 on SQLite
    /// and in memory, and for events written before the feed was ordered so.
    package var transaction: Int64
    package var type: EventType
    package var at: Date
    /// The provider that made the change; `nil` for admins and the scheduler acting on its own.
    package var providerID: String?
    package var userID: String?
    package var groupID: String?
    /// The HTTP request that caused the change, when there was one.
    package var requestID: String?
    /// The resource as it is after the change (a user, a group, an organization or the provider) and, per type,
    /// what changed: `changed` attribute names, the `member`, a `detail` sentence.
    package var data: JSONObject

    package init(
        id: String = ProvisioningEvent.newID(), sequence: Int64? = nil, transaction: Int64 = 0, type: EventType,
        at: Date, providerID: String? = nil, userID: String? = nil, groupID: String? = nil, requestID: String? = nil,
        data: JSONObject
    ) {
        self.id = id
        self.sequence = sequence
        self.transaction = transaction
        self.type = type
        self.at = at
        self.providerID = providerID
        self.userID = userID
        self.groupID = groupID
        self.requestID = requestID
        self.data = data
    }

    /// Where the event is in the feed; `nil` until stored.
    package var cursor: EventCursor? { sequence.map { EventCursor(transaction: transaction, sequence: $0) } }

    /// A new event id.
    package static func newID() -> String { "evt_" + ResourceID.generate() }

    /// The event as the feed and webhooks write it.
    package var json: JSONObject {
        func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            "id": .string(id), "sequence": sequence.map { .int(Int($0)) } ?? .null, "type": .string(type.rawValue),
            "at": .string(Timestamp.format(at)), "providerId": string(providerID), "userId": string(userID),
            "groupId": string(groupID), "requestId": string(requestID), "data": .object(data),
        ]
    }
}

/// A position in the event feed: the events after it are those a reader has not seen.
///
/// The feed is ordered by the writing transaction's id, then by sequence number. On PostgreSQL, writes run
/// concurrently and commit in any order, so sequence numbers alone do not follow commit order: a reader that had
/// passed a later-committed lower number would never see it. A transaction has its id before it writes any event,
/// and the feed shows only the events of transactions older than every one of the store's transactions still
/// running: no event can appear later before a position the feed gave. On SQLite and in memory, one write runs at
/// a time, and `transaction` is 0: the order is the sequence numbers'.
///
/// Its text is the sequence number alone when `transaction` is 0 (so cursors kept before, all numbers, still
/// mean what they meant), else `transaction.sequence`.
package struct EventCursor: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    package var transaction: Int64
    package var sequence: Int64

    /// Before every event.
    package static let start = EventCursor(transaction: 0, sequence: 0)

    package init(transaction: Int64 = 0, sequence: Int64) {
        self.transaction = transaction
        self.sequence = sequence
    }

    package init(integerLiteral sequence: Int64) { self.init(sequence: sequence) }

    /// Parses `N` or `T.N` (both non-negative integers); `nil` for anything else.
    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let sequence = Int64(parts[parts.count - 1]), let transaction = parts.count == 2 ? Int64(parts[0]) : 0
        else { return nil }
        self.init(transaction: transaction, sequence: sequence)
    }

    package var description: String { transaction == 0 ? String(sequence) : "\(transaction).\(sequence)" }

    package static func < (a: EventCursor, b: EventCursor) -> Bool {
        (a.transaction, a.sequence) < (b.transaction, b.sequence)
    }
}

/// Which events to read: those after a cursor, in feed order (``EventCursor``).
package struct EventQuery: Sendable, Hashable {
    /// Only events after this; ``EventCursor/start`` reads from the oldest kept.
    package var after: EventCursor
    package var limit: Int
    /// Only these types; empty reads every type.
    package var types: Set<EventType>

    package init(after: EventCursor = .start, limit: Int = 100, types: Set<EventType> = []) {
        self.after = after
        self.limit = limit
        self.types = types
    }
}

/// A pattern of event types as the feed's `types` and a webhook's `--events` take them: `user.created`, `user.*`,
/// `*`.
package struct EventTypePattern: Sendable, Hashable, CustomStringConvertible {
    package let text: String

    /// Parses one pattern; `nil` when it names no event type (a typo must not subscribe to nothing silently).
    package init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        self.text = text
        guard !EventType.allCases.filter({ $0 != .ping && Self.matches(text, $0) }).isEmpty else { return nil }
    }

    package var description: String { text }

    package func matches(_ type: EventType) -> Bool { Self.matches(text, type) }

    static func matches(_ pattern: String, _ type: EventType) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix(".*") { return type.rawValue.hasPrefix(pattern.dropLast()) }
        return type.rawValue == pattern
    }

    /// The types a list of patterns selects: every type but `ping` for an empty list.
    package static func types(_ patterns: [EventTypePattern]) -> Set<EventType> {
        let all = EventType.allCases.filter { $0 != .ping }
        guard !patterns.isEmpty else { return Set(all) }
        return Set(all.filter { type in patterns.contains { $0.matches(type) } })
    }

    /// Parses a comma-separated list (`user.*,group.created`), naming the first pattern that matches nothing.
    package static func parseList(_ text: String) throws(ProvisioningError) -> [EventTypePattern] {
        var patterns: [EventTypePattern] = []
        for part in text.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let pattern = EventTypePattern(String(part)) else {
                throw ProvisioningError.invalid(
                    "'\(part)' names no event type: use a type such as user.created, a prefix such as user.*, or *.")
            }
            patterns.append(pattern)
        }
        return patterns
    }
}
