package import SCIM

/// What the request inspector never keeps: the value of `password` (RFC 7643 §4.1.1), of any attribute an admin
/// names as sensitive, and of a PATCH operation whose `path` names one of them. A body is kept as the IdP sent it
/// otherwise, in its own key order, cut at ``RecordedRequest/bodyLimit`` bytes.
package struct Redaction: Sendable, Hashable {
    /// The largest body parsed to be redacted value by value (1 MiB); a larger one is kept as text only when it
    /// names no redacted attribute.
    package static let parseLimit = 1 << 20

    /// What stands in for a value that is not kept.
    package static let marker = "[redacted]"
    /// Attributes never kept, whatever the settings.
    package static let always: Set<String> = ["password"]

    /// Lowercased attribute names (without schema URN) whose values are not kept.
    package let attributes: Set<String>

    /// The attributes' names as bytes, for ``mentionsRedacted(_:)``.
    let needles: [[UInt8]]

    package init(sensitive: [String] = []) {
        attributes = Self.always.union(sensitive.map { Self.attributeName($0) }.filter { !$0.isEmpty })
        needles = attributes.map { Array($0.utf8) }
    }

    /// The attribute a key or a PATCH `path` names, lowercased: `urn:…:User:password` and `password` are
    /// `password`; `name.givenName` is `name`; `emails[type eq "work"].value` is `emails`.
    package static func attributeName(_ text: String) -> String {
        var name = Substring(text)
        if name.lowercased().hasPrefix("urn:") {
            // The attribute follows the schema URN's last colon; filters (`[…]`) come after it.
            let head = name.firstIndex(of: "[").map { name[..<$0] } ?? name
            if let colon = head.lastIndex(of: ":") { name = name[name.index(after: colon)...] }
        }
        if let end = name.firstIndex(where: { $0 == "[" || $0 == "." }) { name = name[..<end] }
        return String(name).trimmingSpaces.lowercased()
    }

    /// `body` as it may be kept: `nil` for no body; the redacted JSON when it parses; otherwise the text as sent
    /// when it names no redacted attribute at all, and a note of its size when it does (a body that is not JSON
    /// cannot be redacted value by value, so it is not kept).
    package func keep(_ body: [UInt8]) -> String? { inspect(body).kept }

    /// `body` as it may be kept (see ``keep(_:)``) and, when it is a JSON object, the object as parsed (before
    /// redaction, for reading `userName`, `id`, `scimType`, `detail`; never stored).
    ///
    /// With `parse` false the object is not wanted: a body that names no redacted attribute is then kept without
    /// being parsed (a page of a hundred users is read for nothing but its first ``RecordedRequest/bodyLimit``
    /// bytes).
    package func inspect(_ body: [UInt8], parse: Bool = true) -> (kept: String?, object: JSONObject?) {
        guard !body.isEmpty else { return (nil, nil) }
        if !parse && !mentionsRedacted(body) { return (Self.cut(String(decoding: body, as: UTF8.self)), nil) }
        // A body too large to keep whole is not parsed to be cut anyway: it is read as text.
        guard body.count <= Self.parseLimit, let value = try? JSONValue(parsing: body) else {
            guard !mentionsRedacted(body) else {
                return ("[not kept: \(body.count) bytes that are not JSON and name a redacted attribute]", nil)
            }
            return (Self.cut(String(decoding: body, as: UTF8.self)), nil)
        }
        // A body that names no redacted attribute is kept as sent, without writing it again.
        let text =
            mentionsRedacted(body)
            ? String(decoding: redacted(value).serialized(), as: UTF8.self) : String(decoding: body, as: UTF8.self)
        return (Self.cut(text), value.objectValue)
    }

    /// Whether `body` can hold a value this redaction removes: a quick look for the attributes' names (ASCII, any
    /// case) in its bytes, so that a body that names none is kept as it is, without writing it again.
    package func mentionsRedacted(_ body: [UInt8]) -> Bool {
        body.withUnsafeBufferPointer { bytes in
            needles.contains { needle in Self.contains(bytes, needle) }
        }
    }

    /// `b` in lower case when it is an ASCII capital letter.
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }

    /// Whether `needle` (lowercase ASCII) occurs in `bytes`, ignoring ASCII case.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        var i = 0
        let last = bytes.count - needle.count
        while i <= last {
            if lower(bytes[i]) == first {
                var j = 1
                while j < needle.count && lower(bytes[i + j]) == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// `value` with every redacted attribute's value replaced by ``marker``.
    package func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            // A PATCH operation whose path names a redacted attribute keeps its op and path, not its value.
            let pathNamesRedacted =
                object["path"]?.stringValue.map { attributes.contains(Self.attributeName($0)) } ?? false
            var members: [(key: String, value: JSONValue)] = []
            for (key, member) in object {
                let hidden =
                    attributes.contains(Self.attributeName(key))
                    || (pathNamesRedacted && key.lowercased() == "value")
                members.append((key, hidden ? .string(Self.marker) : redacted(member)))
            }
            return .object(JSONObject(members))
        case .array(let elements):
            return .array(elements.map(redacted))
        default:
            return value
        }
    }

    /// `text` cut at ``RecordedRequest/bodyLimit`` bytes, on a character boundary, with a note of what was left out.
    package static func cut(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let limit = RecordedRequest.bodyLimit
        guard bytes.count > limit else { return text }
        var end = limit
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character's bytes
        return String(decoding: bytes[..<end], as: UTF8.self) + "…[cut: \(bytes.count - end) more bytes]"
    }
}
