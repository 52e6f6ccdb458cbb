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
}
