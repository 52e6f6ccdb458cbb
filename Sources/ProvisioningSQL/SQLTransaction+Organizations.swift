package import Foundation
package import Provisioning

/// Organizations, roles, watchlists, mapping rules and apply runs.
extension SQLTransaction {
    // MARK: Organizations

    static let organizationColumns = "id, name, parent_id, default_roles, created_by_provider, created_at"

    package func organization(id: String) async throws -> Organization? {
        try await fetchOne(.organization(id: id)).map(Self.organization(from:))
    }

    package func organization(name: String) async throws -> Organization? {
        try await fetchOne(
            "SELECT \(Self.organizationColumns) FROM organizations WHERE name_lower = ?", [name.lowercased()]
        ).map(Self.organization(from:))
    }

    package func organizations() async throws -> [Organization] {
        try await fetchAll("SELECT \(Self.organizationColumns) FROM organizations ORDER BY parent_id IS NOT NULL, seq")
            .map(Self.organization(from:))
    }

    package func insertOrganization(_ o: Organization) async throws {
        try await unique("An organization named '\(o.name)' already exists.") {
            try await execute(
                """
                INSERT INTO organizations (id, name, name_lower, parent_id, default_roles, created_by_provider,
                created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    o.id, o.name, o.name.lowercased(), o.parentID, Self.list(o.defaultRoles), o.createdByProvider,
                    RowCoding.milliseconds(o.createdAt),
                ])
        }
    }

    package func insertOrganizationIfAbsent(_ o: Organization) async throws -> Organization {
        // On PostgreSQL a concurrent insert of the name makes this wait for its transaction; once it committed, the
        // insert does nothing and the read below (a new snapshot at READ COMMITTED) finds its row.
        let inserted = try await fetchAll(
            """
            INSERT INTO organizations (id, name, name_lower, parent_id, default_roles, created_by_provider,
            created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_lower) DO NOTHING RETURNING id
            """,
            [
                o.id, o.name, o.name.lowercased(), o.parentID, Self.list(o.defaultRoles), o.createdByProvider,
                RowCoding.milliseconds(o.createdAt),
            ])
        if !inserted.isEmpty { return o }
        guard let existing = try await organization(name: o.name) else {
            throw ProvisioningError.conflict("An organization named '\(o.name)' already exists.")
        }
        return existing
    }

    package func updateOrganization(_ o: Organization) async throws {
        try await unique("An organization named '\(o.name)' already exists.") {
            try await execute(
                "UPDATE organizations SET name = ?, name_lower = ?, parent_id = ?, default_roles = ? WHERE id = ?",
                [o.name, o.name.lowercased(), o.parentID, Self.list(o.defaultRoles), o.id])
        }
    }

    package func organizationUserCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await fetchAll("SELECT organization_id, COUNT(*) FROM users GROUP BY organization_id") {
            counts[row[0]] = row[1]
        }
        return counts
    }

    package func setOrganization(userID: String, organizationID: String, pinned: Bool) async throws {
        try await enqueue(
            "UPDATE users SET organization_id = ?, organization_pinned = ? WHERE id = ?",
            [organizationID, pinned, userID])
    }

    static func organization(from row: SQLRow) -> Organization {
        Organization(
            id: row[0], name: row[1], parentID: row[2], defaultRoles: items(row[3]), createdByProvider: row[4],
            createdAt: RowCoding.date(row[5]))
    }

    /// Role names joined by newlines (names never contain one).
    static func list(_ items: [String]) -> String { items.joined(separator: "\n") }
    static func items(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    // MARK: Roles

    package func roles(ofUsers userIDs: [String]) async throws -> [String: [String]] {
        try await grouped(userIDs, sql: "SELECT user_id, role FROM user_roles WHERE user_id IN", order: "role")
    }

    package func setRoles(userID: String, roles: [String]) async throws {
        let insert =
            "INSERT INTO user_roles (user_id, role) VALUES \(Self.rows("(?, ?)", roles.count)) ON CONFLICT DO NOTHING"
        let pairs = roles.flatMap { [userID, $0] as [any SQLValueConvertible] }
        guard !roles.isEmpty else {
            try await enqueue("DELETE FROM user_roles WHERE user_id = ?", [userID])
            return
        }
        if dialect == .postgres {
            // One statement (an exchange with the server) instead of two: the roles not kept go in a CTE, and the
            // rest are inserted, those the user has already left as they are (a CTE's delete is not visible to
            // the insert, so a role deleted there and inserted here would be lost).
            let marks = Array(repeating: "?", count: roles.count).joined(separator: ", ")
            try await enqueue(
                "WITH removed AS (DELETE FROM user_roles WHERE user_id = ? AND role NOT IN (\(marks))) \(insert)",
                [userID] + roles.map { $0 as any SQLValueConvertible } + pairs)
        } else {
            try await enqueue("DELETE FROM user_roles WHERE user_id = ?", [userID])
            try await enqueue(insert, pairs)
        }
    }

    /// Pairs (user id, value) of `sql` for several users, grouped by user.
    func grouped(_ userIDs: [String], sql: String, order: String) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for row in try await rows(forUsers: userIDs, sql: { marks in "\(sql) (\(marks)) ORDER BY \(order)" }) {
            result[row[0], default: []].append(row[1])
        }
        return result
    }

    // MARK: Watchlists

    package func watchlist(id: String) async throws -> Watchlist? {
        try await fetchOne("SELECT id, name, created_at FROM watchlists WHERE id = ?", [id])
            .map(Self.watchlist(from:))
    }

    package func watchlist(name: String) async throws -> Watchlist? {
        try await fetchOne("SELECT id, name, created_at FROM watchlists WHERE name_lower = ?", [name.lowercased()])
            .map(Self.watchlist(from:))
    }

    package func watchlists() async throws -> [Watchlist] {
        try await fetchAll("SELECT id, name, created_at FROM watchlists ORDER BY seq").map(Self.watchlist(from:))
    }

    package func insertWatchlist(_ w: Watchlist) async throws {
        try await unique("A watchlist named '\(w.name)' already exists.") {
            try await execute(
                "INSERT INTO watchlists (id, name, name_lower, created_at) VALUES (?, ?, ?, ?)",
                [w.id, w.name, w.name.lowercased(), RowCoding.milliseconds(w.createdAt)])
        }
    }

    package func watchlistMemberCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await fetchAll("SELECT watchlist_id, COUNT(*) FROM watchlist_members GROUP BY watchlist_id") {
            counts[row[0]] = row[1]
        }
        return counts
    }

    package func watchlists(ofUsers userIDs: [String]) async throws -> [String: [String]] {
        try await grouped(
            userIDs, sql: "SELECT user_id, watchlist_id FROM watchlist_members WHERE user_id IN", order: "watchlist_id")
    }

    package func addToWatchlist(watchlistID: String, userID: String, at: Date) async throws {
        try await execute(
            "INSERT INTO watchlist_members (watchlist_id, user_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [watchlistID, userID, RowCoding.milliseconds(at)])
    }

    package func removeFromWatchlist(watchlistID: String, userID: String) async throws {
        try await execute(
            "DELETE FROM watchlist_members WHERE watchlist_id = ? AND user_id = ?", [watchlistID, userID])
    }

    package func watchlistMembers(watchlistID: String, limit: Int) async throws -> [UserRecord] {
        try await fetchAll(
            """
            SELECT \(Self.userColumns) FROM watchlist_members m JOIN users u ON u.id = m.user_id
            WHERE m.watchlist_id = ? ORDER BY m.added_at, u.seq LIMIT ?
            """, [watchlistID, Int64(clamping: limit)]
        ).map(Self.user(from:))
    }

    static func watchlist(from row: SQLRow) -> Watchlist {
        Watchlist(id: row[0], name: row[1], createdAt: RowCoding.date(row[2]))
    }

    // MARK: Mapping rules

    package func mappingRules(providerID: String) async throws -> MappingRules {
        var rules = MappingRules()
        var roleIndex: [String: Int] = [:]
        let rows: [SQLRow]
        if dialect == .postgres {
            // One row: the rules as a JSON array of [kind, group, target, priority], in order (``statement(_:)``).
            let json: String? = try await fetchOne(.mappingRules(providerID: providerID))?[0]
            rows = try json.map(RowCoding.rows(fromJSON:)) ?? []
        } else {
            rows = try await fetchAll(.mappingRules(providerID: providerID))
        }
        for row in rows {
            let (kind, group, target): (String, String, String) = (row[0], row[1], row[2])
            switch MappingRuleKind(rawValue: kind) {
            case .organization:
                rules.organizations.append(.init(groupID: group, organizationID: target, priority: row[3]))
            case .role:
                if let i = roleIndex[group] {
                    rules.roles[i].roles.append(target)
                } else {
                    roleIndex[group] = rules.roles.count
                    rules.roles.append(.init(groupID: group, roles: [target]))
                }
            case .watchlist:
                rules.watchlists.append(.init(groupID: group, watchlistID: target))
            case nil:
                continue
            }
        }
        return rules
    }

    package func insertOrganizationRule(providerID: String, _ rule: MappingRules.OrganizationRule) async throws {
        try await insertRule(providerID, .organization, rule.groupID, rule.organizationID, priority: rule.priority)
    }

    package func insertRoleRule(providerID: String, _ rule: MappingRules.RoleRule) async throws {
        for role in rule.roles { try await insertRule(providerID, .role, rule.groupID, role, priority: 0) }
    }

    package func insertWatchlistRule(providerID: String, _ rule: MappingRules.WatchlistRule) async throws {
        try await insertRule(providerID, .watchlist, rule.groupID, rule.watchlistID, priority: 0)
    }

    func insertRule(_ providerID: String, _ kind: MappingRuleKind, _ group: String, _ target: String, priority: Int)
        async throws
    {
        try await execute(
            """
            INSERT INTO mapping_rules (provider_id, kind, group_id, target, priority)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, [providerID, kind.rawValue, group, target, priority])
    }

    package func deleteRules(_ kind: MappingRuleKind, providerID: String, groupID: String) async throws -> Int {
        try await execute(
            "DELETE FROM mapping_rules WHERE provider_id = ? AND kind = ? AND group_id = ?",
            [providerID, kind.rawValue, groupID])
    }

    // MARK: Apply runs

    package func userBatch(providerID: String, after sequence: Int64, limit: Int) async throws -> [(
        sequence: Int64, user: UserRecord
    )] {
        try await fetchAll(
            """
            SELECT \(Self.userColumns), u.seq FROM users u
            WHERE u.provider_id = ? AND u.linked = 1 AND u.seq > ? ORDER BY u.seq LIMIT ?
            """, [providerID, sequence, limit]
        ).map { (sequence: $0[17], user: Self.user(from: $0)) }
    }

    package func openMappingRun(providerID: String) async throws -> MappingRun? {
        try await fetchOne(
            """
            SELECT id, provider_id, started_at, cursor, processed, changed, finished_at FROM mapping_runs
            WHERE provider_id = ? AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1\(forUpdate)
            """, [providerID]
        ).map {
            MappingRun(
                id: $0[0], providerID: $0[1], startedAt: RowCoding.date($0[2]), cursor: $0[3], processed: $0[4],
                changed: $0[5], finishedAt: ($0[6] as Int64?).map(RowCoding.date))
        }
    }

    package func saveMappingRun(_ run: MappingRun) async throws {
        try await execute(
            """
            INSERT INTO mapping_runs (id, provider_id, started_at, cursor, processed, changed, finished_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor,
            processed = excluded.processed, changed = excluded.changed, finished_at = excluded.finished_at
            """,
            [
                run.id, run.providerID, RowCoding.milliseconds(run.startedAt), run.cursor, run.processed, run.changed,
                run.finishedAt.map(RowCoding.milliseconds),
            ])
    }
}
