/// Checking simple values against their data types (RFC 7643 §2.3), and the wording of type errors.
extension ResourceType {
    /// Checks a simple value against its data type (RFC 7643 §2.3), coercing where IdPs are known to deviate.
    static func coerce(_ value: JSONValue, _ attribute: SchemaAttribute, path: String) throws(SCIMError) -> JSONValue {
        let typed = try coerceType(value, attribute, path: path)
        if case .string(let s) = typed { try refuseControlCharacters(in: s, path: path) }
        return typed
    }

    /// ``coerce(_:_:path:)`` without the control-character check: the type alone, which the invalid-data policy
    /// may leave out (control characters are refused under every policy).
    static func coerceType(_ value: JSONValue, _ attribute: SchemaAttribute, path: String) throws(SCIMError)
        -> JSONValue
    {
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
            guard case .string = value else { throw fail() }
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
}
