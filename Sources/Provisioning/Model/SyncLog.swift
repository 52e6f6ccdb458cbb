package import Foundation
package import SCIM

/// One entry of the sync log: something provisioning (or an admin) changed, or a refused request that touched a
/// user. Entries are written in the same transaction as the change they describe and are never changed.
package struct SyncLogEntry: Sendable, Hashable {
    /// The store's sequence number, increasing with time; `nil` until stored.
    package var sequence: Int64?
    package var at: Date
    /// The provider that made the change; `nil` for admin actions and the scheduler acting on its own.
    package var providerID: String?
    package var userID: String?
    package var userName: String?
    package var groupID: String?
    package var action: SyncAction
    /// What changed or why: attribute names, a due time, the reason a deactivation was held, an error.
    package var detail: String?
    /// The HTTP request that caused the change, when there was one.
    package var requestID: String?
    /// For a ``SyncAction/warning``: the attribute whose value was left out, as ``DroppedValue/attribute``.
    package var attribute: String?
    /// For a ``SyncAction/warning``: the rule the value broke, a ``DroppedValue/Rule`` raw value.
    package var rule: String?

    package init(
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
package struct SyncLogQuery: Sendable, Hashable {
    package var userID: String?
    package var providerID: String?
    package var action: SyncAction?
    /// Only entries about this attribute (``SyncLogEntry/attribute``, warnings).
    package var attribute: String?
    /// Only entries of this rule (``SyncLogEntry/rule``, warnings).
    package var rule: String?
    package var since: Date?
    /// Only entries with a smaller sequence number (paging backwards in time).
    package var before: Int64?
    /// Only entries with a larger sequence number (what arrived since the last look).
    package var after: Int64?
    /// Only the entries of one HTTP request (its `X-Request-Id`), as the request inspector links them.
    package var requestID: String?
    package var limit: Int

    package init(
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
    package var json: JSONObject {
        func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            "sequence": .int(Int(sequence ?? 0)), "at": .string(Timestamp.format(at)), "provider": string(providerID),
            "userId": string(userID), "userName": string(userName), "groupId": string(groupID),
            "action": .string(action.rawValue), "detail": string(detail), "requestId": string(requestID),
            "attribute": string(attribute), "rule": string(rule),
        ]
    }

    /// The CSV header of ``csvRow``.
    package static let csvHeader = "seq,time,provider,user,group,action,detail,request"

    /// One CSV line (RFC 4180 quoting), without the line break.
    package var csvRow: String {
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
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return s
        }
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
package struct WarningGroup: Sendable, Hashable {
    /// The label ``ProvisioningStore/warningCounts()`` counts unknown attributes under.
    package static let unknownAttributeLabel = "(unknown attribute)"

    package var attribute: String
    package var rule: String
    package var count: Int
    package var users: Int
    /// The newest entries, newest first.
    package var examples: [SyncLogEntry]

    package init(attribute: String, rule: String, count: Int, users: Int, examples: [SyncLogEntry]) {
        self.attribute = attribute
        self.rule = rule
        self.count = count
        self.users = users
        self.examples = examples
    }
}
