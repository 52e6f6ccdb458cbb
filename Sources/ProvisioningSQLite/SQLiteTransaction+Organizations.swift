import Foundation
import GRDB
import Provisioning
import ProvisioningSQL

/// Organizations, roles, watchlists, mapping rules and apply runs.
extension SQLiteTransaction {
    // MARK: Organizations

    static let organizationColumns = "id, name, parent_id, default_roles, created_by_provider, created_at"

    func organization(id: String) throws -> Organization? {
        try fetchOne(sql: "SELECT \(Self.organizationColumns) FROM organizations WHERE id = ?", arguments: [id])
            .map(Self.organization(from:))
    }

    func organization(name: String) throws -> Organization? {
        try fetchOne(
            sql: "SELECT \(Self.organizationColumns) FROM organizations WHERE name_lower = ?",
            arguments: [name.lowercased()]
        ).map(Self.organization(from:))
    }

    func organizations() throws -> [Organization] {
        try fetchAll(sql: "SELECT \(Self.organizationColumns) FROM organizations ORDER BY parent_id IS NOT NULL, seq")
            .map(Self.organization(from:))
    }

    func insertOrganization(_ o: Organization) throws {
        do {
            try db.execute(
                sql: """
                    INSERT INTO organizations (id, name, name_lower, parent_id, default_roles, created_by_provider,
                    created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    o.id, o.name, o.name.lowercased(), o.parentID, Self.list(o.defaultRoles), o.createdByProvider,
                    RowCoding.milliseconds(o.createdAt),
                ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ProvisioningError.conflict("An organization named '\(o.name)' already exists.")
        }
    }

    func updateOrganization(_ o: Organization) throws {
        do {
            try db.execute(
                sql: "UPDATE organizations SET name = ?, name_lower = ?, parent_id = ?, default_roles = ? WHERE id = ?",
                arguments: [o.name, o.name.lowercased(), o.parentID, Self.list(o.defaultRoles), o.id])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ProvisioningError.conflict("An organization named '\(o.name)' already exists.")
        }
    }

    func organizationUserCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT organization_id, COUNT(*) FROM users GROUP BY organization_id") {
            counts[row[0]] = row[1]
        }
        return counts
    }

    func setOrganization(userID: String, organizationID: String, pinned: Bool) throws {
        try db.cachedStatement(sql: "UPDATE users SET organization_id = ?, organization_pinned = ? WHERE id = ?")
            .execute(arguments: [organizationID, pinned, userID])
    }

    static func organization(from row: Row) -> Organization {
        Organization(
            id: row[0], name: row[1], parentID: row[2], defaultRoles: items(row[3]), createdByProvider: row[4],
            createdAt: RowCoding.date(row[5]))
    }

    /// Role names joined by newlines (names never contain one).
    static func list(_ items: [String]) -> String { items.joined(separator: "\n") }
    static func items(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    // MARK: Roles

    func roles(ofUsers userIDs: [String]) throws -> [String: [String]] {
        try grouped(userIDs, sql: "SELECT user_id, role FROM user_roles WHERE user_id IN", order: "role")
    }

    func setRoles(userID: String, roles: [String]) throws {
        try db.cachedStatement(sql: "DELETE FROM user_roles WHERE user_id = ?").execute(arguments: [userID])
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO user_roles (user_id, role) VALUES (?, ?)")
        for role in roles { try insert.execute(arguments: [userID, role]) }
    }

    /// Pairs (user id, value) of `sql` for several users, grouped by user.
    func grouped(_ userIDs: [String], sql: String, order: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for row in try rows(forUsers: userIDs, sql: { marks in "\(sql) (\(marks)) ORDER BY \(order)" }) {
            result[row[0], default: []].append(row[1])
        }
        return result
    }

    // MARK: Watchlists

    func watchlist(id: String) throws -> Watchlist? {
        try fetchOne(sql: "SELECT id, name, created_at FROM watchlists WHERE id = ?", arguments: [id])
            .map(Self.watchlist(from:))
    }

    func watchlist(name: String) throws -> Watchlist? {
        try fetchOne(sql: "SELECT id, name, created_at FROM watchlists WHERE name_lower = ?", arguments: [name.lowercased()])
            .map(Self.watchlist(from:))
    }

    func watchlists() throws -> [Watchlist] {
        try fetchAll(sql: "SELECT id, name, created_at FROM watchlists ORDER BY seq").map(Self.watchlist(from:))
    }

    func insertWatchlist(_ w: Watchlist) throws {
        do {
            try db.execute(
                sql: "INSERT INTO watchlists (id, name, name_lower, created_at) VALUES (?, ?, ?, ?)",
                arguments: [w.id, w.name, w.name.lowercased(), RowCoding.milliseconds(w.createdAt)])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ProvisioningError.conflict("A watchlist named '\(w.name)' already exists.")
        }
    }

    func watchlistMemberCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT watchlist_id, COUNT(*) FROM watchlist_members GROUP BY watchlist_id") {
            counts[row[0]] = row[1]
        }
        return counts
    }

    func watchlists(ofUsers userIDs: [String]) throws -> [String: [String]] {
        try grouped(
            userIDs, sql: "SELECT user_id, watchlist_id FROM watchlist_members WHERE user_id IN", order: "watchlist_id")
    }

    func addToWatchlist(watchlistID: String, userID: String, at: Date) throws {
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO watchlist_members (watchlist_id, user_id, added_at) VALUES (?, ?, ?)"
        ).execute(arguments: [watchlistID, userID, RowCoding.milliseconds(at)])
    }

    func removeFromWatchlist(watchlistID: String, userID: String) throws {
        try db.cachedStatement(sql: "DELETE FROM watchlist_members WHERE watchlist_id = ? AND user_id = ?")
            .execute(arguments: [watchlistID, userID])
    }

    func watchlistMembers(watchlistID: String, limit: Int) throws -> [UserRecord] {
        try fetchAll(
            sql: """
                SELECT \(Self.userColumns) FROM watchlist_members m JOIN users u ON u.id = m.user_id
                WHERE m.watchlist_id = ? ORDER BY m.added_at, u.seq LIMIT ?
                """,
            arguments: [watchlistID, Int64(clamping: limit)]
        ).map(Self.user(from:))
    }

    static func watchlist(from row: Row) -> Watchlist {
        Watchlist(id: row[0], name: row[1], createdAt: RowCoding.date(row[2]))
    }

    // MARK: Mapping rules

    func mappingRules(providerID: String) throws -> MappingRules {
        var rules = MappingRules()
        var roleIndex: [String: Int] = [:]
        for row in try fetchAll(
            sql: "SELECT kind, group_id, target, priority FROM mapping_rules WHERE provider_id = ? ORDER BY seq",
            arguments: [providerID])
        {
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

    func insertOrganizationRule(providerID: String, _ rule: MappingRules.OrganizationRule) throws {
        try insertRule(providerID, .organization, rule.groupID, rule.organizationID, priority: rule.priority)
    }

    func insertRoleRule(providerID: String, _ rule: MappingRules.RoleRule) throws {
        for role in rule.roles { try insertRule(providerID, .role, rule.groupID, role, priority: 0) }
    }

    func insertWatchlistRule(providerID: String, _ rule: MappingRules.WatchlistRule) throws {
        try insertRule(providerID, .watchlist, rule.groupID, rule.watchlistID, priority: 0)
    }

    func insertRule(_ providerID: String, _ kind: MappingRuleKind, _ group: String, _ target: String, priority: Int)
        throws
    {
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO mapping_rules (provider_id, kind, group_id, target, priority)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [providerID, kind.rawValue, group, target, priority])
    }

    func deleteRules(_ kind: MappingRuleKind, providerID: String, groupID: String) throws -> Int {
        try db.execute(
            sql: "DELETE FROM mapping_rules WHERE provider_id = ? AND kind = ? AND group_id = ?",
            arguments: [providerID, kind.rawValue, groupID])
        return db.changesCount
    }

    // MARK: Apply runs

    func userBatch(providerID: String, after sequence: Int64, limit: Int) throws -> [(sequence: Int64, user: UserRecord)] {
        try fetchAll(
            sql: """
                SELECT \(Self.userColumns), u.seq FROM users u
                WHERE u.provider_id = ? AND u.linked = 1 AND u.seq > ? ORDER BY u.seq LIMIT ?
                """,
            arguments: [providerID, sequence, limit]
        ).map { (sequence: $0[17], user: Self.user(from: $0)) }
    }

    func openMappingRun(providerID: String) throws -> MappingRun? {
        try fetchOne(
            sql: """
                SELECT id, provider_id, started_at, cursor, processed, changed, finished_at FROM mapping_runs
                WHERE provider_id = ? AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1
                """,
            arguments: [providerID]
        ).map {
            MappingRun(
                id: $0[0], providerID: $0[1], startedAt: RowCoding.date($0[2]), cursor: $0[3], processed: $0[4],
                changed: $0[5], finishedAt: ($0[6] as Int64?).map(RowCoding.date))
        }
    }

    func saveMappingRun(_ run: MappingRun) throws {
        try db.execute(
            sql: """
                INSERT INTO mapping_runs (id, provider_id, started_at, cursor, processed, changed, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor,
                processed = excluded.processed, changed = excluded.changed, finished_at = excluded.finished_at
                """,
            arguments: [
                run.id, run.providerID, RowCoding.milliseconds(run.startedAt), run.cursor, run.processed, run.changed,
                run.finishedAt.map(RowCoding.milliseconds),
            ])
    }
}
