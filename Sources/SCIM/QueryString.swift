/// Decoding a URL's query string into named parameters, the way IdPs encode them.
///
/// RFC 7644 §3.4.2 carries `filter`, `attributes`, `sortBy` and paging in the query string, and clients encode it
/// in two ways: percent-encoding only (`userName%20eq%20%22a%22`), or HTML form encoding, where `+` stands for a
/// space (`userName+eq+%22a%22`). Microsoft's SCIM Validator for Entra ID and most Java and Python HTTP clients send
/// the second, so `+` is read as a space and a literal plus arrives as `%2B` (WHATWG URL standard,
/// `application/x-www-form-urlencoded` parsing; fixture `entra/validator-get-user-by-username.txt`).
public enum QueryString {
    /// The parameters of a raw (still encoded) query string, in order, with `+` and percent-escapes decoded.
    ///
    /// Pieces between `&` are split at their first `=`; a piece without one is a name with an empty value, and
    /// empty pieces are skipped. A malformed escape (`%zz`, a `%` at the end) stays as written, and decoded bytes
    /// that are not UTF-8 are replaced with U+FFFD, so decoding never fails.
    public static func parameters(_ query: some StringProtocol) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for piece in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let eq = piece.firstIndex(of: UInt8(ascii: "=")) {
                out.append((decode(piece[..<eq]), decode(piece[piece.index(after: eq)...])))
            } else {
                out.append((decode(piece[...]), ""))
            }
        }
        return out
    }

    /// Decodes one name or value: `+` becomes a space, `%XX` the byte XX.
    public static func decode(_ encoded: some Collection<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var i = encoded.startIndex
        while i != encoded.endIndex {
            let byte = encoded[i]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                let first = encoded.index(after: i)
                if first != encoded.endIndex, encoded.index(after: first) != encoded.endIndex,
                    let high = hexValue(encoded[first]), let low = hexValue(encoded[encoded.index(after: first)])
                {
                    bytes.append(high << 4 | low)
                    i = encoded.index(after: encoded.index(after: first))
                    continue
                }
                bytes.append(byte)
            } else {
                bytes.append(byte)
            }
            i = encoded.index(after: i)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
