/// The URNs SCIM 2.0 defines for schemas and protocol messages (RFC 7643 §3, §8.7; RFC 7644 §3.3–§3.12).
public enum SchemaURN {
    /// The core User schema (RFC 7643 §4.1).
    public static let user = "urn:ietf:params:scim:schemas:core:2.0:User"
    /// The core Group schema (RFC 7643 §4.2).
    public static let group = "urn:ietf:params:scim:schemas:core:2.0:Group"
    /// The Enterprise User extension (RFC 7643 §4.3).
    public static let enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    /// The ServiceProviderConfig schema (RFC 7643 §5).
    public static let serviceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    /// The ResourceType schema (RFC 7643 §6).
    public static let resourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
    /// The Schema schema (RFC 7643 §7).
    public static let schema = "urn:ietf:params:scim:schemas:core:2.0:Schema"
    /// A query response (RFC 7644 §3.4.2).
    public static let listResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    /// A PATCH request body (RFC 7644 §3.5.2).
    public static let patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    /// A query by POST to `.search` (RFC 7644 §3.4.3).
    public static let searchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
    /// An error response (RFC 7644 §3.12).
    public static let error = "urn:ietf:params:scim:api:messages:2.0:Error"
    /// A bulk request (RFC 7644 §3.7).
    public static let bulkRequest = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
    /// A bulk response (RFC 7644 §3.7).
    public static let bulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
}
