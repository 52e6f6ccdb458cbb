import Testing

@testable import SCIM

@Suite("Mapping countries to ISO 3166-1 alpha-2 codes (RFC 7643 §4.1.2)")
struct CountryCodeTests {
    @Test("The table holds the 249 officially assigned ISO 3166-1 entries, each code once")
    func tableHasEveryEntryOnce() {
        let entries = CountryCode.entries
        #expect(entries.count == 249)
        #expect(Set(entries.map(\.alpha2)).count == 249)
        #expect(Set(entries.map(\.alpha3)).count == 249)
        #expect(Set(entries.map(\.numeric)).count == 249)
        #expect(CountryCode.alpha2 == Set(entries.map(\.alpha2)))
        #expect(entries.map(\.alpha2) == entries.map(\.alpha2).sorted())
        for entry in entries {
            #expect(entry.alpha2.utf8.count == 2 && entry.alpha2 == entry.alpha2.uppercased(), "\(entry)")
            #expect(entry.alpha3.utf8.count == 3 && entry.alpha3 == entry.alpha3.uppercased(), "\(entry)")
            #expect(entry.numeric.utf8.count == 3 && Int(entry.numeric) != nil, "\(entry)")
        }
    }

    /// Entries checked literally, independently of the generated table.
    static let literalEntries: [(name: String, alpha3: String, numeric: String, alpha2: String)] = [
        ("Bermuda", "BMU", "060", "BM"),
        ("Germany", "DEU", "276", "DE"),
        ("United States", "USA", "840", "US"),
        ("United Kingdom", "GBR", "826", "GB"),
        ("Brazil", "BRA", "076", "BR"),
        ("Afghanistan", "AFG", "004", "AF"),
        ("Korea, Republic of", "KOR", "410", "KR"),
        ("Korea, Democratic People's Republic of", "PRK", "408", "KP"),
        ("Côte d'Ivoire", "CIV", "384", "CI"),
        ("Åland Islands", "ALA", "248", "AX"),
        ("Türkiye", "TUR", "792", "TR"),
        ("Holy See (Vatican City State)", "VAT", "336", "VA"),
        ("Congo, The Democratic Republic of the", "COD", "180", "CD"),
        ("Taiwan, Province of China", "TWN", "158", "TW"),
        ("Zimbabwe", "ZWE", "716", "ZW"),
    ]

    @Test("Spot checks: name, alpha-3 and numeric code of well-known entries", arguments: literalEntries)
    func literalEntry(name: String, alpha3: String, numeric: String, alpha2: String) throws {
        let entry = try #require(CountryCode.entries.first { $0.alpha2 == alpha2 })
        #expect(entry.name == name)
        #expect(entry.alpha3 == alpha3)
        #expect(entry.numeric == numeric)
        #expect(CountryCode.isValid(alpha2))
        for text in [name, alpha3, numeric, alpha2, alpha2.lowercased()] {
            #expect(CountryCode.normalize(text) == alpha2, "\(text)")
        }
    }

    @Test("Every entry's codes, ISO names and variants map back to its alpha-2 code", arguments: CountryCode.entries)
    func everyEntryMapsBack(entry: CountryCode.Entry) throws {
        let numeric = try #require(Int(entry.numeric))
        var texts = [
            entry.alpha2, entry.alpha2.lowercased(), entry.alpha3, entry.alpha3.lowercased(), entry.numeric,
            String(numeric),
        ]
        for name in [entry.name, entry.officialName, entry.commonName].compactMap({ $0 }) + entry.variants
        where !Self.isAmbiguous(name) {
            texts += [name, name.uppercased(), name.lowercased()]
        }
        for text in texts {
            #expect(CountryCode.normalize(text) == entry.alpha2, "\(text)")
        }
    }

    /// Whether `name` is one of the names accepted for no entry.
    static func isAmbiguous(_ name: String) -> Bool {
        CountryCode.ambiguousNames.contains { CountryCode.lookupKey($0) == CountryCode.lookupKey(name) }
    }

    @Test("No ISO name is left out as ambiguous: \"Congo\" is the Republic of the Congo's short name")
    func ambiguousISONames() {
        let names = CountryCode.entries.flatMap { entry in
            [entry.name, entry.officialName, entry.commonName].compactMap { $0 }.filter(Self.isAmbiguous)
                .map { "\(entry.alpha2): \($0)" }
        }
        #expect(names.isEmpty)
        #expect(CountryCode.normalize("Congo") == "CG")
        #expect(CountryCode.normalize("The Congo") == "CG")
        #expect(CountryCode.normalize("Republic of the Congo") == "CG")
        #expect(CountryCode.normalize("COG") == "CG")
        #expect(CountryCode.normalize("178") == "CG")
    }

    @Test("No folded spelling is claimed by two entries")
    func noConflicts() {
        let (index, conflicts) = CountryCode.makeIndex()
        #expect(conflicts.isEmpty)
        #expect(Set(index.values) == CountryCode.alpha2)
    }

    /// Common, colloquial and former names as directories hold them.
    static let variants: [(text: String, alpha2: String)] = [
        ("United States", "US"), ("United States of America", "US"), ("USA", "US"), ("U.S.", "US"),
        ("U.S.A.", "US"), ("US", "US"), ("America", "US"), ("The United States", "US"),
        ("United Kingdom", "GB"), ("UK", "GB"), ("U.K.", "GB"), ("Great Britain", "GB"), ("Britain", "GB"),
        ("England", "GB"), ("Scotland", "GB"), ("Wales", "GB"), ("Northern Ireland", "GB"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("South Korea", "KR"), ("Korea, Republic of", "KR"), ("Republic of Korea", "KR"), ("Korea, South", "KR"),
        ("North Korea", "KP"), ("DPRK", "KP"), ("Democratic People's Republic of Korea", "KP"),
        ("Russia", "RU"), ("Russian Federation", "RU"), ("Vietnam", "VN"), ("Viet Nam", "VN"), ("Iran", "IR"),
        ("Syria", "SY"), ("Laos", "LA"), ("Lao PDR", "LA"), ("Bolivia", "BO"), ("Venezuela", "VE"),
        ("Tanzania", "TZ"), ("Moldova", "MD"), ("Taiwan", "TW"), ("Czech Republic", "CZ"), ("Czechia", "CZ"),
        ("Holland", "NL"), ("The Netherlands", "NL"), ("Netherlands", "NL"), ("Ivory Coast", "CI"),
        ("Cote d'Ivoire", "CI"), ("Côte d'Ivoire", "CI"), ("Macedonia", "MK"), ("North Macedonia", "MK"),
        ("Swaziland", "SZ"), ("Eswatini", "SZ"), ("Burma", "MM"), ("Myanmar", "MM"), ("Cape Verde", "CV"),
        ("Cabo Verde", "CV"), ("Vatican", "VA"), ("Vatican City", "VA"), ("Holy See", "VA"), ("Palestine", "PS"),
        ("State of Palestine", "PS"), ("Brunei", "BN"), ("Micronesia", "FM"), ("Turkey", "TR"), ("Türkiye", "TR"),
        ("UAE", "AE"), ("United Arab Emirates", "AE"), ("DR Congo", "CD"), ("DRC", "CD"), ("Congo-Kinshasa", "CD"),
        ("Democratic Republic of the Congo", "CD"), ("Zaire", "CD"), ("Congo-Brazzaville", "CG"),
        ("Republic of the Congo", "CG"), ("Guinea", "GN"), ("Guinea-Bissau", "GW"), ("Equatorial Guinea", "GQ"),
        ("Papua New Guinea", "PG"), ("Ireland", "IE"), ("Republic of Ireland", "IE"), ("East Timor", "TL"),
        ("Timor-Leste", "TL"), ("US Virgin Islands", "VI"), ("British Virgin Islands", "VG"), ("Falklands", "FK"),
        ("Falkland Islands", "FK"), ("Macau", "MO"), ("Hong Kong", "HK"), ("St Lucia", "LC"),
        ("St. Kitts and Nevis", "KN"), ("Saint Helena", "SH"), ("Sint Maarten", "SX"), ("Bermuda", "BM"),
        ("Germany", "DE"), ("Puerto Rico", "PR"), ("Bosnia", "BA"), ("Slovak Republic", "SK"),
        ("Samoa", "WS"), ("American Samoa", "AS"), ("Sudan", "SD"), ("South Sudan", "SS"), ("Niger", "NE"),
        ("Nigeria", "NG"), ("Dominica", "DM"), ("Dominican Republic", "DO"),
    ]

    @Test("Common, colloquial and former names", arguments: variants)
    func variant(text: String, alpha2: String) {
        #expect(CountryCode.normalize(text) == alpha2)
    }

    @Test(
        "Case, punctuation, diacritics, spacing and the word \"the\" are ignored",
        arguments: [
            ("united-states", "US"), ("  United   States ", "US"), ("UNITED STATES", "US"), ("united_states", "US"),
            ("u.s.a", "US"), ("U. S.", "US"), ("United\u{00A0}States", "US"), ("\tUnited States\n", "US"),
            ("KOREA (REPUBLIC OF)", "KR"), ("Korea (the Republic of)", "KR"), ("korea, rep.", "KR"),
            ("Côte d’Ivoire", "CI"), ("COTE D'IVOIRE", "CI"), ("Co\u{302}te d\u{2019}Ivoire", "CI"),
            ("cote divoire", "CI"), ("Turkiye", "TR"), ("Curacao", "CW"), ("Reunion", "RE"), ("Aland Islands", "AX"),
            ("Saint Barthelemy", "BL"), ("Netherlands (the)", "NL"), ("the netherlands", "NL"),
            ("United Kingdom of Great Britain and Northern Ireland (the)", "GB"), ("Bahamas, The", "BS"),
            ("The Gambia", "GM"), ("Bosnia & Herzegovina", "BA"), ("Trinidad & Tobago", "TT"),
            ("St. Vincent & the Grenadines", "VC"), ("de", "DE"), ("dEu", "DE"),
            ("076", "BR"), ("76", "BR"), ("4", "AF"), ("004", "AF"), (" 840 ", "US"),
        ] as [(String, String?)])
    func folding(text: String, alpha2: String?) {
        #expect(CountryCode.normalize(text) == alpha2)
    }

    @Test(
        "Empty, unknown and ambiguous texts give nil",
        arguments: [
            "", "   ", "-", "Atlantis", "Korea", "Virgin Islands", "Saint Martin",
            "St. Martin", "12345", "0", "000", "X", "XK", "Kosovo", "EU", "Europe", "Germanyy", "the", "&",
            "United States of Atlantis", "Côte", "Deutschland", String(repeating: "United States ", count: 20),
        ])
    func unknown(text: String) {
        #expect(CountryCode.normalize(text) == nil)
    }

    @Test(
        "The folded form",
        arguments: [
            ("Korea, Republic of", "korearepublicof"), ("KOREA (REPUBLIC OF)", "korearepublicof"),
            ("Côte d’Ivoire", "cotedivoire"), ("Co\u{302}te d'Ivoire", "cotedivoire"),
            ("Åland Islands", "alandislands"), ("Ærø Øster", "aerooster"), ("Łódź", "lodz"),
            ("Trinidad & Tobago", "trinidadandtobago"), ("The Netherlands", "netherlands"), ("Theta", "theta"),
            ("076", "76"), ("0", ""), ("A1", "a1"), ("Україна", "україна"), ("", ""),
        ])
    func lookupKey(text: String, key: String) {
        #expect(CountryCode.lookupKey(text) == key)
    }
}
