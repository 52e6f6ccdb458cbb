/// Parsing SCIM filter expressions (RFC 7644 §3.4.2.2, Figure 1); ``Filter/description`` writes them back as text.
///
/// The grammar accepted is the ABNF of Figure 1:
///
/// ```
/// FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
/// valuePath = attrPath "[" valFilter "]"
/// valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
/// attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
/// logExp    = FILTER SP ("and" / "or") SP FILTER
/// compValue = false / null / true / number / string
/// attrPath  = [URI ":"] ATTRNAME *1subAttr
/// ```
///
/// with `not`, parentheses and value paths binding tighter than `and`, which binds tighter than `or`; both logical
/// operators associate to the left. Operators and keywords are case-insensitive (§3.4.2.2).
///
/// Forms sent by real identity providers are accepted too:
/// - `emails[type eq "work"].value eq "x"` (Microsoft Entra ID): a value path followed by `.subAttr` and an
///   operator, read as `emails[type eq "work" and value eq "x"]`;
/// - `externalId eq jyoung` (an Entra documentation example): a bare word that is not `true`, `false`, `null` or a
///   number is a string;
/// - any amount of white space around tokens.
extension Filter {
    /// The longest filter accepted, in characters.
    public static let maximumLength = 4096
    /// The deepest nesting of parentheses, `not` and value paths accepted, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 50

    /// Parses a filter expression (RFC 7644 §3.4.2.2).
    ///
    /// - Throws: ``SCIMError`` 400 `invalidFilter` (RFC 7644 §3.12) whose detail quotes the filter, says what was
    ///   expected and at which character position (0-based), for an empty, too long, too deeply nested or malformed
    ///   filter.
    public init(parsing text: String) throws(SCIMError) {
        var parser = FilterParser(text: text)
        self = try parser.parseFilter()
    }
}

/// A recursive-descent parser over the UTF-8 bytes of a filter. Every index is bounds-checked; nothing derived from
/// the input is force-unwrapped, and recursion is bounded by ``Filter/maximumDepth``.
struct FilterParser {
    let text: String
    let bytes: [UInt8]
    var index = 0
    var depth = 0
    /// Whether the parser is inside `[...]`, where another value path may not start.
    var inValuePath = false

    init(text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    // MARK: Grammar

    mutating func parseFilter() throws(SCIMError) -> Filter {
        // Check the byte count first so that counting characters stays cheap on huge input.
        if bytes.count > Filter.maximumLength * 4 || text.count > Filter.maximumLength {
            throw SCIMError.invalidFilter(
                "The filter is longer than \(Filter.maximumLength) characters; simplify it or split the request.")
        }
        skipWhitespace()
        guard index < bytes.count else {
            throw SCIMError.invalidFilter(
                "The filter is empty; expected an expression such as 'userName eq \"bjensen\"' (RFC 7644 §3.4.2.2).")
        }
        let filter = try parseOr()
        skipWhitespace()
        guard index >= bytes.count else {
            if peek == UInt8(ascii: ")") { throw fail("unbalanced ')'; expected 'and', 'or' or the end of the filter") }
            throw fail("expected 'and', 'or' or the end of the filter")
        }
        return filter
    }

    /// `FILTER "or" FILTER`, left-associative, lowest precedence.
    mutating func parseOr() throws(SCIMError) -> Filter {
        var lhs = try parseAnd()
        while consumeKeyword("or") {
            let rhs = try parseAnd()
            lhs = .or(lhs, rhs)
        }
        return lhs
    }

    /// `FILTER "and" FILTER`, left-associative, binds tighter than `or`.
    mutating func parseAnd() throws(SCIMError) -> Filter {
        var lhs = try parseUnary()
        while consumeKeyword("and") {
            let rhs = try parseUnary()
            lhs = .and(lhs, rhs)
        }
        return lhs
    }

    /// `"(" FILTER ")"`, `"not" "(" FILTER ")"`, `valuePath` or `attrExp`.
    mutating func parseUnary() throws(SCIMError) -> Filter {
        skipWhitespace()
        guard let byte = peek else { throw fail("expected an attribute path, 'not' or '('") }
        if byte == UInt8(ascii: "(") {
            return try parseParenthesized()
        }
        let start = index
        let word = readToken()
        if word.asciiLowercased == "not" {
            skipWhitespace()
            if peek == UInt8(ascii: "(") {
                return .not(try parseParenthesized())
            }
        }
        index = start
        return try parseAttributeExpression()
    }

    /// `"(" FILTER ")"`, with the parser at the opening parenthesis.
    mutating func parseParenthesized() throws(SCIMError) -> Filter {
        try enter()
        defer { depth -= 1 }
        index += 1
        let inner = try parseOr()
        skipWhitespace()
        guard peek == UInt8(ascii: ")") else { throw fail("expected 'and', 'or' or ')'") }
        index += 1
        return inner
    }

    /// `attrPath SP "pr"`, `attrPath SP compareOp SP compValue` or `attrPath "[" valFilter "]"`.
    mutating func parseAttributeExpression() throws(SCIMError) -> Filter {
        let start = index
        let token = readToken()
        guard !token.isEmpty else { throw fail("expected an attribute path, 'not' or '('") }
        guard let path = AttributePath(parsing: token) else {
            throw fail("expected an attribute path such as 'userName' or 'name.familyName'", at: start)
        }
        let afterPath = index
        skipWhitespace()
        if peek == UInt8(ascii: "[") {
            return try parseValuePath(path)
        }
        index = afterPath
        return try parseOperation(on: path)
    }

    /// `attrPath "[" valFilter "]"` with the parser at `[`, and the Entra form `attrPath "[" valFilter "]" "." subAttr
    /// (SP "pr" / SP compareOp SP compValue)`, which becomes `attrPath "[" valFilter "and" subAttr ... "]"`.
    mutating func parseValuePath(_ path: AttributePath) throws(SCIMError) -> Filter {
        guard !inValuePath else { throw fail("value filters '[...]' cannot be nested") }
        guard path.subAttribute == nil else {
            throw fail(
                "a value filter '[...]' must follow a multi-valued attribute, not the sub-attribute path '\(path)'")
        }
        try enter()
        defer { depth -= 1 }
        index += 1
        inValuePath = true
        let inner = try parseOr()
        inValuePath = false
        skipWhitespace()
        guard peek == UInt8(ascii: "]") else { throw fail("expected 'and', 'or' or ']'") }
        index += 1
        guard peek == UInt8(ascii: ".") else { return .valuePath(path, inner) }
        index += 1
        let subStart = index
        let name = readToken()
        guard !name.isEmpty, AttributePath.isAttributeName(Substring(name)) else {
            throw fail("expected a sub-attribute name after '].'", at: subStart)
        }
        let expression = try parseOperation(on: AttributePath(attribute: name))
        return .valuePath(path, .and(inner, expression))
    }

    /// `SP "pr"` or `SP compareOp SP compValue` after an attribute path.
    mutating func parseOperation(on path: AttributePath) throws(SCIMError) -> Filter {
        skipWhitespace()
        let opStart = index
        let word = readToken()
        let lower = word.asciiLowercased
        if lower == "pr" { return .present(path) }
        guard let op = ComparisonOperator(rawValue: lower) else {
            if path.schema == nil, path.subAttribute == nil, path.attribute.equalsIgnoringCase("not") {
                throw fail("expected '(' after 'not'", at: opStart)
            }
            let expected = "an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after '\(path)'"
            if word.isEmpty { throw fail("expected \(expected)", at: opStart) }
            throw fail("'\(word)' is not a filter operator; expected \(expected)", at: opStart)
        }
        let value = try parseComparisonValue(after: word)
        return .comparison(path, op, value)
    }

    /// `compValue = false / null / true / number / string`, and a bare word as a string (Entra).
    mutating func parseComparisonValue(after op: String) throws(SCIMError) -> JSONValue {
        skipWhitespace()
        let start = index
        guard let byte = peek else { throw fail("expected a comparison value after '\(op)'") }
        if byte == UInt8(ascii: "\"") { return .string(try parseString()) }
        let token = readToken()
        guard !token.isEmpty else { throw fail("expected a comparison value after '\(op)'") }
        switch token.asciiLowercased {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "and", "or", "not": throw fail("expected a comparison value after '\(op)'", at: start)
        default: break
        }
        if Self.isJSONNumber(token.utf8) {
            if let i = Int(token) { return .int(i) }
            guard let d = Double(token), d.isFinite else {
                throw fail("the number '\(token)' is out of range", at: start)
            }
            return .double(d)
        }
        return .string(token)
    }

    /// A JSON string (RFC 8259 §7) with the parser at its opening quote.
    mutating func parseString() throws(SCIMError) -> String {
        let open = index
        index += 1
        var out: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<index])
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw fail("unescaped control character in a string value; write it as a \\u escape") }
            if b != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            out.append(contentsOf: bytes[runStart..<index])
            let escapeStart = index
            index += 1
            guard let e = peek else { break }
            index += 1
            if let byte = JSONValue.escapedByte(e) {
                out.append(byte)
            } else if e == UInt8(ascii: "u") {
                guard var scalar = readHex4() else {
                    throw fail("invalid \\u escape in a string value", at: escapeStart)
                }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                    else {
                        throw fail("unpaired surrogate in a \\u escape", at: escapeStart)
                    }
                    index += 2
                    guard let low = readHex4(), (0xDC00...0xDFFF).contains(low) else {
                        throw fail("unpaired surrogate in a \\u escape", at: escapeStart)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else {
                    throw fail("unpaired surrogate in a \\u escape", at: escapeStart)
                }
                out.append(contentsOf: String(Character(u)).utf8)
            } else {
                throw fail("invalid escape sequence in a string value", at: escapeStart)
            }
            runStart = index
        }
        throw fail("unterminated string value", at: open)
    }

    /// Four hex digits of a `\u` escape, or `nil`.
    mutating func readHex4() -> UInt32? {
        let (value, digits) = JSONValue.hex4(bytes, at: index)
        index += digits
        return digits == 4 ? value : nil
    }

    /// Whether `s` is a whole JSON number (RFC 8259 §6): `-? (0 / [1-9] DIGIT*) (. DIGIT+)? ([eE] [+-]? DIGIT+)?`.
    static func isJSONNumber(_ s: String.UTF8View) -> Bool {
        let b = Array(s)
        var i = 0
        func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return false }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        return i == b.count
    }

    // MARK: Lexing

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Bytes that end a token: white space, parentheses, brackets and quotes.
    static func isDelimiter(_ b: UInt8) -> Bool {
        isWhitespace(b) || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") || b == UInt8(ascii: "[")
            || b == UInt8(ascii: "]") || b == UInt8(ascii: "\"")
    }

    mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    /// The run of bytes up to the next delimiter (an attribute path, keyword, operator or bare value).
    mutating func readToken() -> String {
        let start = index
        while index < bytes.count, !Self.isDelimiter(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Consumes `keyword` (case-insensitive) after optional white space, or leaves the position unchanged.
    mutating func consumeKeyword(_ keyword: String) -> Bool {
        let start = index
        skipWhitespace()
        if readToken().asciiLowercased == keyword { return true }
        index = start
        return false
    }

    mutating func enter() throws(SCIMError) {
        guard depth < Filter.maximumDepth else {
            throw fail("parentheses, 'not' and value filters are nested deeper than \(Filter.maximumDepth) levels")
        }
        depth += 1
    }

    // MARK: Errors

    /// An `invalidFilter` error: `Invalid filter '<filter>': <message> at position <n>[, found '<token>'].`
    func fail(_ message: String, at offset: Int? = nil) -> SCIMError {
        let offset = min(max(offset ?? index, 0), bytes.count)
        let position = String(decoding: bytes[..<offset], as: UTF8.self).count
        var found = ""
        var end = offset
        while end < bytes.count, end - offset < 32, !Self.isWhitespace(bytes[end]) { end += 1 }
        if end > offset {
            // Never cut a multi-byte character in two.
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            found = ", found '\(String(decoding: bytes[offset..<end], as: UTF8.self))'"
        }
        let quoted = text.count > 200 ? String(text.prefix(200)) + "…" : text
        return SCIMError.invalidFilter("Invalid filter '\(quoted)': \(message) at position \(position)\(found).")
    }
}
