/// An attribute definition (RFC 7643 §2.2, §7): its type and characteristics.
public struct SchemaAttribute: Sendable, Hashable {
    /// The data types of RFC 7643 §2.3.
    public enum DataType: String, Sendable, Hashable {
        case string, boolean, decimal, integer, dateTime, reference, complex, binary
    }
    /// RFC 7643 §7 `mutability`.
    public enum Mutability: String, Sendable, Hashable {
        case readOnly, readWrite, immutable, writeOnly
    }
    /// RFC 7643 §7 `returned`.
    public enum Returned: String, Sendable, Hashable {
        case always, never, `default`, request
    }
    /// RFC 7643 §7 `uniqueness`.
    public enum Uniqueness: String, Sendable, Hashable {
        case none, server, global
    }

    public var name: String
    public var type: DataType
    public var multiValued: Bool
    public var description: String
    public var required: Bool
    public var caseExact: Bool
    public var mutability: Mutability
    public var returned: Returned
    public var uniqueness: Uniqueness
    public var canonicalValues: [String]
    public var referenceTypes: [String]
    public var subAttributes: [SchemaAttribute]

    public init(
        name: String,
        type: DataType = .string,
        multiValued: Bool = false,
        description: String,
        required: Bool = false,
        caseExact: Bool = false,
        mutability: Mutability = .readWrite,
        returned: Returned = .default,
        uniqueness: Uniqueness = .none,
        canonicalValues: [String] = [],
        referenceTypes: [String] = [],
        subAttributes: [SchemaAttribute] = []
    ) {
        self.name = name
        self.type = type
        self.multiValued = multiValued
        self.description = description
        self.required = required
        self.caseExact = caseExact
        self.mutability = mutability
        self.returned = returned
        self.uniqueness = uniqueness
        self.canonicalValues = canonicalValues
        self.referenceTypes = referenceTypes
        self.subAttributes = subAttributes
    }

    /// The sub-attribute called `name`, compared case-insensitively.
    public func subAttribute(named name: String) -> SchemaAttribute? {
        // By index, so that only the matching attribute is copied.
        for i in subAttributes.indices where subAttributes[i].name.equalsIgnoringCase(name) { return subAttributes[i] }
        return nil
    }
}

/// A schema (RFC 7643 §7): a URN and the attributes it defines.
public struct Schema: Sendable, Hashable {
    public var id: String
    public var name: String
    public var description: String
    public var attributes: [SchemaAttribute]

    public init(id: String, name: String, description: String, attributes: [SchemaAttribute]) {
        self.id = id
        self.name = name
        self.description = description
        self.attributes = attributes
    }

    /// The attribute called `name`, compared case-insensitively.
    public func attribute(named name: String) -> SchemaAttribute? {
        // By index, so that only the matching attribute is copied.
        for i in attributes.indices where attributes[i].name.equalsIgnoringCase(name) { return attributes[i] }
        return nil
    }
}

/// A resource type (RFC 7643 §6): its core schema and schema extensions.
public struct ResourceType: Sendable, Hashable {
    /// A schema extension of a resource type.
    public struct Extension: Sendable, Hashable {
        public var schema: Schema
        public var required: Bool
        public init(schema: Schema, required: Bool) {
            self.schema = schema
            self.required = required
        }
    }

    /// The resource type's id and name (`User`, `Group`).
    public var name: String
    /// The endpoint relative to the Base URL (`/Users`).
    public var endpoint: String
    public var description: String
    public var schema: Schema
    public var extensions: [Extension]

    public init(name: String, endpoint: String, description: String, schema: Schema, extensions: [Extension]) {
        self.name = name
        self.endpoint = endpoint
        self.description = description
        self.schema = schema
        self.extensions = extensions
    }

    /// The extension schema whose URN is `urn`, compared case-insensitively.
    public func extensionSchema(_ urn: String) -> Schema? {
        extensions.first { $0.schema.id.equalsIgnoringCase(urn) }?.schema
    }

    /// Whether `urn` is the core schema or one of the extensions.
    public func knowsSchema(_ urn: String) -> Bool {
        schema.id.equalsIgnoringCase(urn) || extensionSchema(urn) != nil
    }
}

/// An attribute path resolved against a resource type: where it lives and what it is.
public struct ResolvedAttribute: Sendable, Hashable {
    /// The extension schema URN, or `nil` for the core schema and common attributes.
    public var extensionURN: String?
    /// The attribute's definition.
    public var attribute: SchemaAttribute
    /// The sub-attribute's definition, for a path into a complex attribute.
    public var subAttribute: SchemaAttribute?

    public init(extensionURN: String?, attribute: SchemaAttribute, subAttribute: SchemaAttribute?) {
        self.extensionURN = extensionURN
        self.attribute = attribute
        self.subAttribute = subAttribute
    }

    /// The definition the path finally names: the sub-attribute when there is one.
    public var target: SchemaAttribute { subAttribute ?? attribute }
}
