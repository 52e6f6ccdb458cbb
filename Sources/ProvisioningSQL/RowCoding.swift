package import Foundation
import Provisioning
package import SCIM

/// Conversions between domain values and column values that both SQL stores share.
package enum RowCoding {
    /// The JSON text stored in a `doc` column.
    package static func document(_ attributes: JSONObject) -> String { attributes.jsonText }

    /// The attributes of a `doc` column. A document that does not parse is a corrupted row; it reads as empty
    /// rather than failing every list that contains it.
    package static func attributes(fromDocument text: String) -> JSONObject {
        (try? JSONValue(parsing: text))?.objectValue ?? JSONObject()
    }

    package static func milliseconds(_ date: Date) -> Int64 { Timestamp.milliseconds(date) }
    package static func date(_ ms: Int64) -> Date { Timestamp.date(milliseconds: ms) }

    /// Rows aggregated by PostgreSQL as a JSON array of arrays (`json_agg(json_build_array(…))`), as ``SQLRow``s.
    static func rows(fromJSON json: String) throws -> [SQLRow] {
        guard case .array(let rows) = try JSONValue(parsing: json) else { return [] }
        return rows.map { row in
            guard case .array(let cells) = row else { return SQLRow([]) }
            return SQLRow(
                cells.map { cell in
                    switch cell {
                    case .null, .array, .object: .null
                    case .bool(let b): .integer(b ? 1 : 0)
                    case .int(let i): .integer(Int64(i))
                    case .double(let d): .real(d)
                    case .string(let s): .text(s)
                    }
                })
        }
    }
}
