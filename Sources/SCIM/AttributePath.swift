/// An attribute path (RFC 7644 §3.10, `attrPath = [URI ":"] ATTRNAME *1subAttr`), such as `userName`,
/// `name.givenName` or `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
///
/// Names are kept as written; comparisons are case-insensitive (RFC 7643 §2.1).
public struct AttributePath: Sendable, Hashable, CustomStringConvertible {
    /// The schema URN prefix, when the path was qualified with one.
    public var schema: String?
    /// The attribute name.
    public var attribute: String
    /// The sub-attribute name, for a path into a complex attribute.
    public var subAttribute: String?

    public init(schema: String? = nil, attribute: String, subAttribute: String? = nil) {
        self.schema = schema
        self.attribute = attribute
        self.subAttribute = subAttribute
    }

    /// Parses `[URN:]attr[.sub]`. A URN is recognised by its `urn:` prefix and ends at the last colon, since
    /// attribute names never contain one (URNs may contain dots, as in `enterprise:2.0:User`). Works on the UTF-8
    /// bytes: every name in a request body goes through here.
    public init?(parsing text: String) {
        let bytes = text.utf8
        var start = bytes.startIndex
        if bytes.count > 4,
            bytes.prefix(4).lazy.map({ $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }).elementsEqual("urn:".utf8),
            let colon = bytes.lastIndex(of: UInt8(ascii: ":"))
        {
            schema = String(decoding: bytes[..<colon], as: UTF8.self)
            start = bytes.index(after: colon)
        } else {
            schema = nil
        }
        let rest = bytes[start...]
        if let dot = rest.firstIndex(of: UInt8(ascii: ".")) {
            let sub = rest[rest.index(after: dot)...]
            guard !sub.contains(UInt8(ascii: ".")) else { return nil }
            attribute = String(decoding: rest[..<dot], as: UTF8.self)
            subAttribute = String(decoding: sub, as: UTF8.self)
        } else {
            attribute = String(decoding: rest, as: UTF8.self)
            subAttribute = nil
        }
        guard Self.isAttributeName(Substring(attribute)),
            subAttribute.map({ Self.isAttributeName(Substring($0)) }) ?? true
        else { return nil }
    }

    /// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA` (RFC 7644 §3.10); `$ref` is allowed
    /// too, as RFC 7643 names it.
    public static func isAttributeName(_ s: Substring) -> Bool {
        if s == "$ref" { return true }
        guard let first = s.utf8.first, isAlpha(first) else { return false }
        return s.utf8.allSatisfy { isAlpha($0) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
    }

    static func isAlpha(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }

    public var description: String {
        var s = schema.map { $0 + ":" } ?? ""
        s += attribute
        if let subAttribute { s += "." + subAttribute }
        return s
    }
}
