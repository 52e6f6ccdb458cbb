import Foundation
import Provisioning
import Testing

@Suite struct CredentialsTests {
    @Test func secretsCarry256BitsAndAreUnique() {
        let secrets = (0..<200).map { _ in Credentials.generateSecret() }
        #expect(Set(secrets).count == secrets.count)
        for s in secrets {
            // 32 bytes in unpadded base64url: 43 characters of 6 bits each (256 bits, 2 spare).
            #expect(s.count == 43)
            #expect(s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
    }

    @Test func identifiersNeverContainUnderscores() {
        for _ in 0..<200 {
            let id = Credentials.generateIdentifier()
            #expect(id.count == 10)
            #expect(id.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") })
        }
    }

    /// Every id a provider can have passes the shape check the server runs before it keeps anything for a Base
    /// URL; anything else fails it.
    @Test func providerIDsHaveOneShape() {
        for _ in 0..<200 { #expect(Provider.isWellFormedID(Provider.generateID())) }
        #expect(Provider.isWellFormedID("k3v9x0abcz"))
    }

    @Test(arguments: [
        "", "abc", "abcdefghi", "abcdefghijk", "ABCDEFGHIJ", "abcdefgh_j", "abcdefgh-j", "abcdefgh j", "abcdefgh%6a",
        "abcdefghé", "abcdefghi\u{0}", String(repeating: "a", count: 250_000),
    ])
    func otherBaseURLsAreNotProviderIDs(_ id: String) {
        #expect(!Provider.isWellFormedID(id))
    }

    @Test func onlyTheHashIsNeededToVerify() {
        let secret = Credentials.generateSecret()
        let hash = Credentials.hash(secret: secret)
        #expect(hash.count == 64)
        #expect(!hash.contains(secret))
        #expect(Credentials.verify(secret: secret, storedHash: hash))
        #expect(!Credentials.verify(secret: secret + "x", storedHash: hash))
        #expect(!Credentials.verify(secret: "", storedHash: hash))
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        #expect(Credentials.hash(secret: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(arguments: [
        ([UInt8]("abc".utf8), [UInt8]("abc".utf8), true),
        ([UInt8]("abc".utf8), [UInt8]("abd".utf8), false),
        ([UInt8]("abc".utf8), [UInt8]("ab".utf8), false),
        ([], [], true),
    ])
    func constantTimeEquality(_ a: [UInt8], _ b: [UInt8], _ equal: Bool) {
        #expect(Credentials.constantTimeEquals(a, b) == equal)
    }
}

@Suite struct DurationTests {
    @Test(arguments: [
        ("0", 0), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), (" 45 ", 45), ("2S", 2),
    ])
    func adminDurations(_ text: String, _ seconds: Int64) {
        #expect(Duration(adminText: text) == .seconds(seconds))
    }

    @Test(arguments: ["", "-1", "15x", "m", "1.5h", "h1", "99999999999999d"])
    func invalidDurations(_ text: String) {
        #expect(Duration(adminText: text) == nil)
    }

    @Test(arguments: [(0, "0"), (90, "90s"), (900, "15m"), (7200, "2h"), (86_400, "1d"), (5400, "90m")])
    func adminText(_ seconds: Int64, _ text: String) {
        #expect(Duration.seconds(seconds).adminText == text)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2011-05-13T04:42:34Z", Int64(1_305_261_754_000)),
        ("2011-05-13T04:42:34.5Z", Int64(1_305_261_754_500)),
        ("2011-05-13T06:42:34+02:00", Int64(1_305_261_754_000)),
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2024-02-29T23:59:59.999Z", Int64(1_709_251_199_999)),
        // More than three fraction digits (Entra and .NET send seven) are cut to milliseconds. Found by
        // schemathesis: this used to trap on a range with its bounds reversed.
        ("2011-05-13T04:42:34.1234567Z", Int64(1_305_261_754_123)),
        ("2011-05-13T04:42:34.9999Z", Int64(1_305_261_754_999)),
    ])
    func parsing(_ text: String, _ milliseconds: Int64) {
        #expect(Timestamp.parse(text) == milliseconds)
    }

    @Test(arguments: ["", "2011-05-13", "2011-13-01T00:00:00Z", "2011-05-13T04:42:34Q", "yesterday"])
    func invalid(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formattingRoundTrips() {
        for ms: Int64 in [0, 1, 999, 1_305_261_754_000, 1_709_251_199_999, 4_102_444_800_000] {
            let text = Timestamp.format(milliseconds: ms)
            #expect(text.hasSuffix("Z") && text.count == 24)
            #expect(Timestamp.parse(text) == ms)
        }
        #expect(Timestamp.format(milliseconds: 1_305_261_754_000) == "2011-05-13T04:42:34.000Z")
    }
}

@Suite struct SyncLogCSVTests {
    /// RFC 4180 quoting, and cells a spreadsheet would run as formulas start with a quote mark.
    @Test func rowsAreQuotedAndFormulaSafe() {
        let entry = SyncLogEntry(
            sequence: 7, at: Date(timeIntervalSince1970: 0), providerID: "okta", userName: "=HYPERLINK(\"x\")",
            action: .updated, detail: "title, department\nname", requestID: "+1")
        #expect(SyncLogEntry.csvHeader == "seq,time,provider,user,group,action,detail,request")
        #expect(
            entry.csvRow
                == #"7,1970-01-01T00:00:00.000Z,okta,"'=HYPERLINK(""x"")",,updated,"title, department"# + "\n"
                + #"name",'+1"#)
    }

    /// What a spreadsheet would run or split: the first Unicode scalar decides, not the first character (`=` with
    /// a combining mark or a joiner is one character), TAB and CR count, and quoting also looks at scalars
    /// (`"\r\n"` is one character; a quote with a combining mark too).
    @Test(arguments: [
        ("=\u{301}HYPERLINK(1)", "'=\u{301}HYPERLINK(1)"),
        ("=\u{200D}1+1", "'=\u{200D}1+1"),
        ("+\u{20E3}1", "'+\u{20E3}1"),
        ("-\u{301}2", "'-\u{301}2"),
        ("@\u{200D}SUM(A1)", "'@\u{200D}SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "\"'\r=1+1\""),
        ("a\r\nb", "\"a\r\nb\""),
        ("\"\u{301},x", "\"\"\"\u{301},x\""),
        ("x\"\u{301}\n", "\"x\"\"\u{301}\n\""),
        ("plain", "plain"),
        ("é=1", "é=1"),
        (" =1", " =1"),
    ])
    func fieldsAreGuardedByTheirFirstScalar(_ field: String, _ expected: String) {
        let row = SyncLogEntry(at: Date(timeIntervalSince1970: 0), providerID: nil, userName: field, action: .updated)
            .csvRow
        let prefix = "0,1970-01-01T00:00:00.000Z,admin,".unicodeScalars.count
        let cell = String(
            String.UnicodeScalarView(row.unicodeScalars.dropFirst(prefix).dropLast(",,updated,,".unicodeScalars.count)))
        #expect(Array(cell.unicodeScalars) == Array(expected.unicodeScalars), "\(row.debugDescription)")
    }
}
