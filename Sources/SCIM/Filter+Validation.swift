/// Checking a filter against a resource type's schemas before it is evaluated (RFC 7644 §3.4.2.2).
extension Filter {
    /// Checks that every attribute the filter names exists in `type` and that each operator suits the attribute's
    /// type.
    ///
    /// Rules, each failing with ``SCIMError`` 400 `invalidFilter` (RFC 7644 §3.4.2.2, §3.12):
    /// - every path resolves with ``ResourceType/resolve(_:)``; inside `attr[...]` the paths are names of
    ///   sub-attributes of `attr` (`emails[type eq "work"]` names `emails.type`);
    /// - a value filter `attr[...]` needs a complex attribute, and cannot be nested;
    /// - a comparison on a complex attribute without a sub-attribute compares its `value` sub-attribute, as RFC 7644
    ///   §3.4.2.2 reads `emails co "x"`; a complex attribute without `value` (such as `name`) is refused;
    /// - `gt`, `ge`, `lt` and `le` are refused on boolean and binary attributes (RFC 7644 §3.4.2.2), as are `co`,
    ///   `sw` and `ew` on boolean, integer and decimal attributes, which have no substrings;
    /// - a boolean attribute is compared with `true`, `false` or `null` (or the strings "true"/"false"), a number
    ///   attribute with a number (or a string holding one).
    public func validate(against type: ResourceType) throws(SCIMError) {
        try validate(against: type, parent: nil)
    }

    private func validate(against type: ResourceType, parent: (path: AttributePath, attribute: SchemaAttribute)?)
        throws(SCIMError)
    {
        switch self {
        case .and(let lhs, let rhs), .or(let lhs, let rhs):
            try lhs.validate(against: type, parent: parent)
            try rhs.validate(against: type, parent: parent)
        case .not(let inner):
            try inner.validate(against: type, parent: parent)
        case .present(let path):
            _ = try Self.definition(of: path, in: type, parent: parent)
        case .comparison(let path, let op, let value):
            var target = try Self.definition(of: path, in: type, parent: parent)
            if target.type == .complex {
                guard let valueAttribute = target.subAttribute(named: "value") else {
                    let names = target.subAttributes.map { "'\(path).\($0.name)'" }.prefix(3).joined(separator: ", ")
                    throw SCIMError.invalidFilter(
                        "Attribute '\(path)' in filter is complex and has no 'value' sub-attribute; compare one of "
                            + "its sub-attributes instead, such as \(names).")
                }
                target = valueAttribute
            }
            try Self.check(op, value, on: target, path: path)
        case .valuePath(let path, let inner):
            if let parent {
                throw SCIMError.invalidFilter(
                    "Value filters cannot be nested: '\(path)[...]' appears inside '\(parent.path)[...]'.")
            }
            let attribute = try Self.definition(of: path, in: type, parent: nil)
            guard path.subAttribute == nil, attribute.type == .complex else {
                throw SCIMError.invalidFilter(
                    "Attribute '\(path)' in filter is not a complex attribute; a value filter '[...]' applies only to "
                        + "complex attributes such as 'emails[type eq \"work\"]'.")
            }
            try inner.validate(against: type, parent: (path, attribute))
        }
    }

    /// The definition `path` names: at the top level resolved by the resource type, inside `attr[...]` a
    /// sub-attribute of `attr`.
    private static func definition(
        of path: AttributePath, in type: ResourceType, parent: (path: AttributePath, attribute: SchemaAttribute)?
    ) throws(SCIMError) -> SchemaAttribute {
        if let parent {
            guard path.schema == nil, path.subAttribute == nil,
                let sub = parent.attribute.subAttribute(named: path.attribute)
            else {
                let names = parent.attribute.subAttributes.map(\.name).joined(separator: ", ")
                throw SCIMError.invalidFilter(
                    "Unknown attribute '\(path)' in filter; inside '\(parent.path)[...]' name one of the sub-attributes "
                        + "of '\(parent.path)': \(names).")
            }
            return sub
        }
        guard let resolved = Filter.resolve(path, in: type) else {
            if let urn = path.schema, !type.knowsSchema(urn) {
                throw SCIMError.invalidFilter(
                    "Unknown attribute '\(path)' in filter; '\(urn)' is not a schema of the \(type.name) resource type."
                )
            }
            throw SCIMError.invalidFilter(
                "Unknown attribute '\(path)' in filter; the \(type.name) resource type defines no such attribute.")
        }
        return resolved.target
    }

    /// Whether `op` and `value` suit an attribute of `target`'s type.
    private static func check(
        _ op: ComparisonOperator, _ value: JSONValue, on target: SchemaAttribute, path: AttributePath
    )
        throws(SCIMError)
    {
        let ordering: Set<ComparisonOperator> = [.gt, .ge, .lt, .le]
        let substring: Set<ComparisonOperator> = [.co, .sw, .ew]
        switch target.type {
        case .boolean:
            if ordering.contains(op) || substring.contains(op) {
                throw SCIMError.invalidFilter(
                    "The operator '\(op.rawValue)' cannot be used on the boolean attribute '\(path)'; use 'eq' or 'ne'."
                )
            }
            if value.isNull || value.boolValue != nil { return }
            if let s = value.stringValue, s.equalsIgnoringCase("true") || s.equalsIgnoringCase("false") { return }
            throw SCIMError.invalidFilter(
                "The boolean attribute '\(path)' must be compared with true or false, not \(Filter.render(value)).")
        case .binary:
            if ordering.contains(op) {
                throw SCIMError.invalidFilter(
                    "The operator '\(op.rawValue)' cannot be used on the binary attribute '\(path)'.")
            }
        case .integer, .decimal:
            if substring.contains(op) {
                throw SCIMError.invalidFilter(
                    "The operator '\(op.rawValue)' cannot be used on the \(target.type.rawValue) attribute '\(path)'; "
                        + "use eq, ne, gt, ge, lt or le.")
            }
            switch value {
            case .null, .int, .double: return
            case .string(let s) where Double(s) != nil: return
            default:
                throw SCIMError.invalidFilter(
                    "The \(target.type.rawValue) attribute '\(path)' must be compared with a number, not \(Filter.render(value))."
                )
            }
        case .string, .reference, .dateTime, .complex:
            return
        }
    }
}

extension Filter {
    /// `schemas` (RFC 7643 §3): the schema URNs every resource lists. No schema defines it, yet RFC 7644 §3.4.2.2
    /// filters on it (`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`); URNs compare
    /// case-insensitively.
    static let schemasAttribute = SchemaAttribute(
        name: "schemas", type: .reference, multiValued: true,
        description: "The URIs of the schemas used to define the attributes of the resource.",
        required: true, caseExact: false, mutability: .readOnly, referenceTypes: ["uri"])

    /// ``ResourceType/resolve(_:)``, plus the `schemas` attribute that filters may name.
    static func resolve(_ path: AttributePath, in type: ResourceType) -> ResolvedAttribute? {
        if let resolved = type.resolve(path) { return resolved }
        if path.schema == nil, path.subAttribute == nil, path.attribute.equalsIgnoringCase("schemas") {
            return ResolvedAttribute(extensionURN: nil, attribute: schemasAttribute, subAttribute: nil)
        }
        return nil
    }
}
