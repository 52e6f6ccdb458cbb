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
