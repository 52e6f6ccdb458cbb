package import Foundation
package import SCIM

/// One SCIM request a provider made, as the request inspector keeps it: what was asked, what was answered, and
/// the bodies with secrets and sensitive attributes redacted (see ``Redaction``), each cut at
/// ``RecordedRequest/bodyLimit`` bytes.
package struct RecordedRequest: Sendable, Hashable {
    /// The store's sequence number, increasing with time; `nil` until stored.
    package var sequence: Int64?
    package var providerID: String
    package var at: Date
    package var method: String
    /// The path below the host, `/scim/{provider}/v2/...`.
    package var path: String
    /// The query string as sent, without `?`.
    package var query: String?
    package var status: Int
    /// How long Roster took to answer, in microseconds.
    package var durationMicros: Int64
    /// The id in `X-Request-Id`, which the sync-log entries of the request's changes carry too.
    package var requestID: String
    /// For a failure: the SCIM error's `scimType` and `detail`.
    package var scimType: String?
    package var detail: String?
    /// The user the request was about, when it names one (its path, its body or its filter).
    package var userID: String?
    package var userName: String?
    package var requestBody: String?
    package var responseBody: String?

    package init(
        sequence: Int64? = nil, providerID: String, at: Date, method: String, path: String, query: String?,
        status: Int, durationMicros: Int64, requestID: String, scimType: String? = nil, detail: String? = nil,
        userID: String? = nil, userName: String? = nil, requestBody: String? = nil, responseBody: String? = nil
    ) {
        self.sequence = sequence
        self.providerID = providerID
        self.at = at
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.durationMicros = durationMicros
        self.requestID = requestID
        self.scimType = scimType
        self.detail = detail
        self.userID = userID
        self.userName = userName
        self.requestBody = requestBody
        self.responseBody = responseBody
    }

    /// Whether the request failed (a 4xx or 5xx answer): failures are kept longer than successes.
    package var failed: Bool { status >= 400 }

    /// The most of each body that is kept: 16 KiB.
    package static let bodyLimit = 16 * 1024
}

/// Which recorded requests to read: one provider's, newest first.
package struct RecordedRequestQuery: Sendable, Hashable {
    package var providerID: String
    /// Only failures (4xx and 5xx).
    package var failedOnly: Bool
    /// Only this status class: 2 for 2xx, 4 for 4xx, 5 for 5xx.
    package var statusClass: Int?
    /// Only this HTTP method (upper case).
    package var method: String?
    /// Only paths containing this text.
    package var pathContains: String?
    /// Only requests about this user: its `userName` (any case) or its id.
    package var userName: String?
    package var userID: String?
    /// Only entries with a smaller sequence number (the next page, older).
    package var before: Int64?
    package var limit: Int

    package init(
        providerID: String, failedOnly: Bool = false, statusClass: Int? = nil, method: String? = nil,
        pathContains: String? = nil, userName: String? = nil, userID: String? = nil, before: Int64? = nil,
        limit: Int = 100
    ) {
        self.providerID = providerID
        self.failedOnly = failedOnly
        self.statusClass = statusClass
        self.method = method
        self.pathContains = pathContains
        self.userName = userName
        self.userID = userID
        self.before = before
        self.limit = limit
    }

    /// Whether `r` is one this query asks for (the memory store's filter; the SQL stores say the same in SQL).
    package func matches(_ r: RecordedRequest) -> Bool {
        guard r.providerID == providerID else { return false }
        if failedOnly && !r.failed { return false }
        if let statusClass, r.status / 100 != statusClass { return false }
        if let method, r.method != method { return false }
        if let pathContains, !r.path.contains(pathContains) { return false }
        if userName != nil || userID != nil {
            let byName = userName.map { $0.lowercased() == r.userName?.lowercased() } ?? false
            let byID = userID.map { $0 == r.userID } ?? false
            if !byName && !byID { return false }
        }
        if let before, let sequence = r.sequence, sequence >= before { return false }
        return true
    }
}

extension RecordedRequest {
    /// The request as JSON, as the CLI and the admin API write it; the bodies only when `bodies` is true.
    package func json(bodies: Bool) -> JSONObject {
        func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        var object: JSONObject = [
            "sequence": .int(Int(sequence ?? 0)), "at": .string(Timestamp.format(at)), "provider": .string(providerID),
            "method": .string(method), "path": .string(path), "query": string(query), "status": .int(status),
            "durationMs": .double(Double(durationMicros) / 1000), "requestId": .string(requestID),
            "scimType": string(scimType), "detail": string(detail), "userId": string(userID),
            "userName": string(userName),
        ]
        if bodies {
            object["requestBody"] = string(requestBody)
            object["responseBody"] = string(responseBody)
        }
        return object
    }
}

extension RecordedRequestQuery {
    /// A status class as admins write it: `2xx`, `4xx`, `5xx` (or `2`, `4`, `5`).
    package static func statusClass(_ text: String) throws -> Int {
        let digit = text.lowercased().hasSuffix("xx") ? String(text.dropLast(2)) : text
        guard let n = Int(digit), [1, 2, 3, 4, 5].contains(n) else {
            throw ProvisioningError.invalid("'status' is a status class such as 2xx, 4xx or 5xx, got '\(text)'.")
        }
        return n
    }

    /// An HTTP method SCIM uses, in upper case.
    package static func method(_ text: String) throws -> String {
        let method = text.uppercased()
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else {
            throw ProvisioningError.invalid(
                "'method' is one of GET, POST, PUT, PATCH and DELETE, got '\(text)'.")
        }
        return method
    }
}

extension RecordedRequest {
    /// The path below the provider's Base URL with its query (`/Users?filter=…`), as listings show it.
    package var shortPath: String {
        let parts = path.split(separator: "/", maxSplits: 3)
        return (parts.count == 4 ? "/" + parts[3] : path) + (query.map { "?" + $0 } ?? "")
    }

    /// The duration in milliseconds with one decimal (`1.4`).
    package var durationText: String { String(format: "%.1f", Double(durationMicros) / 1000) }

    /// The SCIM error as one line (`uniqueness: A user with userName …`), `nil` when there was none.
    package var errorText: String? {
        let parts = [scimType, detail].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }
}
