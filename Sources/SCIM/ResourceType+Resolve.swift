/// Resolving attribute paths against a resource type's schemas.
extension ResourceType {
    /// The common attributes of RFC 7643 §3.1 that belong to no schema: `id`, `externalId` and `meta`.
    public static let commonAttributes: [SchemaAttribute] = [
        SchemaAttribute(
            name: "id", description: "A unique identifier for a SCIM resource as defined by the service provider.",
            required: false, caseExact: true, mutability: .readOnly, returned: .always, uniqueness: .server),
        SchemaAttribute(
            name: "externalId",
            description: "A String that is an identifier for the resource as defined by the provisioning client.",
            caseExact: true),
        SchemaAttribute(
            name: "meta", type: .complex, description: "A complex attribute containing resource metadata.",
            mutability: .readOnly,
            subAttributes: [
                SchemaAttribute(
                    name: "resourceType", description: "The name of the resource type of the resource.",
                    caseExact: true, mutability: .readOnly),
                SchemaAttribute(
                    name: "created", type: .dateTime,
                    description: "The DateTime that the resource was added to the service provider.",
                    mutability: .readOnly),
                SchemaAttribute(
                    name: "lastModified", type: .dateTime,
                    description:
                        "The most recent DateTime that the details of this resource were updated at the service provider.",
                    mutability: .readOnly),
                SchemaAttribute(
                    name: "location", type: .reference, description: "The URI of the resource being returned.",
                    caseExact: true, mutability: .readOnly, referenceTypes: ["uri"]),
                SchemaAttribute(
                    name: "version", description: "The version of the resource being returned.", caseExact: true,
                    mutability: .readOnly),
            ]),
    ]

    /// Resolves `path` (RFC 7644 §3.10) to its definition: a common attribute, a core attribute, or an extension
    /// attribute when the path carries that extension's URN. Returns `nil` when no schema defines it.
    public func resolve(_ path: AttributePath) -> ResolvedAttribute? {
        let attribute: SchemaAttribute
        var extensionURN: String? = nil
        if let urn = path.schema {
            if schema.id.equalsIgnoringCase(urn) {
                guard let a = schema.attribute(named: path.attribute) else { return nil }
                attribute = a
            } else if let ext = extensionSchema(urn) {
                guard let a = ext.attribute(named: path.attribute) else { return nil }
                attribute = a
                extensionURN = ext.id
            } else {
                return nil
            }
        } else if let common = Self.commonAttributes.first(where: { $0.name.equalsIgnoringCase(path.attribute) }) {
            attribute = common
        } else if let a = schema.attribute(named: path.attribute) {
            attribute = a
        } else {
            return nil
        }
        guard let sub = path.subAttribute else {
            return ResolvedAttribute(extensionURN: extensionURN, attribute: attribute, subAttribute: nil)
        }
        guard attribute.type == .complex, let s = attribute.subAttribute(named: sub) else { return nil }
        return ResolvedAttribute(extensionURN: extensionURN, attribute: attribute, subAttribute: s)
    }

    /// The canonical path of a resolved attribute: names spelled as the schema spells them, and the URN kept only
    /// for extension attributes.
    public func canonicalPath(_ resolved: ResolvedAttribute) -> AttributePath {
        AttributePath(
            schema: resolved.extensionURN, attribute: resolved.attribute.name, subAttribute: resolved.subAttribute?.name
        )
    }
}
