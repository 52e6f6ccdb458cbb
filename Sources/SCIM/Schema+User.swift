/// The core User schema of RFC 7643 §4.1, with the characteristics of its representation in §8.7.1, plus Roster's
/// custom attribute `c42OrgName`.
extension Schema {
    /// `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, §8.7.1).
    ///
    /// Every attribute and characteristic is as RFC 7643 §8.7.1 gives it, with two additions: `addresses.primary`,
    /// which §4.1.2 defines but §8.7.1 omits, and Roster's top-level `c42OrgName`.
    public static let user = Schema(
        id: SchemaURN.user,
        name: "User",
        description: "User Account",
        attributes: [
            SchemaAttribute(
                name: "userName",
                description:
                    "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
                required: true, uniqueness: .server),
            SchemaAttribute(
                name: "name", type: .complex,
                description:
                    "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
                subAttributes: [
                    SchemaAttribute(
                        name: "formatted",
                        description:
                            "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."
                    ),
                    SchemaAttribute(
                        name: "familyName",
                        description:
                            "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."
                    ),
                    SchemaAttribute(
                        name: "givenName",
                        description:
                            "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."
                    ),
                    SchemaAttribute(
                        name: "middleName",
                        description:
                            "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')."
                    ),
                    SchemaAttribute(
                        name: "honorificPrefix",
                        description:
                            "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."
                    ),
                    SchemaAttribute(
                        name: "honorificSuffix",
                        description:
                            "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."
                    ),
                ]),
            SchemaAttribute(
                name: "displayName",
                description:
                    "The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known."
            ),
            SchemaAttribute(
                name: "nickName",
                description:
                    "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge')."
            ),
            SchemaAttribute(
                name: "profileUrl", type: .reference,
                description: "A fully qualified URL pointing to a page representing the User's online profile.",
                referenceTypes: ["external"]),
            SchemaAttribute(name: "title", description: "The user's title, such as \"Vice President.\""),
            SchemaAttribute(
                name: "userType",
                description:
                    "Used to identify the relationship between the organization and the user.  Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used."
            ),
            SchemaAttribute(
                name: "preferredLanguage",
                description:
                    "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US."
            ),
            SchemaAttribute(
                name: "locale",
                description:
                    "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."
            ),
            SchemaAttribute(
                name: "timezone",
                description:
                    "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
            SchemaAttribute(
                name: "active", type: .boolean,
                description: "A Boolean value indicating the User's administrative status."),
            SchemaAttribute(
                name: "password",
                description:
                    "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
                mutability: .writeOnly, returned: .never),
            SchemaAttribute(
                name: "emails", type: .complex, multiValued: true,
                description:
                    "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
                subAttributes: multiValuedSubAttributes(
                    value:
                        "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
                    type: "A label indicating the attribute's function, e.g., 'work' or 'home'.",
                    canonicalTypes: ["work", "home", "other"],
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.  The primary attribute value 'true' MUST appear no more than once."
                )),
            SchemaAttribute(
                name: "phoneNumbers", type: .complex, multiValued: true,
                description:
                    "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
                subAttributes: multiValuedSubAttributes(
                    value: "Phone number of the User.",
                    type: "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
                    canonicalTypes: ["work", "home", "mobile", "fax", "pager", "other"],
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred phone number or primary phone number.  The primary attribute value 'true' MUST appear no more than once."
                )),
            SchemaAttribute(
                name: "ims", type: .complex, multiValued: true,
                description: "Instant messaging addresses for the User.",
                subAttributes: multiValuedSubAttributes(
                    value: "Instant messaging address for the User.",
                    type: "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
                    canonicalTypes: ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred messenger or primary messenger.  The primary attribute value 'true' MUST appear no more than once."
                )),
            SchemaAttribute(
                name: "photos", type: .complex, multiValued: true,
                description: "URLs of photos of the User.",
                subAttributes: multiValuedSubAttributes(
                    value: "URL of a photo of the User.", valueType: .reference, valueReferenceTypes: ["external"],
                    type: "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
                    canonicalTypes: ["photo", "thumbnail"],
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred photo or thumbnail.  The primary attribute value 'true' MUST appear no more than once."
                )),
            SchemaAttribute(
                name: "addresses", type: .complex, multiValued: true,
                description:
                    "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.  This attribute is a complex type with the following sub-attributes.",
                subAttributes: [
                    SchemaAttribute(
                        name: "formatted",
                        description:
                            "The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines."
                    ),
                    SchemaAttribute(
                        name: "streetAddress",
                        description:
                            "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines."
                    ),
                    SchemaAttribute(name: "locality", description: "The city or locality component."),
                    SchemaAttribute(name: "region", description: "The state or region component."),
                    SchemaAttribute(name: "postalCode", description: "The zip code or postal code component."),
                    // RFC 7643 §4.1.2: "the value MUST be in ISO 3166-1 'alpha-2' code format"; the codes are
                    // listed as canonical values so that clients (and IdP mapping UIs) can offer them.
                    SchemaAttribute(
                        name: "country",
                        description: "The country name component, as an ISO 3166-1 alpha-2 code (for example 'US').",
                        canonicalValues: CountryCode.alpha2.sorted()),
                    SchemaAttribute(
                        name: "type",
                        description: "A label indicating the attribute's function, e.g., 'work' or 'home'.",
                        canonicalValues: ["work", "home", "other"]),
                    // RFC 7643 §4.1.2 gives addresses a `primary` sub-attribute; §8.7.1 leaves it out.
                    SchemaAttribute(
                        name: "primary", type: .boolean,
                        description:
                            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address.  The primary attribute value 'true' MUST appear no more than once."
                    ),
                ]),
            SchemaAttribute(
                name: "groups", type: .complex, multiValued: true,
                description:
                    "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
                mutability: .readOnly,
                subAttributes: [
                    SchemaAttribute(
                        name: "value", description: "The identifier of the User's group.", mutability: .readOnly),
                    SchemaAttribute(
                        name: "$ref", type: .reference,
                        description: "The URI of the corresponding 'Group' resource to which the user belongs.",
                        mutability: .readOnly, referenceTypes: ["User", "Group"]),
                    SchemaAttribute(
                        name: "display",
                        description: "A human-readable name, primarily used for display purposes.  READ-ONLY.",
                        mutability: .readOnly),
                    SchemaAttribute(
                        name: "type",
                        description: "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
                        mutability: .readOnly, canonicalValues: ["direct", "indirect"]),
                ]),
            SchemaAttribute(
                name: "entitlements", type: .complex, multiValued: true,
                description: "A list of entitlements for the User that represent a thing the User has.",
                subAttributes: multiValuedSubAttributes(
                    value: "The value of an entitlement.",
                    type: "A label indicating the attribute's function.",
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once."
                )),
            SchemaAttribute(
                name: "roles", type: .complex, multiValued: true,
                description:
                    "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
                subAttributes: multiValuedSubAttributes(
                    value: "The value of a role.",
                    type: "A label indicating the attribute's function.",
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once."
                )),
            SchemaAttribute(
                name: "x509Certificates", type: .complex, multiValued: true,
                description: "A list of certificates issued to the User.",
                subAttributes: multiValuedSubAttributes(
                    value: "The value of an X.509 certificate.", valueType: .binary,
                    type: "A label indicating the attribute's function.",
                    primary:
                        "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once."
                )),
            // Roster's own attribute: the organization name used by organization mapping.
            SchemaAttribute(
                name: "c42OrgName",
                description:
                    "Name of the organization the user belongs to in this platform; used by organization mapping."),
        ])

    /// The `value`, `display`, `type` and `primary` sub-attributes that RFC 7643 §2.4 gives multi-valued attributes,
    /// with the characteristics of §8.7.1 (`display` is `readWrite` there despite its description).
    static func multiValuedSubAttributes(
        value: String,
        valueType: SchemaAttribute.DataType = .string,
        valueReferenceTypes: [String] = [],
        type: String,
        canonicalTypes: [String] = [],
        primary: String
    ) -> [SchemaAttribute] {
        [
            SchemaAttribute(name: "value", type: valueType, description: value, referenceTypes: valueReferenceTypes),
            SchemaAttribute(
                name: "display", description: "A human-readable name, primarily used for display purposes.  READ-ONLY."),
            SchemaAttribute(name: "type", description: type, canonicalValues: canonicalTypes),
            SchemaAttribute(name: "primary", type: .boolean, description: primary),
        ]
    }
}
