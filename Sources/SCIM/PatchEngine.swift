/// What an operation acts on: an attribute, optionally narrowed by a value filter and/or to one sub-attribute.
struct PatchTarget {
    var resolved: ResolvedAttribute
    var filter: Filter?
    /// The sub-attribute acted on: `familyName` in `name.familyName`, `value` in `emails[type eq "work"].value`.
    var sub: SchemaAttribute?

    var attribute: SchemaAttribute { resolved.attribute }

    /// The path as the schema spells it, for error details.
    var displayName: String {
        var s = (resolved.extensionURN.map { $0 + ":" } ?? "") + resolved.attribute.name
        if filter != nil { s += "[…]" }
        if let sub { s += "." + sub.name }
        return s
    }
}

/// The mutable state of one ``ResourceType/applyPatch(_:to:deferredAttributes:)`` call.
struct PatchEngine {
    let type: ResourceType
    var resource: JSONObject
    let deferredAttributes: Set<String>
    var deferred: [DeferredChange] = []
    /// Operations and keys skipped for naming unknown attributes (only under `accept-and-warn`).
    var dropped: DroppedValues

    init(type: ResourceType, resource: JSONObject, deferredAttributes: Set<String>, dropped: DroppedValues) {
        self.dropped = dropped
        self.type = type
        self.resource = resource
        self.deferredAttributes = Set(deferredAttributes.map(\.asciiLowercased))
    }

    // MARK: Dispatch

    mutating func apply(_ operation: PatchOperation, index: Int) throws(SCIMError) {
        try apply(operation, at: "Operations[\(index)]")
    }

    /// Applies one operation; `position` names it in error details.
    mutating func apply(_ operation: PatchOperation, at position: String) throws(SCIMError) {
        guard let path = operation.path else {
            // RFC 7644 §3.5.2.1 / §3.5.2.3: no path, the value is an object of attributes.
            guard case .object(let object) = operation.value else {
                throw SCIMError.invalidSyntax(
                    "\(position) has no \"path\", so its \"value\" must be an object of attributes.")
            }
            guard operation.op != .remove else {
                throw SCIMError.noTarget("\(position) is a \"remove\" without a \"path\".")
            }
            try applyPathless(operation.op, object, schemaURN: nil, position: position)
            return
        }

        guard let resolved = type.resolveLeniently(path.attribute) else {
            // A path that is a whole schema URN (`urn:…:enterprise:2.0:User`) addresses the extension object.
            if path.filter == nil, path.subAttribute == nil, let urn = type.schemaURN(named: path.attribute.description)
            {
                try applyToSchema(operation, urn: urn, position: position)
                return
            }
            if Self.isPassword(path.attribute) { return }
            try dropped.drop(
                path.attribute.description, .unknownAttribute, value: operation.value ?? .null,
                error: .invalidPath(
                    "\(position).path \"\(path)\" names no attribute of \(type.name): \"\(path.attribute)\" is unknown."
                ))
            return
        }
        var target = PatchTarget(resolved: resolved, filter: path.filter, sub: resolved.subAttribute)
        if let name = path.subAttribute {
            guard resolved.attribute.type == .complex, let sub = resolved.attribute.subAttribute(named: name) else {
                throw SCIMError.invalidPath(
                    "\(position).path \"\(path)\": \(resolved.attribute.name) has no sub-attribute \"\(name)\".")
            }
            target.sub = sub
        }
        if let filter = path.filter {
            let checked = try checkedFilter(filter, for: resolved.attribute, position: position)
            if resolved.attribute.type == .complex {
                // Operator/type compatibility (`primary gt true`) as the filter engine defines it (RFC 7644 §3.4.2.2).
                let attributePath = AttributePath(schema: resolved.extensionURN, attribute: resolved.attribute.name)
                do throws(SCIMError) {
                    try Filter.valuePath(attributePath, checked).validate(against: type)
                } catch {
                    throw SCIMError.invalidPath("\(position).path \"\(path)\": \(error.detail)")
                }
            }
            target.filter = checked
        }
        if Self.isPassword(resolved) { return }
        if resolved.attribute.mutability == .readOnly || target.sub?.mutability == .readOnly {
            throw SCIMError.mutability(
                "\(position) targets \"\(target.displayName)\", which is read-only and cannot be modified.")
        }
        try apply(operation.op, target, operation.value, position: position)
    }

    /// Applies one operation to a resolved target, deferring it when the attribute is stored elsewhere.
    mutating func apply(_ op: PatchOperation.Op, _ target: PatchTarget, _ value: JSONValue?, position: String)
        throws(SCIMError)
    {
        if isDeferred(target.resolved) {
            try deferChange(op, target, value, position: position)
            return
        }
        let before = currentValue(target.resolved)
        switch op {
        case .add:
            try add(target, value ?? .null, position: position)
        case .replace:
            try replace(target, value ?? .null, position: position)
        case .remove:
            try remove(target, value, position: position)
        }
        if target.attribute.mutability == .immutable, let before, currentValue(target.resolved) != before {
            throw SCIMError.mutability(
                "\(position) would change \"\(target.displayName)\", which is immutable once set.")
        }
    }

    /// A path-less `add`/`replace` (RFC 7644 §3.5.2.1, §3.5.2.3): each key of `object` is an attribute path, or a
    /// schema URN whose value is an object of that schema's attributes.
    mutating func applyPathless(_ op: PatchOperation.Op, _ object: JSONObject, schemaURN: String?, position: String)
        throws(SCIMError)
    {
        for (key, value) in object {
            if key.equalsIgnoringCase("schemas") { continue }
            if schemaURN == nil, let urn = type.schemaURN(named: key) {
                switch value {
                case .object(let inner):
                    try applyPathless(op, inner, schemaURN: urn, position: position)
                case .null where op == .replace && urn != type.schema.id:
                    resource.removeValue(forKey: urn)
                case .null:
                    continue
                default:
                    throw SCIMError.invalidSyntax(
                        "\(position): the value of \"\(key)\" must be an object of that schema's attributes; got \(value.typeName)."
                    )
                }
                continue
            }
            if key.contains("[") {
                // A filtered path used as a key (`"emails[type eq \"work\"].value": "…"`): applied as if it were
                // the operation's path.
                var keyPath = try PatchPath(parsing: key)
                if keyPath.attribute.schema == nil, let schemaURN { keyPath.attribute.schema = schemaURN }
                try apply(PatchOperation(op: op, path: keyPath, value: value), at: position)
                continue
            }
            guard var path = AttributePath(parsing: key) else {
                // An unknown schema URI carrying nothing is ignored, as normalize ignores Entra's ADSCIM Group URN.
                if key.contains(":"), value.carriesNoAttributes { continue }
                throw SCIMError.invalidSyntax("\(position): \"\(key)\" in the value is not an attribute name.")
            }
            if path.schema == nil, let schemaURN { path.schema = schemaURN }
            guard let resolved = type.resolveLeniently(path) else {
                if Self.isPassword(path) { continue }
                if path.schema != nil, !type.knowsSchema(path.schema ?? ""), key.contains(":"),
                    value.carriesNoAttributes
                {
                    continue
                }
                // Worded as ``ResourceType/normalize(_:)`` words it for a POST or PUT body.
                let qualified = schemaURN.map { "\($0):\(key)" } ?? key
                try dropped.drop(
                    qualified, .unknownAttribute, value: value,
                    error: .invalidSyntax(
                        "\(position): unknown attribute '\(qualified)' for resource type \(type.name); see /Schemas for the supported attributes."
                    ))
                continue
            }
            // Read-only attributes (`id`, `meta`, `groups`) are ignored here: Okta echoes `id` (okta/group-rename.json).
            if resolved.attribute.mutability == .readOnly || resolved.subAttribute?.mutability == .readOnly { continue }
            if Self.isPassword(resolved) { continue }
            try apply(
                op, PatchTarget(resolved: resolved, filter: nil, sub: resolved.subAttribute), value, position: position)
        }
    }

    /// An operation whose path is a whole schema URN: `add`/`replace` take an object of that schema's attributes,
    /// `remove` drops the extension.
    mutating func applyToSchema(_ operation: PatchOperation, urn: String, position: String) throws(SCIMError) {
        switch operation.op {
        case .remove:
            guard urn != type.schema.id else {
                throw SCIMError.mutability("\(position) would remove the core schema \(urn).")
            }
            resource.removeValue(forKey: urn)
        case .add, .replace:
            guard case .object(let object) = operation.value else {
                throw SCIMError.invalidValue(
                    "\(position): the value for the schema \(urn) must be an object of its attributes; got \(operation.value?.typeName ?? "no value")."
                )
            }
            try applyPathless(operation.op, object, schemaURN: urn, position: position)
        }
    }

    // MARK: Password

    /// `password` is never stored by Roster; operations on it are dropped.
    static func isPassword(_ path: AttributePath) -> Bool {
        path.attribute.equalsIgnoringCase("password") && path.subAttribute == nil
    }

    static func isPassword(_ resolved: ResolvedAttribute) -> Bool {
        resolved.extensionURN == nil && resolved.attribute.name.equalsIgnoringCase("password")
    }
}

extension JSONValue {
    /// Whether this is `null`, an empty object or an empty array: a member that sets nothing.
    var carriesNoAttributes: Bool {
        switch self {
        case .null: true
        case .object(let o): o.isEmpty
        case .array(let a): a.isEmpty
        default: false
        }
    }
}
