// Over 400 lines: RFC 7644 §3.5.2.1–§3.5.2.3, one section per operation, each rule next to the RFC text it
// follows.

/// The RFC 7644 §3.5.2.1–§3.5.2.3 semantics of `add`, `remove` and `replace` on one resolved target.
extension PatchEngine {
    // MARK: Storage

    /// The attribute's current value, `nil` when unassigned.
    func currentValue(_ resolved: ResolvedAttribute) -> JSONValue? {
        let container = resolved.extensionURN.map { resource[$0]?.objectValue ?? JSONObject() } ?? resource
        guard let value = container[resolved.attribute.name], !value.isNull else { return nil }
        return value
    }

    /// Sets (or with `nil`, removes) the attribute, spelling its name (and extension URN) as the schema does and
    /// dropping an extension object left empty.
    mutating func setValue(_ value: JSONValue?, for resolved: ResolvedAttribute) {
        let name = resolved.attribute.name
        guard let urn = resolved.extensionURN else {
            resource[name] = value
            resource.renameKey(name, to: name)
            return
        }
        var container = resource[urn]?.objectValue ?? JSONObject()
        container[name] = value
        container.renameKey(name, to: name)
        if container.isEmpty {
            resource.removeValue(forKey: urn)
        } else {
            resource[urn] = .object(container)
            resource.renameKey(urn, to: urn)
        }
    }

    // MARK: add (RFC 7644 §3.5.2.1)

    mutating func add(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) {
        if value.isNull { return }
        if target.filter != nil {
            try replaceFiltered(target, value, position: position)
            return
        }
        let attribute = target.attribute
        if let sub = target.sub {
            try setSubAttribute(sub, of: target, to: value, position: position)
            return
        }
        if attribute.multiValued {
            var elements = currentValue(target.resolved)?.arrayValue ?? []
            var touched: [Int] = []
            for element in try coerceElements(value, attribute, position: position) {
                // "If the value is already present, no change" — identical elements are not duplicated.
                if let i = elements.firstIndex(where: { Self.sameValue($0, element) }) {
                    touched.append(i)
                } else {
                    elements.append(element)
                    touched.append(elements.count - 1)
                }
            }
            Self.enforceSinglePrimary(&elements, attribute, touched: touched)
            if !elements.isEmpty { setValue(.array(elements), for: target.resolved) }
        } else if attribute.type == .complex {
            try mergeComplex(target, value, position: position)
        } else {
            setValue(try coerce(value, attribute, position: position), for: target.resolved)
        }
    }

    // MARK: replace (RFC 7644 §3.5.2.3)

    mutating func replace(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) {
        if target.filter != nil {
            try replaceFiltered(target, value, position: position)
            return
        }
        let attribute = target.attribute
        if let sub = target.sub {
            try setSubAttribute(sub, of: target, to: value, position: position)
            return
        }
        if value.isNull {
            setValue(nil, for: target.resolved)
        } else if attribute.multiValued {
            var elements = try coerceElements(value, attribute, position: position)
            Self.enforceSinglePrimary(&elements, attribute, touched: Array(elements.indices))
            setValue(elements.isEmpty ? JSONValue?.none : .array(elements), for: target.resolved)
        } else if attribute.type == .complex {
            try mergeComplex(target, value, position: position)
        } else {
            setValue(try coerce(value, attribute, position: position), for: target.resolved)
        }
    }

    /// `replace` (and `add`) through a value filter: matching elements are merged with the value (or get the
    /// sub-attribute set); with no match, an `eq` filter seeds a new element (Entra, `entra/update-user.json`).
    mutating func replaceFiltered(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) {
        guard let filter = target.filter else { return }
        let attribute = target.attribute
        var elements = elementsOf(target)
        let matched = elements.indices.filter { elementMatches(elements[$0], filter, target) }
        var touched: [Int] = []
        if matched.isEmpty {
            guard let seed = Self.seed(from: filter, attribute) else {
                throw SCIMError.noTarget(
                    "\(position): no value of \"\(attribute.name)\" matches the filter of \"\(target.displayName)\".")
            }
            var element = seed
            if let sub = target.sub {
                let v = try coerce(value, sub, position: position)
                if v.isNull { return }
                element[sub.name] = v
            } else {
                guard case .object(let fields) = try coerceElement(value, attribute, position: position) else {
                    throw SCIMError.invalidValue(
                        "\(position): the value for \"\(target.displayName)\" must be an object; got \(value.typeName)."
                    )
                }
                for (k, v) in fields where !v.isNull { element[k] = v }
            }
            elements.append(.object(element))
            touched = [elements.count - 1]
        } else {
            for i in matched {
                var element = elements[i].objectValue ?? JSONObject()
                if let sub = target.sub {
                    element[sub.name] = try coerce(value, sub, position: position).nonNull
                    element.renameKey(sub.name, to: sub.name)
                } else {
                    guard
                        case .object(let fields) = try coerceComplex(Self.single(value), attribute, position: position)
                    else {
                        throw SCIMError.invalidValue(
                            "\(position): the value for \"\(target.displayName)\" must be an object; got \(value.typeName)."
                        )
                    }
                    for (k, v) in fields {
                        element[k] = v.nonNull
                        element.renameKey(k, to: k)
                    }
                }
                elements[i] = .object(element)
                touched.append(i)
            }
            elements.removeAll { $0.objectValue?.isEmpty == true }
        }
        Self.enforceSinglePrimary(&elements, attribute, touched: touched)
        storeElements(elements, for: target)
    }

    /// Sets a sub-attribute without a filter: of the singular complex attribute, or of every element of a
    /// multi-valued one (creating one element when there are none). `null` removes it.
    mutating func setSubAttribute(_ sub: SchemaAttribute, of target: PatchTarget, to value: JSONValue, position: String)
        throws(SCIMError)
    {
        let v = try coerce(value, sub, position: position).nonNull
        var elements = elementsOf(target)
        if elements.isEmpty {
            guard let v else { return }
            elements = [.object([sub.name: v])]
        } else {
            for i in elements.indices {
                var element = elements[i].objectValue ?? JSONObject()
                element[sub.name] = v
                element.renameKey(sub.name, to: sub.name)
                elements[i] = .object(element)
            }
            elements.removeAll { $0.objectValue?.isEmpty == true }
        }
        if v != nil { Self.enforceSinglePrimary(&elements, target.attribute, touched: Array(elements.indices)) }
        storeElements(elements, for: target)
    }

    /// Merges a complex value into a singular complex attribute sub-attribute-wise (RFC 7644 §3.5.2.1, §3.5.2.3:
    /// "Sub-attributes that are not specified in the value parameter are left unchanged"); `null` sub-values
    /// remove the sub-attribute.
    mutating func mergeComplex(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) {
        guard case .object(let fields) = try coerce(value, target.attribute, position: position) else {
            throw SCIMError.invalidValue(
                "\(position): \"\(target.displayName)\" is complex; its value must be an object; got \(value.typeName)."
            )
        }
        var object = currentValue(target.resolved)?.objectValue ?? JSONObject()
        // A reference-like attribute (`manager`) pointing somewhere else starts afresh, so that the old target's
        // `displayName` or `$ref` does not survive next to the new `value`.
        if let newValue = fields["value"]?.nonNull, let oldValue = object["value"], !Self.sameValue(newValue, oldValue)
        {
            object = JSONObject()
        }
        for (k, v) in fields {
            object[k] = v.nonNull
            object.renameKey(k, to: k)
        }
        setValue(object.isEmpty ? JSONValue?.none : .object(object), for: target.resolved)
    }

    // MARK: remove (RFC 7644 §3.5.2.2)

    mutating func remove(_ target: PatchTarget, _ value: JSONValue?, position: String) throws(SCIMError) {
        let attribute = target.attribute
        guard currentValue(target.resolved) != nil else { return }  // Removing what is absent is a no-op.
        if let filter = target.filter {
            var elements = elementsOf(target)
            let matched = Set(elements.indices.filter { elementMatches(elements[$0], filter, target) })
            if matched.isEmpty { return }
            if let sub = target.sub {
                for i in matched {
                    var element = elements[i].objectValue ?? JSONObject()
                    element.removeValue(forKey: sub.name)
                    elements[i] = .object(element)
                }
                elements.removeAll { $0.objectValue?.isEmpty == true }
            } else {
                elements = elements.indices.filter { !matched.contains($0) }.map { elements[$0] }
            }
            storeElements(elements, for: target)
        } else if let sub = target.sub {
            var elements = elementsOf(target)
            for i in elements.indices {
                var element = elements[i].objectValue ?? JSONObject()
                element.removeValue(forKey: sub.name)
                elements[i] = .object(element)
            }
            elements.removeAll { $0.objectValue?.isEmpty == true }
            storeElements(elements, for: target)
        } else if attribute.multiValued, let value, !value.isNull {
            // Entra's legacy form: `remove` with the elements to remove in `value` (entra/remove-member-legacy.json).
            let doomed = try coerceElements(value, attribute, position: position)
            let elements = elementsOf(target).filter { element in !doomed.contains { Self.contains(element, $0) } }
            storeElements(elements, for: target)
        } else {
            setValue(nil, for: target.resolved)
        }
    }

    // MARK: Elements

    /// The elements of a complex target: the array of a multi-valued attribute, or the object of a singular one.
    func elementsOf(_ target: PatchTarget) -> [JSONValue] {
        guard let current = currentValue(target.resolved) else { return [] }
        if target.attribute.multiValued { return current.arrayValue ?? [current] }
        return [current]
    }

    /// Stores elements back: an empty list unassigns the attribute (RFC 7644 §3.5.2.2: removing the last value
    /// removes the attribute).
    mutating func storeElements(_ elements: [JSONValue], for target: PatchTarget) {
        if elements.isEmpty {
            setValue(nil, for: target.resolved)
        } else if target.attribute.multiValued {
            setValue(.array(elements), for: target.resolved)
        } else {
            setValue(elements[0], for: target.resolved)
        }
    }

    /// Whether one element matches a value filter, evaluated by the filter engine against a resource holding only
    /// that element, so that sub-attribute definitions (case-exactness, types) apply.
    func elementMatches(_ element: JSONValue, _ filter: Filter, _ target: PatchTarget) -> Bool {
        guard case .object(let object) = element else {
            // A simple multi-valued attribute: `value` names the element itself (RFC 7644 §3.5.2).
            return filter.matches(["value": element], in: type)
        }
        var probe = PatchEngine(
            type: type, resource: JSONObject(), deferredAttributes: [], dropped: DroppedValues(policy: .reject))
        probe.setValue(target.attribute.multiValued ? .array([.object(object)]) : .object(object), for: target.resolved)
        return Filter.valuePath(
            type.canonicalPath(
                ResolvedAttribute(
                    extensionURN: target.resolved.extensionURN, attribute: target.attribute, subAttribute: nil)), filter
        )
        .matches(probe.resource, in: type)
    }

    /// Checks that a value filter names sub-attributes of `attribute`, and turns `"True"`/`"False"` compared with
    /// boolean sub-attributes into booleans (Entra sends `roles[primary eq "True"]`).
    func checkedFilter(_ filter: Filter, for attribute: SchemaAttribute, position: String) throws(SCIMError) -> Filter {
        func check(_ f: Filter) throws(SCIMError) -> Filter {
            switch f {
            case .and(let a, let b): return .and(try check(a), try check(b))
            case .or(let a, let b): return .or(try check(a), try check(b))
            case .not(let a): return .not(try check(a))
            case .present(let path):
                _ = try definition(path)
                return f
            case .comparison(let path, let op, let value):
                let def = try definition(path)
                if def?.type == .boolean, case .string(let s) = value, let b = Self.booleanString(s) {
                    return .comparison(path, op, .bool(b))
                }
                return f
            case .valuePath:
                throw SCIMError.invalidPath(
                    "\(position): a value filter cannot contain another value filter (RFC 7644 §3.5.2).")
            }
        }
        func definition(_ path: AttributePath) throws(SCIMError) -> SchemaAttribute? {
            guard attribute.type == .complex else {
                guard path.schema == nil, path.subAttribute == nil, path.attribute.equalsIgnoringCase("value") else {
                    throw SCIMError.invalidPath(
                        "\(position): \"\(attribute.name)\" has simple values; its filter can only compare \"value\", not \"\(path)\"."
                    )
                }
                return SchemaAttribute(name: "value", type: attribute.type, description: "")
            }
            guard path.schema == nil, path.subAttribute == nil, let sub = attribute.subAttribute(named: path.attribute)
            else {
                throw SCIMError.invalidPath(
                    "\(position): \"\(attribute.name)\" has no sub-attribute \"\(path)\" to filter on.")
            }
            return sub
        }
        return try check(filter)
    }

    /// The new element an unmatched filter describes: `type eq "work"` (or an `and` of such equalities on simple
    /// sub-attributes) gives `{"type": "work"}`; any other filter gives `nil`.
    static func seed(from filter: Filter, _ attribute: SchemaAttribute) -> JSONObject? {
        switch filter {
        case .comparison(let path, .eq, let value) where !value.isNull:
            guard let sub = attribute.subAttribute(named: path.attribute), sub.type != .complex, !sub.multiValued else {
                return nil
            }
            return [sub.name: value]
        case .and(let a, let b):
            guard let l = seed(from: a, attribute), let r = seed(from: b, attribute) else { return nil }
            var merged = l
            for (k, v) in r { merged[k] = v }
            return merged
        default:
            return nil
        }
    }

    /// RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once." When one of the
    /// `touched` elements is primary, every other element loses `primary: true`.
    static func enforceSinglePrimary(_ elements: inout [JSONValue], _ attribute: SchemaAttribute, touched: [Int]) {
        guard attribute.type == .complex, attribute.subAttribute(named: "primary") != nil else { return }
        guard let winner = touched.last(where: { elements[$0].objectValue?["primary"] == .bool(true) }) else { return }
        for i in elements.indices where i != winner {
            guard var object = elements[i].objectValue, object["primary"] == .bool(true) else { continue }
            object["primary"] = .bool(false)
            elements[i] = .object(object)
        }
    }

    // MARK: Coercion

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

extension JSONValue {
    /// `nil` for `null`, the value otherwise. (Spelled out: `JSONValue` is `ExpressibleByNilLiteral`, so a bare
    /// `nil` in a conditional expression would become ``JSONValue/null``.)
    var nonNull: JSONValue? {
        if isNull { return Optional.none }
        return .some(self)
    }
}
