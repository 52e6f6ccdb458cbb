import Provisioning
import SCIM
import Testing

/// What the CLI prints: stored values cannot drive the terminal.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("\u{1B}[2J", false, #"\u{1B}[2J"#),
        ("\u{1B}]0;pwned\u{07}", false, #"\u{1B}]0;pwned\u{7}"#),
        ("a\u{9B}31mb", false, #"a\u{9B}31mb"#),
        ("del\u{7F}", false, #"del\u{7F}"#),
        ("nul\u{0}", false, #"nul\u{0}"#),
        ("over\rwrite", false, #"over\u{D}write"#),
        ("two\nlines\tand", false, #"two\u{A}lines\u{9}and"#),
        ("two\nlines\tand\r\n", true, "two\nlines\\u{9}and\\u{D}\n"),
        ("plain ASCII", false, "plain ASCII"),
        ("Zoë \u{A0}№ 😀 \u{2028}", false, "Zoë \u{A0}№ 😀 \u{2028}"),
    ])
    func controlCharactersAreWrittenOut(_ text: String, _ keepingLineBreaks: Bool, _ expected: String) {
        let escaped = TerminalText.escaped(text, keepingLineBreaks: keepingLineBreaks)
        #expect(Array(escaped.unicodeScalars) == Array(expected.unicodeScalars))
        #expect(!escaped.unicodeScalars.contains { $0.isControlCharacter && $0 != "\n" })
    }

    /// JSON output stays the same JSON value: DEL and C1 become `\u` escapes, which only occur inside strings.
    @Test func jsonKeepsItsValue() throws {
        let value: JSONValue = ["title": "a\u{9B}2J\u{7F}\u{1B}[0m", "n": 1]
        let escaped = TerminalText.escapedJSON(value.jsonText)
        #expect(escaped == #"{"title":"a\u009B2J\u007F\u001b[0m","n":1}"#)
        #expect(try JSONValue(parsing: escaped) == value)
        #expect(!escaped.unicodeScalars.contains { $0.isControlCharacter })
    }
}
