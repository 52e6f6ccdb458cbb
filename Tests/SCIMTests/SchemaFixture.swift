import Foundation

@testable import SCIM

/// Loads the JSON fixtures under `Fixtures/` (copied into the test bundle).
enum SchemaFixture {
    struct Missing: Error { var name: String }

    /// The fixture at `Fixtures/<name>` parsed as a JSON object.
    static func object(_ name: String) throws -> JSONObject {
        guard let base = Bundle.module.resourceURL else { throw Missing(name: name) }
        let data = try Data(contentsOf: base.appendingPathComponent("Fixtures").appendingPathComponent(name))
        guard let object = try JSONValue(parsing: [UInt8](data)).objectValue else { throw Missing(name: name) }
        return object
    }

    /// A JSON object literal written as text.
    static func json(_ text: String) throws -> JSONObject {
        guard let object = try JSONValue(parsing: text).objectValue else { throw Missing(name: text) }
        return object
    }
}
