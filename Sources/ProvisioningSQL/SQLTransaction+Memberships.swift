package import Provisioning

/// Group memberships, and the chunked statements over many users they need.
extension SQLTransaction {
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

    package func removeMembers(groupID: String, userIDs: [String]) async throws -> [MemberReference] {
        var seen = Set<String>()
        let unique = userIDs.filter { seen.insert($0).inserted }
        var removed: [String: String?] = [:]
        for chunk in Self.chunks(unique) {
            for row in try await fetchAll(
                """
                DELETE FROM group_members WHERE group_id = ? AND user_id IN (\(Self.rows("?", chunk.count)))
                RETURNING user_id, display
                """, [groupID] + Array(chunk))
            {
                let display: String? = row[1]
                removed[row[0]] = .some(display)
            }
        }
        if !removed.isEmpty {
            try await execute(
                "UPDATE groups SET member_count = member_count - ? WHERE id = ?", [removed.count, groupID])
        }
        return unique.compactMap { id in removed[id].map { MemberReference(id: id, display: $0) } }
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

    package func userWithGroups(id: String) async throws -> (user: UserRecord, groups: [MemberReference])? {
        guard dialect == .postgres else { return try await userThenGroups(id: id) }
        guard let row = try await fetchOne(.userWithGroups(id: id)) else { return nil }
        // The groups as a JSON array of [id, displayName] pairs, in the order `groups(ofUser:)` gives.
        let json: String? = row[Self.userColumnCount]
        let groups =
            try json.map(RowCoding.rows(fromJSON:))?.map { MemberReference(id: $0[0], display: $0[1]) } ?? []
        return (Self.user(from: row), groups)
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

    package func removeMemberships(userID: String) async throws -> [MemberReference] {
        let groups = try await fetchAll(
            "SELECT m.group_id FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.seq",
            [userID]
        ).map { row -> String in row[0] }
        var left: [MemberReference] = []
        for g in groups {
            left += try await removeMembers(groupID: g, userIDs: [userID]).map {
                MemberReference(id: g, display: $0.display)
            }
        }
        return left
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
}
