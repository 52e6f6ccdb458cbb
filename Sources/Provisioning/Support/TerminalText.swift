import SCIM

/// Text made safe for a terminal: the characters a terminal acts on (C0 controls, DEL, C1 controls) are written
/// out visibly, so that printing a stored value (a name an identity provider sent, an admin's note) cannot move the
/// cursor, clear the screen (`ESC [2J`), retitle the window or hide what was printed before it.
package enum TerminalText {
    /// `text` with each control character written as `\u{1B}` (its scalar value in hex). Line feeds are kept when
    /// `keepingLineBreaks` (a message of several lines); everything else, tab and carriage return included, is
    /// escaped.
    package static func escaped(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isControlCharacter, !(keepingLineBreaks && scalar == "\n") {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// JSON text with DEL and the C1 controls written as `\u009B` escapes. JSON allows them raw inside strings, and
    /// they occur nowhere else in JSON text; the C0 controls are escaped by every JSON writer already. The result
    /// is the same JSON value.
    package static func escapedJSON(_ json: String) -> String {
        guard json.utf8.contains(where: { $0 == 0x7F || $0 == 0xC2 }) else { return json }
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if (0x7F...0x9F).contains(scalar.value) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "\\u00\(hex)".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
