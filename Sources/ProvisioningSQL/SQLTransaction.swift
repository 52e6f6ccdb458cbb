package import Foundation
package import Provisioning
package import SCIM

// One type over 400 lines: the users-and-groups half of StoreTransaction in SQL (the other aggregates are in
// SQLTransaction+*.swift); its statements share the row decoders and the locking rule defined here.

/// ``StoreTransaction`` in SQL, shared by the SQLite and PostgreSQL stores: the driver opens the transaction and
/// hands over its connection; every statement here runs on both databases (the schema keeps booleans as 0/1
/// integers and timestamps as milliseconds on both, and ``SQLDialect`` words the few expressions that differ).
package struct SQLTransaction: StoreTransaction {
    package let connection: any SQLConnection
    /// Whether the rows this transaction reads to change are locked as it reads them: PostgreSQL's write
    /// transactions, which run concurrently (SQLite runs one write at a time and has no row locks).
    let locksRows: Bool

    package init(_ connection: any SQLConnection, locksRows: Bool = false) {
        self.connection = connection
        self.locksRows = locksRows && connection.dialect == .postgres
    }

    /// What a lookup of a row about to be changed appends: `FOR NO KEY UPDATE`, the lock an `UPDATE` takes (it
    /// does not block the key-share locks of foreign-key checks, so inserting memberships of a locked user does
    /// not wait).
    var forUpdate: String { locksRows ? " FOR NO KEY UPDATE" : "" }

    var dialect: SQLDialect { connection.dialect }

    // MARK: Settings

    package func setting(_ key: String) async throws -> String? {
        try await fetchValue("SELECT value FROM settings WHERE key = ?", [key])
    }

    package func setSetting(_ key: String, _ value: String) async throws {
        try await execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value])
    }

    // MARK: Providers

    static let providerColumns = """
        id, name, username, secret_hash, deactivation_delay_seconds, user_name_format, guard_enabled, guard_percent, \
        guard_minimum, guard_tripped_at, created_at, updated_at, org_method, org_id, org_attribute, org_parent_id, \
        role_mode, last_request_at, invalid_data
        """

    package func provider(id: String) async throws -> Provider? {
        try await fetchOne(.provider(id: id)).map(Self.provider(from:))
    }

    package func lockedProvider(id: String) async throws -> Provider? {
        try await fetchOne(.lockedProvider(id: id)).map(Self.provider(from:))
    }

    package func providers() async throws -> [Provider] {
        try await fetchAll("SELECT \(Self.providerColumns) FROM providers ORDER BY created_at, id")
            .map(Self.provider(from:))
    }

    package func insertProvider(_ p: Provider) async throws {
        try await execute(
            "INSERT INTO providers (\(Self.providerColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                p.id, p.name, p.username, p.secretHash, p.deactivationDelay.wholeSeconds, p.userNameFormat.rawValue,
                p.deactivationGuard.enabled, p.deactivationGuard.percent, p.deactivationGuard.minimum,
                p.guardTrippedAt.map(RowCoding.milliseconds),
                RowCoding.milliseconds(p.createdAt), RowCoding.milliseconds(p.updatedAt),
                p.organizationMapping.method.rawValue, p.organizationMapping.organizationID,
                p.organizationMapping.attribute, p.organizationMapping.parentID, p.roleMappingMode.rawValue,
                p.lastRequestAt.map(RowCoding.milliseconds), p.invalidData.rawValue,
            ])
    }

    package func updateProvider(_ p: Provider) async throws {
        try await execute(
            """
            UPDATE providers SET name = ?, username = ?, secret_hash = ?, deactivation_delay_seconds = ?,
            user_name_format = ?, guard_enabled = ?, guard_percent = ?, guard_minimum = ?, guard_tripped_at = ?,
            org_method = ?, org_id = ?, org_attribute = ?, org_parent_id = ?, role_mode = ?, invalid_data = ?,
            updated_at = ?
            WHERE id = ?
            """,
            [
                p.name, p.username, p.secretHash, p.deactivationDelay.wholeSeconds, p.userNameFormat.rawValue,
                p.deactivationGuard.enabled, p.deactivationGuard.percent, p.deactivationGuard.minimum,
                p.guardTrippedAt.map(RowCoding.milliseconds),
                p.organizationMapping.method.rawValue, p.organizationMapping.organizationID,
                p.organizationMapping.attribute, p.organizationMapping.parentID, p.roleMappingMode.rawValue,
                p.invalidData.rawValue, RowCoding.milliseconds(p.updatedAt), p.id,
            ])
    }

    package func touchProvider(id: String, at: Date) async throws {
        try await execute("UPDATE providers SET last_request_at = ? WHERE id = ?", [RowCoding.milliseconds(at), id])
    }

    package func deleteProvider(id: String) async throws {
        try await execute("UPDATE users SET linked = 0 WHERE provider_id = ?", [id])
        try await execute("DELETE FROM provider_user_counts WHERE provider_id = ?", [id])
        try await execute("DELETE FROM user_pages WHERE provider_id = ?", [id])
        try await execute("DELETE FROM providers WHERE id = ?", [id])
    }

    static func provider(from row: SQLRow) -> Provider {
        Provider(
            id: row[0], name: row[1], username: row[2], secretHash: row[3],
            deactivationDelay: .seconds(row[4] as Int64),
            userNameFormat: UserNameFormat(rawValue: row[5]) ?? .email,
            deactivationGuard: DeactivationGuard(enabled: row[6], percent: row[7], minimum: row[8]),
            guardTrippedAt: (row[9] as Int64?).map(RowCoding.date),
            organizationMapping: OrganizationMapping(
                method: OrganizationMapping.Method(rawValue: row[12]) ?? .single,
                organizationID: row[13], attribute: row[14], parentID: row[15]),
            roleMappingMode: RoleMappingMode(rawValue: row[16]) ?? .groups,
            lastRequestAt: (row[17] as Int64?).map(RowCoding.date),
            invalidData: InvalidDataPolicy(rawValue: row[18]) ?? .acceptAndWarn,
            createdAt: RowCoding.date(row[10]), updatedAt: RowCoding.date(row[11]))
    }

    // MARK: Users

    static let userColumns =
        """
        u.id, u.provider_id, u.linked, u.user_name, u.scim_active, u.status, u.admin_blocked, u.deactivation_due_at, \
        u.held, u.legal_hold, u.legal_hold_matter, u.doc, u.version, u.created_at, u.updated_at, u.organization_id, \
        u.organization_pinned
        """

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
            .users, scope: Self.usersScope(providerID),
            columns: Self.userColumns, query: query, unfilteredTotal: { try await userCount(providerID: providerID) },
            decode: Self.user(from:))
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
            attributes: RowCoding.attributes(fromDocument: row[11]), version: row[12],
            createdAt: RowCoding.date(row[13]), updatedAt: RowCoding.date(row[14]))
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

    // MARK: Groups

    static let groupColumns =
        "g.id, g.provider_id, g.display_name, g.doc, g.member_count, g.version, g.created_at, g.updated_at"

    package func group(id: String) async throws -> GroupRecord? {
        try await fetchOne(.group(id: id)).map(Self.group(from:))
    }

    package func group(providerID: String, displayName: String) async throws -> GroupRecord? {
        try await fetchOne(
            "SELECT \(Self.groupColumns) FROM groups g WHERE g.provider_id = ? AND g.display_name_lower = ?\(forUpdate)",
            [providerID, displayName.lowercased()]
        ).map(Self.group(from:))
    }

    package func insertGroup(_ g: GroupRecord) async throws {
        try await execute(
            """
            INSERT INTO groups (id, provider_id, display_name, display_name_lower, external_id, doc, member_count,
            version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
            """,
            [
                g.id, g.providerID, g.displayName, g.displayName.lowercased(), g.externalID,
                RowCoding.document(g.attributes), g.version, RowCoding.milliseconds(g.createdAt),
                RowCoding.milliseconds(g.updatedAt),
            ])
    }

    package func updateGroup(_ g: GroupRecord) async throws {
        try await enqueue(
            """
            UPDATE groups SET display_name = ?, display_name_lower = ?, external_id = ?, doc = ?, version = ?,
            updated_at = ? WHERE id = ?
            """,
            [
                g.displayName, g.displayName.lowercased(), g.externalID, RowCoding.document(g.attributes), g.version,
                RowCoding.milliseconds(g.updatedAt), g.id,
            ])
    }

    package func deleteGroup(id: String) async throws {
        try await execute("DELETE FROM mapping_rules WHERE group_id = ?", [id])
        try await execute("DELETE FROM group_members WHERE group_id = ?", [id])
        try await execute("DELETE FROM groups WHERE id = ?", [id])
    }

    package func groups(providerID: String, query: StoreQuery) async throws -> Page<GroupRecord> {
        try await page(
            .groups, scope: SQLFragment("g.provider_id = ?", [.text(providerID)]), columns: Self.groupColumns,
            query: query, decode: Self.group(from:))
    }

    /// One page of a list query over users or groups: the count and the rows of the window, filtered in SQL and
    /// ordered by the sort key, then by `seq` so that pages never repeat or skip a resource.
    func page<T>(
        _ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery,
        unfilteredTotal: (() async throws -> Int)? = nil, decode: (SQLRow) -> T
    ) async throws -> Page<T> {
        let statements = try pageStatements(resource, scope: scope, columns: columns, query: query)
        let total: Int
        if query.filter == nil, let unfilteredTotal {
            total = try await unfilteredTotal()
        } else {
            total = try await fetchValue(statements.count.sql, statements.count.arguments) ?? 0
        }
        guard query.limit > 0, query.offset < total else { return Page(totalResults: total, items: []) }
        return Page(
            totalResults: total, items: try await fetchAll(statements.rows.sql, statements.rows.arguments).map(decode))
    }

    /// The two statements of ``page(_:scope:columns:query:unfilteredTotal:decode:)``: the filtered count and the
    /// window's rows.
    ///
    /// On PostgreSQL, a users filter with a top-level `userName eq`, `id eq` or `externalId eq` reads that user
    /// through its own index first (a materialized CTE) and applies the scope and the rest of the filter to that
    /// one row. Otherwise the planner may answer `userName eq` through `users_by_provider`, filtering every user of
    /// the provider, whenever the table's statistics are stale (right after an initial sync, before autovacuum
    /// analyzes it): exactly when IdPs send that lookup before every push.
    package func pageStatements(_ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery)
        throws -> (count: SQLFragment, rows: SQLFragment)
    {
        let compiler = FilterCompiler(dialect: dialect, resource: resource)
        var table = resource == .users ? "users u" : "groups g"
        var prefix = SQLFragment("")
        var condition = scope
        if let filter = query.filter {
            condition = condition + SQLFragment(" AND ") + (try compiler.compile(filter))
            if dialect == .postgres, resource == .users, let key = Self.keyConjunct(filter) {
                var lookup = try compiler.compile(key)
                if case .comparison(let path, _, _) = key, path.attribute.equalsIgnoringCase("externalId") {
                    // externalId is unique per provider only: its index is (provider_id, external_id).
                    lookup = scope + SQLFragment(" AND ") + lookup
                }
                prefix =
                    SQLFragment("WITH k AS MATERIALIZED (SELECT * FROM users u WHERE ") + lookup + SQLFragment(") ")
                table = "k u"
            }
        }
        let count = prefix + SQLFragment("SELECT COUNT(*) FROM \(table) WHERE ") + condition
        let order =
            query.sort.map { "\(compiler.sortExpression($0)) \($0.descending ? "DESC" : "ASC") NULLS LAST, " } ?? ""
        let rows =
            prefix + SQLFragment("SELECT \(columns) FROM \(table) WHERE ") + condition
            + SQLFragment(
                " ORDER BY \(order)\(resource.alias).seq LIMIT ? OFFSET ?",
                [.integer(Int64(query.limit)), .integer(Int64(query.offset))])
        return (count, rows)
    }

    /// A conjunct of `filter` (itself, or one side of a top-level `and`) that names at most one user of a
    /// provider through an index of its own: `id eq`, `userName eq` or `externalId eq` a string.
    static func keyConjunct(_ filter: Filter) -> Filter? {
        switch filter {
        case .comparison(let path, .eq, .string) where path.schema == nil && path.subAttribute == nil:
            let name = path.attribute
            return name.equalsIgnoringCase("id") || name.equalsIgnoringCase("userName")
                || name.equalsIgnoringCase("externalId") ? filter : nil
        case .and(let lhs, let rhs):
            return keyConjunct(lhs) ?? keyConjunct(rhs)
        default:
            return nil
        }
    }

    package func groupCount(providerID: String) async throws -> Int {
        try await fetchValue("SELECT COUNT(*) FROM groups WHERE provider_id = ?", [providerID]) ?? 0
    }

    /// A group from a row of ``groupColumns``, decoded by position.
    static func group(from row: SQLRow) -> GroupRecord {
        GroupRecord(
            id: row[0], providerID: row[1], displayName: row[2], attributes: RowCoding.attributes(fromDocument: row[3]),
            memberCount: row[4], version: row[5], createdAt: RowCoding.date(row[6]), updatedAt: RowCoding.date(row[7]))
    }

    // MARK: Memberships

    package func addMembers(groupID: String, members: [MemberReference]) async throws -> [String] {
        var seen = Set<String>()
        let unique = members.filter { seen.insert($0.id).inserted }
        var added = Set<String>()
        for chunk in Self.chunks(unique) {
            // One statement per chunk: the users that exist, joined to the values, inserted unless already members.
            let values = Self.rows("(?, CAST(? AS TEXT))", chunk.count)
            var arguments: [any SQLValueConvertible] = []
            for member in chunk { arguments += [member.id, member.display] }
            arguments.append(groupID)
            for row in try await fetchAll(
                """
                WITH v(id, display) AS (VALUES \(values))
                INSERT INTO group_members (group_id, user_id, seq, display)
                SELECT ?, u.id, u.seq, v.display FROM v \(usersOf("v", columns: "id, seq"))
                ON CONFLICT DO NOTHING RETURNING user_id
                """, arguments)
            {
                added.insert(row[0])
            }
        }
        if !added.isEmpty {
            try await execute("UPDATE groups SET member_count = member_count + ? WHERE id = ?", [added.count, groupID])
        }
        return unique.map(\.id).filter(added.contains)
    }

    package func removeMembers(groupID: String, userIDs: [String]) async throws -> [String] {
        var seen = Set<String>()
        let unique = userIDs.filter { seen.insert($0).inserted }
        var removed = Set<String>()
        for chunk in Self.chunks(unique) {
            for row in try await fetchAll(
                "DELETE FROM group_members WHERE group_id = ? AND user_id IN (\(Self.rows("?", chunk.count))) RETURNING user_id",
                [groupID] + Array(chunk))
            {
                removed.insert(row[0])
            }
        }
        if !removed.isEmpty {
            try await execute(
                "UPDATE groups SET member_count = member_count - ? WHERE id = ?", [removed.count, groupID])
        }
        return unique.filter(removed.contains)
    }

    /// `items` split for statements over many values: chunks of `limit`, then of powers of two, so that statements
    /// come in a few shapes only (each shape is one prepared statement in SQLite's statement cache).
    static func chunks<T>(_ items: [T], limit: Int = 128) -> [ArraySlice<T>] {
        var chunks: [ArraySlice<T>] = []
        var start = 0
        var size = limit
        while start < items.count {
            while items.count - start < size { size /= 2 }
            chunks.append(items[start..<start + size])
            start += size
        }
        return chunks
    }

    /// `count` copies of a placeholder row (`?`, `(?, ?)`) separated by commas, for a statement over a chunk.
    static func rows(_ row: String, _ count: Int) -> String {
        Array(repeating: row, count: count).joined(separator: ", ")
    }

    package func members(groupID: String, limit: Int) async throws -> [MemberReference] {
        try await fetchAll(
            """
            SELECT m.user_id, coalesce(m.display, u.display_name, u.user_name) AS display FROM group_members m
            JOIN users u ON u.id = m.user_id WHERE m.group_id = ? ORDER BY m.seq LIMIT ?
            """, [groupID, Int64(clamping: limit)]
        ).map { MemberReference(id: $0[0], display: $0[1]) }
    }

    package func groups(ofUser userID: String) async throws -> [MemberReference] {
        try await fetchAll(.groupsOfUser(userID)).map { MemberReference(id: $0[0], display: $0[1]) }
    }

    package func groups(ofUsers userIDs: [String]) async throws -> [String: [MemberReference]] {
        var result: [String: [MemberReference]] = [:]
        for row in try await rows(
            forUsers: userIDs,
            sql: { marks in
                """
                SELECT m.user_id, g.id, g.display_name FROM group_members m JOIN groups g ON g.id = m.group_id
                WHERE m.user_id IN (\(marks)) ORDER BY g.seq
                """
            })
        {
            result[row[0], default: []].append(MemberReference(id: row[1], display: row[2]))
        }
        return result
    }

    /// The rows of `sql` for many users, by chunks that stay well below SQLite's bound-parameter limit; `sql`
    /// gets the chunk's `?,?,…` list.
    func rows(forUsers userIDs: [String], sql: (String) -> String) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for start in stride(from: 0, to: userIDs.count, by: 500) {
            let chunk = Array(userIDs[start..<min(start + 500, userIDs.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            rows += try await fetchAll(sql(marks), chunk)
        }
        return rows
    }

    package func removeMemberships(userID: String) async throws -> [String] {
        let groups: [String] = try await fetchAll("SELECT group_id FROM group_members WHERE user_id = ?", [userID]).map
        { $0[0] }
        for g in groups { _ = try await removeMembers(groupID: g, userIDs: [userID]) }
        return groups
    }

    package func existingUserIDs(_ userIDs: [String], providerID: String) async throws -> Set<String> {
        // By id alone, then checked here: with provider_id and linked in the WHERE clause, PostgreSQL may walk
        // users_by_provider instead of the ids' own index when the table's statistics are stale.
        var found = Set<String>()
        for row in try await usersByID(Array(Set(userIDs)), columns: "id, provider_id, linked") {
            let (id, owner, linked): (String, String?, Bool) = (row[0], row[1], row[2])
            if owner == providerID && linked { found.insert(id) }
        }
        return found
    }

    package func userNames(ids: [String]) async throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try await usersByID(Array(Set(ids)), columns: "id, user_name") { names[row[0]] = row[1] }
        return names
    }

    /// `columns` of the users with these ids, in statements of a few shapes (see ``chunks(_:limit:)``).
    func usersByID(_ ids: [String], columns: String) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for chunk in Self.chunks(ids) {
            let values = Self.rows("(CAST(? AS TEXT))", chunk.count)
            rows += try await fetchAll(
                "WITH v(id) AS (VALUES \(values)) SELECT u.* FROM v \(usersOf("v", columns: columns))", Array(chunk))
        }
        return rows
    }

    /// Joins the users named by `values.id` (a list of ids) as `u` with `columns`, each through the id's own index:
    /// on PostgreSQL a `LATERAL` lookup per id (its `LIMIT` keeps the planner from flattening it into a join),
    /// because a plain join over a hundred ids may be planned as a scan of every user while the table's statistics
    /// are stale; SQLite always uses the index.
    func usersOf(_ values: String, columns: String) -> String {
        switch dialect {
        case .postgres: ", LATERAL (SELECT \(columns) FROM users WHERE users.id = \(values).id LIMIT 1) AS u"
        case .sqlite: "JOIN (SELECT \(columns) FROM users) AS u ON u.id = \(values).id WHERE 1 = 1"
        }
    }

    // MARK: Statements

    /// Runs one statement; returns how many rows it changed.
    @discardableResult
    package func execute(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> Int {
        try await connection.execute(sql, arguments.map(\.sqlValue))
    }

    /// Runs one statement whose row count is not needed; a network driver pipelines it (``SQLConnection/enqueue``).
    package func enqueue(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws {
        try await connection.enqueue(sql, arguments.map(\.sqlValue))
    }

    // MARK: Reads named ahead

    /// The statement of a read that can be named ahead: the requirement of each read runs exactly this statement,
    /// so a prefetched answer is found by its text and arguments.
    func statement(_ read: StoreRead) -> (sql: String, arguments: [any SQLValueConvertible])? {
        switch read {
        case .provider(let id):
            ("SELECT \(Self.providerColumns) FROM providers WHERE id = ?", [id])
        case .lockedProvider(let id):
            ("SELECT \(Self.providerColumns) FROM providers WHERE id = ?\(forUpdate)", [id])
        case .userCount(let providerID):
            ("SELECT COALESCE(SUM(users), 0) FROM provider_user_counts WHERE provider_id = ?", [providerID])
        case .syncLogCount(let providerID, let action, let since):
            (
                "SELECT COUNT(*) FROM sync_log WHERE provider_id = ? AND action = ? AND at >= ?",
                [providerID, action.rawValue, RowCoding.milliseconds(since)]
            )
        case .user(let id):
            ("SELECT \(Self.userColumns) FROM users u WHERE u.id = ?\(forUpdate)", [id])
        case .userNamed(let userName):
            ("SELECT \(Self.userColumns) FROM users u WHERE u.user_name_lower = ?\(forUpdate)", [userName.lowercased()])
        case .groupsOfUser(let userID):
            (
                """
                SELECT g.id, g.display_name FROM group_members m JOIN groups g ON g.id = m.group_id
                WHERE m.user_id = ? ORDER BY g.seq
                """, [userID]
            )
        case .group(let id):
            ("SELECT \(Self.groupColumns) FROM groups g WHERE g.id = ?\(forUpdate)", [id])
        case .mappingRules(let providerID):
            (
                "SELECT kind, group_id, target, priority FROM mapping_rules WHERE provider_id = ? ORDER BY seq",
                [providerID]
            )
        case .organization(let id):
            ("SELECT \(Self.organizationColumns) FROM organizations WHERE id = ?", [id])
        case .users:
            nil  // two statements, named by `pageStatements`
        }
    }

    package func prefetch(_ reads: [StoreRead]) async throws {
        for read in reads {
            if case .users(let providerID, let query) = read {
                // Only a filtered list runs exactly these two statements (an unfiltered one counts differently).
                guard query.filter != nil else { continue }
                let statements = try pageStatements(
                    .users, scope: Self.usersScope(providerID), columns: Self.userColumns, query: query)
                await connection.prefetch(statements.count.sql, statements.count.arguments)
                if query.limit > 0 { await connection.prefetch(statements.rows.sql, statements.rows.arguments) }
                continue
            }
            guard let statement = statement(read) else { continue }
            await connection.prefetch(statement.sql, statement.arguments.map(\.sqlValue))
        }
    }

    /// The linked users of a provider, as list queries scope them.
    static func usersScope(_ providerID: String) -> SQLFragment {
        SQLFragment("u.provider_id = ? AND u.linked = 1", [.text(providerID)])
    }

    func fetchOne(_ read: StoreRead) async throws -> SQLRow? {
        guard let statement = statement(read) else { return nil }
        return try await fetchOne(statement.sql, statement.arguments)
    }

    func fetchAll(_ read: StoreRead) async throws -> [SQLRow] {
        guard let statement = statement(read) else { return [] }
        return try await fetchAll(statement.sql, statement.arguments)
    }

    /// The first row of a query, if any.
    func fetchOne(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> SQLRow? {
        try await connection.query(sql, arguments.map(\.sqlValue)).first
    }

    /// All rows of a query.
    package func fetchAll(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> [SQLRow] {
        try await connection.query(sql, arguments.map(\.sqlValue))
    }

    /// The first column of the first row, if there is a row and the value is not NULL.
    func fetchValue<T: SQLDecodable>(_ sql: String, _ arguments: [any SQLValueConvertible] = []) async throws -> T? {
        guard let row = try await fetchOne(sql, arguments), let first = row.values.first, first != .null else {
            return nil
        }
        return T(sqlValue: first)
    }

    /// Runs `body`, turning the database's unique violation into a domain conflict with `message`.
    func unique<T>(_ message: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch SQLStoreError.uniqueViolation {
            throw ProvisioningError.conflict(message())
        }
    }
}
