package import Foundation
package import Provisioning
import SCIM

/// Providers: the IdP connections, their settings and their activity.
extension SQLTransaction {
    static let providerColumns = """
        id, name, username, secret_hash, deactivation_delay_seconds, user_name_format, guard_enabled, guard_percent, \
        guard_minimum, guard_tripped_at, created_at, updated_at, org_method, org_id, org_attribute, org_parent_id, \
        role_mode, last_request_at, invalid_data, paused_at, record_requests
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
            "INSERT INTO providers (\(Self.providerColumns)) VALUES (\(Self.rows("?", 21)))",
            [
                p.id, p.name, p.username, p.secretHash, p.deactivationDelay.wholeSeconds, p.userNameFormat.rawValue,
                p.deactivationGuard.enabled, p.deactivationGuard.percent, p.deactivationGuard.minimum,
                p.guardTrippedAt.map(RowCoding.milliseconds),
                RowCoding.milliseconds(p.createdAt), RowCoding.milliseconds(p.updatedAt),
                p.organizationMapping.method.rawValue, p.organizationMapping.organizationID,
                p.organizationMapping.attribute, p.organizationMapping.parentID, p.roleMappingMode.rawValue,
                p.lastRequestAt.map(RowCoding.milliseconds), p.invalidData.rawValue,
                p.pausedAt.map(RowCoding.milliseconds), p.recordsRequests,
            ])
    }

    package func updateProvider(_ p: Provider) async throws {
        try await execute(
            """
            UPDATE providers SET name = ?, username = ?, secret_hash = ?, deactivation_delay_seconds = ?,
            user_name_format = ?, guard_enabled = ?, guard_percent = ?, guard_minimum = ?, guard_tripped_at = ?,
            org_method = ?, org_id = ?, org_attribute = ?, org_parent_id = ?, role_mode = ?, invalid_data = ?,
            paused_at = ?, record_requests = ?, updated_at = ?
            WHERE id = ?
            """,
            [
                p.name, p.username, p.secretHash, p.deactivationDelay.wholeSeconds, p.userNameFormat.rawValue,
                p.deactivationGuard.enabled, p.deactivationGuard.percent, p.deactivationGuard.minimum,
                p.guardTrippedAt.map(RowCoding.milliseconds),
                p.organizationMapping.method.rawValue, p.organizationMapping.organizationID,
                p.organizationMapping.attribute, p.organizationMapping.parentID, p.roleMappingMode.rawValue,
                p.invalidData.rawValue, p.pausedAt.map(RowCoding.milliseconds), p.recordsRequests,
                RowCoding.milliseconds(p.updatedAt), p.id,
            ])
    }

    package func touchProvider(id: String, at: Date) async throws {
        try await execute("UPDATE providers SET last_request_at = ? WHERE id = ?", [RowCoding.milliseconds(at), id])
    }

    package func deleteProvider(id: String) async throws {
        try await execute("UPDATE users SET linked = 0 WHERE provider_id = ?", [id])
        try await execute("DELETE FROM provider_user_counts WHERE provider_id = ?", [id])
        try await execute("DELETE FROM user_pages WHERE provider_id = ?", [id])
        try await execute("DELETE FROM scim_requests WHERE provider_id = ?", [id])
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
            pausedAt: (row[19] as Int64?).map(RowCoding.date), recordsRequests: row[20],
            createdAt: RowCoding.date(row[10]), updatedAt: RowCoding.date(row[11]))
    }
}
