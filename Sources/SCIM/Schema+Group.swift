/// The core Group schema (RFC 7643 §4.2) and the Enterprise User extension (RFC 7643 §4.3), with the
/// characteristics of §8.7.1 and §8.7.2.
extension Schema {
    /// `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2, §8.7.1).
    ///
    /// Differences from §8.7.1: `displayName` is required (its description says REQUIRED, and every IdP sends it),
    /// `members.value` is required within each member, and `members` has a `display` sub-attribute, which IdPs send
    /// (RFC 7644 §3.5.2 examples).
    public static let group = Schema(
        id: SchemaURN.group,
        name: "Group",
        description: "Group",
        attributes: [
            SchemaAttribute(
                name: "displayName", description: "A human-readable name for the Group. REQUIRED.", required: true),
            SchemaAttribute(
                name: "members", type: .complex, multiValued: true,
                description: "A list of members of the Group.",
                subAttributes: [
                    SchemaAttribute(
                        name: "value", description: "Identifier of the member of this Group.", required: true,
                        mutability: .immutable),
                    SchemaAttribute(
                        name: "$ref", type: .reference,
                        description: "The URI corresponding to a SCIM resource that is a member of this Group.",
                        mutability: .immutable, referenceTypes: ["User", "Group"]),
                    SchemaAttribute(
                        name: "type", description: "A label indicating the type of resource, e.g., 'User' or 'Group'.",
                        mutability: .immutable, canonicalValues: ["User", "Group"]),
                    SchemaAttribute(
                        name: "display",
                        description: "A human-readable name for the member, primarily used for display purposes."),
                ]),
        ])

    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (RFC 7643 §4.3, §8.7.2).
    public static let enterpriseUser = Schema(
        id: SchemaURN.enterpriseUser,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: [
            SchemaAttribute(
                name: "employeeNumber",
                description:
                    "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."
            ),
            SchemaAttribute(name: "costCenter", description: "Identifies the name of a cost center."),
            SchemaAttribute(name: "organization", description: "Identifies the name of an organization."),
            SchemaAttribute(name: "division", description: "Identifies the name of a division."),
            SchemaAttribute(name: "department", description: "Identifies the name of a department."),
            SchemaAttribute(
                name: "manager", type: .complex,
                description:
                    "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
                subAttributes: [
                    SchemaAttribute(
                        name: "value",
                        description: "The id of the SCIM resource representing the User's manager.  REQUIRED."),
                    SchemaAttribute(
                        name: "$ref", type: .reference,
                        description: "The URI of the SCIM resource representing the User's manager.  REQUIRED.",
                        referenceTypes: ["User"]),
                    SchemaAttribute(
                        name: "displayName",
                        description: "The displayName of the User's manager.  OPTIONAL and READ-ONLY.",
                        mutability: .readOnly),
                ]),
        ])
}

extension ResourceType {
    /// The `User` resource type (RFC 7643 §4.1, §8.6): endpoint `/Users`, core User schema, optional Enterprise
    /// User extension.
    public static let user = ResourceType(
        name: "User", endpoint: "/Users", description: "User Account", schema: .user,
        extensions: [Extension(schema: .enterpriseUser, required: false)])

    /// The `Group` resource type (RFC 7643 §4.2, §8.6): endpoint `/Groups`, core Group schema.
    public static let group = ResourceType(
        name: "Group", endpoint: "/Groups", description: "Group", schema: .group, extensions: [])

    /// The resource types Roster serves, in discovery order.
    public static let all: [ResourceType] = [.user, .group]
}
