import Foundation
package import SCIM

/// The SCIM representations of users and groups (RFC 7643 §4, §3.1 `meta`) as a provider sees them under its
/// Base URL.
package enum Representation {
    /// A User: `schemas`, `id`, `externalId`, the attributes, `groups` and `meta`.
    package static func user(_ user: UserRecord, groups: [MemberReference], baseURL: String) -> JSONObject {
        var o = JSONObject()
        o["schemas"] = .array(ResourceType.user.schemasFor(user.attributes).map { .string($0) })
        o["id"] = .string(user.id)
        // The attributes as the provider last sent them, `active` included: the SCIM view shows `active: false`
        // from the moment the provider sent it, whatever the platform status is.
        for m in user.attributes { o[m.key] = m.value }
        if !groups.isEmpty { o["groups"] = groupsValue(groups, baseURL: baseURL) }
        o["meta"] = userMeta(user, baseURL: baseURL)
        return o
    }

    /// ``user(_:groups:baseURL:)`` as compact JSON, the same text as its serialization. A record with its stored
    /// attributes at hand (``UserRecord/storedAttributes``, every record a store read and no one changed) has them
    /// copied from that text, neither parsed nor serialized again: a page of users is mostly its attributes.
    package static func userJSON(_ user: UserRecord, groups: [MemberReference], baseURL: String) -> [UInt8] {
        guard let stored = user.storedAttributes,
            !["schemas", "id", "groups", "meta"].contains(where: stored.hasMember)
        else { return JSONValue.object(self.user(user, groups: groups, baseURL: baseURL)).serialized() }
        var out: [UInt8] = []
        out.reserveCapacity(stored.bytes.count + 320 + groups.count * 160)
        out.append(contentsOf: #"{"schemas":"#.utf8)
        JSONValue.array(ResourceType.user.schemasFor(hasMember: stored.hasMember).map { .string($0) }).write(to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONValue.string(user.id).write(to: &out)
        if !stored.isEmpty {
            out.append(UInt8(ascii: ","))
            stored.writeMembers(to: &out)
        }
        if !groups.isEmpty {
            out.append(contentsOf: #","groups":"#.utf8)
            groupsValue(groups, baseURL: baseURL).write(to: &out)
        }
        out.append(contentsOf: #","meta":"#.utf8)
        userMeta(user, baseURL: baseURL).write(to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A user's `groups`: each a direct membership (RFC 7643 §4.1.2).
    static func groupsValue(_ groups: [MemberReference], baseURL: String) -> JSONValue {
        .array(
            groups.map { g in
                var ref: JSONObject = ["value": .string(g.id), "$ref": .string("\(baseURL)/Groups/\(g.id)")]
                if let d = g.display { ref["display"] = .string(d) }
                ref["type"] = "direct"
                return .object(ref)
            })
    }

    static func userMeta(_ user: UserRecord, baseURL: String) -> JSONValue {
        meta(
            resourceType: "User", created: user.createdAt, modified: user.updatedAt, version: user.version,
            location: "\(baseURL)/Users/\(user.id)")
    }

    /// A Group: `schemas`, `id`, the attributes, `members` when given, and `meta`.
    package static func group(_ group: GroupRecord, members: [MemberReference]?, baseURL: String) -> JSONObject {
        var o = JSONObject()
        o["schemas"] = .array([.string(SchemaURN.group)])
        o["id"] = .string(group.id)
        for m in group.attributes { o[m.key] = m.value }
        if let members {
            o["members"] = .array(
                members.map { m in
                    var ref: JSONObject = ["value": .string(m.id), "$ref": .string("\(baseURL)/Users/\(m.id)")]
                    if let d = m.display { ref["display"] = .string(d) }
                    ref["type"] = "User"
                    return .object(ref)
                })
        }
        o["meta"] = meta(
            resourceType: "Group", created: group.createdAt, modified: group.updatedAt, version: group.version,
            location: "\(baseURL)/Groups/\(group.id)")
        return o
    }

    static func meta(resourceType: String, created: Date, modified: Date, version: Int, location: String) -> JSONValue {
        .object([
            "resourceType": .string(resourceType),
            "created": .string(Timestamp.format(created)),
            "lastModified": .string(Timestamp.format(modified)),
            "location": .string(location),
            "version": .string(ETag.forVersion(version)),
        ])
    }
}
