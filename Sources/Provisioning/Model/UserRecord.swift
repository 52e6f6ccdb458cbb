package import Foundation
package import SCIM
import Synchronization

/// The platform's account status of a user.
package enum UserStatus: String, Sendable, Hashable, CaseIterable {
    case active, blocked, deactivated
}

/// A user of the platform: local, or managed by one provider.
package struct UserRecord: Sendable, Hashable, Identifiable {
    /// The SCIM `id`: a UUID, stable, never reassigned.
    package var id: String
    /// The managing provider, or `nil` for a local user.
    package var providerID: String?
    /// `false` once the provider DELETEd the user: the account stays, the provider no longer sees it.
    package var linked: Bool
    package var userName: String
    /// The SCIM `active` value the provider last sent.
    package var scimActive: Bool
    /// The account was deactivated (access removed, archives in cold storage).
    package var deactivated: Bool
    /// An admin blocked the user.
    package var adminBlocked: Bool
    /// When a pending deactivation comes due.
    package var deactivationDueAt: Date?
    /// Why a deactivation did not happen (mass-deactivation guard, legal hold).
    package var held: HoldReason?
    package var legalHold: Bool
    /// The legal matter the hold is for.
    package var legalHoldMatter: String?
    /// The SCIM attributes in canonical stored form (no `id`, `meta`, `schemas`, `groups`). A record the store
    /// read keeps them as their stored text until they are first asked for (``storedAttributes``).
    package var attributes: JSONObject {
        get { storage.object }
        set { storage = StoredAttributes(newValue) }
    }
    /// The stored JSON text of ``attributes`` while they are as the store read them (set them and this is `nil`),
    /// and when it is one well-formed object: a list response copies it instead of parsing it and serializing the
    /// result again.
    package var storedAttributes: JSONObjectText? { storage.objectText }
    private var storage: StoredAttributes
    /// The user's organization. Written by ``StoreTransaction/insertUser(_:)`` and
    /// ``StoreTransaction/setOrganization(userID:organizationID:pinned:)`` only: `updateUser` leaves it alone, so
    /// that a lifecycle or attribute write never undoes a mapping.
    package var organizationID: String
    /// An admin placed the user by hand; method `single` leaves such users where they are.
    package var organizationPinned: Bool
    package var version: Int
    package var createdAt: Date
    package var updatedAt: Date

    package init(
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
        self.storage = StoredAttributes(attributes)
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A user read from a store: ``attributes`` are parsed from `storedAttributes` (the `doc` column's text) when
    /// first asked for; text that does not parse (a damaged row) reads as no attributes rather than failing every
    /// list that contains it.
    package init(
        id: String, providerID: String?, linked: Bool, userName: String, scimActive: Bool, storedAttributes: String,
        version: Int, createdAt: Date, updatedAt: Date
    ) {
        self.init(
            id: id, providerID: providerID, linked: linked, userName: userName, scimActive: scimActive,
            attributes: [:], version: version, createdAt: createdAt, updatedAt: updatedAt)
        storage = StoredAttributes(text: storedAttributes)
    }

    /// The lifecycle facts of this user, as the state machine sees them.
    package var lifecycle: Lifecycle {
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
    package var status: UserStatus {
        switch lifecycle.status {
        case .active: .active
        case .blocked: .blocked
        case .deactivated: .deactivated
        }
    }

    /// Whether the user is local (managed only by admins).
    package var isLocal: Bool { providerID == nil }
    /// The `externalId` the provider set.
    package var externalID: String? { attributes["externalId"]?.stringValue }
    /// The display name, or the formatted name, or the given and family names.
    package var displayName: String? {
        if let d = attributes["displayName"]?.stringValue { return d }
        let name = attributes["name"]?.objectValue
        if let f = name?["formatted"]?.stringValue { return f }
        let parts = [name?["givenName"]?.stringValue, name?["familyName"]?.stringValue].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
    /// The `value` of the enterprise extension's `manager`: read from the stored text, when there is one, without
    /// parsing the other attributes.
    package var managerID: String? {
        guard let text = storedAttributes else { return UserRules.managerID(attributes) }
        return UserRules.managerID(enterprise: text.value(of: SchemaURN.enterpriseUser))
    }
    /// The enterprise extension object, if any.
    package var enterprise: JSONObject? { attributes[SchemaURN.enterpriseUser]?.objectValue }
}

/// A user's attributes: a parsed object, or stored text that is parsed once, when first asked for, and scanned
/// once (``JSONObjectText``) when a response copies it. Records are values; this box is shared by copies of one
/// record and never changes what it holds, only when it is read.
final class StoredAttributes: Sendable, Hashable {
    let text: String?
    private let parsed: Mutex<JSONObject?>
    private let scanned: Mutex<JSONObjectText??> = Mutex(nil)

    init(_ object: JSONObject) {
        text = nil
        parsed = Mutex(object)
    }

    init(text: String) {
        self.text = text
        parsed = Mutex(nil)
    }

    var object: JSONObject {
        parsed.withLock { parsed in
            if let parsed { return parsed }
            let object = text.flatMap { try? JSONValue(parsing: $0) }?.objectValue ?? JSONObject()
            parsed = object
            return object
        }
    }

    /// The stored text, scanned; `nil` for attributes that were set, or text that is not one well-formed object.
    var objectText: JSONObjectText? {
        guard let text else { return nil }
        return scanned.withLock { scanned in
            if let scanned { return scanned }
            let objectText = JSONObjectText(text)
            scanned = .some(objectText)
            return objectText
        }
    }

    static func == (a: StoredAttributes, b: StoredAttributes) -> Bool { a === b || a.object == b.object }
    func hash(into hasher: inout Hasher) { hasher.combine(object) }
}
