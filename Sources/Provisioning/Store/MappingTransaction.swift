package import Foundation

/// Organizations, roles and watchlists, and the group rules and runs of "apply org and role settings". Part of ``StoreTransaction``.
package protocol MappingTransaction {
    // MARK: Organizations, roles, watchlists

    func organization(id: String) async throws -> Organization?
    /// The organization with this name, case-insensitively.
    func organization(name: String) async throws -> Organization?
    /// All organizations, root first, then in creation order.
    func organizations() async throws -> [Organization]
    /// Inserts an organization; a taken name (case-insensitive) is a `conflict`.
    func insertOrganization(_ organization: Organization) async throws
    /// Inserts an organization unless one with its name (case-insensitive) exists, or is committed meanwhile by a
    /// concurrent transaction (PostgreSQL waits for it); returns the one stored under the name. What mappings use,
    /// so that two writes placing users in the same new organization at once both succeed.
    func insertOrganizationIfAbsent(_ organization: Organization) async throws -> Organization
    func updateOrganization(_ organization: Organization) async throws
    /// How many users each organization has, keyed by organization id (organizations without users left out).
    func organizationUserCounts() async throws -> [String: Int]
    /// Moves a user to an organization; `pinned` records that an admin placed it by hand.
    func setOrganization(userID: String, organizationID: String, pinned: Bool) async throws

    /// The roles of several users, keyed by user id, each sorted (users without roles left out).
    func roles(ofUsers userIDs: [String]) async throws -> [String: [String]]
    /// Replaces a user's roles.
    func setRoles(userID: String, roles: [String]) async throws

    func watchlist(id: String) async throws -> Watchlist?
    func watchlist(name: String) async throws -> Watchlist?
    func watchlists() async throws -> [Watchlist]
    /// Inserts a watchlist; a taken name (case-insensitive) is a `conflict`.
    func insertWatchlist(_ watchlist: Watchlist) async throws
    /// How many users each watchlist has, keyed by watchlist id.
    func watchlistMemberCounts() async throws -> [String: Int]
    /// The watchlist ids of several users, keyed by user id, each sorted.
    func watchlists(ofUsers userIDs: [String]) async throws -> [String: [String]]
    /// Puts a user on a watchlist (no-op when already on it).
    func addToWatchlist(watchlistID: String, userID: String, at: Date) async throws
    func removeFromWatchlist(watchlistID: String, userID: String) async throws
    /// Users on a watchlist, in the order they were added, at most `limit`.
    func watchlistMembers(watchlistID: String, limit: Int) async throws -> [UserRecord]

    // MARK: Mapping rules and runs

    /// A provider's group rules, each kind in the order added.
    func mappingRules(providerID: String) async throws -> MappingRules
    func insertOrganizationRule(providerID: String, _ rule: MappingRules.OrganizationRule) async throws
    func insertRoleRule(providerID: String, _ rule: MappingRules.RoleRule) async throws
    func insertWatchlistRule(providerID: String, _ rule: MappingRules.WatchlistRule) async throws
    /// Removes every rule of `kind` for a group of a provider. Returns how many went.
    func deleteRules(_ kind: MappingRuleKind, providerID: String, groupID: String) async throws -> Int
    /// A provider's linked users after `sequence` in creation order, at most `limit`, with their sequence numbers:
    /// the keyset batches of "apply org and role settings".
    func userBatch(providerID: String, after sequence: Int64, limit: Int) async throws -> [(
        sequence: Int64, user: UserRecord
    )]
    /// The unfinished apply run of a provider, if one crashed or is running.
    func openMappingRun(providerID: String) async throws -> MappingRun?
    /// Inserts or updates an apply run.
    func saveMappingRun(_ run: MappingRun) async throws
}
