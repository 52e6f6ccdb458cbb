/// Operations on attributes stored apart from the resource (a group's `members`), turned into
/// ``DeferredChange``s instead of being applied.
extension PatchEngine {
    func isDeferred(_ resolved: ResolvedAttribute) -> Bool {
        deferredAttributes.contains(resolved.attribute.name.asciiLowercased)
    }

    /// Turns an operation on a deferred attribute into ``DeferredChange``s.
    mutating func deferChange(_ op: PatchOperation.Op, _ target: PatchTarget, _ value: JSONValue?, position: String)
        throws(SCIMError)
    {
        let name = target.attribute.name
        guard target.sub == nil else {
            throw SCIMError.invalidPath(
                "\(position): \"\(target.displayName)\" cannot be changed one sub-attribute at a time; add or remove the whole element instead."
            )
        }
        if let filter = target.filter {
            deferred.append(Self.removal(of: name, matching: filter))
            if op == .remove { return }
            let values = try deferredValues(value ?? .null, target, position: position)
            if !values.isEmpty { deferred.append(.add(attribute: name, values: values)) }
            return
        }
        switch op {
        case .add:
            let values = try deferredValues(value ?? .null, target, position: position)
            if !values.isEmpty { deferred.append(.add(attribute: name, values: values)) }
        case .replace:
            if value == nil || value == .null {
                deferred.append(.removeAll(attribute: name))
            } else {
                deferred.append(
                    .replace(attribute: name, values: try deferredValues(value ?? .null, target, position: position)))
            }
        case .remove:
            if value == nil || value == .null {
                deferred.append(.removeAll(attribute: name))
            } else {
                let values = try deferredValues(value ?? .null, target, position: position)
                if !values.isEmpty { deferred.append(.remove(attribute: name, values: values)) }
            }
        }
    }

    /// `.remove(values:)` when the filter is `value eq "x"` or an `or` of those (cheap to apply by key), otherwise
    /// `.removeMatching`.
    static func removal(of attribute: String, matching filter: Filter) -> DeferredChange {
        var values: [JSONValue] = []
        func collect(_ f: Filter) -> Bool {
            switch f {
            case .comparison(let path, .eq, .string(let s))
            where path.schema == nil && path.subAttribute == nil && path.attribute.equalsIgnoringCase("value"):
                values.append(.object(["value": .string(s)]))
                return true
            case .or(let a, let b):
                return collect(a) && collect(b)
            default:
                return false
            }
        }
        return collect(filter)
            ? .remove(attribute: attribute, values: values) : .removeMatching(attribute: attribute, filter: filter)
    }

    /// The elements of a value for a deferred attribute, in canonical form; complex elements must carry `value`
    /// when the attribute defines it, since the store keys them by it.
    func deferredValues(_ value: JSONValue, _ target: PatchTarget, position: String) throws(SCIMError) -> [JSONValue] {
        let elements = try coerceElements(value, target.attribute, position: position)
        // Deferred values skip normalization, so their strings are checked here as normalization checks them.
        for element in elements {
            if case .string(let s) = element {
                try ResourceType.refuseControlCharacters(in: s, path: target.attribute.name)
            }
            for (key, sub) in element.objectValue ?? [:] {
                guard case .string(let s) = sub else { continue }
                try ResourceType.refuseControlCharacters(in: s, path: target.attribute.name + "." + key)
            }
        }
        if target.attribute.type == .complex, target.attribute.subAttribute(named: "value") != nil {
            for element in elements {
                guard case .string(let id)? = element.objectValue?["value"], !id.isEmpty else {
                    throw SCIMError.invalidValue(
                        "\(position): each element of \"\(target.attribute.name)\" needs a non-empty string \"value\"; got \(element.jsonText)."
                    )
                }
            }
        }
        return elements
    }
}
