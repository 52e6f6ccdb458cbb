import Foundation
import GRDB
import Provisioning
import ProvisioningSQL
import SCIM

/// ``StoreTransaction`` over one GRDB database connection inside a transaction.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

    // MARK: Settings

    func setting(_ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
    }

    func setSetting(_ key: String, _ value: String) throws {
        try db.execute(
            sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    // MARK: Providers

    static let providerColumns = """
        id, name, username, secret_hash, deactivation_delay_seconds, user_name_format, guard_enabled, guard_percent, \
        guard_minimum, guard_tripped_at, created_at, updated_at, org_method, org_id, org_attribute, org_parent_id, \
        role_mode, last_request_at
        """

    func provider(id: String) throws -> Provider? {
        try fetchOne(sql: "SELECT \(Self.providerColumns) FROM providers WHERE id = ?", arguments: [id])
            .map(Self.provider(from:))
    }

    func providers() throws -> [Provider] {
        try fetchAll(sql: "SELECT \(Self.providerColumns) FROM providers ORDER BY created_at, id")
            .map(Self.provider(from:))
    }

    func insertProvider(_ p: Provider) throws {
        try db.execute(
            sql: "INSERT INTO providers (\(Self.providerColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                p.id, p.name, p.username, p.secretHash, p.deactivationDelay.wholeSeconds, p.userNameFormat.rawValue,
                p.deactivationGuard.enabled, p.deactivationGuard.percent, p.deactivationGuard.minimum,
                p.guardTrippedAt.map(RowCoding.milliseconds),
                RowCoding.milliseconds(p.createdAt), RowCoding.milliseconds(p.updatedAt),
                p.organizationMapping.method.rawValue, p.organizationMapping.organizationID,
                p.organizationMapping.attribute, p.organizationMapping.parentID, p.roleMappingMode.rawValue,
                p.lastRequestAt.map(RowCoding.milliseconds),
            ])
    }

    func updateProvider(_ p: Provider) throws {
        try db.execute(
            sql: """
                UPDATE providers SET name = ?, username = ?, secret_hash = ?, deactivation_delay_seconds = ?,
                user_name_format = ?, guard_enabled = ?, guard_percent = ?, guard_minimum = ?, guard_tripped_at = ?,
                org_method = ?, org_id = ?, org_attribute = ?, org_parent_id = ?, role_mode = ?, updated_at = ?
                WHERE id = ?
                """,
            arguments: [
                p.name, p.username, p.secretHash, p.deactivationDelay.wholeSeconds, p.userNameFormat.rawValue,
                p.deactivationGuard.enabled, p.deactivationGuard.percent, p.deactivationGuard.minimum,
                p.guardTrippedAt.map(RowCoding.milliseconds),
                p.organizationMapping.method.rawValue, p.organizationMapping.organizationID,
                p.organizationMapping.attribute, p.organizationMapping.parentID, p.roleMappingMode.rawValue,
                RowCoding.milliseconds(p.updatedAt), p.id,
            ])
    }

    func touchProvider(id: String, at: Date) throws {
        try db.cachedStatement(sql: "UPDATE providers SET last_request_at = ? WHERE id = ?")
            .execute(arguments: [RowCoding.milliseconds(at), id])
    }

    func deleteProvider(id: String) throws {
        try db.execute(sql: "UPDATE users SET linked = 0 WHERE provider_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM providers WHERE id = ?", arguments: [id])
    }

    static func provider(from row: Row) -> Provider {
        Provider(
            id: row["id"], name: row["name"], username: row["username"], secretHash: row["secret_hash"],
            deactivationDelay: .seconds(row["deactivation_delay_seconds"] as Int64),
            userNameFormat: UserNameFormat(rawValue: row["user_name_format"]) ?? .email,
            deactivationGuard: DeactivationGuard(
                enabled: row["guard_enabled"], percent: row["guard_percent"], minimum: row["guard_minimum"]),
            guardTrippedAt: (row["guard_tripped_at"] as Int64?).map(RowCoding.date),
            organizationMapping: OrganizationMapping(
                method: OrganizationMapping.Method(rawValue: row["org_method"]) ?? .single,
                organizationID: row["org_id"], attribute: row["org_attribute"], parentID: row["org_parent_id"]),
            roleMappingMode: RoleMappingMode(rawValue: row["role_mode"]) ?? .groups,
            lastRequestAt: (row["last_request_at"] as Int64?).map(RowCoding.date),
            createdAt: RowCoding.date(row["created_at"]), updatedAt: RowCoding.date(row["updated_at"]))
    }

    // MARK: Users

    static let userColumns =
        """
        u.id, u.provider_id, u.linked, u.user_name, u.scim_active, u.status, u.admin_blocked, u.deactivation_due_at, \
        u.held, u.legal_hold, u.legal_hold_matter, u.doc, u.version, u.created_at, u.updated_at, u.organization_id, \
        u.organization_pinned
        """

    func user(id: String) throws -> UserRecord? {
        try fetchOne(sql: "SELECT \(Self.userColumns) FROM users u WHERE u.id = ?", arguments: [id])
            .map(Self.user(from:))
    }

    func user(userName: String) throws -> UserRecord? {
        try fetchOne(
            sql: "SELECT \(Self.userColumns) FROM users u WHERE u.user_name_lower = ?",
            arguments: [userName.lowercased()]
        ).map(Self.user(from:))
    }

    func insertUser(_ u: UserRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO users (id, provider_id, linked, user_name, user_name_lower, external_id, display_name,
                scim_active, status, admin_blocked, deactivation_due_at, held, legal_hold, legal_hold_matter, doc,
                version, created_at, updated_at, organization_id, organization_pinned)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                u.id, u.providerID, u.linked, u.userName, u.userName.lowercased(), u.externalID, u.displayName,
                u.scimActive, u.status.rawValue, u.adminBlocked, u.deactivationDueAt.map(RowCoding.milliseconds),
                u.held?.rawValue, u.legalHold, u.legalHoldMatter, RowCoding.document(u.attributes), u.version,
                RowCoding.milliseconds(u.createdAt), RowCoding.milliseconds(u.updatedAt), u.organizationID,
                u.organizationPinned,
            ])
    }

    func updateUser(_ u: UserRecord) throws {
        try db.execute(
            sql: """
                UPDATE users SET provider_id = ?, linked = ?, user_name = ?, user_name_lower = ?, external_id = ?,
                display_name = ?, scim_active = ?, status = ?, admin_blocked = ?, deactivation_due_at = ?, held = ?,
                legal_hold = ?, legal_hold_matter = ?, doc = ?, version = ?, updated_at = ? WHERE id = ?
                """,
            arguments: [
                u.providerID, u.linked, u.userName, u.userName.lowercased(), u.externalID, u.displayName,
                u.scimActive, u.status.rawValue, u.adminBlocked, u.deactivationDueAt.map(RowCoding.milliseconds),
                u.held?.rawValue, u.legalHold, u.legalHoldMatter, RowCoding.document(u.attributes), u.version,
                RowCoding.milliseconds(u.updatedAt), u.id,
            ])
    }

    func users(providerID: String, query: StoreQuery) throws -> Page<UserRecord> {
        try page(
            .users, scope: SQLFragment("u.provider_id = ? AND u.linked = 1", [.text(providerID)]),
            columns: Self.userColumns, query: query, unfilteredTotal: { try userCount(providerID: providerID) },
            decode: Self.user(from:))
    }

    func allUsers(offset: Int, limit: Int) throws -> [UserRecord] {
        try fetchAll(
            sql: "SELECT \(Self.userColumns) FROM users u ORDER BY u.seq LIMIT ? OFFSET ?", arguments: [limit, offset]
        ).map(Self.user(from:))
    }

    func searchUsers(_ search: UserSearch) throws -> Page<UserRecord> {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let text = search.text?.lowercased(), !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(u.user_name_lower LIKE ? ESCAPE '\\' OR lower(u.display_name) LIKE ? ESCAPE '\\')")
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
        let total = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM users u \(clause)", arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(Self.userColumns) FROM users u \(clause) ORDER BY u.seq LIMIT ? OFFSET ?",
            arguments: StatementArguments(arguments + [search.limit, search.offset]))
        return Page(totalResults: total, items: rows.map(Self.user(from:)))
    }

    func userCount(providerID: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT user_count FROM providers WHERE id = ?"), arguments: [providerID])
            ?? 0
    }

    /// A user from a row of ``userColumns``, decoded by position (looking columns up by name costs more than
    /// the query on a page of users).
    static func user(from row: Row) -> UserRecord {
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

    static let groupColumns = "g.id, g.provider_id, g.display_name, g.doc, g.member_count, g.version, g.created_at, g.updated_at"

    func group(id: String) throws -> GroupRecord? {
        try fetchOne(sql: "SELECT \(Self.groupColumns) FROM groups g WHERE g.id = ?", arguments: [id])
            .map(Self.group(from:))
    }

    func group(providerID: String, displayName: String) throws -> GroupRecord? {
        try fetchOne(
            sql: "SELECT \(Self.groupColumns) FROM groups g WHERE g.provider_id = ? AND g.display_name_lower = ?",
            arguments: [providerID, displayName.lowercased()]
        ).map(Self.group(from:))
    }

    func insertGroup(_ g: GroupRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO groups (id, provider_id, display_name, display_name_lower, external_id, doc, member_count,
                version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                """,
            arguments: [
                g.id, g.providerID, g.displayName, g.displayName.lowercased(), g.externalID,
                RowCoding.document(g.attributes), g.version, RowCoding.milliseconds(g.createdAt),
                RowCoding.milliseconds(g.updatedAt),
            ])
    }

    func updateGroup(_ g: GroupRecord) throws {
        try db.execute(
            sql: """
                UPDATE groups SET display_name = ?, display_name_lower = ?, external_id = ?, doc = ?, version = ?,
                updated_at = ? WHERE id = ?
                """,
            arguments: [
                g.displayName, g.displayName.lowercased(), g.externalID, RowCoding.document(g.attributes), g.version,
                RowCoding.milliseconds(g.updatedAt), g.id,
            ])
    }

    func deleteGroup(id: String) throws {
        try db.execute(sql: "DELETE FROM mapping_rules WHERE group_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM group_members WHERE group_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM groups WHERE id = ?", arguments: [id])
    }

    func groups(providerID: String, query: StoreQuery) throws -> Page<GroupRecord> {
        try page(
            .groups, scope: SQLFragment("g.provider_id = ?", [.text(providerID)]), columns: Self.groupColumns,
            query: query, decode: Self.group(from:))
    }

    /// One page of a list query over users or groups: the count and the rows of the window, filtered in SQL and
    /// ordered by the sort key, then by `seq` so that pages never repeat or skip a resource.
    func page<T>(
        _ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery,
        unfilteredTotal: (() throws -> Int)? = nil, decode: (Row) -> T
    ) throws -> Page<T> {
        let compiler = FilterCompiler(dialect: .sqlite, resource: resource)
        let table = resource == .users ? "users u" : "groups g"
        var condition = scope
        if let filter = query.filter { condition = condition + SQLFragment(" AND ") + (try compiler.compile(filter)) }
        let total: Int
        if query.filter == nil, let unfilteredTotal {
            total = try unfilteredTotal()
        } else {
            total = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition.sql)"),
                arguments: Self.arguments(condition)) ?? 0
        }
        guard query.limit > 0, query.offset < total else { return Page(totalResults: total, items: []) }
        let order = query.sort.map { "\(compiler.sortExpression($0)) \($0.descending ? "DESC" : "ASC") NULLS LAST, " } ?? ""
        let window = SQLFragment("", [.integer(Int64(query.limit)), .integer(Int64(query.offset))])
        let rows = try fetchAll(
            sql: "SELECT \(columns) FROM \(table) WHERE \(condition.sql) ORDER BY \(order)\(resource.alias).seq LIMIT ? OFFSET ?",
            arguments: Self.arguments(condition + window))
        return Page(totalResults: total, items: rows.map(decode))
    }

    func groupCount(providerID: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM groups WHERE provider_id = ?", arguments: [providerID]) ?? 0
    }

    /// A group from a row of ``groupColumns``, decoded by position.
    static func group(from row: Row) -> GroupRecord {
        GroupRecord(
            id: row[0], providerID: row[1], displayName: row[2], attributes: RowCoding.attributes(fromDocument: row[3]),
            memberCount: row[4], version: row[5], createdAt: RowCoding.date(row[6]), updatedAt: RowCoding.date(row[7]))
    }

    // MARK: Memberships

    func addMembers(groupID: String, members: [MemberReference]) throws -> [String] {
        var added: [String] = []
        let statement = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO group_members (group_id, user_id, seq, display)
                SELECT ?, id, seq, ? FROM users WHERE id = ?
                """)
        for member in members {
            try statement.execute(arguments: [groupID, member.display, member.id])
            if db.changesCount > 0 { added.append(member.id) }
        }
        if !added.isEmpty {
            try db.execute(
                sql: "UPDATE groups SET member_count = member_count + ? WHERE id = ?", arguments: [added.count, groupID])
        }
        return added
    }

    func removeMembers(groupID: String, userIDs: [String]) throws -> [String] {
        var removed: [String] = []
        let statement = try db.cachedStatement(sql: "DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
        for id in userIDs {
            try statement.execute(arguments: [groupID, id])
            if db.changesCount > 0 { removed.append(id) }
        }
        if !removed.isEmpty {
            try db.execute(
                sql: "UPDATE groups SET member_count = member_count - ? WHERE id = ?", arguments: [removed.count, groupID])
        }
        return removed
    }

    func members(groupID: String, limit: Int) throws -> [MemberReference] {
        try fetchAll(
            sql: """
                SELECT m.user_id, coalesce(m.display, u.display_name, u.user_name) AS display FROM group_members m
                JOIN users u ON u.id = m.user_id WHERE m.group_id = ? ORDER BY m.seq LIMIT ?
                """,
            arguments: [groupID, Int64(clamping: limit)]
        ).map { MemberReference(id: $0["user_id"], display: $0["display"]) }
    }

    func groups(ofUser userID: String) throws -> [MemberReference] {
        try fetchAll(
            sql: """
                SELECT g.id, g.display_name FROM group_members m JOIN groups g ON g.id = m.group_id
                WHERE m.user_id = ? ORDER BY g.seq
                """,
            arguments: [userID]
        ).map { MemberReference(id: $0["id"], display: $0["display_name"]) }
    }

    func groups(ofUsers userIDs: [String]) throws -> [String: [MemberReference]] {
        var result: [String: [MemberReference]] = [:]
        for row in try rows(forUsers: userIDs, sql: { marks in
            """
            SELECT m.user_id, g.id, g.display_name FROM group_members m JOIN groups g ON g.id = m.group_id
            WHERE m.user_id IN (\(marks)) ORDER BY g.seq
            """
        }) {
            result[row[0], default: []].append(MemberReference(id: row[1], display: row[2]))
        }
        return result
    }

    /// The rows of `sql` for many users, by chunks that stay well below SQLite's bound-parameter limit; `sql`
    /// gets the chunk's `?,?,…` list.
    func rows(forUsers userIDs: [String], sql: (String) -> String) throws -> [Row] {
        var rows: [Row] = []
        for start in stride(from: 0, to: userIDs.count, by: 500) {
            let chunk = Array(userIDs[start..<min(start + 500, userIDs.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            rows += try fetchAll(sql: sql(marks), arguments: StatementArguments(chunk))
        }
        return rows
    }

    func removeMemberships(userID: String) throws -> [String] {
        let groups = try String.fetchAll(db, sql: "SELECT group_id FROM group_members WHERE user_id = ?", arguments: [userID])
        for g in groups { _ = try removeMembers(groupID: g, userIDs: [userID]) }
        return groups
    }

    func existingUserIDs(_ userIDs: [String], providerID: String) throws -> Set<String> {
        var found = Set<String>()
        let statement = try db.cachedStatement(
            sql: "SELECT id FROM users WHERE id = ? AND provider_id = ? AND linked = 1")
        for id in Set(userIDs) {
            if try String.fetchOne(statement, arguments: [id, providerID]) != nil { found.insert(id) }
        }
        return found
    }

    // MARK: Statements

    /// One row of a statement prepared once per connection (GRDB's statement cache): the hot lookups run on
    /// every SCIM request and should not parse SQL each time.
    func fetchOne(sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// All rows of a cached statement.
    func fetchAll(sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    // MARK: Arguments

    static func arguments(_ fragment: SQLFragment) -> StatementArguments {
        StatementArguments(
            fragment.arguments.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let s): s
                case .integer(let i): i
                case .real(let d): d
                case .null: nil
                }
            })
    }
}
