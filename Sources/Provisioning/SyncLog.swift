public import Foundation

/// One entry of the sync log: something provisioning (or an admin) changed, or a refused request that touched a
/// user. Entries are written in the same transaction as the change they describe and are never changed.
public struct SyncLogEntry: Sendable, Hashable {
    /// The store's sequence number, increasing with time; `nil` until stored.
    public var sequence: Int64?
    public var at: Date
    /// The provider that made the change; `nil` for admin actions and the scheduler acting on its own.
    public var providerID: String?
    public var userID: String?
    public var userName: String?
    public var groupID: String?
    public var action: SyncAction
    /// What changed or why: attribute names, a due time, the reason a deactivation was held, an error.
    public var detail: String?
    /// The HTTP request that caused the change, when there was one.
    public var requestID: String?

    public init(
        sequence: Int64? = nil, at: Date, providerID: String?, userID: String? = nil, userName: String? = nil,
        groupID: String? = nil, action: SyncAction, detail: String? = nil, requestID: String? = nil
    ) {
        self.sequence = sequence
        self.at = at
        self.providerID = providerID
        self.userID = userID
        self.userName = userName
        self.groupID = groupID
        self.action = action
        self.detail = detail
        self.requestID = requestID
    }
}

/// Which sync-log entries to read: newest first, optionally before a sequence number (the next page).
public struct SyncLogQuery: Sendable, Hashable {
    public var userID: String?
    public var providerID: String?
    public var action: SyncAction?
    public var since: Date?
    /// Only entries with a smaller sequence number (paging backwards in time).
    public var before: Int64?
    public var limit: Int

    public init(
        userID: String? = nil, providerID: String? = nil, action: SyncAction? = nil, since: Date? = nil,
        before: Int64? = nil, limit: Int = 100
    ) {
        self.userID = userID
        self.providerID = providerID
        self.action = action
        self.since = since
        self.before = before
        self.limit = limit
    }
}
