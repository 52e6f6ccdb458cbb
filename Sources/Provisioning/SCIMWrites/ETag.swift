import SCIM

/// Entity tags of resources (RFC 7644 §3.14): weak tags over the resource's version counter.
package enum ETag {
    /// The tag of a version: `W/"3"`.
    package static func forVersion(_ version: Int) -> String { "W/\"\(version)\"" }

    /// Whether an `If-Match` header value admits `version`: `*`, or a list containing its tag (weak or strong
    /// form).
    package static func matches(ifMatch header: String, version: Int) -> Bool {
        let wanted = "\"\(version)\""
        for raw in header.split(separator: ",") {
            var tag = String(raw).trimmingSpaces
            if tag == "*" { return true }
            if tag.hasPrefix("W/") || tag.hasPrefix("w/") { tag.removeFirst(2) }
            if tag == wanted || tag == String(version) { return true }
        }
        return false
    }
}
