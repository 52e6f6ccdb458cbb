package import Provisioning

/// Reads named ahead: the statement of each ``StoreRead``, sent before the reads that need it.
extension SQLTransaction {
    /// The statement of a read that can be named ahead: the requirement of each read runs exactly this statement,
    /// so a prefetched answer is found by its text and arguments.
    func statement(_ read: StoreRead) -> (sql: String, arguments: [any SQLValueConvertible])? {
        switch read {
        case .provider(let id):
            ("SELECT \(Self.providerColumns) FROM providers WHERE id = ?", [id])
        case .lockedProvider(let id):
            ("SELECT \(Self.providerColumns) FROM providers WHERE id = ?\(forUpdate)", [id])
        case .userCount(let providerID):
            (Self.userCountFragment(providerID).sql, [providerID])
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
        case .userWithGroups(let id):
            // PostgreSQL aggregates the groups into the user's row; SQLite reads the two in place.
            dialect == .postgres
                ? (
                    """
                    SELECT \(Self.userColumns), (SELECT json_agg(json_build_array(g.id, g.display_name) ORDER BY g.seq)::text
                    FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id)
                    FROM users u WHERE u.id = ?
                    """, [id]
                ) : nil
        case .group(let id):
            ("SELECT \(Self.groupColumns) FROM groups g WHERE g.id = ?\(forUpdate)", [id])
        case .mappingRules(let providerID):
            // PostgreSQL aggregates the rules into one row (``mappingRules(providerID:)``), so that the read joins
            // the other reads of one row that are named with it (one statement instead of two).
            dialect == .postgres
                ? (
                    """
                    SELECT json_agg(json_build_array(kind, group_id, target, priority) ORDER BY seq)::text
                    FROM mapping_rules WHERE provider_id = ?
                    """, [providerID]
                )
                : (
                    "SELECT kind, group_id, target, priority FROM mapping_rules WHERE provider_id = ? ORDER BY seq",
                    [providerID]
                )
        case .organization(let id):
            ("SELECT \(Self.organizationColumns) FROM organizations WHERE id = ?", [id])
        case .users:
            nil  // one or two statements, named by `pageStatements`
        }
    }

    package func prefetch(_ reads: [StoreRead]) async throws {
        // A driver whose queries answer in place (SQLite) would only build these statements to drop them.
        guard connection.prefetches else { return }
        var queries: [SQLRead] = []
        for read in reads {
            if case .users(let providerID, let query) = read {
                // A deep page reads otherwise (``users(providerID:query:)``).
                if query.filter == nil, query.sort == nil, query.offset >= 2 * Migrations.pageBlock { continue }
                let statements = try userPageStatements(providerID: providerID, query: query)
                if statements.countedInRows {
                    // A lookup by a unique key (`userName eq`, what IdPs send before each push, or `id eq`) finds
                    // one user or none (`externalId` is not unique).
                    queries.append(
                        SQLRead(
                            statements.rows.sql, statements.rows.arguments,
                            atMostOneRow: query.filter?.uniqueKeyConjunct != nil))
                } else if query.filter != nil {
                    // An unfiltered one reads the provider's kept count instead.
                    queries.append(SQLRead(statements.count.sql, statements.count.arguments, atMostOneRow: true))
                    if query.limit > 0 { queries.append(SQLRead(statements.rows.sql, statements.rows.arguments)) }
                }
                continue
            }
            guard let statement = statement(read) else { continue }
            queries.append(
                SQLRead(
                    statement.sql, statement.arguments.map(\.sqlValue), atMostOneRow: atMostOneRow(read),
                    // A POST's user is usually new: its locking read then needs no transaction around it.
                    usuallyEmpty: read.isUserNamed))
        }
        await connection.prefetch(queries)
    }

    func fetchOne(_ read: StoreRead) async throws -> SQLRow? {
        guard let statement = statement(read) else { return nil }
        return try await fetchOne(statement.sql, statement.arguments)
    }

    func fetchAll(_ read: StoreRead) async throws -> [SQLRow] {
        guard let statement = statement(read) else { return [] }
        return try await fetchAll(statement.sql, statement.arguments)
    }
}

extension SQLTransaction {
    /// Whether the read's statement finds one row or none, by its key (a count or an aggregate finds one).
    func atMostOneRow(_ read: StoreRead) -> Bool {
        switch read {
        case .provider, .lockedProvider, .userCount, .syncLogCount, .user, .userNamed, .userWithGroups, .group,
            .organization:
            true
        case .mappingRules:
            dialect == .postgres
        case .groupsOfUser, .users:
            false
        }
    }
}

extension StoreRead {
    var isUserNamed: Bool {
        if case .userNamed = self { return true }
        return false
    }
}
