import Foundation
import SCIM
import Testing

@testable import Provisioning

/// The mapping rules as pure functions: one table per method, then roles and watchlists.
@Suite struct MappingRulesTests {
    static let at = Date(timeIntervalSince1970: 1_796_014_800)
    static let sales = Organization(
        id: "o-sales", name: "Sales", parentID: "root", defaultRoles: ["Desktop User"], createdAt: at)
    static let eng = Organization(
        id: "o-eng", name: "Engineering", parentID: "root", defaultRoles: ["Desktop User", "Audit Log Viewer"],
        createdAt: at)
    static let known = [sales, eng]

    static func named(_ name: String) -> Organization? {
        known.first { $0.name.lowercased() == name.lowercased() }
    }

    static func user(_ attributes: JSONObject = [:], local: Bool = false, pinned: Bool = false, in org: String = "root")
        -> UserRecord
    {
        var attributes = attributes
        attributes["userName"] = "ann@example.com"
        var user = UserRecord(
            id: "u1", providerID: local ? nil : "okta", userName: "ann@example.com", scimActive: true,
            attributes: attributes, organizationID: org, createdAt: at, updatedAt: at)
        user.organizationPinned = pinned
        return user
    }

    static let rules = MappingRules(
        organizations: [
            .init(groupID: "g-eng", organizationID: "o-eng", priority: 2),
            .init(groupID: "g-sales", organizationID: "o-sales", priority: 1),
            .init(groupID: "g-sales-emea", organizationID: "o-sales", priority: 2),
        ],
        roles: [
            .init(groupID: "g-admins", roles: ["Customer Cloud Admin"]),
            .init(groupID: "g-security", roles: ["Security Administrator", "Insider Risk Analyst"]),
            .init(groupID: "g-legal", roles: ["Legal Hold Administrator", "Insider Risk Analyst"]),
        ],
        watchlists: [
            .init(groupID: "g-leavers", watchlistID: "w-departing"),
            .init(groupID: "g-contractors", watchlistID: "w-high-risk"),
            .init(groupID: "g-leavers", watchlistID: "w-high-risk"),
        ])

    // MARK: Method single

    @Test(arguments: [
        // (pinned, local, expected)
        (false, false, OrganizationTarget?.some(.existing(id: "o-sales"))),
        (true, false, nil),  // an admin moved the user: it stays
        (false, true, nil),  // local users are never moved
    ])
    func single(pinned: Bool, local: Bool, expected: OrganizationTarget?) {
        let mapping = OrganizationMapping(method: .single, organizationID: "o-sales")
        let target = MappingRulesEvaluator.organization(
            for: Self.user(local: local, pinned: pinned), groupIDs: [], mapping: mapping, rules: Self.rules,
            organizationNamed: Self.named)
        #expect(target == expected)
    }

    // MARK: Method groups

    @Test(arguments: [
        // groups → organization
        ([String](), "o-default"),  // in no mapped group: the default organization
        (["g-other"], "o-default"),
        (["g-eng"], "o-eng"),
        (["g-eng", "g-sales"], "o-sales"),  // priority 1 beats 2
        (["g-eng", "g-sales-emea"], "o-eng"),  // equal priority: the rule added first
        (["g-sales-emea", "g-eng"], "o-eng"),  // the user's group order does not matter
    ])
    func groups(groups: [String], expected: String) {
        let mapping = OrganizationMapping(method: .groups, organizationID: "o-default")
        let target = MappingRulesEvaluator.organization(
            for: Self.user(), groupIDs: Set(groups), mapping: mapping, rules: Self.rules, organizationNamed: Self.named)
        #expect(target == .existing(id: expected))
    }

    @Test func groupsIgnoresThePinOfMethodSingle() {
        let mapping = OrganizationMapping(method: .groups, organizationID: "o-default")
        let target = MappingRulesEvaluator.organization(
            for: Self.user(pinned: true), groupIDs: ["g-eng"], mapping: mapping, rules: Self.rules,
            organizationNamed: Self.named)
        #expect(target == .existing(id: "o-eng"))
    }

    // MARK: Method attribute

    static let department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"

    struct AttributeCase: Sendable, CustomTestStringConvertible {
        var path: String
        var attributes: JSONObject
        var expected: OrganizationTarget
        var testDescription: String { "\(path) \(attributes.jsonText)" }
    }

    static let attributeCases: [AttributeCase] = [
        AttributeCase(path: "c42OrgName", attributes: ["c42OrgName": "Sales"], expected: .existing(id: "o-sales")),
        // Trimmed and case-insensitive.
        AttributeCase(path: "c42OrgName", attributes: ["c42OrgName": "  sales "], expected: .existing(id: "o-sales")),
        AttributeCase(
            path: "c42OrgName", attributes: ["c42OrgName": "Support"],
            expected: .create(name: "Support", parentID: "o-parent")),
        // No value, or a blank one: the default organization.
        AttributeCase(path: "c42OrgName", attributes: [:], expected: .existing(id: "o-default")),
        AttributeCase(path: "c42OrgName", attributes: ["c42OrgName": "   "], expected: .existing(id: "o-default")),
        AttributeCase(
            path: department, attributes: [SchemaURN.enterpriseUser: ["department": "Engineering"]],
            expected: .existing(id: "o-eng")),
        AttributeCase(
            path: department, attributes: [SchemaURN.enterpriseUser: ["department": "Finance"]],
            expected: .create(name: "Finance", parentID: "o-parent")),
        AttributeCase(path: department, attributes: ["c42OrgName": "Sales"], expected: .existing(id: "o-default")),
        AttributeCase(path: "title", attributes: ["title": "Engineering"], expected: .existing(id: "o-eng")),
        AttributeCase(
            path: "name.familyName", attributes: ["name": ["familyName": "Sales"]], expected: .existing(id: "o-sales")),
    ]

    @Test(arguments: attributeCases)
    func attribute(_ c: AttributeCase) {
        let mapping = OrganizationMapping(
            method: .attribute, organizationID: "o-default", attribute: c.path, parentID: "o-parent")
        let target = MappingRulesEvaluator.organization(
            for: Self.user(c.attributes), groupIDs: [], mapping: mapping, rules: Self.rules,
            organizationNamed: Self.named)
        #expect(target == c.expected)
    }

    @Test(arguments: [
        ("c42OrgName", "c42OrgName"),
        ("C42ORGNAME", "c42OrgName"),
        (department, department),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName"
        ),
        ("name.familyname", "name.familyName"),
    ])
    func acceptedAttributes(text: String, canonical: String) throws {
        #expect(try MappingRulesEvaluator.validateAttribute(text) == canonical)
    }

    @Test(arguments: ["emails.value", "emails", "active", "name", "nosuch", "urn:x:y:z", "id", "a..b"])
    func refusedAttributes(text: String) {
        #expect(throws: ProvisioningError.self) { try MappingRulesEvaluator.validateAttribute(text) }
    }

    // MARK: Roles

    @Test(arguments: [
        // groups → roles (organization defaults: Desktop User, Audit Log Viewer)
        ([String](), ["Audit Log Viewer", "Desktop User"]),  // in no mapped group: the organization's defaults
        (["g-other"], ["Audit Log Viewer", "Desktop User"]),
        (["g-admins"], ["Customer Cloud Admin"]),
        (["g-security", "g-legal"], ["Insider Risk Analyst", "Legal Hold Administrator", "Security Administrator"]),
        (["g-admins", "g-other"], ["Customer Cloud Admin"]),
    ])
    func roles(groups: [String], expected: [String]) {
        let roles = MappingRulesEvaluator.roles(
            for: Self.user(), groupIDs: Set(groups), mode: .groups, rules: Self.rules,
            organizationDefaults: Self.eng.defaultRoles)
        #expect(roles == expected)
    }

    @Test func manualModeStartsNewUsersWithTheOrganizationsDefaults() {
        #expect(
            MappingRulesEvaluator.roles(
                for: Self.user(), groupIDs: ["g-admins"], mode: .manual, rules: Self.rules,
                organizationDefaults: Self.eng.defaultRoles, newUser: true) == ["Audit Log Viewer", "Desktop User"])
    }

    @Test func manualModeAndLocalUsersKeepTheirRoles() {
        #expect(
            MappingRulesEvaluator.roles(
                for: Self.user(), groupIDs: ["g-admins"], mode: .manual, rules: Self.rules, organizationDefaults: [])
                == nil)
        #expect(
            MappingRulesEvaluator.roles(
                for: Self.user(local: true), groupIDs: ["g-admins"], mode: .groups, rules: Self.rules,
                organizationDefaults: []) == nil)
    }

    // MARK: Watchlists

    @Test(arguments: [
        ([String](), [String]()),
        (["g-leavers"], ["w-departing", "w-high-risk"]),
        (["g-contractors"], ["w-high-risk"]),
        (["g-contractors", "g-leavers"], ["w-departing", "w-high-risk"]),  // once each
        (["g-admins"], []),
    ])
    func watchlists(groups: [String], expected: [String]) {
        #expect(
            MappingRulesEvaluator.watchlists(for: Self.user(), groupIDs: Set(groups), rules: Self.rules) == expected)
    }

    @Test func localUsersAreNotOnMappedWatchlists() {
        #expect(
            MappingRulesEvaluator.watchlists(for: Self.user(local: true), groupIDs: ["g-leavers"], rules: Self.rules)
                == nil)
    }

    // MARK: Which membership changes matter

    @Test(arguments: [
        // (group, method, mode, mapped?)
        ("g-eng", OrganizationMapping.Method.groups, RoleMappingMode.manual, true),
        ("g-eng", .single, .groups, false),  // an organization rule only counts under method groups
        ("g-admins", .single, .groups, true),
        ("g-admins", .single, .manual, false),  // a role rule only counts in mode groups
        ("g-leavers", .attribute, .manual, true),  // watchlist rules always count
        ("g-unmapped", .groups, .groups, false),
    ])
    func mappedGroups(group: String, method: OrganizationMapping.Method, mode: RoleMappingMode, expected: Bool) {
        #expect(
            MappingRulesEvaluator.isMapped(
                groupID: group, mapping: OrganizationMapping(method: method), mode: mode, rules: Self.rules) == expected
        )
    }
}
