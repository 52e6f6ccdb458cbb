import Foundation

/// RFC 7644's BulkRequest examples, as the RFC prints them (`Fixtures/bulk`): §3.7.1 two groups, each a member of
/// the other; §3.7.2 a user, and a group listing it by its bulkId; §3.7.3 a POST, a PUT, a PATCH and a DELETE with
/// versions, `failOnErrors` 1. The server's tests read the same files.
enum BulkRequestExamples {
    struct Missing: Error { var name: String }

    /// The example of RFC 7644's section `section` (`"3.7.2"`), as text.
    static func text(_ section: String) throws -> String {
        guard
            let url = Bundle.module.url(
                forResource: "rfc7644-\(section)", withExtension: "json", subdirectory: "Fixtures/bulk")
        else { throw Missing(name: section) }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
