/// A JSON object kept as its compact text, read without building its values: how a response copies a resource's
/// stored attributes instead of parsing them and serializing them again.
///
/// The text must be one well-formed JSON object (RFC 8259), checked when this is made; that is what keeps a damaged
/// stored row from breaking a response. It is meant for text Roster wrote itself (``JSONValue/jsonText``): the
/// check does not repeat every rule of the request parser (a member name given twice is refused at the top level,
/// where the members are looked up, not inside nested objects).
public struct JSONObjectText: Sendable {
    /// The UTF-8 text.
    public let bytes: [UInt8]
    /// The top-level members: the byte ranges of each name (between its quotes) and of its value.
    let members: [(name: Range<Int>, value: Range<Int>)]

    /// The object `text` holds, or `nil` when it is not one well-formed JSON object, or a top-level member name
    /// has an escape or is given twice (compared case-insensitively).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var scanner = JSONTextScanner(bytes: bytes)
        guard let members = scanner.topLevelMembers() else { return nil }
        for (i, member) in members.enumerated() {
            for earlier in members[..<i]
            where Self.equalsIgnoringASCIICase(bytes[earlier.name], bytes[member.name]) {
                return nil
            }
        }
        self.bytes = bytes
        self.members = members
    }

    /// Whether the object has no member.
    public var isEmpty: Bool { members.isEmpty }

    /// Whether the object has a member `name` (compared case-insensitively, as SCIM compares attribute names).
    public func hasMember(_ name: String) -> Bool { member(name) != nil }

    /// The value of the member `name`, parsed (only that member), or `nil` when there is none.
    public func value(of name: String) -> JSONValue? {
        guard let member = member(name) else { return nil }
        return try? JSONValue(parsing: bytes[member.value])
    }

    /// Appends the members' text, comma-separated, without the object's braces.
    public func writeMembers(to out: inout [UInt8]) {
        guard let first = members.first, let last = members.last else { return }
        out.append(contentsOf: bytes[first.name.lowerBound - 1..<last.value.upperBound])
    }

    func member(_ name: String) -> (name: Range<Int>, value: Range<Int>)? {
        members.first { Self.equalsIgnoringASCIICase(bytes[$0.name], name.utf8) }
    }

    /// ASCII letters compare without case; every other byte must be equal (SCIM attribute names are ASCII).
    static func equalsIgnoringASCIICase(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            x == y || (x ^ 0x20 == y && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }
}

/// Checks JSON text against RFC 8259's grammar without building values, and finds an object's top-level members.
struct JSONTextScanner {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The members of the one object the text is (whitespace around it allowed), or `nil` when it is not one or a
    /// member's name has an escape.
    mutating func topLevelMembers() -> [(name: Range<Int>, value: Range<Int>)]? {
        skipWhitespace()
        guard peek(is: "{") else { return nil }
        let bytes = self.bytes
        var members: [(name: Range<Int>, value: Range<Int>)] = []
        let object = skipObject(depth: 0) { name, value in
            guard !bytes[name].contains(UInt8(ascii: "\\")) else { return false }
            members.append((name, value))
            return true
        }
        guard object else { return nil }
        skipWhitespace()
        return index == bytes.count ? members : nil
    }

    mutating func skipValue(depth: Int) -> Bool {
        guard index < bytes.count, depth <= JSONValue.maximumDepth else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "{"): return skipObject(depth: depth)
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if next(is: "]") { return true }
            repeat {
                skipWhitespace()
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
            } while next(is: ",")
            return next(is: "]")
        case UInt8(ascii: "t"): return skipLiteral("true")
        case UInt8(ascii: "f"): return skipLiteral("false")
        case UInt8(ascii: "n"): return skipLiteral("null")
        default: return skipNumber()
        }
    }

    /// An object from its `{`, its values one level deeper than `depth`. `member` is given each member's name
    /// (between its quotes) and value as they are read, and can refuse the object.
    mutating func skipObject(
        depth: Int, member: (_ name: Range<Int>, _ value: Range<Int>) -> Bool = { _, _ in true }
    ) -> Bool {
        index += 1
        skipWhitespace()
        if next(is: "}") { return true }
        repeat {
            skipWhitespace()
            let nameStart = index + 1
            guard peek(is: "\""), skipString() else { return false }
            let name = nameStart..<index - 1
            skipWhitespace()
            guard next(is: ":") else { return false }
            skipWhitespace()
            let valueStart = index
            guard skipValue(depth: depth + 1) else { return false }
            guard member(name, valueStart..<index) else { return false }
            skipWhitespace()
        } while next(is: ",")
        return next(is: "}")
    }

    /// A string from its opening quote: no control characters, only RFC 8259's escapes.
    mutating func skipString() -> Bool {
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return true }
            if b < 0x20 { return false }
            guard b == UInt8(ascii: "\\") else { continue }
            guard index < bytes.count else { return false }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count, bytes[index..<index + 4].allSatisfy(\.isHexDigit) else { return false }
                index += 4
            default: return false
            }
        }
        return false
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func skipNumber() -> Bool {
        _ = next(is: "-")
        if next(is: "0") {
        } else {
            guard let b = bytes[safe: index], b >= UInt8(ascii: "1"), b <= UInt8(ascii: "9") else { return false }
            skipDigits()
        }
        if next(is: ".") {
            guard bytes[safe: index]?.isDigit == true else { return false }
            skipDigits()
        }
        if next(is: "e") || next(is: "E") {
            if !next(is: "+") { _ = next(is: "-") }
            guard bytes[safe: index]?.isDigit == true else { return false }
            skipDigits()
        }
        return true
    }

    mutating func skipDigits() {
        while bytes[safe: index]?.isDigit == true { index += 1 }
    }

    mutating func skipLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = literal.withUTF8Buffer { bytes[index..<index + count].elementsEqual($0) }
        index += count
        return matches
    }

    mutating func skipWhitespace() {
        while let b = bytes[safe: index], b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    func peek(is character: Unicode.Scalar) -> Bool { bytes[safe: index] == UInt8(ascii: character) }

    /// Consumes `character` when it comes next.
    mutating func next(is character: Unicode.Scalar) -> Bool {
        guard peek(is: character) else { return false }
        index += 1
        return true
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self | 0x20 >= UInt8(ascii: "a") && self | 0x20 <= UInt8(ascii: "f"))
    }
}

extension Array where Element == UInt8 {
    fileprivate subscript(safe index: Int) -> UInt8? { index < count ? self[index] : nil }
}
