/// The elements of a complex target: reading and storing them, matching them against a value filter, seeding one
/// from a filter, and the single-primary rule.
extension PatchEngine {
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
}
