/// Turning request bodies into the canonical stored form of a resource (RFC 7643 §2, §3; RFC 7644 §3.3, §3.5.1).
extension ResourceType {
    /// Normalizes a POST or PUT body (or the result of applying a PATCH) into the canonical stored form.
    ///
    /// - Names are respelled as the schemas spell them (RFC 7643 §2.1: names are case-insensitive); extension
    ///   attributes stay nested under their extension URN, spelled canonically.
    /// - `schemas`, `id`, `meta` and every other `readOnly` attribute (`groups` on User) are dropped silently, as is
    ///   the `writeOnly` `password`, which is never stored (RFC 7643 §7). `externalId` is kept.
    /// - `null` means "not set" (RFC 7643 §2.5): such members are dropped, also inside complex values and arrays;
    ///   complex values and arrays left empty are dropped.
    /// - A top-level URN key this resource type does not define is ignored when it carries no attributes (Entra's
    ///   ADSCIM Group URN), and rejected otherwise.
    /// - Values are checked against their data type (RFC 7643 §2.3): booleans also accept the strings
    ///   `"true"`/`"false"` in any case, a single value for a multi-valued attribute is wrapped in an array, and at
    ///   most one value of a multi-valued attribute may be primary (RFC 7643 §2.4).
    /// - Required attributes must be present and not empty.
    ///
    /// - Returns: the attributes only (no `schemas`, `id`, `meta`), in input order.
    /// - Throws: `invalidSyntax` for an unknown attribute or URN, `invalidValue` for a wrong type, several primary
    ///   values or a missing required attribute.
    public func normalize(_ input: JSONObject) throws(SCIMError) -> JSONObject {
        var out = JSONObject()
        try normalizeMembers(input, into: &out)
        try checkRequired(out)
        return out
    }

    /// The URNs of the schemas a stored resource uses: the core schema, then each extension with a member in
    /// `resource`, spelled canonically (RFC 7643 §3 `schemas`).
    public func schemasFor(_ resource: JSONObject) -> [String] {
        var urns = [schema.id]
        for ext in extensions where resource[ext.schema.id] != nil {
            urns.append(ext.schema.id)
        }
        return urns
    }

    // MARK: - Internals

    private func normalizeMembers(_ input: JSONObject, into out: inout JSONObject) throws(SCIMError) {
        for (key, value) in input {
            if key.equalsIgnoringCase("schemas") { continue }
            if let common = Self.commonAttributes.first(where: { $0.name.equalsIgnoringCase(key) }) {
                guard common.mutability != .readOnly else { continue }
                if let v = try normalizeAttribute(value, common, path: common.name) { out[common.name] = v }
                continue
            }
            if let attribute = schema.attribute(named: key) {
                guard isWritable(attribute) else { continue }
                if let v = try normalizeAttribute(value, attribute, path: attribute.name) { out[attribute.name] = v }
                continue
            }
            guard Self.isSchemaURI(key) else { throw unknownAttribute(key) }
            if let ext = extensionSchema(key) {
                if var v = try normalizeExtension(value, ext) {
                    if let earlier = out[ext.id]?.objectValue {
                        var merged = earlier
                        for (k, x) in v { merged[k] = x }
                        v = merged
                    }
                    out[ext.id] = .object(v)
                }
            } else if schema.id.equalsIgnoringCase(key) {
                // Core attributes nested under the core URN: accept them as if written at the top level.
                guard let nested = value.objectValue else {
                    if value.isNull { continue }
                    throw SCIMError.invalidSyntax("'\(key)' must be an object of \(name) attributes, got \(Self.describe(value)).")
                }
                try normalizeMembers(nested, into: &out)
            } else if let path = AttributePath(parsing: key), path.subAttribute == nil, let urn = path.schema,
                let ext = extensionSchema(urn)
            {
                // An extension attribute flattened to `urn:…:User:department`: nest it under its URN.
                guard let attribute = ext.attribute(named: path.attribute) else { throw unknownAttribute(ext.id + ":" + path.attribute) }
                guard isWritable(attribute) else { continue }
                guard let v = try normalizeAttribute(value, attribute, path: ext.id + ":" + attribute.name) else { continue }
                var nested = out[ext.id]?.objectValue ?? JSONObject()
                nested[attribute.name] = v
                out[ext.id] = .object(nested)
            } else if let path = AttributePath(parsing: key), path.subAttribute == nil, let urn = path.schema,
                schema.id.equalsIgnoringCase(urn)
            {
                try normalizeMembers([path.attribute: value], into: &out)
            } else if Self.carriesNoAttributes(value) {
                continue
            } else {
                throw SCIMError.invalidSyntax(
                    "Unknown schema '\(key)' for resource type \(name); see /ResourceTypes for the supported schema extensions.")
            }
        }
    }

    private func checkRequired(_ out: JSONObject) throws(SCIMError) {
        for attribute in schema.attributes where attribute.required && isWritable(attribute) {
            if Self.isEmpty(out[attribute.name]) {
                throw SCIMError.invalidValue("Attribute '\(attribute.name)' is required for resource type \(name) and must not be empty.")
            }
        }
        for ext in extensions {
            let object = out[ext.schema.id]?.objectValue
            guard ext.required || object != nil else { continue }
            for attribute in ext.schema.attributes where attribute.required && isWritable(attribute) {
                if Self.isEmpty(object?[attribute.name]) {
                    throw SCIMError.invalidValue(
                        "Attribute '\(ext.schema.id):\(attribute.name)' is required for resource type \(name) and must not be empty.")
                }
            }
        }
    }

    private func normalizeExtension(_ value: JSONValue, _ ext: Schema) throws(SCIMError) -> JSONObject? {
        if value.isNull { return nil }
        guard let object = value.objectValue else {
            throw SCIMError.invalidValue("Attribute '\(ext.id)' must be an object of extension attributes, got \(Self.describe(value)).")
        }
        var out = JSONObject()
        for (key, v) in object {
            guard let attribute = ext.attribute(named: key) else { throw unknownAttribute(ext.id + ":" + key) }
            guard isWritable(attribute) else { continue }
            if let n = try normalizeAttribute(v, attribute, path: ext.id + ":" + attribute.name) { out[attribute.name] = n }
        }
        return out.isEmpty ? nil : out
    }

    /// Normalizes the value of a top-level (or extension) attribute; `nil` when it is unset.
    private func normalizeAttribute(_ value: JSONValue, _ attribute: SchemaAttribute, path: String) throws(SCIMError) -> JSONValue? {
        if value.isNull { return nil }
        guard attribute.multiValued else {
            if case .array = value {
                throw SCIMError.invalidValue(
                    "Attribute '\(path)' must be \(Self.expected(attribute)), not an array: it is single-valued.")
            }
            return try normalizeSingle(value, attribute, path: path)
        }
        let elements = value.arrayValue ?? [value]
        var out: [JSONValue] = []
        out.reserveCapacity(elements.count)
        for element in elements {
            if case .array = element {
                throw SCIMError.invalidValue("Each value of '\(path)' must be \(Self.expected(attribute)), got array.")
            }
            if let n = try normalizeSingle(element, attribute, path: path) { out.append(n) }
        }
        if attribute.type == .complex {
            let primaries = out.count { $0.objectValue?["primary"] == .bool(true) }
            if primaries > 1 {
                throw SCIMError.invalidValue("At most one value of '\(path)' may be primary; found \(primaries).")
            }
        }
        return out.isEmpty ? nil : .array(out)
    }

    /// Normalizes one value (an element of a multi-valued attribute, or the value of a single-valued one).
    private func normalizeSingle(_ value: JSONValue, _ attribute: SchemaAttribute, path: String) throws(SCIMError) -> JSONValue? {
        if value.isNull { return nil }
        guard attribute.type == .complex else { return try Self.coerce(value, attribute, path: path) }
        if case .string = value, attribute.subAttribute(named: "value") != nil {
            // A bare value for a complex attribute with a `value` sub-attribute, as Entra sends `manager` in
            // PATCH: read it as `{"value": …}`.
            return try normalizeSingle(.object(["value": value]), attribute, path: path)
        }
        guard let object = value.objectValue else {
            throw SCIMError.invalidValue("Attribute '\(path)' must be an object, got \(Self.describe(value)).")
        }
        var out = JSONObject()
        for (key, v) in object {
            guard let sub = attribute.subAttribute(named: key) else { throw unknownAttribute(path + "." + key) }
            guard isWritable(sub) else { continue }
            let subPath = path + "." + sub.name
            if v.isNull { continue }
            if sub.multiValued {
                // RFC 7643 defines no multi-valued sub-attributes, but a custom schema could.
                let elements = v.arrayValue ?? [v]
                var values: [JSONValue] = []
                for e in elements where !e.isNull { values.append(try Self.coerce(e, sub, path: subPath)) }
                if !values.isEmpty { out[sub.name] = .array(values) }
            } else {
                if case .array = v {
                    throw SCIMError.invalidValue("Attribute '\(subPath)' must be \(Self.expected(sub)), not an array: it is single-valued.")
                }
                out[sub.name] = try Self.coerce(v, sub, path: subPath)
            }
        }
        if out.isEmpty { return nil }
        for sub in attribute.subAttributes where sub.required && isWritable(sub) && Self.isEmpty(out[sub.name]) {
            throw SCIMError.invalidValue("Each value of '\(path)' must have a non-empty '\(sub.name)'.")
        }
        return .object(out)
    }

    /// Whether a client's value for this attribute is kept: `readOnly` ones are the server's, `writeOnly` ones
    /// (`password`) are never stored.
    private func isWritable(_ attribute: SchemaAttribute) -> Bool {
        attribute.mutability != .readOnly && attribute.mutability != .writeOnly
    }

    private func unknownAttribute(_ name: String) -> SCIMError {
        SCIMError.invalidSyntax("Unknown attribute '\(name)' for resource type \(self.name); see /Schemas for the supported attributes.")
    }

    /// Checks a simple value against its data type (RFC 7643 §2.3), coercing where IdPs are known to deviate.
    static func coerce(_ value: JSONValue, _ attribute: SchemaAttribute, path: String) throws(SCIMError) -> JSONValue {
        func fail() -> SCIMError {
            SCIMError.invalidValue("Attribute '\(path)' must be \(expected(attribute)), got \(describe(value)).")
        }
        switch attribute.type {
        case .boolean:
            switch value {
            case .bool: return value
            case .string(let s) where s.equalsIgnoringCase("true"): return .bool(true)
            case .string(let s) where s.equalsIgnoringCase("false"): return .bool(false)
            default: throw fail()
            }
        case .integer:
            switch value {
            case .int: return value
            case .double(let d) where d == d.rounded() && abs(d) < 9.0e15: return .int(Int(d))
            default: throw fail()
            }
        case .decimal:
            switch value {
            case .double: return value
            case .int(let i): return .double(Double(i))
            default: throw fail()
            }
        case .string, .reference, .binary:
            guard case .string(let s) = value else { throw fail() }
            try refuseControlCharacters(in: s, path: path)
            return value
        case .dateTime:
            guard case .string(let s) = value, DateTimeSyntax.isValid(s) else { throw fail() }
            return value
        case .complex:
            guard case .object = value else { throw fail() }
            return value
        }
    }

    /// The expected type, for error details.
    static func expected(_ attribute: SchemaAttribute) -> String {
        switch attribute.type {
        case .string: "a string"
        case .boolean: "a boolean"
        case .integer: "an integer"
        case .decimal: "a decimal number"
        case .reference: "a string (a URI reference)"
        case .binary: "a string (base64-encoded binary)"
        case .dateTime: "a string in xsd:dateTime format, such as \"2024-01-31T12:00:00Z\""
        case .complex: "an object"
        }
    }

    /// A value's type and a short rendering of it, for error details: `string "maybe"`, `integer 5`, `array`.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .int(let i): return "integer \(i)"
        case .double(let d): return "number \(d)"
        case .string(let s):
            let shown = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return "string " + JSONValue.string(shown).jsonText
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Attribute names never contain a colon, so a key with one is a schema URI (a URN, or Entra's
    /// `http://schemas.microsoft.com/...` URIs).
    static func isSchemaURI(_ key: String) -> Bool { key.utf8.contains(UInt8(ascii: ":")) }

    /// Whether a value under an unknown schema URI holds nothing: `null`, `{}`, `[]`, or an object of nulls.
    static func carriesNoAttributes(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .object(let o): o.allSatisfy { carriesNoAttributes($0.value) }
        case .array(let a): a.allSatisfy(carriesNoAttributes)
        default: false
        }
    }

    static func isEmpty(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null: true
        case .string(let s): s.allSatisfy(\.isWhitespace)
        case .array(let a): a.isEmpty
        case .object(let o): o.isEmpty
        default: false
        }
    }
}

/// The `xsd:dateTime` lexical form RFC 7643 §2.3.5 requires, as RFC 3339 profiles it:
/// `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`.
enum DateTimeSyntax {
    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")),
            let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2)
        else { return false }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") else { return false }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")),
            let minute = digits(2), expect(UInt8(ascii: ":")),
            let second = digits(2)
        else { return false }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48 && b[i] <= 57 { i += 1 }
            guard i > start else { return false }
        }
        if i == b.count { return true }  // xsd:dateTime allows no time zone
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard let offH = digits(2), expect(UInt8(ascii: ":")), let offM = digits(2) else { return false }
        return offH <= 23 && offM <= 59 && i == b.count
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
