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
        if try setNarrowed(target, value, position: position) { return }
        let attribute = target.attribute
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
        } else {
            try setSingular(target, value, position: position)
        }
    }

    // MARK: replace (RFC 7644 §3.5.2.3)

    mutating func replace(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) {
        if try setNarrowed(target, value, position: position) { return }
        let attribute = target.attribute
        if value.isNull {
            setValue(nil, for: target.resolved)
        } else if attribute.multiValued {
            var elements = try coerceElements(value, attribute, position: position)
            Self.enforceSinglePrimary(&elements, attribute, touched: Array(elements.indices))
            setValue(elements.isEmpty ? JSONValue?.none : .array(elements), for: target.resolved)
        } else {
            try setSingular(target, value, position: position)
        }
    }

    /// What `add` and `replace` do alike on a target narrowed by a value filter or to a sub-attribute; returns
    /// whether the target was one.
    mutating func setNarrowed(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) -> Bool {
        if target.filter != nil {
            try replaceFiltered(target, value, position: position)
            return true
        }
        if let sub = target.sub {
            try setSubAttribute(sub, of: target, to: value, position: position)
            return true
        }
        return false
    }

    /// What `add` and `replace` do alike on a singular attribute: a complex value is merged into the current one
    /// sub-attribute-wise, any other value replaces it.
    mutating func setSingular(_ target: PatchTarget, _ value: JSONValue, position: String) throws(SCIMError) {
        if target.attribute.type == .complex {
            try mergeComplex(target, value, position: position)
        } else {
            setValue(try coerce(value, target.attribute, position: position), for: target.resolved)
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

}

extension JSONValue {
    /// `nil` for `null`, the value otherwise. (Spelled out: `JSONValue` is `ExpressibleByNilLiteral`, so a bare
    /// `nil` in a conditional expression would become ``JSONValue/null``.)
    var nonNull: JSONValue? {
        if isNull { return Optional.none }
        return .some(self)
    }
}
