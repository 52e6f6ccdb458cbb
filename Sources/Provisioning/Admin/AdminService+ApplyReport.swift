package import SCIM

extension AdminService {
    /// What "apply org and role settings" changed, or would change in a dry run.
    package struct ApplyReport: Sendable {
        package var runID: String?
        /// A crashed run was picked up where it stopped.
        package var resumed: Bool
        package var dryRun: Bool
        package var processed: Int
        /// Users whose placement changed (or would).
        package var changed: Int
        package var organizationMoves: Int
        package var roleChanges: Int
        package var watchlistAdditions: Int
        package var watchlistRemovals: Int
        /// Organizations created (or that would be) by method `attribute`.
        package var organizationsCreated: [String]
        /// Per-user changes, at most the limit asked for.
        package var changes: [PlacementChange]
    }
}

extension AdminService.ApplyReport {
    /// The report as JSON, as the admin API and `roster provider apply --json` write it.
    package var json: JSONObject {
        func strings(_ s: [String]) -> JSONValue { .array(s.map(JSONValue.string)) }
        return [
            "dryRun": .bool(dryRun), "runId": runID.map(JSONValue.string) ?? .null, "resumed": .bool(resumed),
            "processed": .int(processed), "changed": .int(changed), "organizationMoves": .int(organizationMoves),
            "roleChanges": .int(roleChanges), "watchlistAdditions": .int(watchlistAdditions),
            "watchlistRemovals": .int(watchlistRemovals), "organizationsCreated": strings(organizationsCreated),
            "changes": .array(
                changes.map { c in
                    var o: JSONObject = ["userId": .string(c.userID), "userName": .string(c.userName)]
                    if let to = c.organizationTo {
                        o["organization"] = ["from": .string(c.organizationFrom ?? ""), "to": .string(to)]
                    }
                    if let to = c.rolesTo { o["roles"] = ["from": strings(c.rolesFrom), "to": strings(to)] }
                    if !c.watchlistsAdded.isEmpty { o["watchlistsAdded"] = strings(c.watchlistsAdded) }
                    if !c.watchlistsRemoved.isEmpty { o["watchlistsRemoved"] = strings(c.watchlistsRemoved) }
                    return .object(o)
                }),
        ]
    }
}
