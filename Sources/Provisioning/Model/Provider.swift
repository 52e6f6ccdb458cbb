package import Foundation
package import SCIM

/// A provisioning provider: an identity provider connection with its own SCIM Base URL and API credentials.
package struct Provider: Sendable, Hashable, Identifiable {
    /// Short lowercase identifier, part of the Base URL (`/scim/{id}/v2`): ``idLength`` characters from `a-z0-9`
    /// (never `_`, which Okta refuses in Base URLs).
    package var id: String
    /// Display name chosen by the admin.
    package var name: String
    /// The API username (Basic auth).
    package var username: String
    /// SHA-256 of the secret, hex; the secret itself is never stored.
    package var secretHash: String
    /// How long after a provider deactivates a user the deactivation takes effect.
    package var deactivationDelay: Duration
    /// What this provider's `userName` values must look like.
    package var userNameFormat: UserNameFormat
    /// What happens to a value Roster cannot keep in an attribute that is not identity: left out with a warning in
    /// the sync log (the default), or the whole request refused.
    package var invalidData: InvalidDataPolicy
    /// When too many of this provider's deactivations come at once, hold the rest.
    package var deactivationGuard: DeactivationGuard
    /// When the guard tripped; `nil` when it is not holding deactivations.
    package var guardTrippedAt: Date?
    /// How the provider's users get their organization.
    package var organizationMapping: OrganizationMapping
    /// Whether the provider's SCIM groups decide roles.
    package var roleMappingMode: RoleMappingMode
    /// When the provider last made a successful (so authenticated) SCIM request (recorded at most once a minute).
    package var lastRequestAt: Date?
    /// When an admin paused the provider: its SCIM requests are answered 503 with `Retry-After` until it is
    /// resumed, so the IdP retries later and loses nothing. `nil` when it is not paused.
    package var pausedAt: Date?
    /// Whether the request inspector keeps this provider's SCIM requests (on by default).
    package var recordsRequests: Bool
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: String, name: String, username: String, secretHash: String, deactivationDelay: Duration,
        userNameFormat: UserNameFormat = .email, deactivationGuard: DeactivationGuard = DeactivationGuard(),
        guardTrippedAt: Date? = nil, organizationMapping: OrganizationMapping = OrganizationMapping(),
        roleMappingMode: RoleMappingMode = .groups, lastRequestAt: Date? = nil,
        invalidData: InvalidDataPolicy = .acceptAndWarn, pausedAt: Date? = nil, recordsRequests: Bool = true,
        createdAt: Date, updatedAt: Date
    ) {
        self.pausedAt = pausedAt
        self.recordsRequests = recordsRequests
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
    package static let defaultDeactivationDelay: Duration = .seconds(15 * 60)
}

extension Provider {
    /// The SCIM Base URL an IdP is configured with: `{publicURL}/scim/{id}/v2`.
    package func baseURL(publicURL: String) -> String {
        var root = publicURL
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/scim/\(id)/v2"
    }
}

extension Provider {
    /// How many characters a provider id has; every id ever issued has this many (see ``generateID()``).
    package static let idLength = 10

    /// A new provider id: ``idLength`` random characters from `a-z0-9`.
    package static func generateID() -> String { Credentials.generateIdentifier(length: idLength) }

    /// Whether `id` has the shape of a provider id (``idLength`` characters from `a-z0-9`), so that the server can
    /// refuse any other Base URL before it keeps state or reads the store for it.
    package static func isWellFormedID(_ id: some StringProtocol) -> Bool {
        id.utf8.count == idLength && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }
}

/// What a provider's `userName` values must be.
///
/// `email` (the default) is the platform's rule: users sign in with their email, so `userName` must be one and a
/// primary email must agree with it. `any` is for IdP set-ups that map a login id that is not an email (an
/// employee number, a UPN without a mail domain); the user then signs in with the primary email.
package enum UserNameFormat: String, Sendable, Hashable, CaseIterable {
    case email, any
}
