package import Foundation
package import SCIM

/// What admins do outside SCIM (CLI now, console and admin API later): manage providers and their credentials,
/// and local users.
package struct AdminService: Sendable {
    package let store: any ProvisioningStore
    let now: @Sendable () -> Date

    /// The setting that remembers the public URL the server announced, so that CLI commands print the same Base
    /// URLs.
    package static var publicURLSetting: String { "public_url" }

    package init(store: any ProvisioningStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// A provider just created or given a new secret: the secret is shown once, never stored.
    package struct IssuedCredentials: Sendable {
        package var provider: Provider
        package var secret: String
    }

    // MARK: Settings

    package func publicURL() async throws -> String? {
        try await store.read { tx in try await tx.setting(Self.publicURLSetting) }
    }

    package func setPublicURL(_ url: String) async throws {
        try await store.withTransaction { tx in try await tx.setSetting(Self.publicURLSetting, url) }
    }

    // MARK: Providers

    /// Creates a provider with generated credentials. The delay must be within ``SettingLimit/deactivationDelay``.
    package func addProvider(
        name: String, deactivationDelay: Duration = Provider.defaultDeactivationDelay,
        userNameFormat: UserNameFormat = .email, invalidData: InvalidDataPolicy = .acceptAndWarn
    ) async throws -> IssuedCredentials {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty else { throw ProvisioningError.invalid("A provider needs a name.") }
        try SettingLimit.deactivationDelay.check(deactivationDelay)
        let secret = Credentials.generateSecret()
        let id = Provider.generateID()
        let timestamp = now()
        let provider = Provider(
            id: id, name: trimmed, username: "scim-\(id)", secretHash: Credentials.hash(secret: secret),
            deactivationDelay: deactivationDelay, userNameFormat: userNameFormat, invalidData: invalidData,
            createdAt: timestamp, updatedAt: timestamp)
        try await store.withTransaction { tx in try await tx.insertProvider(provider) }
        return IssuedCredentials(provider: provider, secret: secret)
    }

    package func providers() async throws -> [Provider] {
        try await store.read { tx in try await tx.providers() }
    }

    package func provider(id: String) async throws -> Provider {
        try await store.read { tx in try await Self.provider(id, tx: tx) }
    }

    /// Renames a provider, or changes its deactivation delay (within ``SettingLimit/deactivationDelay``),
    /// `userName` format or invalid-data policy.
    package func updateProvider(
        id: String, name: String?, deactivationDelay: Duration?, userNameFormat: UserNameFormat? = nil,
        invalidData: InvalidDataPolicy? = nil
    ) async throws -> Provider {
        if let name, name.trimmingSpaces.isEmpty { throw ProvisioningError.invalid("A provider needs a name.") }
        if let deactivationDelay { try SettingLimit.deactivationDelay.check(deactivationDelay) }
        let timestamp = now()
        return try await store.withTransaction { tx in
            var p = try await Self.provider(id, tx: tx)
            if let name { p.name = name.trimmingSpaces }
            if let deactivationDelay { p.deactivationDelay = deactivationDelay }
            if let userNameFormat { p.userNameFormat = userNameFormat }
            if let invalidData { p.invalidData = invalidData }
            p.updatedAt = timestamp
            try await tx.updateProvider(p)
            return p
        }
    }

    /// Pauses a provider (`paused` true) or resumes it. While paused, its SCIM requests are answered 503 with
    /// `Retry-After`, so the IdP keeps them and sends them again later; nothing else about it changes (its pending
    /// deactivations still come due). `by` names the admin in the sync log. Pausing a paused provider changes
    /// nothing and logs nothing.
    package func setPaused(id: String, _ paused: Bool, by admin: String) async throws -> Provider {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var p = try await Self.provider(id, tx: tx)
            guard (p.pausedAt != nil) != paused else { return p }
            p.pausedAt = paused ? timestamp : nil
            p.updatedAt = timestamp
            try await tx.updateProvider(p)
            try await tx.record([
                SyncLogEntry(
                    at: timestamp, providerID: p.id, action: paused ? .providerPaused : .providerResumed,
                    detail: "\(paused ? "paused" : "resumed") by \(admin)")
            ])
            return p
        }
    }

    /// Turns the request inspector's recording of a provider's SCIM requests on or off. Turning it off keeps what
    /// was recorded until the ring moves past it or the provider goes.
    package func setRecordsRequests(id: String, _ on: Bool) async throws -> Provider {
        let timestamp = now()
        return try await store.withTransaction { tx in
            var p = try await Self.provider(id, tx: tx)
            p.recordsRequests = on
            p.updatedAt = timestamp
            try await tx.updateProvider(p)
            return p
        }
    }

    /// Issues a new secret; the old one stops working at once.
    package func rotateSecret(id: String) async throws -> IssuedCredentials {
        let secret = Credentials.generateSecret()
        let timestamp = now()
        let provider = try await store.withTransaction { tx in
            var p = try await Self.provider(id, tx: tx)
            p.secretHash = Credentials.hash(secret: secret)
            p.updatedAt = timestamp
            try await tx.updateProvider(p)
            return p
        }
        return IssuedCredentials(provider: provider, secret: secret)
    }

    /// Removes a provider: its credentials stop working and its groups go; its users stay in the platform,
    /// no longer linked to any provider.
    package func removeProvider(id: String) async throws {
        try await store.withTransaction { tx in
            _ = try await Self.provider(id, tx: tx)
            try await tx.deleteProvider(id: id)
        }
    }

    /// Users and groups a provider manages.
    package func counts(providerID: String) async throws -> (users: Int, groups: Int) {
        try await store.read { tx in
            (try await tx.userCount(providerID: providerID), try await tx.groupCount(providerID: providerID))
        }
    }

    // MARK: Users

    /// Creates a local user: managed only by admins, out of every provider's reach.
    /// Creates a local user in `organization` (the root when `nil`), with the organization's default roles.
    package func addLocalUser(email: String, name: String?, organization: String? = nil) async throws -> UserRecord {
        let address = email.trimmingSpaces
        guard UserRules.isEmailAddress(address) else {
            throw ProvisioningError.invalid("'\(email)' is not an email address; a user signs in with their email.")
        }
        var attributes: JSONObject = ["userName": .string(address)]
        if let name = name?.trimmingSpaces, !name.isEmpty {
            let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
            var n: JSONObject = ["formatted": .string(name), "givenName": .string(parts[0])]
            if parts.count > 1 { n["familyName"] = .string(parts[1]) }
            attributes["name"] = .object(n)
            attributes["displayName"] = .string(name)
        }
        attributes["emails"] = [["value": .string(address), "type": "work", "primary": true]]
        attributes["active"] = true
        let timestamp = now()
        let user = UserRecord(
            id: ResourceID.generate(), providerID: nil, userName: address, scimActive: true, status: .active,
            attributes: attributes, createdAt: timestamp, updatedAt: timestamp)
        return try await store.withTransaction { [user] tx in
            var user = user
            if let existing = try await tx.user(userName: address) {
                throw ProvisioningError.conflict(
                    "A user with email '\(existing.userName)' already exists (\(existing.isLocal ? "local" : "managed by provider \(existing.providerID!)"))."
                )
            }
            let home = try await Self.organization(
                named: organization ?? Organization.rootName, orRoot: organization == nil, tx: tx)
            user.organizationID = home.id
            try await tx.insertUser(user)
            try await tx.setRoles(userID: user.id, roles: home.defaultRoles)
            try await tx.record([
                SyncLogEntry(
                    at: timestamp, providerID: nil, userID: user.id, userName: user.userName, action: .created,
                    detail: "local user; organization \(home.name); roles \(home.defaultRoles.joined(separator: ", "))")
            ])
            return user
        }
    }

    /// The user with this email (case-insensitive).
    package func user(email: String) async throws -> UserRecord {
        try await store.read { tx in try await Self.user(email: email, tx: tx) }
    }

    package func users(offset: Int = 0, limit: Int = 1000) async throws -> [UserRecord] {
        try await store.read { tx in try await tx.allUsers(offset: offset, limit: limit) }
    }

    /// The platform's view of a user, as `roster user show --json` prints it.
    package func view(of user: UserRecord) async throws -> JSONObject {
        try await store.read { tx in
            var watchlists: [String] = []
            for id in try await tx.watchlists(ofUser: user.id) {
                watchlists.append(try await tx.watchlist(id: id)?.name ?? id)
            }
            let placement = UserView.Placement(
                organization: try await tx.organization(id: user.organizationID)?.name ?? user.organizationID,
                roles: try await tx.roles(ofUser: user.id), watchlists: watchlists)
            return UserView.json(
                user, groups: try await tx.groups(ofUser: user.id), placement: placement,
                devices: try await tx.devices(userID: user.id), archives: try await tx.archives(userID: user.id))
        }
    }
}

/// The platform's view of a user (not the SCIM view): status, source and the attributes admins look at.
package enum UserView {
    /// Where the user sits, by name.
    package struct Placement: Sendable {
        package var organization: String
        package var roles: [String]
        package var watchlists: [String]
    }

    package static func json(
        _ user: UserRecord, groups: [MemberReference], placement: Placement, devices: [Device] = [],
        archives: [Archive] = []
    ) -> JSONObject {
        func string(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        func date(_ d: Date?) -> JSONValue { d.map { .string(Timestamp.format($0)) } ?? .null }
        let enterprise = user.enterprise
        return [
            "id": .string(user.id),
            "userName": .string(user.userName),
            "status": .string(user.status.rawValue),
            "source": .string(user.providerID ?? "local"),
            "linked": .bool(user.isLocal || user.linked),
            "displayName": string(user.displayName),
            "title": string(user.attributes["title"]?.stringValue),
            "department": string(enterprise?["department"]?.stringValue),
            "division": string(enterprise?["division"]?.stringValue),
            "organization": .string(placement.organization),
            "organizationId": .string(user.organizationID),
            "organizationSetByAdmin": .bool(user.organizationPinned),
            "roles": .array(placement.roles.map { .string($0) }),
            "watchlists": .array(placement.watchlists.map { .string($0) }),
            "groups": .array(groups.map { .string($0.display ?? $0.id) }),
            "providerActive": .bool(user.scimActive),
            "deactivationDueAt": date(user.deactivationDueAt),
            "deactivationHeld": string(user.held?.rawValue),
            "legalHold": .bool(user.legalHold),
            "legalHoldMatter": string(user.legalHoldMatter),
            "devices": .array(
                devices.map {
                    .object(["id": .string($0.id), "name": .string($0.name), "createdAt": date($0.createdAt)])
                }),
            "archives": .array(
                archives.map {
                    .object([
                        "id": .string($0.id), "deviceId": .string($0.deviceID), "tier": .string($0.tier.rawValue),
                        "coldUntil": date($0.coldUntil), "markedForDeletion": .bool($0.markedForDeletion),
                    ])
                }),
            "createdAt": .string(Timestamp.format(user.createdAt)),
            "updatedAt": .string(Timestamp.format(user.updatedAt)),
        ]
    }
}

extension AdminService {
    /// What the console's provider list shows for each provider.
    package struct ProviderStatus: Sendable {
        package var provider: Provider
        package var users: Int
        package var groups: Int
        /// Deactivations the mass-deactivation guard holds.
        package var held: Int
        /// Refused requests in the last 24 hours.
        package var errors24h: Int
        /// Values left out of accepted requests in the last 24 hours (``SyncAction/warning``).
        package var warnings24h: Int
        /// The newest sync-log entry of the provider.
        package var lastActivity: Date?
        /// The provider's last authenticated SCIM request (to the minute).
        package var lastRequest: Date? { provider.lastRequestAt }
    }

    package func providerStatuses() async throws -> [ProviderStatus] {
        let since = now().addingTimeInterval(-86_400)
        return try await store.read { tx in
            var statuses: [ProviderStatus] = []
            for provider in try await tx.providers() {
                statuses.append(try await Self.status(of: provider, since: since, tx: tx))
            }
            return statuses
        }
    }

    package func providerStatus(id: String) async throws -> ProviderStatus {
        let since = now().addingTimeInterval(-86_400)
        return try await store.read { tx in
            try await Self.status(of: try Self.provider(id, tx: tx), since: since, tx: tx)
        }
    }

    static func status(of p: Provider, since: Date, tx: any StoreTransaction) async throws -> ProviderStatus {
        ProviderStatus(
            provider: p, users: try await tx.userCount(providerID: p.id),
            groups: try await tx.groupCount(providerID: p.id),
            held: try await tx.heldDeactivations(providerID: p.id).count,
            errors24h: try await tx.syncLogCount(providerID: p.id, action: .rejected, since: since),
            warnings24h: try await tx.syncLogCount(providerID: p.id, action: .warning, since: since),
            lastActivity: try await tx.syncLog(SyncLogQuery(providerID: p.id, limit: 1)).first?.at)
    }
}

extension AdminService {
    /// The user with this id.
    package func user(id: String) async throws -> UserRecord {
        guard let user = try await store.read({ tx in try await tx.user(id: id) }) else {
            throw ProvisioningError.notFound("No user with id '\(id)'.")
        }
        return user
    }

    /// Users matching an admin's search, a page at a time.
    package func searchUsers(_ search: UserSearch) async throws -> Page<UserRecord> {
        try await store.read { tx in try await tx.searchUsers(search) }
    }
}
