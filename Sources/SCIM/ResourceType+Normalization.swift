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
        var strict = DroppedValues(policy: .reject)
        return try normalize(input, dropping: &strict)
    }

    /// Normalizes like ``normalize(_:)``, and under ``InvalidDataPolicy/acceptAndWarn`` leaves out what it cannot
    /// keep of attributes that are not identity (``identityAttributeNames``), recording each in `dropped`:
    /// unknown attributes and schemas, values of the wrong type or shape (a whole attribute, one element of a
    /// multi-valued one, or one sub-attribute of a complex value), complex values without their required
    /// sub-attribute, and extra primary values (the first one stays primary).
    ///
    /// Under ``InvalidDataPolicy/reject`` it throws what ``normalize(_:)`` throws.
    public func normalize(_ input: JSONObject, dropping dropped: inout DroppedValues) throws(SCIMError) -> JSONObject {
        var out = JSONObject()
        try normalizeMembers(input, into: &out, &dropped)
        try checkRequired(out)
        return out
    }

    /// The attributes that decide which resource a request is about, lowercased: the core schema's required
    /// attributes (`userName`, a Group's `displayName`), `externalId`, and a core `active` or `members`. A bad
    /// value in one of them is refused under every ``InvalidDataPolicy``.
    public var identityAttributeNames: Set<String> {
        Set((Self.commonAttributes + schema.attributes).filter(isIdentity).map(\.name.asciiLowercased))
    }

    /// Whether a core or common attribute is identity (see ``identityAttributeNames``).
    func isIdentity(_ attribute: SchemaAttribute) -> Bool {
        switch attribute.name {
        case "id", "externalId", "active", "members": true
        default: attribute.required
        }
    }

    /// The URNs of the schemas a stored resource uses: the core schema, then each extension with a member in
    /// `resource`, spelled canonically (RFC 7643 §3 `schemas`).
    public func schemasFor(_ resource: JSONObject) -> [String] {
        schemasFor(hasMember: { resource[$0] != nil })
    }

    /// ``schemasFor(_:)`` of a resource that has the members for which `hasMember` holds.
    public func schemasFor(hasMember: (String) -> Bool) -> [String] {
        var urns = [schema.id]
        for ext in extensions where hasMember(ext.schema.id) {
            urns.append(ext.schema.id)
        }
        return urns
    }

    // MARK: - Internals

    private func normalizeMembers(_ input: JSONObject, into out: inout JSONObject, _ dropped: inout DroppedValues)
        throws(SCIMError)
    {
        for (key, value) in input {
            if key.equalsIgnoringCase("schemas") { continue }
            if let common = Self.commonAttributes.first(where: { $0.name.equalsIgnoringCase(key) }) {
                guard common.mutability != .readOnly else { continue }
                if let v = try normalizeTopLevel(value, common, path: common.name, &dropped) { out[common.name] = v }
                continue
            }
            if let attribute = schema.attribute(named: key) {
                guard isWritable(attribute) else { continue }
                if let v = try normalizeTopLevel(value, attribute, path: attribute.name, &dropped) {
                    out[attribute.name] = v
                }
                continue
            }
            guard Self.isSchemaURI(key) else {
                try dropped.drop(key, .unknownAttribute, value: value, error: unknownAttribute(key))
                continue
            }
            if let ext = extensionSchema(key) {
                if var v = try normalizeExtension(value, ext, &dropped) {
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
                    try dropped.drop(
                        key, .wrongType, value: value,
                        error: .invalidSyntax(
                            "'\(key)' must be an object of \(name) attributes, got \(Self.describe(value))."))
                    continue
                }
                try normalizeMembers(nested, into: &out, &dropped)
            } else if let path = AttributePath(parsing: key), path.subAttribute == nil, let urn = path.schema,
                let ext = extensionSchema(urn)
            {
                // An extension attribute flattened to `urn:…:User:department`: nest it under its URN.
                guard let attribute = ext.attribute(named: path.attribute) else {
                    let qualified = ext.id + ":" + path.attribute
                    try dropped.drop(qualified, .unknownAttribute, value: value, error: unknownAttribute(qualified))
                    continue
                }
                guard isWritable(attribute) else { continue }
                guard let v = try normalizeTopLevel(value, attribute, path: ext.id + ":" + attribute.name, &dropped)
                else { continue }
                var nested = out[ext.id]?.objectValue ?? JSONObject()
                nested[attribute.name] = v
                out[ext.id] = .object(nested)
            } else if let path = AttributePath(parsing: key), path.subAttribute == nil, let urn = path.schema,
                schema.id.equalsIgnoringCase(urn)
            {
                try normalizeMembers([path.attribute: value], into: &out, &dropped)
            } else if Self.carriesNoAttributes(value) {
                continue
            } else {
                try dropped.drop(
                    key, .unknownAttribute, value: value,
                    error: .invalidSyntax(
                        "Unknown schema '\(key)' for resource type \(name); see /ResourceTypes for the supported schema extensions."
                    ))
            }
        }
    }

    private func checkRequired(_ out: JSONObject) throws(SCIMError) {
        for attribute in schema.attributes where attribute.required && isWritable(attribute) {
            if Self.isEmpty(out[attribute.name]) {
                throw SCIMError.invalidValue(
                    "Attribute '\(attribute.name)' is required for resource type \(name) and must not be empty.")
            }
        }
        for ext in extensions {
            let object = out[ext.schema.id]?.objectValue
            guard ext.required || object != nil else { continue }
            for attribute in ext.schema.attributes where attribute.required && isWritable(attribute) {
                if Self.isEmpty(object?[attribute.name]) {
                    throw SCIMError.invalidValue(
                        "Attribute '\(ext.schema.id):\(attribute.name)' is required for resource type \(name) and must not be empty."
                    )
                }
            }
        }
    }

    private func normalizeExtension(_ value: JSONValue, _ ext: Schema, _ dropped: inout DroppedValues)
        throws(SCIMError) -> JSONObject?
    {
        if value.isNull { return nil }
        guard let object = value.objectValue else {
            try dropped.drop(
                ext.id, .wrongType, value: value,
                error: .invalidValue(
                    "Attribute '\(ext.id)' must be an object of extension attributes, got \(Self.describe(value))."))
            return nil
        }
        var out = JSONObject()
        for (key, v) in object {
            guard let attribute = ext.attribute(named: key) else {
                let qualified = ext.id + ":" + key
                try dropped.drop(qualified, .unknownAttribute, value: v, error: unknownAttribute(qualified))
                continue
            }
            guard isWritable(attribute) else { continue }
            if let n = try normalizeTopLevel(v, attribute, path: ext.id + ":" + attribute.name, &dropped) {
                out[attribute.name] = n
            }
        }
        return out.isEmpty ? nil : out
    }

    /// Normalizes a top-level (or extension) attribute: identity attributes strictly, the others dropping what
    /// they cannot keep into `dropped`.
    private func normalizeTopLevel(
        _ value: JSONValue, _ attribute: SchemaAttribute, path: String, _ dropped: inout DroppedValues
    ) throws(SCIMError) -> JSONValue? {
        if !path.utf8.contains(UInt8(ascii: ":")) && isIdentity(attribute) {
            var strict = DroppedValues(policy: .reject)
            return try normalizeAttribute(value, attribute, path: path, &strict)
        }
        return try normalizeAttribute(value, attribute, path: path, &dropped)
    }

    /// Normalizes the value of a top-level (or extension) attribute; `nil` when it is unset or dropped.
    private func normalizeAttribute(
        _ value: JSONValue, _ attribute: SchemaAttribute, path: String, _ dropped: inout DroppedValues
    ) throws(SCIMError) -> JSONValue? {
        if value.isNull { return nil }
        guard attribute.multiValued else {
            if case .array = value {
                try dropped.drop(
                    path, .wrongType, value: value,
                    error: .invalidValue(
                        "Attribute '\(path)' must be \(Self.expected(attribute)), not an array: it is single-valued."))
                return nil
            }
            return try normalizeSingle(value, attribute, path: path, &dropped)
        }
        let elements = value.arrayValue ?? [value]
        var out: [JSONValue] = []
        out.reserveCapacity(elements.count)
        for element in elements {
            if case .array = element {
                try dropped.drop(
                    path, .wrongType, value: element,
                    error: .invalidValue("Each value of '\(path)' must be \(Self.expected(attribute)), got array."))
                continue
            }
            if let n = try normalizeSingle(element, attribute, path: path, &dropped) { out.append(n) }
        }
        if attribute.type == .complex {
            let primaries = out.count { $0.objectValue?["primary"] == .bool(true) }
            if primaries > 1 {
                try dropped.drop(
                    path + ".primary", .severalPrimary, value: .int(primaries),
                    error: .invalidValue("At most one value of '\(path)' may be primary; found \(primaries)."))
                // The first primary value stays primary.
                var seen = false
                for i in out.indices where out[i].objectValue?["primary"] == .bool(true) {
                    if seen, var object = out[i].objectValue {
                        object["primary"] = .bool(false)
                        out[i] = .object(object)
                    }
                    seen = true
                }
            }
        }
        return out.isEmpty ? nil : .array(out)
    }

    /// Normalizes one value (an element of a multi-valued attribute, or the value of a single-valued one);
    /// `nil` when it is unset or dropped.
    private func normalizeSingle(
        _ value: JSONValue, _ attribute: SchemaAttribute, path: String, _ dropped: inout DroppedValues
    ) throws(SCIMError) -> JSONValue? {
        if value.isNull { return nil }
        guard attribute.type == .complex else { return try coerceDropping(value, attribute, path: path, &dropped) }
        if case .string = value, attribute.subAttribute(named: "value") != nil {
            // A bare value for a complex attribute with a `value` sub-attribute, as Entra sends `manager` in
            // PATCH: read it as `{"value": …}`.
            return try normalizeSingle(.object(["value": value]), attribute, path: path, &dropped)
        }
        guard let object = value.objectValue else {
            try dropped.drop(
                path, .wrongType, value: value,
                error: .invalidValue("Attribute '\(path)' must be an object, got \(Self.describe(value))."))
            return nil
        }
        var out = JSONObject()
        for (key, v) in object {
            guard let sub = attribute.subAttribute(named: key) else {
                try dropped.drop(
                    path + "." + key, .unknownAttribute, value: v, error: unknownAttribute(path + "." + key))
                continue
            }
            guard isWritable(sub) else { continue }
            let subPath = path + "." + sub.name
            if v.isNull { continue }
            if sub.multiValued {
                // RFC 7643 defines no multi-valued sub-attributes, but a custom schema could.
                let elements = v.arrayValue ?? [v]
                var values: [JSONValue] = []
                for e in elements where !e.isNull {
                    if let c = try coerceDropping(e, sub, path: subPath, &dropped) { values.append(c) }
                }
                if !values.isEmpty { out[sub.name] = .array(values) }
            } else {
                if case .array = v {
                    try dropped.drop(
                        subPath, .wrongType, value: v,
                        error: .invalidValue(
                            "Attribute '\(subPath)' must be \(Self.expected(sub)), not an array: it is single-valued."))
                    continue
                }
                if let c = try coerceDropping(v, sub, path: subPath, &dropped) { out[sub.name] = c }
            }
        }
        if out.isEmpty { return nil }
        for sub in attribute.subAttributes where sub.required && isWritable(sub) && Self.isEmpty(out[sub.name]) {
            try dropped.drop(
                path, .missingValue, value: value,
                error: .invalidValue("Each value of '\(path)' must have a non-empty '\(sub.name)'."))
            return nil
        }
        return .object(out)
    }

    /// ``coerce(_:_:path:)``, dropping a value of the wrong type into `dropped`; a string with control characters
    /// is refused whatever the policy.
    private func coerceDropping(
        _ value: JSONValue, _ attribute: SchemaAttribute, path: String, _ dropped: inout DroppedValues
    ) throws(SCIMError) -> JSONValue? {
        let typed: JSONValue
        do throws(SCIMError) {
            typed = try Self.coerceType(value, attribute, path: path)
        } catch {
            try dropped.drop(path, .wrongType, value: value, error: error)
            return nil
        }
        if case .string(let s) = typed { try Self.refuseControlCharacters(in: s, path: path) }
        return typed
    }

    /// Whether a client's value for this attribute is kept: `readOnly` ones are the server's, `writeOnly` ones
    /// (`password`) are never stored.
    private func isWritable(_ attribute: SchemaAttribute) -> Bool {
        attribute.mutability != .readOnly && attribute.mutability != .writeOnly
    }

    private func unknownAttribute(_ name: String) -> SCIMError {
        SCIMError.invalidSyntax(
            "Unknown attribute '\(name)' for resource type \(self.name); see /Schemas for the supported attributes.")
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
