public import SCIM

/// The platform's rules for a provisioned user's attributes, on top of the SCIM schema: `userName` is the
/// sign-in email, the primary email agrees with it, countries are ISO 3166-1 alpha-2 codes.
public enum UserRules {
    /// Checks a normalized User; throws 400 `invalidValue` naming the attribute and the rule.
    public static func validate(_ user: JSONObject, userNameFormat: UserNameFormat = .email) throws(SCIMError) {
        guard let userName = user["userName"]?.stringValue else {
            throw SCIMError.invalidValue("Attribute 'userName' is required.")
        }
        guard userNameFormat == .any || isEmailAddress(userName) else {
            throw SCIMError.invalidValue(
                "Attribute 'userName' must be an email address (the user signs in with it), got '\(userName)'.")
        }
        if let emails = user["emails"]?.arrayValue {
            for email in emails {
                guard let value = email.objectValue?["value"]?.stringValue else { continue }
                guard isEmailAddress(value) else {
                    throw SCIMError.invalidValue("Attribute 'emails.value' must be an email address, got '\(value)'.")
                }
            }
            if userNameFormat == .email, let primary = emails.first(where: { $0.objectValue?["primary"]?.boolValue == true }),
                let value = primary.objectValue?["value"]?.stringValue, !value.equalsIgnoringCase(userName)
            {
                throw SCIMError.invalidValue(
                    "The primary email '\(value)' must equal 'userName' '\(userName)' (compared case-insensitively).")
            }
        }
        if let addresses = user["addresses"]?.arrayValue {
            for address in addresses {
                guard let country = address.objectValue?["country"]?.stringValue else { continue }
                guard CountryCode.isValid(country) else {
                    throw SCIMError.invalidValue(
                        "Attribute 'addresses.country' must be an ISO 3166-1 alpha-2 country code such as 'US' or 'DE', got '\(country)'.")
                }
            }
        }
    }

    /// A pragmatic email syntax check: one `@`, a non-empty local part without spaces, and a domain with a dot
    /// whose labels are letters, digits and hyphens.
    public static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, text.utf8.count <= 254 else { return false }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !local.contains(where: { $0.isWhitespace || $0 == "\"" }),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else {
                return false
            }
            guard label.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
        }
        return true
    }

    /// The manager's user id, from the enterprise extension, if set.
    public static func managerID(_ user: JSONObject) -> String? {
        user[SchemaURN.enterpriseUser]?.objectValue?["manager"]?.objectValue?["value"]?.stringValue
    }
}
