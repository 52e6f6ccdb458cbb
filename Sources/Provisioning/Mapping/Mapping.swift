public import SCIM

/// How a provider decides the organization of its users.
public struct OrganizationMapping: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Every new user goes to ``OrganizationMapping/organizationID``; users an admin moved stay where moved.
        case single
        /// The user's highest-priority mapped SCIM group decides; users in none go to the default organization.
        case groups
        /// A user attribute (`c42OrgName`, `enterprise:department`, ...) names the organization; missing
        /// organizations are created under ``OrganizationMapping/parentID``.
        case attribute
    }

    public var method: Method
    /// The organization of method `single`, and the default organization of the other methods.
    public var organizationID: String
    /// The attribute path of method `attribute`, as written (for example `c42OrgName`).
    public var attribute: String?
    /// Where method `attribute` creates the organizations it does not find.
    public var parentID: String

    public init(
        method: Method = .single, organizationID: String = Organization.rootID, attribute: String? = nil,
        parentID: String = Organization.rootID
    ) {
        self.method = method
        self.organizationID = organizationID
        self.attribute = attribute
        self.parentID = parentID
    }

    /// The attribute every IdP integration of the platform ships with.
    public static let defaultAttribute = "c42OrgName"
}

/// Whether provisioning decides a provider's users' roles.
public enum RoleMappingMode: String, Sendable, Hashable, CaseIterable {
    /// Mapped SCIM groups give roles; users in none get their organization's default roles.
    case groups
    /// Provisioning never changes roles; admins set them.
    case manual
}

/// A provider's group rules: which SCIM group leads to which organization, roles and watchlists.
public struct MappingRules: Sendable, Hashable {
    public struct OrganizationRule: Sendable, Hashable {
        public var groupID: String
        public var organizationID: String
        /// 1 is the highest priority; ties go to the rule added first.
        public var priority: Int
        public init(groupID: String, organizationID: String, priority: Int) {
            self.groupID = groupID
            self.organizationID = organizationID
            self.priority = priority
        }
    }

    public struct RoleRule: Sendable, Hashable {
        public var groupID: String
        public var roles: [String]
        public init(groupID: String, roles: [String]) {
            self.groupID = groupID
            self.roles = roles
        }
    }

    public struct WatchlistRule: Sendable, Hashable {
        public var groupID: String
        public var watchlistID: String
        public init(groupID: String, watchlistID: String) {
            self.groupID = groupID
            self.watchlistID = watchlistID
        }
    }

    /// In the order they were added.
    public var organizations: [OrganizationRule]
    public var roles: [RoleRule]
    public var watchlists: [WatchlistRule]

    public init(organizations: [OrganizationRule] = [], roles: [RoleRule] = [], watchlists: [WatchlistRule] = []) {
        self.organizations = organizations
        self.roles = roles
        self.watchlists = watchlists
    }
}

/// The organization a mapping chose.
public enum OrganizationTarget: Sendable, Hashable {
    case existing(id: String)
    /// An organization that does not exist yet: method `attribute` creates it.
    case create(name: String, parentID: String)
}

/// The mapping rules as pure functions: what a provisioned user's organization, roles and watchlists should be,
/// given the provider's configuration, the user's attributes and SCIM groups, and where the user is now.
/// The caller (``MappingEffects``) reads the inputs and writes the outcome.
public enum MappingRulesEvaluator {
    /// The organization `user` should be in, or `nil` when it stays where it is (local users; users an admin
    /// moved under method `single`).
    ///
    /// - Parameter organizationNamed: looks an organization up by name, case-insensitively.
    public static func organization(
        for user: UserRecord, groupIDs: Set<String>, mapping: OrganizationMapping, rules: MappingRules,
        organizationNamed: (String) -> Organization?
    ) -> OrganizationTarget? {
        guard !user.isLocal else { return nil }
        switch mapping.method {
        case .single:
            return user.organizationPinned ? nil : .existing(id: mapping.organizationID)
        case .groups:
            let best = rules.organizations.enumerated()
                .filter { groupIDs.contains($0.element.groupID) }
                .min { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
            return .existing(id: best?.element.organizationID ?? mapping.organizationID)
        case .attribute:
            guard let path = mapping.attribute.flatMap(AttributePath.init(parsing:)),
                let name = attributeValue(path, in: user.attributes)
            else { return .existing(id: mapping.organizationID) }
            if let found = organizationNamed(name) { return .existing(id: found.id) }
            return .create(name: name, parentID: mapping.parentID)
        }
    }

    /// The roles a provisioned user should have, or `nil` when provisioning leaves them alone (local users,
    /// manual mode). Users in mapped groups get the union of their roles; others the organization's defaults.
    /// In manual mode a user just created starts with the organization's defaults, and is left alone after.
    public static func roles(
        for user: UserRecord, groupIDs: Set<String>, mode: RoleMappingMode, rules: MappingRules,
        organizationDefaults: [String], newUser: Bool = false
    ) -> [String]? {
        guard !user.isLocal else { return nil }
        guard mode == .groups else { return newUser ? organizationDefaults.sorted() : nil }
        var roles = Set<String>()
        for rule in rules.roles where groupIDs.contains(rule.groupID) { roles.formUnion(rule.roles) }
        return (roles.isEmpty ? Set(organizationDefaults) : roles).sorted()
    }

    /// The watchlists (ids) a provisioned user should be on through mapping: those mapped from the user's groups.
    /// `nil` for local users.
    public static func watchlists(for user: UserRecord, groupIDs: Set<String>, rules: MappingRules) -> [String]? {
        guard !user.isLocal else { return nil }
        return Set(rules.watchlists.filter { groupIDs.contains($0.groupID) }.map(\.watchlistID)).sorted()
    }

    /// The string value at `path` in stored user attributes, trimmed; `nil` when absent or blank. Paths into
    /// multi-valued attributes are not accepted by ``validateAttribute(_:)``.
    public static func attributeValue(_ path: AttributePath, in attributes: JSONObject) -> String? {
        guard let resolved = ResourceType.user.resolve(path) else { return nil }
        let container = resolved.extensionURN.map { attributes[$0]?.objectValue } ?? attributes
        var value = container?[resolved.attribute.name]
        if let sub = resolved.subAttribute { value = value?.objectValue?[sub.name] }
        guard let text = value?.stringValue?.trimmingSpaces, !text.isEmpty else { return nil }
        return text
    }

    /// Checks that `text` names a singular string attribute of a user, the only kind that can name an
    /// organization. Returns the canonical spelling.
    public static func validateAttribute(_ text: String) throws(ProvisioningError) -> String {
        guard let path = AttributePath(parsing: text), let resolved = ResourceType.user.resolve(path) else {
            throw ProvisioningError.invalid(
                "'\(text)' is not a user attribute; use a path such as c42OrgName or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.")
        }
        let target = resolved.subAttribute ?? resolved.attribute
        guard target.type == .string, !resolved.attribute.multiValued else {
            throw ProvisioningError.invalid(
                "Attribute '\(text)' cannot name an organization: it must be a single-valued string attribute.")
        }
        guard !["id", "password", "userName"].contains(resolved.attribute.name) || resolved.extensionURN != nil else {
            throw ProvisioningError.invalid("Attribute '\(text)' cannot name an organization.")
        }
        return ResourceType.user.canonicalPath(resolved).description
    }

    /// Whether a membership change in `groupID` can change anything a mapping decides.
    public static func isMapped(
        groupID: String, mapping: OrganizationMapping, mode: RoleMappingMode, rules: MappingRules
    ) -> Bool {
        (mapping.method == .groups && rules.organizations.contains { $0.groupID == groupID })
            || (mode == .groups && rules.roles.contains { $0.groupID == groupID })
            || rules.watchlists.contains { $0.groupID == groupID }
    }
}

/// The words the CLI and the console both use about SCIM groups to map.
public enum MappingMessage {
    /// The provider has pushed no SCIM group yet.
    public static let noGroups = "There are no SCIM groups available"
    /// Every SCIM group of the provider already has a role mapping.
    public static let allGroupsMapped = "All SCIM groups are mapped"
}
