import ProvisioningSQL

/// Reads named ahead that each find one row or none (a provider, a user, an organization by key; a count),
/// answered by one statement: each read is a `LEFT JOIN LATERAL` subquery of one row, after a column that marks
/// whether it found its row. PostgreSQL answers them in one exchange instead of one each (postgres-nio sends a
/// connection's statements one after the other, each once the one before is answered).
///
/// The reads share the statement's snapshot, as reads at `READ COMMITTED` sent one after the other would see
/// what was committed before each. A read that locks comes last (``PostgresSQLConnection/prefetch(_:)`` ends a
/// batch with it), so that no read named after a lock runs before the lock is held; its row is the newest
/// version, as a locking read's always is.
enum ReadBatch {
    /// The one statement that answers `reads`, and its arguments.
    static func statement(_ reads: [SQLRead]) -> (sql: String, arguments: [SQLValue]) {
        var sql = "SELECT * FROM (SELECT 1) AS roster_reads"
        var arguments: [SQLValue] = []
        for (index, read) in reads.enumerated() {
            sql +=
                " LEFT JOIN LATERAL (SELECT 1 AS \(marker)\(index), s.* FROM (\(read.sql)) AS s) AS roster_read_\(index) ON true"
            arguments += read.arguments
        }
        return (sql, arguments)
    }

    static let marker = "roster_found_"

    /// Each read's row in the statement's answer (its columns after its marker), or `nil` where it found none.
    static func parts(of row: [(name: String, value: SQLValue)]?) -> [[SQLValue]?] {
        guard let row else { return [] }
        var parts: [[SQLValue]?] = []
        var current: [SQLValue]?
        var inPart = false
        for (name, value) in row {
            if name.hasPrefix(marker) {
                if inPart { parts.append(current) }
                inPart = true
                current = value == .null ? nil : []
            } else if inPart, current != nil {
                current?.append(value)
            }
        }
        if inPart { parts.append(current) }
        return parts
    }
}
