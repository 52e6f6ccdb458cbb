/// Evaluating a filter against a resource held in memory (RFC 7644 §3.4.2.2).
extension Filter {
    /// Whether `resource` matches this filter.
    ///
    /// `resource` is the resource object as stored: core and common attributes (`id`, `externalId`, `meta`) at the
    /// top level, extension attributes in an object under their schema URN. Names are looked up case-insensitively
    /// (RFC 7643 §2.1). The rules of RFC 7644 §3.4.2.2:
    /// - string comparisons follow the attribute's `caseExact`; `gt`/`ge`/`lt`/`le` on strings are lexicographic;
    /// - `dateTime` values compare chronologically when both sides are RFC 3339 / xsd:dateTime (a bare date is read
    ///   as midnight UTC), otherwise as strings; `integer` and `decimal` numerically; `boolean` only with `eq`/`ne`;
    /// - a multi-valued attribute, and a sub-attribute of a multi-valued complex attribute (`emails.value`), matches
    ///   when any of its values matches;
    /// - a comparison on a complex attribute without a sub-attribute compares its `value` sub-attribute;
    /// - `pr` matches a value that is not null, not an empty string, not an empty array and not an empty object;
    /// - `ne` is the negation of `eq`: it matches when no value equals the operand, so a missing attribute is not
    ///   equal to anything;
    /// - `eq null` matches exactly when `pr` does not, `ne null` when it does; other operators never match `null`;
    /// - `attr[filter]` matches when at least one element of `attr` matches `filter`.
    ///
    /// Attributes the resource type does not define (an unvalidated filter; see ``validate(against:)``) are still
    /// looked up by name, compared by the JSON type of the stored value and case-insensitively.
    public func matches(_ resource: JSONObject, in type: ResourceType) -> Bool {
        FilterEvaluator(type: type).evaluate(self, in: .resource(resource))
    }
}

/// Where the attribute paths of a filter are looked up.
private enum FilterScope {
    /// The top level of a resource.
    case resource(JSONObject)
    /// An element of a complex attribute, inside `attr[...]`; `parent` is the complex attribute's definition.
    case element(JSONObject, parent: SchemaAttribute?)
}

private struct FilterEvaluator {
    let type: ResourceType

    func evaluate(_ filter: Filter, in scope: FilterScope) -> Bool {
        switch filter {
        case .and(let lhs, let rhs):
            return evaluate(lhs, in: scope) && evaluate(rhs, in: scope)
        case .or(let lhs, let rhs):
            return evaluate(lhs, in: scope) || evaluate(rhs, in: scope)
        case .not(let inner):
            return !evaluate(inner, in: scope)
        case .present(let path):
            return lookUp(path, in: scope).values.contains(where: Self.isPresent)
        case .comparison(let path, let op, let value):
            let operand = lookUp(path, in: scope)
            return compare(operand.values, op, value, definition: operand.definition)
        case .valuePath(let path, let inner):
            guard case .resource = scope else { return false }
            let operand = lookUp(path, in: scope)
            return operand.values.contains { element in
                guard let object = element.objectValue else { return false }
                return evaluate(inner, in: .element(object, parent: operand.definition))
            }
        }
    }

    /// The values `path` names (arrays flattened, nulls dropped) and their definition, when the schema has one.
    func lookUp(_ path: AttributePath, in scope: FilterScope) -> (values: [JSONValue], definition: SchemaAttribute?) {
        switch scope {
        case .element(let object, let parent):
            guard path.schema == nil, path.subAttribute == nil else { return ([], nil) }
            return (Self.flatten(object[path.attribute]), parent?.subAttribute(named: path.attribute))
        case .resource(let resource):
            let resolved = Filter.resolve(path, in: type)
            let container: JSONObject?
            if let urn = resolved?.extensionURN {
                container = resource[urn]?.objectValue
            } else if resolved == nil, let urn = path.schema, !type.schema.id.equalsIgnoringCase(urn) {
                container = resource[urn]?.objectValue
            } else {
                container = resource
            }
            let top = Self.flatten(container?[resolved?.attribute.name ?? path.attribute])
            guard let sub = path.subAttribute else { return (top, resolved?.attribute) }
            let values = top.flatMap { Self.flatten($0.objectValue?[sub]) }
            return (values, resolved?.subAttribute)
        }
    }

    static func flatten(_ value: JSONValue?) -> [JSONValue] {
        switch value {
        case nil, .null?: return []
        case .array(let elements)?: return elements.filter { !$0.isNull }
        case let value?: return [value]
        }
    }

    /// RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a non-empty node for complex attributes.
    static func isPresent(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .string(let s): !s.isEmpty
        case .array(let a): a.contains(where: isPresent)
        case .object(let o): o.contains { isPresent($0.value) }
        case .bool, .int, .double: true
        }
    }

    func compare(_ values: [JSONValue], _ op: ComparisonOperator, _ operand: JSONValue, definition: SchemaAttribute?)
        -> Bool
    {
        if op == .ne { return !compare(values, .eq, operand, definition: definition) }
        if operand.isNull { return op == .eq && !values.contains(where: Self.isPresent) }
        var values = values
        var definition = definition
        // `emails co "x"` compares `emails.value` (RFC 7644 §3.4.2.2).
        if definition?.type == .complex || (definition == nil && values.contains { $0.objectValue != nil }) {
            values = values.flatMap { Self.flatten($0.objectValue?["value"]) }
            guard definition == nil || definition?.subAttribute(named: "value") != nil else { return false }
            definition = definition?.subAttribute(named: "value")
        }
        return values.contains { compareOne($0, op, operand, definition: definition) }
    }

    /// One stored value against the operand, by the attribute's data type (or, without a definition, the stored
    /// value's JSON type).
    func compareOne(_ value: JSONValue, _ op: ComparisonOperator, _ operand: JSONValue, definition: SchemaAttribute?)
        -> Bool
    {
        let dataType: SchemaAttribute.DataType
        if let definition {
            dataType = definition.type
        } else {
            switch value {
            case .bool: dataType = .boolean
            case .int, .double: dataType = .decimal
            case .object, .array: dataType = .complex
            case .string, .null: dataType = .string
            }
        }
        let caseExact = definition?.caseExact ?? false
        switch dataType {
        case .string, .reference, .binary:
            guard let a = value.stringValue, let b = Self.text(of: operand) else { return false }
            return Self.compareStrings(a, op, b, caseExact: caseExact)
        case .boolean:
            guard op == .eq, let a = Self.boolean(value), let b = Self.boolean(operand) else { return false }
            return a == b
        case .integer, .decimal:
            guard let a = Self.number(value), let b = Self.number(operand) else { return false }
            if case .int(let x) = a, case .int(let y) = b { return Self.order(x, op, y) }
            return Self.order(a.double, op, b.double)
        case .dateTime:
            guard let a = value.stringValue, let b = Self.text(of: operand) else { return false }
            if ![.co, .sw, .ew].contains(op), let x = FilterDateTime(parsing: a), let y = FilterDateTime(parsing: b) {
                return Self.order(x, op, y)
            }
            return Self.compareStrings(a, op, b, caseExact: caseExact)
        case .complex:
            return false
        }
    }

    static func compareStrings(_ a: String, _ op: ComparisonOperator, _ b: String, caseExact: Bool) -> Bool {
        let x = caseExact ? a : a.lowercased()
        let y = caseExact ? b : b.lowercased()
        switch op {
        case .co: return y.isEmpty || x.contains(y)
        case .sw: return x.hasPrefix(y)
        case .ew: return x.hasSuffix(y)
        default: return order(x, op, y)
        }
    }

    static func order<T: Comparable>(_ a: T, _ op: ComparisonOperator, _ b: T) -> Bool {
        switch op {
        case .eq: a == b
        case .ne: a != b
        case .gt: a > b
        case .ge: a >= b
        case .lt: a < b
        case .le: a <= b
        case .co, .sw, .ew: false
        }
    }

    /// The operand as text for a string attribute; an unquoted number or boolean compares as its literal text.
    static func text(of operand: JSONValue) -> String? {
        switch operand {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): Filter.render(.double(d))
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    static func boolean(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let b): return b
        case .string(let s):
            if s.equalsIgnoringCase("true") { return true }
            if s.equalsIgnoringCase("false") { return false }
            return nil
        default: return nil
        }
    }

    enum Number {
        case int(Int)
        case double(Double)
        var double: Double {
            switch self {
            case .int(let i): Double(i)
            case .double(let d): d
            }
        }
    }

    static func number(_ value: JSONValue) -> Number? {
        switch value {
        case .int(let i): return .int(i)
        case .double(let d): return d.isNaN ? nil : .double(d)
        case .string(let s):
            if let i = Int(s) { return .int(i) }
            if let d = Double(s), !d.isNaN { return .double(d) }
            return nil
        default: return nil
        }
    }
}

/// An instant read from an RFC 3339 / xsd:dateTime string (RFC 7643 §2.3.5), for chronological comparison.
///
/// Accepts `YYYY-MM-DD`, optionally followed by `T` (or `t` or a space) and `hh:mm[:ss[.fraction]]`, optionally
/// followed by `Z` or `±hh:mm`; a missing offset is UTC. Fractions beyond nanoseconds are ignored.
struct FilterDateTime: Comparable, Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    var seconds: Int64
    var nanoseconds: Int64

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    init?(parsing text: String) {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for _ in 0..<n {
                let c = b[i]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(c - UInt8(ascii: "0"))
                i += 1
            }
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, let ascii = c.asciiValue, b[i] == ascii else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        var hour: Int64 = 0
        var minute: Int64 = 0
        var second: Int64 = 0
        var nanos: Int64 = 0
        var offset: Int64 = 0
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else {
                return nil
            }
            i += 1
            guard let h = digits(2), expect(":"), let m = digits(2), h <= 23, m <= 59 else { return nil }
            hour = h
            minute = m
            if expect(":") {
                guard let s = digits(2), s <= 60 else { return nil }
                second = s
                if expect(".") {
                    var scale: Int64 = 100_000_000
                    var count = 0
                    while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                        nanos += Int64(b[i] - UInt8(ascii: "0")) * scale
                        scale /= 10
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                    i += 1
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2), expect(":"), let om = digits(2), oh <= 23, om <= 59 else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                } else {
                    return nil
                }
            }
            guard i == b.count else { return nil }
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        nanoseconds = nanos
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
