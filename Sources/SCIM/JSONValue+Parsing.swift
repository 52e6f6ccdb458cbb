/// A strict RFC 8259 JSON reader that produces ``JSONValue`` without Foundation, so that it keeps booleans and
/// numbers apart and reports where a body is malformed. A member name given twice in one object, also in another
/// case, is refused: SCIM names are case-insensitive (RFC 7643 §2.1) and RFC 8259 §4 leaves duplicates undefined.
extension JSONValue {
    /// The deepest nesting accepted; SCIM resources are shallow, and a limit keeps hostile input from exhausting
    /// the stack.
    public static let maximumDepth = 64

    /// Parses a whole JSON document.
    /// - Throws: ``SCIMError`` with `scimType` `invalidSyntax` and the byte offset of the problem, also for a member
    ///   name repeated in one object (compared case-insensitively).
    public init(parsing bytes: some Collection<UInt8>) throws(SCIMError) {
        let buffer = Array(bytes)
        var parser = JSONParser(bytes: buffer)
        self = try parser.parseDocument()
    }

    /// Parses a whole JSON document from a string.
    public init(parsing text: String) throws(SCIMError) {
        try self.init(parsing: Array(text.utf8))
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ message: String) -> SCIMError {
        SCIMError.invalidSyntax("The request body is not valid JSON: \(message) at byte \(index).")
    }

    /// A member name given twice in one object. Names compare case-insensitively (RFC 7643 §2.1), so an object
    /// cannot hold both, and taking either one silently would hide what the client meant.
    func duplicate(_ key: String, at offset: Int) -> SCIMError {
        let shown =
            key.unicodeScalars.count > 64 ? String(String.UnicodeScalarView(key.unicodeScalars.prefix(64))) + "…" : key
        return SCIMError.invalidSyntax(
            "The request body has the member \(JSONValue.string(shown).jsonText) twice in one object (at byte \(offset)); "
                + "member names compare case-insensitively, so send each one once.")
    }

    mutating func parseDocument() throws(SCIMError) -> JSONValue {
        skipWhitespace()
        if index == bytes.count {
            throw SCIMError.invalidSyntax("The request body is empty; a JSON object was expected.")
        }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected content after the JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(SCIMError) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: String) throws(SCIMError) {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count else { throw fail("unexpected end of input") }
        for i in 0..<expected.count where bytes[index + i] != expected[i] { throw fail("invalid literal") }
        index += expected.count
    }

    mutating func enter() throws(SCIMError) {
        depth += 1
        if depth > JSONValue.maximumDepth { throw fail("nesting deeper than \(JSONValue.maximumDepth) levels") }
    }

    mutating func parseObject() throws(SCIMError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var keyOffsets: [Int] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            keyOffsets.append(index)
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            members.append((key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                switch JSONObject.unique(members) {
                case .success(let object): return .object(object)
                case .failure(let repeated):
                    throw duplicate(members[repeated.index].key, at: keyOffsets[repeated.index])
                }
            }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func parseArray() throws(SCIMError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func parseString() throws(SCIMError) -> String {
        index += 1  // opening quote
        var out: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let decoded: String?
                if out.isEmpty {
                    // No escapes (the common case): decode the slice itself, no copy.
                    decoded = String(validating: bytes[runStart..<index], as: UTF8.self)
                } else {
                    out.append(contentsOf: bytes[runStart..<index])
                    decoded = String(validating: out, as: UTF8.self)
                }
                index += 1
                guard let s = decoded else { throw fail("invalid UTF-8 in a string") }
                return s
            }
            if b < 0x20 { throw fail("unescaped control character in a string") }
            if b == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[runStart..<index])
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                if let byte = JSONValue.escapedByte(e) {
                    out.append(byte)
                } else if e == UInt8(ascii: "u") {
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid unicode escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                } else {
                    throw fail("invalid escape")
                }
                runStart = index
                continue
            }
            index += 1
        }
        throw fail("unterminated string")
    }

    mutating func parseHex4() throws(SCIMError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short unicode escape") }
        let (value, digits) = JSONValue.hex4(bytes, at: index)
        index += digits
        guard digits == 4 else { throw fail("invalid unicode escape") }
        return value
    }

    mutating func parseNumber() throws(SCIMError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let i = Int(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw fail("number out of range") }
        return .double(d)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

extension JSONValue {
    /// The byte a one-character escape of a JSON string stands for (`n` for `\n` → 0x0A; RFC 8259 §7), or `nil`
    /// for `u` and anything else. The filter parser reads its string literals, which are JSON strings
    /// (RFC 7644 §3.4.2.2), with the same table.
    static func escapedByte(_ e: UInt8) -> UInt8? {
        switch e {
        case UInt8(ascii: "\""): 0x22
        case UInt8(ascii: "\\"): 0x5C
        case UInt8(ascii: "/"): 0x2F
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// The four hex digits of a `\u` escape of a JSON string (RFC 8259 §7) at `start`: their value, and how many
    /// hex digits there were before the first byte that is not one (4 when the escape is whole). Shared with the
    /// filter parser, like ``escapedByte(_:)``.
    static func hex4(_ bytes: [UInt8], at start: Int) -> (value: UInt32, digits: Int) {
        var value: UInt32 = 0
        var digits = 0
        while digits < 4, start + digits < bytes.count {
            let c = bytes[start + digits]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return (value, digits)
            }
            value = value * 16 + d
            digits += 1
        }
        return (value, digits)
    }
}
