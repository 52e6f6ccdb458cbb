/// Control characters in string values (RFC 7643 §2.3.1 strings are text): C0 controls, DEL and C1 controls act on
/// the terminals, logs and spreadsheets that show identity data (`ESC [2J` clears a screen), and no identity
/// attribute needs them. Line breaks and tabs are text only in the attributes RFC 7643 §4.1.2 says may contain
/// newlines.
extension ResourceType {
    /// The attributes whose values may hold line breaks (LF, CR) and tabs, by their canonical path
    /// (RFC 7643 §4.1.2: `addresses.formatted` and `addresses.streetAddress` "MAY contain newlines").
    static let multiLineAttributes: Set<String> = ["addresses.formatted", "addresses.streetAddress"]

    /// Refuses a string value of the attribute at `path` that holds a control character.
    /// - Throws: `invalidValue` naming the attribute and the first control character (as `U+001B`), never echoing
    ///   the value itself.
    package static func refuseControlCharacters(in text: String, path: String) throws(SCIMError) {
        // Nearly every value is free of them: a byte scan finds no C0 byte, no DEL and no 0xC2 (the lead byte of
        // every C1 character in UTF-8).
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return }
        let multiLine = multiLineAttributes.contains(path)
        for (offset, scalar) in text.unicodeScalars.enumerated() where scalar.isControlCharacter {
            if multiLine, scalar == "\n" || scalar == "\r" || scalar == "\t" { continue }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let hint =
                scalar == "\n" || scalar == "\r" || scalar == "\t"
                ? "; line breaks and tabs are allowed only in \(multiLineAttributes.sorted().joined(separator: " and "))"
                : ""
            throw SCIMError.invalidValue(
                "Attribute '\(path)' must not contain control characters (U+0000–U+001F, U+007F–U+009F); found \(code) "
                    + "at character \(offset)\(hint).")
        }
    }
}

extension Unicode.Scalar {
    /// Whether this is a C0 control (U+0000–U+001F), DEL (U+007F) or a C1 control (U+0080–U+009F).
    package var isControlCharacter: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}
