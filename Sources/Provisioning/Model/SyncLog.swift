public import Foundation
public import SCIM

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
    /// For a ``SyncAction/warning``: the attribute whose value was left out, as ``DroppedValue/attribute``.
    public var attribute: String?
    /// For a ``SyncAction/warning``: the rule the value broke, a ``DroppedValue/Rule`` raw value.
    public var rule: String?

    public init(
        sequence: Int64? = nil, at: Date, providerID: String?, userID: String? = nil, userName: String? = nil,
        groupID: String? = nil, action: SyncAction, detail: String? = nil, requestID: String? = nil,
        attribute: String? = nil, rule: String? = nil
    ) {
        self.attribute = attribute
        self.rule = rule
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
    /// Only entries about this attribute (``SyncLogEntry/attribute``, warnings).
    public var attribute: String?
    /// Only entries of this rule (``SyncLogEntry/rule``, warnings).
    public var rule: String?
    public var since: Date?
    /// Only entries with a smaller sequence number (paging backwards in time).
    public var before: Int64?
    /// Only entries with a larger sequence number (what arrived since the last look).
    public var after: Int64?
    public var limit: Int

    public init(
        userID: String? = nil, providerID: String? = nil, action: SyncAction? = nil, since: Date? = nil,
        before: Int64? = nil, after: Int64? = nil, limit: Int = 100
    ) {
        self.after = after
        self.userID = userID
        self.providerID = providerID
        self.action = action
        self.since = since
        self.before = before
        self.limit = limit
    }
}

extension SyncLogEntry {
    /// The entry as JSON, as the CLI, the admin API and the console's live updates write it.
    public var json: JSONObject {
        func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            "sequence": .int(Int(sequence ?? 0)), "at": .string(Timestamp.format(at)), "provider": string(providerID),
            "userId": string(userID), "userName": string(userName), "groupId": string(groupID),
            "action": .string(action.rawValue), "detail": string(detail), "requestId": string(requestID),
            "attribute": string(attribute), "rule": string(rule),
        ]
    }

    /// The CSV header of ``csvRow``.
    public static let csvHeader = "seq,time,provider,user,group,action,detail,request"

    /// One CSV line (RFC 4180 quoting), without the line break.
    public var csvRow: String {
        [
            String(sequence ?? 0), Timestamp.format(at), providerID ?? "admin", userName ?? userID ?? "", groupID ?? "",
            action.rawValue, detail ?? "", requestID ?? "",
        ].map(Self.csvField).joined(separator: ",")
    }

    /// RFC 4180 quoting; a field whose first Unicode scalar is `=`, `+`, `-`, `@`, TAB or CR is prefixed with `'` so
    /// that spreadsheets do not run it as a formula (OWASP CSV injection). The scalar, not the character, is what
    /// counts: `=` followed by a combining mark (U+0301) or a joiner (U+200D) is one character that does not equal
    /// `=`, yet spreadsheets still read a formula.
    static func csvField(_ s: String) -> String {
        var s = s
        if let first = s.unicodeScalars.first, Self.formulaStarts.contains(first) { s = "'" + s }
        // Scalars again: "\r\n" is one character, equal to neither "\r" nor "\n", and a quote followed by a
        // combining mark is one character that is not a quote.
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in s.unicodeScalars {
            if scalar == "\"" { quoted.append("\"") }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }

    /// The first scalars that make a spreadsheet read a cell as a formula.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
}

/// Warnings of one attribute and rule: how many, for how many users, and the newest examples.
public struct WarningGroup: Sendable, Hashable {
    /// The label ``ProvisioningStore/warningCounts()`` counts unknown attributes under.
    public static let unknownAttributeLabel = "(unknown attribute)"

    public var attribute: String
    public var rule: String
    public var count: Int
    public var users: Int
    /// The newest entries, newest first.
    public var examples: [SyncLogEntry]

    public init(attribute: String, rule: String, count: Int, users: Int, examples: [SyncLogEntry]) {
        self.attribute = attribute
        self.rule = rule
        self.count = count
        self.users = users
        self.examples = examples
    }
}
