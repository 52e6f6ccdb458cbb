package import Provisioning

/// Groups: reads, writes and list pages.
extension SQLTransaction {
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

    package func groupCount(providerID: String) async throws -> Int {
        try await fetchValue("SELECT COUNT(*) FROM groups WHERE provider_id = ?", [providerID]) ?? 0
    }

    /// A group from a row of ``groupColumns``, decoded by position.
    static func group(from row: SQLRow) -> GroupRecord {
        GroupRecord(
            id: row[0], providerID: row[1], displayName: row[2], attributes: RowCoding.attributes(fromDocument: row[3]),
            memberCount: row[4], version: row[5], createdAt: RowCoding.date(row[6]), updatedAt: RowCoding.date(row[7]))
    }
}
