// One type over 400 lines: the PATCH engine's resolution of paths and its deferred attributes (RFC 7644
// §3.5.2); the operations themselves are in PatchEngine+Operations.swift.

/// The result of applying a PATCH request (RFC 7644 §3.5.2) to a stored resource.
public struct PatchOutcome: Sendable, Hashable {
    /// The patched resource in canonical stored form: names spelled as the schema spells them, extension attributes
    /// under their extension URN, no `id`, `meta` or `schemas`. Run ``ResourceType/normalize(_:)`` on it before
    /// storing it.
    public var resource: JSONObject
    /// The changes to attributes stored apart from the resource (see `deferredAttributes` of
    /// ``ResourceType/applyPatch(_:to:deferredAttributes:)``), in request order.
    public var deferred: [DeferredChange]

    public init(resource: JSONObject, deferred: [DeferredChange]) {
        self.resource = resource
        self.deferred = deferred
    }
}

/// A change to a multi-valued attribute that is stored apart from the resource, such as a group's `members`, which
/// may number 100,000 and must never be loaded to add or remove one (RFC 7644 §3.5.2 applied without
/// materialising the attribute). `attribute` is the schema's spelling of the attribute name; `values` are its
/// elements with canonical sub-attribute names and without `null` members.
public enum DeferredChange: Sendable, Hashable {
    /// Add these elements unless already present (RFC 7644 §3.5.2.1).
    case add(attribute: String, values: [JSONValue])
    /// Remove the elements whose sub-attributes equal those given, e.g. `{"value": "<id>"}` (RFC 7644 §3.5.2.2
    /// with a `value eq` filter, or Entra's legacy `remove` with a `value` list, fixture
    /// `entra/remove-member-legacy.json`).
    case remove(attribute: String, values: [JSONValue])
    /// Remove the elements matching `filter`, whose paths are relative to the attribute (RFC 7644 §3.5.2.2).
    case removeMatching(attribute: String, filter: Filter)
    /// Remove every element (RFC 7644 §3.5.2.2, `remove` without a filter).
    case removeAll(attribute: String)
    /// Replace all elements with these (RFC 7644 §3.5.2.3).
    case replace(attribute: String, values: [JSONValue])
}

extension ResourceType {
    /// Applies a PATCH request (RFC 7644 §3.5.2) to `resource`, a stored resource in canonical form (no `id`, `meta`
    /// or `schemas`). A pure function: the caller loads, normalizes and stores.
    ///
    /// Operations are applied in order; if any fails, the whole request fails (RFC 7644 §3.5.2: "the entire
    /// PATCH request ... SHALL be treated as a failure").
    ///
    /// Beyond the RFC, the identity providers' documented forms are accepted:
    /// - path-less `add`/`replace` whose `value` keys are plain (`active`), dotted (`name.givenName`),
    ///   URN-qualified (`urn:…:enterprise:2.0:User:employeeNumber`) or an extension object
    ///   (fixture `entra/multi-attr-replace-pathless.json`);
    /// - read-only keys (`id`, `meta`, `schemas`, `groups`) in a path-less `value` are ignored (Okta sends `id`,
    ///   fixture `okta/group-rename.json`); `password` is dropped wherever it appears;
    /// - `"True"`/`"False"` strings for boolean attributes (fixture `entra/disable-user-legacy.json`);
    /// - unqualified names are looked up in the core schema first, then in the extensions, so that Entra's
    ///   `"path": "manager"` finds the enterprise manager (fixture `entra/add-manager.json`);
    /// - a one-element array for a singular attribute is taken as its element, and a string for a complex attribute
    ///   with a `value` sub-attribute is taken as `{"value": …}` (fixture `entra/add-manager.json`);
    /// - `remove` on a multi-valued attribute with a `value` list removes those elements (Entra's legacy member
    ///   removal, fixture `entra/remove-member-legacy.json`);
    /// - `replace` (or `add`) through an `eq` filter that matches nothing creates the element, as Entra expects when
    ///   it sets `emails[type eq "work"].value` on a user without a work email (fixture `entra/update-user.json`).
    ///
    /// - Parameters:
    ///   - deferredAttributes: names of multi-valued attributes stored elsewhere (e.g. `["members"]` for groups):
    ///     operations on them are not applied to `resource` but returned as ``PatchOutcome/deferred``.
    /// - Throws: ``SCIMError`` 400 `invalidPath` for an unknown attribute in a path, `invalidSyntax` for an unknown
    ///   key in a path-less value, `mutability` for a path naming a read-only attribute or changing an immutable
    ///   one, `noTarget` for a filter that matches nothing where nothing can be created, `invalidValue` for a value
    ///   of the wrong shape.
    public func applyPatch(
        _ request: PatchRequest, to resource: JSONObject, deferredAttributes: Set<String> = []
    ) throws(SCIMError) -> PatchOutcome {
        var strict = DroppedValues(policy: .reject)
        return try applyPatch(request, to: resource, deferredAttributes: deferredAttributes, dropping: &strict)
    }

    /// Applies a PATCH request like ``applyPatch(_:to:deferredAttributes:)``; under
    /// ``InvalidDataPolicy/acceptAndWarn`` an operation whose path names an unknown attribute, and a key of a
    /// path-less value that does, are skipped and recorded in `dropped` (an IdP sending an attribute the admin
    /// added on its side before Roster knows it).
    public func applyPatch(
        _ request: PatchRequest, to resource: JSONObject, deferredAttributes: Set<String> = [],
        dropping dropped: inout DroppedValues
    ) throws(SCIMError) -> PatchOutcome {
        var engine = PatchEngine(
            type: self, resource: resource, deferredAttributes: deferredAttributes, dropped: dropped)
        for (index, operation) in request.operations.enumerated() {
            try engine.apply(operation, index: index)
        }
        dropped = engine.dropped
        return PatchOutcome(resource: engine.resource, deferred: engine.deferred)
    }

    /// Resolves `path` like ``resolve(_:)`` and, when that fails for an unqualified name, in each extension in turn:
    /// Entra and Okta send extension attributes unqualified (`manager`, `department`).
    func resolveLeniently(_ path: AttributePath) -> ResolvedAttribute? {
        if let resolved = resolve(path) { return resolved }
        guard path.schema == nil else { return nil }
        for ext in extensions {
            if let resolved = resolve(
                AttributePath(schema: ext.schema.id, attribute: path.attribute, subAttribute: path.subAttribute))
            {
                return resolved
            }
        }
        return nil
    }

    /// The schema URN (core or extension, canonical spelling) that `text` names, if any.
    func schemaURN(named text: String) -> String? {
        if schema.id.equalsIgnoringCase(text) { return schema.id }
        return extensionSchema(text)?.id
    }
}

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

    // MARK: Deferred attributes

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
