/// Values shaped as the schema says before they are stored, and the comparisons of values that PATCH needs.
extension PatchEngine {
    /// A value for `attribute`, shaped as the schema says: for a singular attribute, a one-element array is its
    /// element (Entra's manager, `entra/add-manager.json`); a complex value is coerced sub-attribute-wise; a string
    /// for a complex attribute with a `value` sub-attribute becomes `{"value": …}`; `"True"`/`"False"` become
    /// booleans for boolean attributes. Other type mismatches are left for ``ResourceType/normalize(_:)``.
    func coerce(_ value: JSONValue, _ attribute: SchemaAttribute, position: String) throws(SCIMError) -> JSONValue {
        if attribute.multiValued {
            if value.isNull { return .null }
            return .array(try coerceElements(value, attribute, position: position))
        }
        return try coerceElement(Self.single(value), attribute, position: position)
    }

    /// The elements of a value for a multi-valued attribute (a lone value counts as one element), without nulls.
    func coerceElements(_ value: JSONValue, _ attribute: SchemaAttribute, position: String) throws(SCIMError)
        -> [JSONValue]
    {
        let list: [JSONValue] = value.arrayValue ?? (value.isNull ? [] : [value])
        var out: [JSONValue] = []
        out.reserveCapacity(list.count)
        for element in list where !element.isNull {
            let coerced = try coerceElement(element, attribute, position: position)
            if coerced.objectValue?.isEmpty == true { continue }
            out.append(coerced)
        }
        return out
    }

    /// One value of `attribute`'s type (an element, for a multi-valued attribute).
    func coerceElement(_ value: JSONValue, _ attribute: SchemaAttribute, position: String) throws(SCIMError)
        -> JSONValue
    {
        switch attribute.type {
        case .boolean:
            if case .string(let s) = value, let b = Self.booleanString(s) { return .bool(b) }
            return value
        case .complex:
            return try coerceComplex(value, attribute, position: position)
        default:
            return value
        }
    }

    /// A complex value with canonical sub-attribute names and coerced sub-values; `null` sub-values are kept
    /// (they mean "remove" in a merge) except inside multi-valued elements.
    func coerceComplex(_ value: JSONValue, _ attribute: SchemaAttribute, position: String) throws(SCIMError)
        -> JSONValue
    {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for (k, v) in object {
                guard let sub = attribute.subAttribute(named: k) else {
                    out[k] = v  // Unknown sub-attributes are reported by normalize.
                    continue
                }
                if v.isNull {
                    if !attribute.multiValued { out[sub.name] = .null }
                    continue
                }
                out[sub.name] = try coerceElement(Self.single(v), sub, position: position)
            }
            return .object(out)
        case .string, .int, .bool, .double:
            if let sub = attribute.subAttribute(named: "value") {
                return .object([sub.name: try coerceElement(value, sub, position: position)])
            }
            return value
        default:
            return value
        }
    }

    /// A one-element array as its element (for singular targets).
    static func single(_ value: JSONValue) -> JSONValue {
        if case .array(let a) = value, a.count == 1 { return a[0] }
        return value
    }

    /// `"true"`/`"false"` in any case, as Entra sends them (`entra/disable-user-legacy.json`).
    static func booleanString(_ s: String) -> Bool? {
        if s.equalsIgnoringCase("true") { return true }
        if s.equalsIgnoringCase("false") { return false }
        return nil
    }

    // MARK: Comparison

    /// Whether two values are the same: objects compare member-wise regardless of order and name case.
    static func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            let xs = x.members.filter { !$0.value.isNull }
            let ys = y.members.filter { !$0.value.isNull }
            guard xs.count == ys.count else { return false }
            return xs.allSatisfy { m in y[m.key].map { sameValue(m.value, $0) } ?? false }
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
            return Double(x) == y
        default:
            return a == b
        }
    }

    /// Whether `element` has every non-null member of `pattern` (`{"value": "id"}` finds a member with a display).
    static func contains(_ element: JSONValue, _ pattern: JSONValue) -> Bool {
        guard case .object(let p) = pattern, case .object(let e) = element else { return sameValue(element, pattern) }
        return p.members.allSatisfy { m in m.value.isNull || (e[m.key].map { sameValue($0, m.value) } ?? false) }
    }
}
