package import Foundation
package import SCIM

/// What one provider write changed, as it was before the write: recorded in the write's own transaction, so that
/// a revert (``RevertService``) can put back what a provider changed after an instant. Creations record nothing
/// (a resource's `createdAt` says it is new); derived state (organization, roles, watchlists, archives) is not
/// recorded either, because the domain's write paths derive it again from what revert restores.
package struct BeforeImage: Sendable, Hashable {
    /// The store's sequence number, increasing with commit time; `nil` until stored.
    package var sequence: Int64?
    package var at: Date
    package var providerID: String
    /// The request (or revert) that made the change.
    package var requestID: String?
    package var change: Change

    package enum Change: Sendable, Hashable {
        /// A user the write changed: its attributes (`active` among them) and link as they were, and, when the write
        /// unlinked it (a DELETE), the groups it left, each with the membership's stored `display`.
        case user(id: String, attributes: JSONObject, linked: Bool, groups: [MemberReference])
        /// A group the write changed: its attributes before, when they changed; the users it added; the users it
        /// removed, each with the membership's stored `display`.
        case group(id: String, attributes: JSONObject?, added: [String], removed: [MemberReference])
        /// A group the write deleted, whole: the record, its members with their stored `display`, and the
        /// provider's mapping rules that named it (deleting a group deletes them).
        case deletedGroup(GroupRecord, members: [MemberReference], rules: MappingRules)
    }

    package init(sequence: Int64? = nil, at: Date, providerID: String, requestID: String?, change: Change) {
        self.sequence = sequence
        self.at = at
        self.providerID = providerID
        self.requestID = requestID
        self.change = change
    }
}

// MARK: - Stored form

extension BeforeImage.Change {
    /// The change as the JSON document a store keeps (stores do not read inside it).
    package var document: JSONObject {
        switch self {
        case .user(let id, let attributes, let linked, let groups):
            var document: JSONObject = [
                "kind": "user", "id": .string(id), "attributes": .object(attributes), "linked": .bool(linked),
            ]
            if !groups.isEmpty { document["groups"] = Self.references(groups) }
            return document
        case .group(let id, let attributes, let added, let removed):
            var document: JSONObject = ["kind": "group", "id": .string(id)]
            if let attributes { document["attributes"] = .object(attributes) }
            if !added.isEmpty { document["added"] = .array(added.map { .string($0) }) }
            if !removed.isEmpty { document["removed"] = Self.references(removed) }
            return document
        case .deletedGroup(let group, let members, let rules):
            return [
                "kind": "deletedGroup", "id": .string(group.id), "displayName": .string(group.displayName),
                "attributes": .object(group.attributes), "version": .int(group.version),
                "createdAt": .int(Int(Timestamp.milliseconds(group.createdAt))),
                "members": Self.references(members),
                "organizationRules": .array(
                    rules.organizations.map {
                        ["organizationID": .string($0.organizationID), "priority": .int($0.priority)]
                    }),
                "roleRules": .array(rules.roles.map { .array($0.roles.map { .string($0) }) }),
                "watchlistRules": .array(rules.watchlists.map { .string($0.watchlistID) }),
            ]
        }
    }

    /// Reads a stored document back; `nil` for one this version does not know (written by a newer one).
    package init?(document: JSONObject, providerID: String) {
        guard let kind = document["kind"]?.stringValue, let id = document["id"]?.stringValue else { return nil }
        switch kind {
        case "user":
            self = .user(
                id: id, attributes: document["attributes"]?.objectValue ?? [:],
                linked: document["linked"]?.boolValue ?? true, groups: Self.references(document["groups"]))
        case "group":
            self = .group(
                id: id, attributes: document["attributes"]?.objectValue,
                added: (document["added"]?.arrayValue ?? []).compactMap(\.stringValue),
                removed: Self.references(document["removed"]))
        case "deletedGroup":
            guard let displayName = document["displayName"]?.stringValue,
                let createdAt = Self.int(document["createdAt"])
            else { return nil }
            let group = GroupRecord(
                id: id, providerID: providerID, displayName: displayName,
                attributes: document["attributes"]?.objectValue ?? [:], version: Self.int(document["version"]) ?? 1,
                createdAt: Timestamp.date(milliseconds: Int64(createdAt)),
                updatedAt: Timestamp.date(milliseconds: Int64(createdAt)))
            let rules = MappingRules(
                organizations: (document["organizationRules"]?.arrayValue ?? []).compactMap { rule in
                    guard let organization = rule.objectValue?["organizationID"]?.stringValue else { return nil }
                    return .init(
                        groupID: id, organizationID: organization,
                        priority: Self.int(rule.objectValue?["priority"]) ?? 1)
                },
                roles: (document["roleRules"]?.arrayValue ?? []).map { roles in
                    .init(groupID: id, roles: (roles.arrayValue ?? []).compactMap(\.stringValue))
                },
                watchlists: (document["watchlistRules"]?.arrayValue ?? []).compactMap { watchlist in
                    watchlist.stringValue.map { .init(groupID: id, watchlistID: $0) }
                })
            self = .deletedGroup(group, members: Self.references(document["members"]), rules: rules)
        default:
            return nil
        }
    }

    private static func int(_ value: JSONValue?) -> Int? {
        if case .int(let n) = value { return n }
        return nil
    }

    private static func references(_ references: [MemberReference]) -> JSONValue {
        .array(
            references.map { reference in
                var object: JSONObject = ["value": .string(reference.id)]
                if let display = reference.display { object["display"] = .string(display) }
                return .object(object)
            })
    }

    private static func references(_ value: JSONValue?) -> [MemberReference] {
        (value?.arrayValue ?? []).compactMap { element in
            guard let object = element.objectValue, let id = object["value"]?.stringValue else { return nil }
            return MemberReference(id: id, display: object["display"]?.stringValue)
        }
    }
}
