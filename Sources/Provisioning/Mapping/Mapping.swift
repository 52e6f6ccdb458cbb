package import SCIM

/// How a provider decides the organization of its users.
package struct OrganizationMapping: Sendable, Hashable {
    package enum Method: String, Sendable, Hashable, CaseIterable {
        /// Every new user goes to ``OrganizationMapping/organizationID``; users an admin moved stay where moved.
        case single
        /// The user's highest-priority mapped SCIM group decides; users in none go to the default organization.
        case groups
        /// A user attribute (`c42OrgName`, `enterprise:department`, ...) names the organization; missing
        /// organizations are created under ``OrganizationMapping/parentID``.
        case attribute
    }

    package var method: Method
    /// The organization of method `single`, and the default organization of the other methods.
    package var organizationID: String
    /// The attribute path of method `attribute`, as written (for example `c42OrgName`).
    package var attribute: String?
    /// Where method `attribute` creates the organizations it does not find.
    package var parentID: String

    package init(
        method: Method = .single, organizationID: String = Organization.rootID, attribute: String? = nil,
        parentID: String = Organization.rootID
    ) {
        self.method = method
        self.organizationID = organizationID
        self.attribute = attribute
        self.parentID = parentID
    }

    /// The attribute every IdP integration of the platform ships with.
    package static let defaultAttribute = "c42OrgName"
}

/// Whether provisioning decides a provider's users' roles.
package enum RoleMappingMode: String, Sendable, Hashable, CaseIterable {
    /// Mapped SCIM groups give roles; users in none get their organization's default roles.
    case groups
    /// Provisioning never changes roles; admins set them.
    case manual
}

/// A provider's group rules: which SCIM group leads to which organization, roles and watchlists.
package struct MappingRules: Sendable, Hashable {
    package struct OrganizationRule: Sendable, Hashable {
        package var groupID: String
        package var organizationID: String
        /// 1 is the highest priority; ties go to the rule added first.
        package var priority: Int
        package init(groupID: String, organizationID: String, priority: Int) {
            self.groupID = groupID
            self.organizationID = organizationID
            self.priority = priority
        }
    }

    package struct RoleRule: Sendable, Hashable {
        package var groupID: String
        package var roles: [String]
        package init(groupID: String, roles: [String]) {
            self.groupID = groupID
            self.roles = roles
        }
    }

    package struct WatchlistRule: Sendable, Hashable {
        package var groupID: String
        package var watchlistID: String
        package init(groupID: String, watchlistID: String) {
            self.groupID = groupID
            self.watchlistID = watchlistID
        }
    }

    /// In the order they were added.
    package var organizations: [OrganizationRule]
    package var roles: [RoleRule]
    package var watchlists: [WatchlistRule]

    package init(organizations: [OrganizationRule] = [], roles: [RoleRule] = [], watchlists: [WatchlistRule] = []) {
        self.organizations = organizations
        self.roles = roles
        self.watchlists = watchlists
    }

    /// The rules that name a group.
    package func naming(groupID: String) -> MappingRules {
        MappingRules(
            organizations: organizations.filter { $0.groupID == groupID },
            roles: roles.filter { $0.groupID == groupID },
            watchlists: watchlists.filter { $0.groupID == groupID })
    }
}

/// The organization a mapping chose.
package enum OrganizationTarget: Sendable, Hashable {
    case existing(id: String)
    /// An organization that does not exist yet: method `attribute` creates it.
    case create(name: String, parentID: String)
}

/// The mapping rules as pure functions: what a provisioned user's organization, roles and watchlists should be,
/// given the provider's configuration, the user's attributes and SCIM groups, and where the user is now.
/// The caller (``MappingEffects``) reads the inputs and writes the outcome.
package enum MappingRulesEvaluator {
    /// The organization `user` should be in, or `nil` when it stays where it is (local users; users an admin
    /// moved under method `single`).
    ///
    /// - Parameter organizationNamed: looks an organization up by name, case-insensitively.
    package static func organization(
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
    package static func roles(
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
    package static func watchlists(for user: UserRecord, groupIDs: Set<String>, rules: MappingRules) -> [String]? {
        guard !user.isLocal else { return nil }
        return Set(rules.watchlists.filter { groupIDs.contains($0.groupID) }.map(\.watchlistID)).sorted()
    }

    /// The string value at `path` in stored user attributes, trimmed; `nil` when absent or blank. Paths into
    /// multi-valued attributes are not accepted by ``validateAttribute(_:)``.
    package static func attributeValue(_ path: AttributePath, in attributes: JSONObject) -> String? {
        guard let resolved = ResourceType.user.resolve(path) else { return nil }
        let container = resolved.extensionURN.map { attributes[$0]?.objectValue } ?? attributes
        var value = container?[resolved.attribute.name]
        if let sub = resolved.subAttribute { value = value?.objectValue?[sub.name] }
        guard let text = value?.stringValue?.trimmingSpaces, !text.isEmpty else { return nil }
        return text
    }

    /// Checks that `text` names a singular string attribute of a user, the only kind that can name an
    /// organization. Returns the canonical spelling.
    package static func validateAttribute(_ text: String) throws(ProvisioningError) -> String {
        guard let path = AttributePath(parsing: text), let resolved = ResourceType.user.resolve(path) else {
            throw ProvisioningError.invalid(
                "'\(text)' is not a user attribute; use a path such as c42OrgName or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department."
            )
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
    package static func isMapped(
        groupID: String, mapping: OrganizationMapping, mode: RoleMappingMode, rules: MappingRules
    ) -> Bool {
        (mapping.method == .groups && rules.organizations.contains { $0.groupID == groupID })
            || (mode == .groups && rules.roles.contains { $0.groupID == groupID })
            || rules.watchlists.contains { $0.groupID == groupID }
    }
}

/// The words the CLI and the console both use about SCIM groups to map.
package enum MappingMessage {
    /// The provider has pushed no SCIM group yet.
    package static let noGroups = "There are no SCIM groups available"
    /// Every SCIM group of the provider already has a role mapping.
    package static let allGroupsMapped = "All SCIM groups are mapped"
}
