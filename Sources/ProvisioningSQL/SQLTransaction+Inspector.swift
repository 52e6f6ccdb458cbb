import Foundation
package import Provisioning

/// The request inspector's ring: recorded SCIM requests per provider.
extension SQLTransaction {
    static let requestColumns = """
        seq, provider_id, at, method, path, query, status, duration_us, request_id, scim_type, detail, user_id, \
        user_name_lower, request_body, response_body
        """

    static func recordedRequest(from row: SQLRow) -> RecordedRequest {
        RecordedRequest(
            sequence: row[0], providerID: row[1], at: RowCoding.date(row[2]), method: row[3], path: row[4],
            query: row[5], status: Int(row[6] as Int64), durationMicros: row[7], requestID: row[8], scimType: row[9],
            detail: row[10], userID: row[11], userName: row[12], requestBody: row[13], responseBody: row[14])
    }

    package func appendRequests(_ requests: [RecordedRequest]) async throws {
        // One statement per 50 rows (15 parameters each stay under every dialect's parameter limit).
        for chunk in stride(from: 0, to: requests.count, by: 50).map({ requests[$0..<min($0 + 50, requests.count)] }) {
            var arguments: [any SQLValueConvertible] = []
            for r in chunk {
                arguments += [
                    r.providerID, RowCoding.milliseconds(r.at), r.method, r.path, r.query, Int64(r.status), r.failed,
                    r.durationMicros, r.requestID, r.scimType, r.detail, r.userID, r.userName?.lowercased(),
                    r.requestBody, r.responseBody,
                ]
            }
            try await execute(
                """
                INSERT INTO scim_requests (provider_id, at, method, path, query, status, failed, duration_us,
                request_id, scim_type, detail, user_id, user_name_lower, request_body, response_body)
                VALUES \(Self.rows("(\(Self.rows("?", 15)))", chunk.count))
                """, arguments)
        }
    }

    package func pruneRequests(providerID: String, keep: Int, keepFailures: Int) async throws -> Int {
        // The sequence number of the oldest request the ring keeps, and of the oldest failure kept on top of it;
        // both read through the provider's indexes, newest first. No ring start: no success is kept.
        let ringStart = keep > 0 ? try await nthNewest(providerID, keep, failuresOnly: false) : Int64.max
        guard let ringStart else { return 0 }  // fewer requests than the ring holds
        let failuresStart =
            keepFailures > 0 ? try await nthNewest(providerID, keepFailures, failuresOnly: true) ?? 0 : Int64.max
        return try await execute(
            "DELETE FROM scim_requests WHERE provider_id = ? AND seq < ? AND (failed = 0 OR seq < ?)",
            [providerID, ringStart, failuresStart])
    }

    /// The sequence number of a provider's `n`th newest request (or failure), `nil` when it has fewer.
    func nthNewest(_ providerID: String, _ n: Int, failuresOnly: Bool) async throws -> Int64? {
        try await fetchOne(
            """
            SELECT seq FROM scim_requests WHERE provider_id = ?\(failuresOnly ? " AND failed = 1" : "")
            ORDER BY seq DESC LIMIT 1 OFFSET ?
            """, [providerID, Int64(n - 1)]
        ).map { $0[0] as Int64 }
    }

    package func requests(_ query: RecordedRequestQuery) async throws -> [RecordedRequest] {
        var conditions = ["provider_id = ?"]
        var arguments: [any SQLValueConvertible] = [query.providerID]
        if query.failedOnly { conditions.append("failed = 1") }
        if let statusClass = query.statusClass {
            conditions.append("status >= ? AND status < ?")
            arguments += [Int64(statusClass * 100), Int64(statusClass * 100 + 100)]
        }
        if let method = query.method {
            conditions.append("method = ?")
            arguments.append(method)
        }
        if let text = query.pathContains {
            conditions.append(dialect == .postgres ? "strpos(path, ?) > 0" : "instr(path, ?) > 0")
            arguments.append(text)
        }
        switch (query.userName?.lowercased(), query.userID) {
        case (let name?, let id?):
            conditions.append("(user_name_lower = ? OR user_id = ?)")
            arguments += [name, id]
        case (let name?, nil):
            conditions.append("user_name_lower = ?")
            arguments.append(name)
        case (nil, let id?):
            conditions.append("user_id = ?")
            arguments.append(id)
        case (nil, nil): break
        }
        if let before = query.before {
            conditions.append("seq < ?")
            arguments.append(before)
        }
        arguments.append(Int64(clamping: query.limit))
        return try await fetchAll(
            """
            SELECT \(Self.requestColumns) FROM scim_requests WHERE \(conditions.joined(separator: " AND "))
            ORDER BY seq DESC LIMIT ?
            """, arguments
        ).map(Self.recordedRequest(from:))
    }

    package func request(providerID: String, sequence: Int64) async throws -> RecordedRequest? {
        try await fetchOne(
            "SELECT \(Self.requestColumns) FROM scim_requests WHERE provider_id = ? AND seq = ?",
            [providerID, sequence]
        ).map(Self.recordedRequest(from:))
    }
}
