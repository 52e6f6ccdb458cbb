package import Foundation
package import SCIM

/// What a revert of a provider's changes since an instant does: computed from the before-images and the current
/// state (``RevertService/plan(providerID:since:)``), shown as a preview, then carried out.
package struct RevertPlan: Sendable, Hashable {
    /// A user put back as it was.
    package struct UserChange: Sendable, Hashable {
        package var id: String
        /// The `userName` now (the one an admin searches by).
        package var userName: String
        /// The attributes as they were at the instant.
        package var attributes: JSONObject
        /// The attributes whose values change back (extension attributes as `urn:…:name`), `active` apart.
        package var changed: [String]
        /// The provider had deleted (unlinked) it.
        package var relink: Bool
        /// It was active and is not now: reactivated (a pending deactivation is cancelled, archives come back).
        package var reactivate: Bool
        /// It was inactive and is active now (a reactivation in the period is undone).
        package var deactivate: Bool

        /// What comes back, as the CLI and the console list it: `reactivated, linked again, title`.
        package var restores: String {
            var what = changed
            if relink { what.insert("linked again", at: 0) }
            if reactivate { what.insert("reactivated", at: 0) }
            if deactivate { what.insert("deactivated", at: 0) }
            return what.joined(separator: ", ")
        }
    }

    /// A group put back as it was.
    package struct GroupChange: Sendable, Hashable {
        package var id: String
        package var displayName: String
        /// The group as it was when deleted, and the rules that named it, when it is made again.
        package var recreate: GroupRecord?
        package var rules: MappingRules
        /// The attributes as they were, when they differ from now.
        package var attributes: JSONObject?
        package var changed: [String]
        /// Memberships to add back, with the `display` each had.
        package var add: [MemberReference]
        /// Memberships the period added, to remove.
        package var remove: [String]

        /// What comes back, as the CLI and the console list it: `recreated; 10 members added back`.
        package var restores: String {
            var what: [String] = []
            if recreate != nil { what.append("recreated") }
            if !changed.isEmpty { what.append(changed.joined(separator: ", ")) }
            if !add.isEmpty { what.append("\(add.count) members added back") }
            if !remove.isEmpty { what.append("\(remove.count) members removed") }
            return what.joined(separator: "; ")
        }
    }

    /// A user or group the revert leaves alone, and why.
    package struct Resource: Sendable, Hashable {
        package var kind: String
        package var id: String
        package var name: String
        package var reason: String

        package var json: JSONValue {
            ["kind": .string(kind), "id": .string(id), "name": .string(name), "reason": .string(reason)]
        }
    }

    package var providerID: String
    package var since: Date
    package var users: [UserChange] = []
    package var groups: [GroupChange] = []
    /// Users the provider created (or pushed again after deleting them) in the period: left alone.
    package var createdUsers: [Resource] = []
    /// Groups the provider created in the period: left alone, with their members.
    package var createdGroups: [Resource] = []
    /// Organizations the provider's mapping created in the period: they stay (organizations are never deleted),
    /// emptied by the revert when only the period's changes placed users there.
    package var createdOrganizations: [Resource] = []
    /// What cannot be put back (a user now local or another provider's, a name taken since).
    package var skipped: [Resource] = []

    package init(providerID: String, since: Date) {
        self.providerID = providerID
        self.since = since
    }

    package var isEmpty: Bool { users.isEmpty && groups.isEmpty }
    package var reactivations: Int { users.count(where: \.reactivate) }
    package var membershipsAdded: Int { groups.reduce(0) { $0 + $1.add.count } }
    package var membershipsRemoved: Int { groups.reduce(0) { $0 + $1.remove.count } }
    package var groupsRecreated: Int { groups.count(where: { $0.recreate != nil }) }

    /// One sentence of what the plan does, for the sync log's `reverted` entry and the CLI.
    package var summary: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var parts = ["\(count(users.count, "user")) restored (\(reactivations) reactivated)"]
        parts.append("\(count(membershipsAdded, "membership")) added back and \(membershipsRemoved) removed")
        if groupsRecreated > 0 { parts.append("\(count(groupsRecreated, "group")) recreated") }
        let renamed = groups.count(where: { $0.recreate == nil && $0.attributes != nil })
        if renamed > 0 { parts.append("\(count(renamed, "group"))' attributes restored") }
        if !createdUsers.isEmpty {
            parts.append("\(count(createdUsers.count, "user")) created in the period left alone")
        }
        if !skipped.isEmpty { parts.append("\(skipped.count) skipped") }
        return parts.joined(separator: "; ")
    }
}

// MARK: - The state at the instant

/// The provider's resources as they were at the instant, folded from the before-images since then: the first
/// image of each user, of each group's attributes and of each membership is the state before the period's first
/// change to it.
struct RevertTargets {
    struct UserTarget {
        var attributes: JSONObject
        var linked: Bool
    }

    private(set) var users: [String: UserTarget] = [:]
    private(set) var userOrder: [String] = []
    private(set) var groupAttributes: [String: JSONObject] = [:]
    private(set) var deleted: [String: (group: GroupRecord, rules: MappingRules)] = [:]
    /// Group id → user id → the membership at the instant (`nil`: not a member; a reference: a member with that
    /// `display`).
    private(set) var memberships: [String: [String: MemberReference?]] = [:]
    private(set) var groupOrder: [String] = []

    /// Folds images in sequence order.
    mutating func fold(_ images: some Sequence<BeforeImage>) {
        for image in images {
            switch image.change {
            case .user(let id, let attributes, let linked, let groups):
                if users[id] == nil {
                    users[id] = UserTarget(attributes: attributes, linked: linked)
                    userOrder.append(id)
                }
                for group in groups { first(group.id, id, MemberReference(id: id, display: group.display)) }
            case .group(let id, let attributes, let added, let removed):
                noteGroup(id)
                if let attributes, groupAttributes[id] == nil { groupAttributes[id] = attributes }
                // A user both added and removed by one write (a PATCH adding then removing) ends as it began.
                let both = Set(added).intersection(removed.map(\.id))
                for user in added where !both.contains(user) { first(id, user, nil) }
                for member in removed where !both.contains(member.id) { first(id, member.id, member) }
            case .deletedGroup(let group, let members, let rules):
                noteGroup(group.id)
                if deleted[group.id] == nil { deleted[group.id] = (group, rules) }
                if groupAttributes[group.id] == nil { groupAttributes[group.id] = group.attributes }
                for member in members { first(group.id, member.id, member) }
            }
        }
    }

    private mutating func noteGroup(_ id: String) {
        guard memberships[id] == nil else { return }
        groupOrder.append(id)
        memberships[id] = [:]
    }

    private mutating func first(_ group: String, _ user: String, _ membership: MemberReference?) {
        noteGroup(group)
        if memberships[group]?.index(forKey: user) == nil { memberships[group]?[user] = .some(membership) }
    }
}

// MARK: - JSON

extension RevertPlan {
    /// The plan as the CLI's `--json`, the admin API and the console's preview show it.
    package var json: JSONObject {
        func resources(_ list: [Resource]) -> JSONValue { .array(list.map(\.json)) }
        return [
            "provider": .string(providerID),
            "since": .string(Timestamp.format(since)),
            "summary": .string(summary),
            "counts": [
                "users": .int(users.count), "reactivated": .int(reactivations),
                "membershipsAdded": .int(membershipsAdded), "membershipsRemoved": .int(membershipsRemoved),
                "groupsRecreated": .int(groupsRecreated), "createdUsers": .int(createdUsers.count),
                "createdGroups": .int(createdGroups.count), "skipped": .int(skipped.count),
            ],
            "users": .array(
                users.map { u in
                    [
                        "id": .string(u.id), "userName": .string(u.userName),
                        "attributes": .array(u.changed.map { .string($0) }), "relink": .bool(u.relink),
                        "reactivate": .bool(u.reactivate), "deactivate": .bool(u.deactivate),
                    ]
                }),
            "groups": .array(
                groups.map { g in
                    [
                        "id": .string(g.id), "displayName": .string(g.displayName),
                        "recreate": .bool(g.recreate != nil),
                        "attributes": .array(g.changed.map { .string($0) }), "membersAdded": .int(g.add.count),
                        "membersRemoved": .int(g.remove.count),
                    ]
                }),
            "createdUsers": resources(createdUsers),
            "createdGroups": resources(createdGroups),
            "createdOrganizations": resources(createdOrganizations),
            "skipped": resources(skipped),
        ]
    }
}
