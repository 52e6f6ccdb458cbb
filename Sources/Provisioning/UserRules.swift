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
        // Byte-level for ASCII (every address an IdP sends in practice; this runs on every POST and PUT);
        // Character properties only for the parts that hold non-ASCII letters (internationalized addresses).
        let utf8 = text.utf8
        guard utf8.count <= 254, let at = utf8.firstIndex(of: UInt8(ascii: "@")),
            utf8[utf8.index(after: at)...].firstIndex(of: UInt8(ascii: "@")) == nil
        else { return false }
        let local = utf8[..<at]
        let domain = utf8[utf8.index(after: at)...]
        guard !local.isEmpty, local.count <= 64, local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
            !containsDoubleDot(local)
        else { return false }
        if local.allSatisfy({ $0 < 0x80 }) {
            guard !local.contains(where: { $0 == 0x20 || (0x09...0x0D).contains($0) || $0 == UInt8(ascii: "\"") }) else {
                return false
            }
        } else {
            guard !Substring(local).contains(where: { $0.isWhitespace || $0 == "\"" }) else { return false }
        }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return false }
            if label.allSatisfy({ $0 < 0x80 }) {
                guard label.allSatisfy({ isASCIILetterOrDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
            } else {
                let characters = String(decoding: label, as: UTF8.self)
                guard characters.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return false }
            }
        }
        return true
    }

    static func containsDoubleDot(_ bytes: Substring.UTF8View) -> Bool {
        var previousDot = false
        for byte in bytes {
            let dot = byte == UInt8(ascii: ".")
            if dot && previousDot { return true }
            previousDot = dot
        }
        return false
    }

    static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// The manager's user id, from the enterprise extension, if set.
    public static func managerID(_ user: JSONObject) -> String? {
        user[SchemaURN.enterpriseUser]?.objectValue?["manager"]?.objectValue?["value"]?.stringValue
    }
}
