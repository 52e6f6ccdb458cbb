/// The discovery representations of RFC 7644 §4: `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig`.
///
/// Representations never contain `null` (Microsoft Entra ID rejects them) and omit `canonicalValues` and
/// `referenceTypes` when empty.
extension SchemaAttribute {
    /// The attribute as RFC 7643 §7 represents it, with every characteristic; `subAttributes` only for complex
    /// attributes, `canonicalValues` and `referenceTypes` only when not empty.
    public var representation: JSONObject {
        var o: JSONObject = [
            "name": .string(name),
            "type": .string(type.rawValue),
            "multiValued": .bool(multiValued),
            "description": .string(description),
            "required": .bool(required),
            "caseExact": .bool(caseExact),
            "mutability": .string(mutability.rawValue),
            "returned": .string(returned.rawValue),
            "uniqueness": .string(uniqueness.rawValue),
        ]
        if !canonicalValues.isEmpty { o["canonicalValues"] = .array(canonicalValues.map(JSONValue.string)) }
        if !referenceTypes.isEmpty { o["referenceTypes"] = .array(referenceTypes.map(JSONValue.string)) }
        if type == .complex, !subAttributes.isEmpty {
            o["subAttributes"] = .array(subAttributes.map { .object($0.representation) })
        }
        return o
    }
}

extension Schema {
    /// The schema as a resource of `/Schemas` (RFC 7643 §7, §8.7): `schemas`, `id`, `name`, `description`,
    /// `attributes` and `meta` with `location` `<baseURL>/Schemas/<id>`.
    ///
    /// - Parameter baseURL: the provider's SCIM Base URL without a trailing slash.
    public func representation(baseURL: String) -> JSONObject {
        [
            "schemas": [.string(SchemaURN.schema)],
            "id": .string(id),
            "name": .string(name),
            "description": .string(description),
            "attributes": .array(attributes.map { .object($0.representation) }),
            "meta": [
                "resourceType": "Schema",
                "location": .string(baseURL + "/Schemas/" + id),
            ],
        ]
    }
}

extension ResourceType {
    /// The resource type as a resource of `/ResourceTypes` (RFC 7643 §6, §8.6).
    ///
    /// - Parameter baseURL: the provider's SCIM Base URL without a trailing slash.
    public func representation(baseURL: String) -> JSONObject {
        var o: JSONObject = [
            "schemas": [.string(SchemaURN.resourceType)],
            "id": .string(name),
            "name": .string(name),
            "endpoint": .string(endpoint),
            "description": .string(description),
            "schema": .string(schema.id),
        ]
        // Always present, possibly empty: Entra reads the key.
        o["schemaExtensions"] = .array(
            extensions.map { ext in
                ["schema": .string(ext.schema.id), "required": .bool(ext.required)]
            })
        o["meta"] = [
            "resourceType": "ResourceType",
            "location": .string(baseURL + "/ResourceTypes/" + name),
        ]
        return o
    }
}

/// The service provider's configuration (RFC 7643 §5, §8.5), served at `/ServiceProviderConfig`.
public struct ServiceProviderConfig: Sendable, Hashable {
    /// An authentication scheme (RFC 7643 §5 `authenticationSchemes`).
    public struct AuthenticationScheme: Sendable, Hashable {
        /// The scheme keyword: `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic` or `httpdigest`.
        public var type: String
        public var name: String
        public var description: String
        public var specUri: String?
        public var documentationUri: String?
        /// Whether this is the preferred scheme; `nil` leaves the member out.
        public var primary: Bool?

        public init(
            type: String, name: String, description: String, specUri: String? = nil, documentationUri: String? = nil,
            primary: Bool? = nil
        ) {
            self.type = type
            self.name = name
            self.description = description
            self.specUri = specUri
            self.documentationUri = documentationUri
            self.primary = primary
        }

        /// HTTP Basic (RFC 7617), Roster's primary scheme.
        public static let httpBasic = AuthenticationScheme(
            type: "httpbasic", name: "HTTP Basic",
            description: "Authentication scheme using the HTTP Basic Standard",
            specUri: "https://www.rfc-editor.org/info/rfc7617", primary: true)

        /// OAuth 2.0 Bearer Token (RFC 6750).
        public static let oauthBearerToken = AuthenticationScheme(
            type: "oauthbearertoken", name: "OAuth Bearer Token",
            description: "Authentication scheme using the OAuth Bearer Token Standard",
            specUri: "https://www.rfc-editor.org/info/rfc6750")

        var representation: JSONObject {
            var o: JSONObject = ["type": .string(type), "name": .string(name), "description": .string(description)]
            if let specUri { o["specUri"] = .string(specUri) }
            if let documentationUri { o["documentationUri"] = .string(documentationUri) }
            if let primary { o["primary"] = .bool(primary) }
            return o
        }
    }

    /// What the service provider announces about bulk operations (RFC 7643 §5 `bulk`, RFC 7644 §3.7).
    public struct Bulk: Sendable, Hashable {
        /// Whether `/Bulk` is served.
        public var supported: Bool
        /// The most operations one BulkRequest may hold.
        public var maxOperations: Int
        /// The largest BulkRequest body, in bytes.
        public var maxPayloadSize: Int

        public init(supported: Bool, maxOperations: Int, maxPayloadSize: Int) {
            self.supported = supported
            self.maxOperations = maxOperations
            self.maxPayloadSize = maxPayloadSize
        }

        /// Bulk not supported; `maxOperations` and `maxPayloadSize` 0, present because RFC 7643 §5 requires them.
        public static let unsupported = Bulk(supported: false, maxOperations: 0, maxPayloadSize: 0)

        /// Bulk supported with these limits.
        public static func supported(maxOperations: Int, maxPayloadSize: Int) -> Bulk {
            Bulk(supported: true, maxOperations: maxOperations, maxPayloadSize: maxPayloadSize)
        }
    }

    /// Where the service provider's help documentation lives; left out when `nil`.
    public var documentationUri: String?
    /// The most resources a query returns (`filter.maxResults`).
    public var maxResults: Int
    /// The supported authentication schemes, in order.
    public var authenticationSchemes: [AuthenticationScheme]
    /// Bulk support and its limits.
    public var bulk: Bulk

    public init(
        documentationUri: String? = nil,
        maxResults: Int = 1000,
        authenticationSchemes: [AuthenticationScheme] = [.httpBasic, .oauthBearerToken],
        bulk: Bulk = .unsupported
    ) {
        self.documentationUri = documentationUri
        self.maxResults = maxResults
        self.authenticationSchemes = authenticationSchemes
        self.bulk = bulk
    }

    /// The configuration as RFC 7643 §5 represents it: PATCH, filter, sort and ETags supported; bulk as configured
    /// (`maxOperations` and `maxPayloadSize` always present, 0 when unsupported, since §5 requires them); password
    /// change not supported.
    ///
    /// - Parameter baseURL: the provider's SCIM Base URL without a trailing slash.
    public func representation(baseURL: String) -> JSONObject {
        var o: JSONObject = ["schemas": [.string(SchemaURN.serviceProviderConfig)]]
        if let documentationUri { o["documentationUri"] = .string(documentationUri) }
        o["patch"] = ["supported": true]
        o["bulk"] = [
            "supported": .bool(bulk.supported), "maxOperations": .int(bulk.maxOperations),
            "maxPayloadSize": .int(bulk.maxPayloadSize),
        ]
        o["filter"] = ["supported": true, "maxResults": .int(maxResults)]
        o["changePassword"] = ["supported": false]
        o["sort"] = ["supported": true]
        o["etag"] = ["supported": true]
        o["authenticationSchemes"] = .array(authenticationSchemes.map { .object($0.representation) })
        o["meta"] = [
            "resourceType": "ServiceProviderConfig",
            "location": .string(baseURL + "/ServiceProviderConfig"),
        ]
        return o
    }
}

/// A query response (RFC 7644 §3.4.2).
public enum ListResponse {
    /// The ListResponse message: `schemas`, `totalResults`, `itemsPerPage`, `startIndex` and `Resources`
    /// (spelled with a capital R, as RFC 7644 §3.4.2 does), all counts as integers.
    public static func json(resources: [JSONValue], totalResults: Int, startIndex: Int, itemsPerPage: Int) -> JSONObject
    {
        [
            "schemas": [.string(SchemaURN.listResponse)],
            "totalResults": .int(totalResults),
            "itemsPerPage": .int(itemsPerPage),
            "startIndex": .int(startIndex),
            "Resources": .array(resources),
        ]
    }

    /// The ListResponse message as compact JSON around resources already serialized each: the same text as
    /// ``json(resources:totalResults:startIndex:itemsPerPage:)`` serialized.
    public static func serialized(resources: [[UInt8]], totalResults: Int, startIndex: Int, itemsPerPage: Int)
        -> [UInt8]
    {
        // The message without resources ends with `"Resources":[]}`: they go between those brackets.
        var out = JSONValue.object(
            json(resources: [], totalResults: totalResults, startIndex: startIndex, itemsPerPage: itemsPerPage)
        ).serialized()
        let tail = out.suffix(2)
        out.removeLast(2)
        out.reserveCapacity(out.count + resources.reduce(2 + resources.count) { $0 + $1.count })
        for (i, resource) in resources.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: resource)
        }
        out.append(contentsOf: tail)
        return out
    }
}
