/// ISO 3166-1 country codes, and the mapping from the countries identity providers send to them.
///
/// ``entries`` holds the 249 codes officially assigned by ISO 3166-1 ("Codes for the representation of names of
/// countries and their subdivisions — Part 1: Country code"), as maintained by the ISO 3166 Maintenance Agency. It is
/// generated into `CountryCode+Table.swift` by `scripts/generate-country-codes.py` from Debian's iso-codes package,
/// which names its version. User-assigned codes (`AA`, `QM`–`QZ`, `XA`–`XZ` such as `XK`, `ZZ`) and exceptionally or
/// transitionally reserved codes (`UK`, `EU`, …) are not included.
package enum CountryCode {
    /// One ISO 3166-1 entry with the names ``CountryCode/normalize(_:)`` maps to it.
    package struct Entry: Sendable, Hashable {
        /// The alpha-2 code, uppercase (`"DE"`): what Roster stores.
        package var alpha2: String
        /// The alpha-3 code, uppercase (`"DEU"`).
        package var alpha3: String
        /// The numeric code, three digits with leading zeros (`"076"`).
        package var numeric: String
        /// The English short name as ISO 3166-1 writes it (`"Korea, Republic of"`).
        package var name: String
        /// The official name, where the source has one (`"Federal Republic of Germany"`).
        package var officialName: String?
        /// The common name, where the source has one (`"South Korea"`).
        package var commonName: String?
        /// Other spellings accepted for this entry: forms derived from the ISO names and curated common, colloquial
        /// and former names (`"USA"` is an alpha-3 code; `"UK"`, `"Great Britain"` and `"England"` are variants).
        package var variants: [String]

        /// An entry of the generated table.
        init(
            _ alpha2: String, _ alpha3: String, _ numeric: String, _ name: String, official: String? = nil,
            common: String? = nil, variants: [String] = []
        ) {
            self.alpha2 = alpha2
            self.alpha3 = alpha3
            self.numeric = numeric
            self.name = name
            self.officialName = official
            self.commonName = common
            self.variants = variants
        }

        /// Every text that names this entry: its codes, its ISO names and its variants.
        var spellings: [String] {
            [alpha2, alpha3, numeric, name] + [officialName, commonName].compactMap { $0 } + variants
        }
    }

    /// Every officially assigned ISO 3166-1 alpha-2 code, uppercase.
    package static let alpha2: Set<String> = Set(entries.map(\.alpha2))

    /// Whether `code` is exactly two ASCII letters naming an officially assigned ISO 3166-1 alpha-2 code, compared
    /// case-insensitively (`"us"` is `US`).
    package static func isValid(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else {
            return false
        }
        return alpha2.contains(String(decoding: bytes.map { $0 >= 97 ? $0 - 32 : $0 }, as: UTF8.self))
    }

    /// The ISO 3166-1 alpha-2 code (uppercase) of a country as identity providers send it, or `nil` when `text` is
    /// empty, names no country, or could name more than one.
    ///
    /// RFC 7643 §4.1.2 asks for alpha-2 codes, but IdPs fill `addresses.country` from free-text directory fields:
    /// Entra ID sends "Bermuda" or "United States". Accepted are the alpha-2 code (`"de"`), the alpha-3 code
    /// (`"DEU"`), the numeric code (`"276"`; `"76"` for `"076"`), the English short, official and common names
    /// (`"Korea, Republic of"`, `"Republic of Korea"`, `"South Korea"`) and the variants of ``entries`` (`"USA"`,
    /// `"U.K."`, `"Ivory Coast"`), compared ignoring case, diacritics, punctuation, spacing and the word "the"
    /// (`"KOREA (REPUBLIC OF)"`, `"  United   States "`, `"Côte d’Ivoire"`, `"The Netherlands"`). Names in
    /// ``ambiguousNames`` (`"Congo"`, `"Korea"`) give `nil`. One dictionary lookup of the folded text: O(length).
    package static func normalize(_ text: String) -> String? {
        guard text.utf8.count <= maximumLength else { return nil }
        return index[lookupKey(text)]
    }

    /// Longer texts name no country (the longest name is under 60 bytes); they are refused before folding.
    static let maximumLength = 200

    /// Every folded spelling of every entry, to its alpha-2 code.
    static let index: [String: String] = makeIndex().index

    /// The lookup dictionary, and the folded spellings that two entries claim (left out of it; the generator
    /// refuses to produce a table with any, and a test checks there are none).
    static func makeIndex() -> (index: [String: String], conflicts: Set<String>) {
        let ambiguous = Set(ambiguousNames.map(lookupKey))
        var index: [String: String] = [:]
        var conflicts: Set<String> = []
        for entry in entries {
            for spelling in entry.spellings {
                let key = lookupKey(spelling)
                guard !key.isEmpty, !ambiguous.contains(key) else { continue }
                if let claimed = index[key], claimed != entry.alpha2 {
                    conflicts.insert(key)
                } else {
                    index[key] = entry.alpha2
                }
            }
        }
        for key in conflicts { index[key] = nil }
        return (index, conflicts)
    }

    /// The form country texts are compared in: letters and digits only, lowercased, without diacritics, words
    /// joined without separators, `&` read as "and", the word "the" left out; a number loses its leading zeros.
    /// `"Korea, Republic of"`, `"KOREA (REPUBLIC OF)"` and `"korea republic-of"` all give `"korearepublicof"`;
    /// `"Côte d’Ivoire"` and `"Cote d'Ivoire"` give `"cotedivoire"`; `"076"` gives `"76"`.
    ///
    /// `scripts/generate-country-codes.py` folds the same way (`fold`) to refuse names that two entries claim.
    static func lookupKey(_ text: String) -> String {
        var key = ""
        var word = ""
        func endWord() {
            if word != "the" { key += word }
            word = ""
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x61...0x7A:
                word.unicodeScalars.append(scalar)
            case 0x41...0x5A:
                word.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value + 0x20)))
            case 0x26:
                // "&" between words reads "and"; alone it is no word (the alpha-3 code "AND" is Andorra).
                endWord()
                if !key.isEmpty { key += "and" }
            case 0..<0x80:
                endWord()
            default:
                let properties = scalar.properties
                switch properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark:
                    // A combining accent of decomposed text ("e" followed by U+0301).
                    continue
                default:
                    if let base = latinBase(of: properties) {
                        word += base
                    } else if properties.isAlphabetic || properties.numericType != nil {
                        word += properties.lowercaseMapping
                    } else {
                        endWord()
                    }
                }
            }
        }
        endWord()
        if let first = key.utf8.first, first >= 0x30, first <= 0x39, key.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            key = String(key.drop(while: { $0 == "0" }))
        }
        return key
    }

    /// The lowercase base letters of a Latin letter with diacritics, read from its Unicode name:
    /// "LATIN CAPITAL LETTER O WITH CIRCUMFLEX" gives "o", "LATIN SMALL LETTER O WITH STROKE" gives "o",
    /// "LATIN SMALL LETTER AE" gives "ae". `nil` for any other scalar. The standard library has no public canonical
    /// decomposition, and the names also cover letters that do not decompose (ø, ł, đ).
    private static func latinBase(of properties: Unicode.Scalar.Properties) -> String? {
        guard let name = properties.name else { return nil }
        let letter: Substring
        if name.hasPrefix("LATIN SMALL LETTER ") {
            letter = name.dropFirst("LATIN SMALL LETTER ".count)
        } else if name.hasPrefix("LATIN CAPITAL LETTER ") {
            letter = name.dropFirst("LATIN CAPITAL LETTER ".count)
        } else {
            return nil
        }
        let base = letter.prefix(while: { $0 != " " })
        guard (1...2).contains(base.utf8.count), base.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }),
            letter.count == base.count || letter.dropFirst(base.count).hasPrefix(" WITH ")
        else { return nil }
        return base.lowercased()
    }
}
