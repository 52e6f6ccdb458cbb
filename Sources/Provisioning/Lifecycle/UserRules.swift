package import SCIM

/// The platform's rules for a provisioned user's attributes, on top of the SCIM schema: `userName` is the
/// sign-in email, the primary email agrees with it, countries are ISO 3166-1 alpha-2 codes.
package enum UserRules {
    /// Checks a normalized User strictly; throws 400 `invalidValue` naming the attribute and the rule. Countries
    /// are normalized to their alpha-2 code first (see ``apply(to:userNameFormat:dropping:)``).
    package static func validate(_ user: JSONObject, userNameFormat: UserNameFormat = .email) throws(SCIMError) {
        var copy = user
        var strict = DroppedValues(policy: .reject)
        try apply(to: &copy, userNameFormat: userNameFormat, dropping: &strict)
    }

    /// Applies the rules to a normalized User.
    ///
    /// - `userName` must be an email address under ``UserNameFormat/email``, and the primary email must equal it
    ///   (case-insensitively): identity, so refused under every policy.
    /// - Other email values must be email addresses: one that is not is left out (``DroppedValue/Rule/email``).
    /// - `addresses.country` is stored as its ISO 3166-1 alpha-2 code; English names, common variants, alpha-3 and
    ///   numeric codes are mapped to it (Entra sends its directory's free-text country,
    ///   fixture `entra/create-user-free-text-country.json`). A country that maps to nothing is left out
    ///   (``DroppedValue/Rule/country``), the rest of the address stays.
    ///
    /// What is left out goes to `dropped`, which throws instead under ``InvalidDataPolicy/reject``.
    package static func apply(
        to user: inout JSONObject, userNameFormat: UserNameFormat, dropping dropped: inout DroppedValues
    ) throws(SCIMError) {
        guard let userName = user["userName"]?.stringValue else {
            throw SCIMError.invalidValue("Attribute 'userName' is required.")
        }
        guard userNameFormat == .any || isEmailAddress(userName) else {
            throw SCIMError.invalidValue(
                "Attribute 'userName' must be an email address (the user signs in with it), got '\(userName)'.")
        }
        if let emails = user["emails"]?.arrayValue {
            var kept: [JSONValue] = []
            for email in emails {
                let object = email.objectValue
                let isPrimary = object?["primary"]?.boolValue == true
                if let value = object?["value"]?.stringValue {
                    if isPrimary && userNameFormat == .email && !value.equalsIgnoringCase(userName) {
                        throw SCIMError.invalidValue(
                            "The primary email '\(value)' must equal 'userName' '\(userName)' (compared case-insensitively)."
                        )
                    }
                    if !isEmailAddress(value) {
                        try dropped.drop(
                            "emails.value", .email, value: .string(value),
                            error: .invalidValue("Attribute 'emails.value' must be an email address, got '\(value)'."))
                        continue
                    }
                }
                kept.append(email)
            }
            user["emails"] = kept.isEmpty ? nil : .array(kept)
        }
        if let addresses = user["addresses"]?.arrayValue {
            var kept: [JSONValue] = []
            for address in addresses {
                guard var object = address.objectValue, let country = object["country"]?.stringValue else {
                    kept.append(address)
                    continue
                }
                if let code = CountryCode.normalize(country) {
                    object["country"] = .string(code)
                } else {
                    try dropped.drop(
                        "addresses.country", .country, value: .string(country),
                        error: .invalidValue(
                            "Attribute 'addresses.country' must name an ISO 3166-1 country (an alpha-2 code such as 'US' or 'DE', an alpha-3 or numeric code, or its English name), got '\(country)'."
                        ))
                    object["country"] = nil
                }
                if !object.isEmpty { kept.append(.object(object)) }
            }
            user["addresses"] = kept.isEmpty ? nil : .array(kept)
        }
    }

    /// A pragmatic email syntax check: one `@`, a non-empty local part without spaces, and a domain with a dot
    /// whose labels are letters, digits and hyphens.
    package static func isEmailAddress(_ text: String) -> Bool {
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
            guard !local.contains(where: { $0 == 0x20 || (0x09...0x0D).contains($0) || $0 == UInt8(ascii: "\"") })
            else {
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
    package static func managerID(_ user: JSONObject) -> String? {
        managerID(enterprise: user[SchemaURN.enterpriseUser])
    }

    /// The manager's user id in the enterprise extension's value, if set.
    package static func managerID(enterprise: JSONValue?) -> String? {
        enterprise?.objectValue?["manager"]?.objectValue?["value"]?.stringValue
    }
}
