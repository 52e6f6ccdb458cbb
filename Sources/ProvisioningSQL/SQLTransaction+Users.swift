import Foundation
package import Provisioning

/// Users: reads, writes, list pages and the console's search.
extension SQLTransaction {
    static let userColumns =
        """
        u.id, u.provider_id, u.linked, u.user_name, u.scim_active, u.status, u.admin_blocked, u.deactivation_due_at, \
        u.held, u.legal_hold, u.legal_hold_matter, u.doc, u.version, u.created_at, u.updated_at, u.organization_id, \
        u.organization_pinned
        """
    /// How many columns ``userColumns`` names: a statement's own columns follow them.
    static let userColumnCount = userColumns.split(separator: ",").count

    package func user(id: String) async throws -> UserRecord? {
        try await fetchOne(.user(id: id)).map(Self.user(from:))
    }

    package func user(userName: String) async throws -> UserRecord? {
        try await fetchOne(.userNamed(userName)).map(Self.user(from:))
    }

    package func insertUser(_ u: UserRecord) async throws {
        try await enqueue(
            """
            INSERT INTO users (id, provider_id, linked, user_name, user_name_lower, external_id, display_name,
            scim_active, status, admin_blocked, deactivation_due_at, held, legal_hold, legal_hold_matter, doc,
            version, created_at, updated_at, organization_id, organization_pinned)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                u.id, u.providerID, u.linked, u.userName, u.userName.lowercased(), u.externalID, u.displayName,
                u.scimActive, u.status.rawValue, u.adminBlocked, u.deactivationDueAt.map(RowCoding.milliseconds),
                u.held?.rawValue, u.legalHold, u.legalHoldMatter, RowCoding.document(u.attributes), u.version,
                RowCoding.milliseconds(u.createdAt), RowCoding.milliseconds(u.updatedAt), u.organizationID,
                u.organizationPinned,
            ])
    }

    package func updateUser(_ u: UserRecord) async throws {
        try await enqueue(
            """
            UPDATE users SET provider_id = ?, linked = ?, user_name = ?, user_name_lower = ?, external_id = ?,
            display_name = ?, scim_active = ?, status = ?, admin_blocked = ?, deactivation_due_at = ?, held = ?,
            legal_hold = ?, legal_hold_matter = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?
            """,
            [
                u.providerID, u.linked, u.userName, u.userName.lowercased(), u.externalID, u.displayName,
                u.scimActive, u.status.rawValue, u.adminBlocked, u.deactivationDueAt.map(RowCoding.milliseconds),
                u.held?.rawValue, u.legalHold, u.legalHoldMatter, RowCoding.document(u.attributes), u.version,
                RowCoding.milliseconds(u.updatedAt), u.id,
            ])
    }

    package func users(providerID: String, query: StoreQuery) async throws -> Page<UserRecord> {
        if query.filter == nil, query.sort == nil, query.limit > 0, query.offset >= 2 * Migrations.pageBlock {
            let total = try await userCount(providerID: providerID)
            guard query.offset < total else { return Page(totalResults: total, items: []) }
            if let start = try await deepPageStart(providerID: providerID, offset: query.offset) {
                let rows = try await fetchAll(
                    """
                    SELECT \(Self.userColumns) FROM users u WHERE u.provider_id = ? AND u.linked = 1 AND u.seq >= ?
                    ORDER BY u.seq LIMIT ? OFFSET ?
                    """, [providerID, start.seq, query.limit, start.skip])
                return Page(totalResults: total, items: rows.map(Self.user(from:)))
            }
        }
        return try await page(
            .users, scope: Self.usersScope(providerID), columns: Self.userColumns, query: query,
            unfilteredTotal: { try await userCount(providerID: providerID) },
            unfilteredCount: Self.userCountFragment(providerID), decode: Self.user(from:))
    }

    /// The statements of a page of a provider's linked users that is not a deep one (those above).
    func userPageStatements(providerID: String, query: StoreQuery) throws
        -> (count: SQLFragment, rows: SQLFragment, countedInRows: Bool)
    {
        try pageStatements(
            .users, scope: Self.usersScope(providerID), columns: Self.userColumns, query: query,
            unfilteredCount: Self.userCountFragment(providerID))
    }

    /// The provider's kept count of linked users, as a statement (``userCount(providerID:)``'s). An integer:
    /// PostgreSQL sums `BIGINT`s as `numeric`, which every row of a page would carry and decode as a decimal.
    static func userCountFragment(_ providerID: String) -> SQLFragment {
        SQLFragment(
            "SELECT CAST(COALESCE(SUM(users), 0) AS BIGINT) FROM provider_user_counts WHERE provider_id = ?",
            [.text(providerID)])
    }

    /// Where the linked user at `offset` (in `seq` order) is: the first `seq` of its `user_pages` block and how
    /// many of the block's users come before it. Sums the per-block counts (about a thousand rows for a million
    /// users) instead of walking `offset` index entries.
    func deepPageStart(providerID: String, offset: Int) async throws -> (seq: Int64, skip: Int)? {
        var before = 0
        for row in try await fetchAll(
            """
            SELECT block, SUM(users) FROM user_pages WHERE provider_id = ? GROUP BY block HAVING SUM(users) > 0
            ORDER BY block
            """, [providerID])
        {
            let block: Int64 = row[0]
            let users: Int = row[1]
            if before + users > offset { return (block * Int64(Migrations.pageBlock), offset - before) }
            before += users
        }
        return nil
    }

    package func allUsers(offset: Int, limit: Int) async throws -> [UserRecord] {
        try await fetchAll(
            "SELECT \(Self.userColumns) FROM users u ORDER BY u.seq LIMIT ? OFFSET ?", [limit, offset]
        ).map(Self.user(from:))
    }

    package func searchUsers(_ search: UserSearch) async throws -> Page<UserRecord> {
        var conditions: [String] = []
        var arguments: [any SQLValueConvertible] = []
        if let text = search.text?.lowercased(), !text.isEmpty {
            let pattern =
                "%"
                + text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append(
                "(u.user_name_lower LIKE ? ESCAPE '\\' OR \(dialect.lower("u.display_name")) LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        if let status = search.status {
            conditions.append("u.status = ?")
            arguments.append(status.rawValue)
        }
        if let provider = search.providerID {
            if provider.isEmpty {
                conditions.append("u.provider_id IS NULL")
            } else {
                conditions.append("u.provider_id = ?")
                arguments.append(provider)
            }
        }
        if let organization = search.organizationID {
            conditions.append("u.organization_id = ?")
            arguments.append(organization)
        }
        if search.legalHold { conditions.append("u.legal_hold = 1") }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total: Int = try await fetchValue("SELECT COUNT(*) FROM users u \(clause)", arguments) ?? 0
        let rows = try await fetchAll(
            "SELECT \(Self.userColumns) FROM users u \(clause) ORDER BY u.seq LIMIT ? OFFSET ?",
            arguments + [search.limit, search.offset])
        return Page(totalResults: total, items: rows.map(Self.user(from:)))
    }

    package func userCount(providerID: String) async throws -> Int {
        guard let row = try await fetchOne(.userCount(providerID: providerID)) else { return 0 }
        return row[0]
    }

    /// A user from a row of ``userColumns``, decoded by position (looking columns up by name costs more than
    /// the query on a page of users).
    static func user(from row: SQLRow) -> UserRecord {
        var user = UserRecord(
            id: row[0], providerID: row[1], linked: row[2], userName: row[3], scimActive: row[4],
            storedAttributes: row[11], version: row[12], createdAt: RowCoding.date(row[13]),
            updatedAt: RowCoding.date(row[14]))
        user.deactivated = (row[5] as String) == UserStatus.deactivated.rawValue
        user.adminBlocked = row[6]
        user.deactivationDueAt = (row[7] as Int64?).map(RowCoding.date)
        user.held = (row[8] as String?).flatMap(HoldReason.init(rawValue:))
        user.legalHold = row[9]
        user.legalHoldMatter = row[10]
        user.organizationID = row[15]
        user.organizationPinned = row[16]
        return user
    }
}
