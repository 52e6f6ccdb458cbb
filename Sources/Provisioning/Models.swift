public import Foundation
public import SCIM

/// A provisioning provider: an identity provider connection with its own SCIM Base URL and API credentials.
public struct Provider: Sendable, Hashable, Identifiable {
    /// Short lowercase identifier, part of the Base URL (`/scim/{id}/v2`): ``idLength`` characters from `a-z0-9`
    /// (never `_`, which Okta refuses in Base URLs).
    public var id: String
    /// Display name chosen by the admin.
    public var name: String
    /// The API username (Basic auth).
    public var username: String
    /// SHA-256 of the secret, hex; the secret itself is never stored.
    public var secretHash: String
    /// How long after a provider deactivates a user the deactivation takes effect.
    public var deactivationDelay: Duration
    /// What this provider's `userName` values must look like.
    public var userNameFormat: UserNameFormat
    /// What happens to a value Roster cannot keep in an attribute that is not identity: left out with a warning in
    /// the sync log (the default), or the whole request refused.
    public var invalidData: InvalidDataPolicy
    /// When too many of this provider's deactivations come at once, hold the rest.
    public var deactivationGuard: DeactivationGuard
    /// When the guard tripped; `nil` when it is not holding deactivations.
    public var guardTrippedAt: Date?
    /// How the provider's users get their organization.
    public var organizationMapping: OrganizationMapping
    /// Whether the provider's SCIM groups decide roles.
    public var roleMappingMode: RoleMappingMode
    /// When the provider last made a successful (so authenticated) SCIM request (recorded at most once a minute).
    public var lastRequestAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, name: String, username: String, secretHash: String, deactivationDelay: Duration,
        userNameFormat: UserNameFormat = .email, deactivationGuard: DeactivationGuard = DeactivationGuard(),
        guardTrippedAt: Date? = nil, organizationMapping: OrganizationMapping = OrganizationMapping(),
        roleMappingMode: RoleMappingMode = .groups, lastRequestAt: Date? = nil,
        invalidData: InvalidDataPolicy = .acceptAndWarn, createdAt: Date, updatedAt: Date
    ) {
        self.invalidData = invalidData
        self.lastRequestAt = lastRequestAt
        self.organizationMapping = organizationMapping
        self.roleMappingMode = roleMappingMode
        self.deactivationGuard = deactivationGuard
        self.guardTrippedAt = guardTrippedAt
        self.id = id
        self.name = name
        self.username = username
        self.secretHash = secretHash
        self.deactivationDelay = deactivationDelay
        self.userNameFormat = userNameFormat
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The default deactivation delay: 15 minutes.
    public static let defaultDeactivationDelay: Duration = .seconds(15 * 60)
}

/// The mass-deactivation guard of a provider: when its deactivations within one hour exceed
/// `max(minimum, percent% of its users)`, further deactivations are held for an admin to release or cancel.
public struct DeactivationGuard: Sendable, Hashable {
    public var enabled: Bool
    public var percent: Int
    public var minimum: Int

    public init(enabled: Bool = true, percent: Int = 10, minimum: Int = 10) {
        self.enabled = enabled
        self.percent = percent
        self.minimum = minimum
    }

    /// The window the guard counts a provider's deactivations in: the hour before each deactivation.
    public static let window: Duration = .seconds(3600)

    /// How many deactivations within an hour are allowed for a provider with `users` users. Percent and minimum
    /// count within their ranges (``SettingLimit/guardPercent``, ``SettingLimit/guardMinimum``) whatever is stored.
    public func threshold(users: Int) -> Int {
        let percent = Int(SettingLimit.guardPercent.range.clamping(Int64(percent)))
        let minimum = Int(SettingLimit.guardMinimum.range.clamping(Int64(minimum)))
        let (product, overflow) = max(0, users).multipliedReportingOverflow(by: percent)
        return max(minimum, overflow ? Int.max : product / 100 + (product % 100 == 0 ? 0 : 1))
    }
}

/// What a provider's `userName` values must be.
///
/// `email` (the default) is the platform's rule: users sign in with their email, so `userName` must be one and a
/// primary email must agree with it. `any` is for IdP set-ups that map a login id that is not an email (an
/// employee number, a UPN without a mail domain); the user then signs in with the primary email.
public enum UserNameFormat: String, Sendable, Hashable, CaseIterable {
    case email, any
}

/// The platform's account status of a user.
public enum UserStatus: String, Sendable, Hashable, CaseIterable {
    case active, blocked, deactivated
}

/// A user of the platform: local, or managed by one provider.
public struct UserRecord: Sendable, Hashable, Identifiable {
    /// The SCIM `id`: a UUID, stable, never reassigned.
    public var id: String
    /// The managing provider, or `nil` for a local user.
    public var providerID: String?
    /// `false` once the provider DELETEd the user: the account stays, the provider no longer sees it.
    public var linked: Bool
    public var userName: String
    /// The SCIM `active` value the provider last sent.
    public var scimActive: Bool
    /// The account was deactivated (access removed, archives in cold storage).
    public var deactivated: Bool
    /// An admin blocked the user.
    public var adminBlocked: Bool
    /// When a pending deactivation comes due.
    public var deactivationDueAt: Date?
    /// Why a deactivation did not happen (mass-deactivation guard, legal hold).
    public var held: HoldReason?
    public var legalHold: Bool
    /// The legal matter the hold is for.
    public var legalHoldMatter: String?
    /// The SCIM attributes in canonical stored form (no `id`, `meta`, `schemas`, `groups`).
    public var attributes: JSONObject
    /// The user's organization. Written by ``StoreTransaction/insertUser(_:)`` and
    /// ``StoreTransaction/setOrganization(userID:organizationID:pinned:)`` only: `updateUser` leaves it alone, so
    /// that a lifecycle or attribute write never undoes a mapping.
    public var organizationID: String
    /// An admin placed the user by hand; method `single` leaves such users where they are.
    public var organizationPinned: Bool
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, providerID: String?, linked: Bool = true, userName: String, scimActive: Bool,
        status: UserStatus = .active, attributes: JSONObject, organizationID: String = Organization.rootID,
        version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.organizationID = organizationID
        self.organizationPinned = false
        self.id = id
        self.providerID = providerID
        self.linked = linked
        self.userName = userName
        self.scimActive = scimActive
        self.deactivated = status == .deactivated
        self.adminBlocked = status == .blocked
        self.deactivationDueAt = nil
        self.held = nil
        self.legalHold = false
        self.legalHoldMatter = nil
        self.attributes = attributes
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The lifecycle facts of this user, as the state machine sees them.
    public var lifecycle: Lifecycle {
        get {
            Lifecycle(
                isLocal: isLocal, providerActive: scimActive, deactivated: deactivated, adminBlocked: adminBlocked,
                deactivationDueAt: deactivationDueAt, held: held, legalHold: legalHold)
        }
        set {
            scimActive = newValue.providerActive
            deactivated = newValue.deactivated
            adminBlocked = newValue.adminBlocked
            deactivationDueAt = newValue.deactivationDueAt
            held = newValue.held
            legalHold = newValue.legalHold
            if !legalHold { legalHoldMatter = nil }
        }
    }

    /// The platform status, derived from the lifecycle facts.
    public var status: UserStatus {
        switch lifecycle.status {
        case .active: .active
        case .blocked: .blocked
        case .deactivated: .deactivated
        }
    }

    /// Whether the user is local (managed only by admins).
    public var isLocal: Bool { providerID == nil }
    /// The `externalId` the provider set.
    public var externalID: String? { attributes["externalId"]?.stringValue }
    /// The display name, or the formatted name, or the given and family names.
    public var displayName: String? {
        if let d = attributes["displayName"]?.stringValue { return d }
        let name = attributes["name"]?.objectValue
        if let f = name?["formatted"]?.stringValue { return f }
        let parts = [name?["givenName"]?.stringValue, name?["familyName"]?.stringValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
    /// The enterprise extension object, if any.
    public var enterprise: JSONObject? { attributes[SchemaURN.enterpriseUser]?.objectValue }
}

/// A group pushed by a provider. Members are rows of their own, never part of this value.
public struct GroupRecord: Sendable, Hashable, Identifiable {
    public var id: String
    public var providerID: String
    public var displayName: String
    /// SCIM attributes in canonical stored form, without `members`.
    public var attributes: JSONObject
    public var memberCount: Int
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, providerID: String, displayName: String, attributes: JSONObject, memberCount: Int = 0,
        version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.providerID = providerID
        self.displayName = displayName
        self.attributes = attributes
        self.memberCount = memberCount
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var externalID: String? { attributes["externalId"]?.stringValue }
}

/// A reference to a user or a group as it appears in `members` and `groups`.
public struct MemberReference: Sendable, Hashable {
    public var id: String
    public var display: String?
    public init(id: String, display: String?) {
        self.id = id
        self.display = display
    }
}

/// One page of a list query.
public struct Page<Element: Sendable>: Sendable {
    public var totalResults: Int
    public var items: [Element]
    public init(totalResults: Int, items: [Element]) {
        self.totalResults = totalResults
        self.items = items
    }
}

extension Provider {
    /// The SCIM Base URL an IdP is configured with: `{publicURL}/scim/{id}/v2`.
    public func baseURL(publicURL: String) -> String {
        var root = publicURL
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/scim/\(id)/v2"
    }
}

extension Provider {
    /// How many characters a provider id has; every id ever issued has this many (see ``generateID()``).
    public static let idLength = 10

    /// A new provider id: ``idLength`` random characters from `a-z0-9`.
    public static func generateID() -> String { Credentials.generateIdentifier(length: idLength) }

    /// Whether `id` has the shape of a provider id (``idLength`` characters from `a-z0-9`), so that the server can
    /// refuse any other Base URL before it keeps state or reads the store for it.
    public static func isWellFormedID(_ id: some StringProtocol) -> Bool {
        id.utf8.count == idLength && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }
}
