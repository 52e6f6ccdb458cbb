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
        if !groups.isEmpty {
            o["groups"] = .array(
                groups.map { g in
                    var ref: JSONObject = ["value": .string(g.id), "$ref": .string("\(baseURL)/Groups/\(g.id)")]
                    if let d = g.display { ref["display"] = .string(d) }
                    ref["type"] = "direct"
                    return .object(ref)
                })
        }
        o["meta"] = meta(
            resourceType: "User", created: user.createdAt, modified: user.updatedAt, version: user.version,
            location: "\(baseURL)/Users/\(user.id)")
        return o
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
