/// Selecting which attributes a response carries (RFC 7644 §3.4.2.5, §3.9) under the `returned` characteristic
/// (RFC 7643 §7).
extension ResourceType {
    /// Projects a full resource representation onto what the client asked for.
    ///
    /// - `returned: always` attributes (`id`, `schemas`) are always kept, even when excluded; `never` ones
    ///   (`password`) never are; `request` ones only when named in `attributes`.
    /// - A non-empty `attributes` keeps only the named attributes (plus `always` ones). A path may name a
    ///   sub-attribute (`name.givenName`, `emails.value`), carry a schema URN
    ///   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`), or be an extension's URN alone,
    ///   which selects the whole extension.
    /// - `excludedAttributes` then removes attributes or sub-attributes.
    /// - Complex values, extension objects and arrays left empty are removed. Paths no schema defines are ignored.
    ///
    /// - Parameter resource: the full representation: `schemas`, `id`, `externalId`, attributes, extension objects
    ///   keyed by URN, `meta` (and `groups` for users, `members` for groups).
    public func project(_ resource: JSONObject, attributes: [AttributePath], excludedAttributes: [AttributePath])
        -> JSONObject
    {
        // Nothing asked for and nothing to withhold: the resource as it is (the common case, on every list page).
        if attributes.isEmpty && excludedAttributes.isEmpty && !containsWithheldAttributes(resource) {
            return resource
        }
        let included = Selection(self, attributes)
        let excluded = Selection(self, excludedAttributes)
        var out = JSONObject()
        for (key, value) in resource {
            if key.equalsIgnoringCase("schemas") {
                out[key] = value
            } else if let common = Self.commonAttributes.first(where: { $0.name.equalsIgnoringCase(key) }) {
                if let v = project(value, common, extensionURN: nil, included, excluded) { out[key] = v }
            } else if let attribute = schema.attribute(named: key) {
                if let v = project(value, attribute, extensionURN: nil, included, excluded) { out[key] = v }
            } else if let ext = extensionSchema(key) {
                guard let object = value.objectValue else { continue }
                let whole = included.wholeExtensions.contains(ext.id)
                var projected = JSONObject()
                for (name, v) in object {
                    if let attribute = ext.attribute(named: name) {
                        if let p = project(
                            v, attribute, extensionURN: ext.id, whole ? Selection.everything : included, excluded)
                        {
                            projected[name] = p
                        }
                    } else if included.isEverything || whole {
                        projected[name] = v
                    }
                }
                if excluded.wholeExtensions.contains(ext.id) { projected = JSONObject() }
                if !projected.isEmpty { out[key] = .object(projected) }
            } else if included.isEverything {
                out[key] = value
            }
        }
        return out
    }

    /// Parses the comma-separated value of the `attributes` or `excludedAttributes` query parameter
    /// (RFC 7644 §3.4.2.5), skipping blank and malformed entries.
    public static func parseAttributeList(_ text: String) -> [AttributePath] {
        text.split(separator: ",").compactMap { part in
            let trimmed = part.trimmingASCIIWhitespace()
            return trimmed.isEmpty ? nil : AttributePath(parsing: String(trimmed))
        }
    }

    // MARK: - Internals

    /// A set of resolved paths: which attributes and sub-attributes of which schema they name.
    struct Selection {
        /// Named attributes: (extension URN or nil, attribute name) → named sub-attributes, or `nil` for the whole
        /// attribute.
        var paths: [Key: Set<String>?] = [:]
        /// Extensions named by their URN alone.
        var wholeExtensions: Set<String> = []
        /// Whether no path was given at all (the default selection).
        var isEverything: Bool

        struct Key: Hashable {
            var extensionURN: String?
            var attribute: String
        }

        static let everything = Selection(isEverything: true)

        private init(isEverything: Bool) { self.isEverything = isEverything }

        init(_ type: ResourceType, _ list: [AttributePath]) {
            isEverything = list.isEmpty
            for path in list {
                if path.subAttribute == nil, let urn = path.schema,
                    let ext = type.extensionSchema(urn + ":" + path.attribute)
                {
                    wholeExtensions.insert(ext.id)
                    continue
                }
                guard let resolved = type.resolve(path) else { continue }
                let key = Key(extensionURN: resolved.extensionURN, attribute: resolved.attribute.name)
                if let sub = resolved.subAttribute {
                    if let existing = paths[key] {
                        if var subs = existing {
                            subs.insert(sub.name)
                            paths[key] = .some(subs)
                        }
                    } else {
                        paths[key] = .some([sub.name])
                    }
                } else {
                    paths[key] = .some(nil)
                }
            }
        }

        /// `nil` when the attribute is not named; `.some(nil)` when it is named whole; `.some(subs)` otherwise.
        func lookup(_ attribute: SchemaAttribute, _ extensionURN: String?) -> Set<String>?? {
            paths[Key(extensionURN: extensionURN, attribute: attribute.name)]
        }
    }

    private func project(
        _ value: JSONValue, _ attribute: SchemaAttribute, extensionURN: String?, _ included: Selection,
        _ excluded: Selection
    ) -> JSONValue? {
        switch attribute.returned {
        case .never: return nil
        case .always: return value
        case .default, .request: break
        }
        var result: JSONValue
        if included.isEverything {
            guard attribute.returned != .request else { return nil }
            guard
                let v = Self.filterSubAttributes(
                    value, attribute, keep: { $0.returned == .default || $0.returned == .always })
            else { return nil }
            result = v
        } else {
            guard let named = included.lookup(attribute, extensionURN) else { return nil }
            if let subs = named {
                guard
                    let v = Self.filterSubAttributes(
                        value, attribute, keep: { $0.returned == .always || subs.contains($0.name) })
                else { return nil }
                result = v
            } else {
                guard let v = Self.filterSubAttributes(value, attribute, keep: { $0.returned != .never }) else {
                    return nil
                }
                result = v
            }
        }
        if let named = excluded.lookup(attribute, extensionURN) {
            guard let subs = named else { return nil }
            guard
                let v = Self.filterSubAttributes(
                    result, attribute, keep: { $0.returned == .always || !subs.contains($0.name) })
            else { return nil }
            result = v
        }
        return result
    }

    /// Keeps the sub-attributes of a complex value (or of each element of a multi-valued one) that pass `keep`;
    /// unknown sub-attributes are kept. Returns `nil` when nothing is left.
    private static func filterSubAttributes(
        _ value: JSONValue, _ attribute: SchemaAttribute, keep: (SchemaAttribute) -> Bool
    ) -> JSONValue? {
        guard attribute.type == .complex else { return value }
        func filter(_ element: JSONValue) -> JSONValue? {
            guard let object = element.objectValue else { return element }
            var out = JSONObject()
            for (name, v) in object {
                if let sub = attribute.subAttribute(named: name), !keep(sub) { continue }
                out[name] = v
            }
            return out.isEmpty ? nil : .object(out)
        }
        if let array = value.arrayValue {
            let kept = array.compactMap(filter)
            return kept.isEmpty ? nil : .array(kept)
        }
        return filter(value)
    }
}

extension Substring {
    /// The substring without leading and trailing ASCII spaces and tabs.
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension ResourceType {
    /// Whether a top-level member of `resource` is returned only on request or never (RFC 7643 §7 `returned`):
    /// then even a projection without parameters must look at it. Sub-attributes with such characteristics do
    /// not occur in the core schemas; they are still handled by the full projection when parameters are given.
    /// Whether a resource with the top-level members for which `hasMember` holds may contain an attribute that is
    /// never returned or returned only on request: such a core attribute, or an extension whose schema has one.
    /// When not, ``project(_:attributes:excludedAttributes:)`` with nothing asked for returns the resource as it is.
    public func mayContainWithheldAttributes(hasMember: (String) -> Bool) -> Bool {
        let withheld = { (a: SchemaAttribute) in a.returned == .never || a.returned == .request }
        return schema.attributes.contains { withheld($0) && hasMember($0.name) }
            || extensions.contains { $0.schema.attributes.contains(where: withheld) && hasMember($0.schema.id) }
    }

    func containsWithheldAttributes(_ resource: JSONObject) -> Bool {
        for attribute in schema.attributes where attribute.returned == .never || attribute.returned == .request {
            if resource.index(of: attribute.name) != nil { return true }
        }
        for ext in extensions {
            guard let object = resource[ext.schema.id]?.objectValue else { continue }
            for attribute in ext.schema.attributes where attribute.returned == .never || attribute.returned == .request
            {
                if object.index(of: attribute.name) != nil { return true }
            }
        }
        return false
    }
}
