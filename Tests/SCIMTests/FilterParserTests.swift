import Foundation
import Testing

@testable import SCIM

/// An attribute path from text; an unparsable path yields a sentinel that no parsed filter contains.
private func path(_ text: String) -> AttributePath {
    AttributePath(parsing: text) ?? AttributePath(attribute: "<invalid \(text)>")
}

private func cmp(_ p: String, _ op: ComparisonOperator, _ value: JSONValue) -> Filter {
    .comparison(path(p), op, value)
}

private func pr(_ p: String) -> Filter { .present(path(p)) }

private let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
private let coreUser = "urn:ietf:params:scim:schemas:core:2.0:User"

/// Parses `text` and, for every filter that parses, checks that its description parses back to the same filter.
private func parse(_ text: String) throws -> Filter {
    let filter = try Filter(parsing: text)
    let reparsed = try Filter(parsing: filter.description)
    #expect(reparsed == filter, "round trip of \(text) via \(filter.description)")
    return filter
}

private func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> SCIMError? {
    let error = #expect(throws: SCIMError.self, "\(text)", sourceLocation: sourceLocation) { try Filter(parsing: text) }
    #expect(error?.status == 400, sourceLocation: sourceLocation)
    #expect(error?.scimType == .invalidFilter, sourceLocation: sourceLocation)
    return error
}

struct FilterParserTests {
    // MARK: RFC 7644 §3.4.2.2 examples

    static let rfcExamples: [(String, Filter)] = [
        (#"userName eq "bjensen""#, cmp("userName", .eq, "bjensen")),
        (#"name.familyName co "O'Malley""#, cmp("name.familyName", .co, "O'Malley")),
        (#"userName sw "J""#, cmp("userName", .sw, "J")),
        (
            #"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            .comparison(AttributePath(schema: coreUser, attribute: "userName"), .sw, "J")
        ),
        ("title pr", pr("title")),
        (#"meta.lastModified gt "2011-05-13T04:42:34Z""#, cmp("meta.lastModified", .gt, "2011-05-13T04:42:34Z")),
        (#"meta.lastModified ge "2011-05-13T04:42:34Z""#, cmp("meta.lastModified", .ge, "2011-05-13T04:42:34Z")),
        (#"meta.lastModified lt "2011-05-13T04:42:34Z""#, cmp("meta.lastModified", .lt, "2011-05-13T04:42:34Z")),
        (#"meta.lastModified le "2011-05-13T04:42:34Z""#, cmp("meta.lastModified", .le, "2011-05-13T04:42:34Z")),
        (#"title pr and userType eq "Employee""#, .and(pr("title"), cmp("userType", .eq, "Employee"))),
        (#"title pr or userType eq "Intern""#, .or(pr("title"), cmp("userType", .eq, "Intern"))),
        (
            #"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            cmp("schemas", .eq, .string(enterprise))
        ),
        (
            #"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            .and(
                cmp("userType", .eq, "Employee"),
                .or(cmp("emails", .co, "example.com"), cmp("emails.value", .co, "example.org")))
        ),
        (
            #"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            .and(
                cmp("userType", .ne, "Employee"),
                .not(.or(cmp("emails", .co, "example.com"), cmp("emails.value", .co, "example.org"))))
        ),
        (
            #"userType eq "Employee" and (emails.type eq "work")"#,
            .and(cmp("userType", .eq, "Employee"), cmp("emails.type", .eq, "work"))
        ),
        (
            #"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            .and(
                cmp("userType", .eq, "Employee"),
                .valuePath(path("emails"), .and(cmp("type", .eq, "work"), cmp("value", .co, "@example.com"))))
        ),
        (
            #"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            .or(
                .valuePath(path("emails"), .and(cmp("type", .eq, "work"), cmp("value", .co, "@example.com"))),
                .valuePath(path("ims"), .and(cmp("type", .eq, "xmpp"), cmp("value", .co, "@foo.com"))))
        ),
    ]

    @Test("RFC 7644 §3.4.2.2 example filters", arguments: rfcExamples)
    func rfcExample(text: String, expected: Filter) throws {
        #expect(try parse(text) == expected)
    }

    // MARK: Identity-provider forms

    static let idpForms: [(String, Filter)] = [
        // Okta
        (#"userName eq "test.user@okta.local""#, cmp("userName", .eq, "test.user@okta.local")),
        // Entra ID documentation: an unquoted value.
        ("externalId eq jyoung", cmp("externalId", .eq, "jyoung")),
        ("externalId eq 7a9b-c3", cmp("externalId", .eq, "7a9b-c3")),
        ("externalId eq 00u1abcd", cmp("externalId", .eq, "00u1abcd")),
        // Entra ID: a value path followed by a sub-attribute comparison.
        (
            #"emails[type eq "work"].value eq "x""#,
            .valuePath(path("emails"), .and(cmp("type", .eq, "work"), cmp("value", .eq, "x")))
        ),
        (
            #"emails[type eq "work"].value pr"#,
            .valuePath(path("emails"), .and(cmp("type", .eq, "work"), pr("value")))
        ),
        (
            #"addresses[type eq "work"].streetAddress eq "100 Universal City Plaza""#,
            .valuePath(
                path("addresses"), .and(cmp("type", .eq, "work"), cmp("streetAddress", .eq, "100 Universal City Plaza"))
            )
        ),
        (#"displayName eq "Group""#, cmp("displayName", .eq, "Group")),
        ("emails[type eq work]", .valuePath(path("emails"), cmp("type", .eq, "work"))),
        (
            #"emails[type eq "work" or type eq "home"].value co "@example.com""#,
            .valuePath(
                path("emails"),
                .and(.or(cmp("type", .eq, "work"), cmp("type", .eq, "home")), cmp("value", .co, "@example.com")))
        ),
        (
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
            .comparison(AttributePath(schema: enterprise, attribute: "manager", subAttribute: "value"), .eq, "26118915")
        ),
        (
            #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            .comparison(AttributePath(schema: enterprise, attribute: "employeeNumber"), .eq, "701984")
        ),
        (
            #"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            .valuePath(path("members"), cmp("value", .eq, "2819c223-7f76-453a-919d-413861904646"))
        ),
        (
            #"id eq "2819c223-7f76-453a-919d-413861904646" and members[value eq "abc"]"#,
            .and(
                cmp("id", .eq, "2819c223-7f76-453a-919d-413861904646"),
                .valuePath(path("members"), cmp("value", .eq, "abc")))
        ),
    ]

    @Test("Identity-provider forms (Okta, Entra ID)", arguments: idpForms)
    func idpForm(text: String, expected: Filter) throws {
        #expect(try parse(text) == expected)
    }

    // MARK: ABNF rules

    @Test("Every compareOp, in any case", arguments: ComparisonOperator.allCases)
    func compareOperators(op: ComparisonOperator) throws {
        for spelling in [
            op.rawValue, op.rawValue.uppercased(), op.rawValue.prefix(1).uppercased() + op.rawValue.dropFirst(),
        ] {
            #expect(try parse(#"title \#(spelling) "x""#) == cmp("title", op, "x"))
        }
    }

    static let keywordCases: [(String, Filter)] = [
        ("title PR", pr("title")),
        ("title Pr", pr("title")),
        ("title pr AND nickName pr", .and(pr("title"), pr("nickName"))),
        ("title pr Or nickName pr", .or(pr("title"), pr("nickName"))),
        ("NOT (title pr)", .not(pr("title"))),
        ("Not(title pr)", .not(pr("title"))),
        (#"userName EQ "x" aNd title pR"#, .and(cmp("userName", .eq, "x"), pr("title"))),
    ]

    @Test("Operators and keywords are case-insensitive", arguments: keywordCases)
    func keywords(text: String, expected: Filter) throws {
        #expect(try parse(text) == expected)
    }

    static let attributePaths: [(String, AttributePath)] = [
        ("userName", AttributePath(attribute: "userName")),
        ("name.givenName", AttributePath(attribute: "name", subAttribute: "givenName")),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
            AttributePath(schema: coreUser, attribute: "name", subAttribute: "givenName")
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            AttributePath(schema: enterprise, attribute: "department")
        ),
        (
            "URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            AttributePath(
                schema: "URN:IETF:params:scim:schemas:extension:enterprise:2.0:User", attribute: "manager",
                subAttribute: "displayName")
        ),
        ("x-custom_attr1", AttributePath(attribute: "x-custom_attr1")),
        ("manager.$ref", AttributePath(attribute: "manager", subAttribute: "$ref")),
    ]

    @Test("attrPath = [URI \":\"] ATTRNAME *1subAttr", arguments: attributePaths)
    func attributePath(text: String, expected: AttributePath) throws {
        #expect(try parse("\(text) pr") == .present(expected))
        #expect(try parse(#"\#(text) eq "v""#) == .comparison(expected, .eq, "v"))
    }

    static let values: [(String, JSONValue)] = [
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("null", .null),
        ("TRUE", .bool(true)),
        ("False", .bool(false)),
        ("NULL", .null),
        ("0", .int(0)),
        ("42", .int(42)),
        ("-17", .int(-17)),
        ("9223372036854775807", .int(Int.max)),
        ("-9223372036854775808", .int(Int.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("123456789012345678901234567890", .double(1.2345678901234568e29)),
        ("1.5", .double(1.5)),
        ("-0.25", .double(-0.25)),
        ("1e3", .double(1000)),
        ("2.5E-3", .double(0.0025)),
        ("1E+2", .double(100)),
        ("5.0", .double(5)),
        (#""""#, .string("")),
        (#""plain""#, .string("plain")),
        (#""a \"quoted\" word""#, .string(#"a "quoted" word"#)),
        (#""back\\slash""#, .string(#"back\slash"#)),
        (#""sl\/ash""#, .string("sl/ash")),
        (#""\b\f\n\r\t""#, .string("\u{08}\u{0C}\n\r\t")),
        (#""\u00e9t\u00C9""#, .string("étÉ")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""raw ünïcödé 😀""#, .string("raw ünïcödé 😀")),
        (#""and or not ) ] [ (""#, .string("and or not ) ] [ (")),
        ("jyoung", .string("jyoung")),
        ("01234", .string("01234")),
        ("1.2.3", .string("1.2.3")),
        ("bjensen@example.com", .string("bjensen@example.com")),
    ]

    @Test("compValue = false / null / true / number / string (and a bare word)", arguments: values)
    func comparisonValue(text: String, expected: JSONValue) throws {
        #expect(try parse("title eq \(text)") == cmp("title", .eq, expected))
    }

    @Test("Integers stay integers; decimals and exponents become doubles")
    func numberKinds() throws {
        guard case .comparison(_, _, let i) = try parse("loginCount gt 10") else {
            Issue.record("not a comparison")
            return
        }
        #expect(i == .int(10))
        guard case .comparison(_, _, let d) = try parse("loginCount gt 10.0") else {
            Issue.record("not a comparison")
            return
        }
        #expect(d == .double(10))
    }

    // MARK: Precedence and grouping

    static let precedence: [(String, Filter)] = [
        ("a pr or b pr and c pr", .or(pr("a"), .and(pr("b"), pr("c")))),
        ("a pr and b pr or c pr", .or(.and(pr("a"), pr("b")), pr("c"))),
        ("a pr and b pr and c pr", .and(.and(pr("a"), pr("b")), pr("c"))),
        ("a pr or b pr or c pr", .or(.or(pr("a"), pr("b")), pr("c"))),
        ("a pr and (b pr and c pr)", .and(pr("a"), .and(pr("b"), pr("c")))),
        ("a pr or (b pr or c pr)", .or(pr("a"), .or(pr("b"), pr("c")))),
        ("(a pr or b pr) and c pr", .and(.or(pr("a"), pr("b")), pr("c"))),
        ("not (a pr) and b pr", .and(.not(pr("a")), pr("b"))),
        ("not (a pr or b pr) or c pr", .or(.not(.or(pr("a"), pr("b"))), pr("c"))),
        ("not (not (a pr))", .not(.not(pr("a")))),
        ("((a pr))", pr("a")),
        (
            "a pr and b[c pr or d pr] or e pr",
            .or(.and(pr("a"), .valuePath(path("b"), .or(pr("c"), pr("d")))), pr("e"))
        ),
        ("a pr or b pr and c pr or d pr", .or(.or(pr("a"), .and(pr("b"), pr("c"))), pr("d"))),
    ]

    @Test(
        "not/parentheses/valuePath bind tighter than and, and tighter than or; both left-associative",
        arguments: precedence)
    func precedenceRules(text: String, expected: Filter) throws {
        #expect(try parse(text) == expected)
    }

    static let valueFilters: [(String, Filter)] = [
        (#"emails[type eq "work"]"#, .valuePath(path("emails"), cmp("type", .eq, "work"))),
        ("emails[primary eq true]", .valuePath(path("emails"), cmp("primary", .eq, true))),
        ("emails[value pr]", .valuePath(path("emails"), pr("value"))),
        (#"emails[not (type eq "work")]"#, .valuePath(path("emails"), .not(cmp("type", .eq, "work")))),
        (
            #"emails[(type eq "work" or type eq "home") and primary eq true]"#,
            .valuePath(
                path("emails"), .and(.or(cmp("type", .eq, "work"), cmp("type", .eq, "home")), cmp("primary", .eq, true))
            )
        ),
        (
            #"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
            .valuePath(AttributePath(schema: coreUser, attribute: "emails"), cmp("type", .eq, "work"))
        ),
        (#"not (emails[type eq "work"])"#, .not(.valuePath(path("emails"), cmp("type", .eq, "work")))),
    ]

    @Test("valuePath = attrPath \"[\" valFilter \"]\"", arguments: valueFilters)
    func valuePath(text: String, expected: Filter) throws {
        #expect(try parse(text) == expected)
    }

    // MARK: White space

    static let whitespace: [(String, Filter)] = [
        (#"   userName    eq     "x"   "#, cmp("userName", .eq, "x")),
        ("\tuserName\teq\t\"x\"\n", cmp("userName", .eq, "x")),
        (#"userName eq"x""#, cmp("userName", .eq, "x")),
        (#"emails[ type eq "work" ]"#, .valuePath(path("emails"), cmp("type", .eq, "work"))),
        (#"emails [type eq "work"]"#, .valuePath(path("emails"), cmp("type", .eq, "work"))),
        ("( a pr )  and   not   ( b pr )", .and(pr("a"), .not(pr("b")))),
        ("not(a pr)", .not(pr("a"))),
        (#"(userName eq "x")and(title pr)"#, .and(cmp("userName", .eq, "x"), pr("title"))),
    ]

    @Test("Any amount of white space around tokens", arguments: whitespace)
    func whitespaceRules(text: String, expected: Filter) throws {
        #expect(try parse(text) == expected)
    }

    // MARK: Rendering

    static let canonical: [(String, String)] = [
        (#"USERNAME EQ "x""#, #"USERNAME eq "x""#),
        ("  a  PR  AND  b  Pr ", "a pr and b pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("(a pr and b pr) and c pr", "a pr and b pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr or (b pr and c pr)", "a pr or b pr and c pr"),
        ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
        ("NOT(a pr)", "not (a pr)"),
        ("externalId eq jyoung", #"externalId eq "jyoung""#),
        (#"emails[type eq "work"].value eq "x""#, #"emails[type eq "work" and value eq "x"]"#),
        (#"title eq "tab\there \"q\" \\ \u00e9""#, #"title eq "tab\there \"q\" \\ é""#),
        ("n eq 1.0", "n eq 1.0"),
        ("n eq 1E2", "n eq 100.0"),
        ("n eq -5", "n eq -5"),
        ("b eq TRUE", "b eq true"),
        ("b eq Null", "b eq null"),
    ]

    @Test("description renders canonical filter text", arguments: canonical)
    func render(text: String, expected: String) throws {
        #expect(try parse(text).description == expected)
    }

    @Test("Rendering a constructed filter parses back to the same filter")
    func roundTripConstructed() throws {
        let filters: [Filter] = [
            .and(pr("a"), .or(pr("b"), pr("c"))),
            .or(.and(pr("a"), pr("b")), .and(pr("c"), pr("d"))),
            .and(.and(pr("a"), pr("b")), .and(pr("c"), pr("d"))),
            .or(pr("a"), .or(pr("b"), .or(pr("c"), pr("d")))),
            .not(.and(.not(pr("a")), cmp("b", .ge, .double(1e-5)))),
            .valuePath(path("emails"), .or(cmp("type", .eq, "a\"b"), .not(pr("value")))),
            cmp("x", .eq, .double(1e300)),
            cmp("x", .lt, .int(Int.min)),
            cmp("x", .eq, "\u{01}control\u{1F}"),
        ]
        for filter in filters {
            #expect(try Filter(parsing: filter.description) == filter, "\(filter)")
        }
    }

    // MARK: Errors

    static let invalid: [(String, String)] = [
        ("", "empty"),
        ("   ", "empty"),
        ("userName", "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after 'userName' at position 8."),
        ("userName eq", "Invalid filter 'userName eq': expected a comparison value after 'eq' at position 11."),
        ("userName eq   ", "expected a comparison value after 'eq' at position 14."),
        (
            "foo@x.com",
            "expected an attribute path such as 'userName' or 'name.familyName' at position 0, found 'foo@x.com'."
        ),
        ("bjensen", "after 'bjensen' at position 7"),
        (#""bjensen""#, "expected an attribute path, 'not' or '(' at position 0"),
        ("userName equals \"x\"", "'equals' is not a filter operator"),
        (#"userName = "x""#, "'=' is not a filter operator"),
        (#"userName eq "x" and"#, "expected an attribute path, 'not' or '(' at position 19."),
        (#"userName eq "x" or"#, "at position 18"),
        (#"and userName eq "x""#, "'userName' is not a filter operator"),
        (#"userName eq "x" title pr"#, "expected 'and', 'or' or the end of the filter at position 16, found 'title'."),
        (#"userName eq "x" title"#, "expected 'and', 'or' or the end of the filter"),
        (#"userName eq "x" "y""#, "expected 'and', 'or' or the end of the filter at position 16"),
        ("userName pr pr", "at position 12"),
        (#"userName eq and title pr"#, "expected a comparison value after 'eq' at position 12, found 'and'."),
        (#"userName eq )"#, "expected a comparison value after 'eq' at position 12"),
        (#"userName eq "unterminated"#, "unterminated string value at position 12"),
        (#"userName eq "bad \q escape""#, "invalid escape sequence in a string value at position 17"),
        (#"userName eq "\u12""#, "invalid \\u escape"),
        (#"userName eq "\u12G4""#, "invalid \\u escape"),
        (#"userName eq "\uD800""#, "unpaired surrogate"),
        (#"userName eq "\uD800\u0041""#, "unpaired surrogate"),
        (#"userName eq "\uDC00""#, "unpaired surrogate"),
        (#"userName eq "trailing\"#, "unterminated string value"),
        ("userName eq \"tab\there\"", "unescaped control character"),
        ("userName eq 1e999", "the number '1e999' is out of range"),
        ("userName eq -1e400", "out of range"),
        ("(userName pr", "expected 'and', 'or' or ')' at position 12"),
        ("userName pr)", "unbalanced ')'"),
        ("()", "expected an attribute path, 'not' or '(' at position 1"),
        (#"emails[type eq "work""#, "expected 'and', 'or' or ']' at position 21"),
        (#"emails[type eq "work"]]"#, "expected 'and', 'or' or the end of the filter at position 22"),
        (#"emails[]"#, "expected an attribute path, 'not' or '(' at position 7"),
        (#"emails[type[value pr]]"#, "value filters '[...]' cannot be nested"),
        (#"emails.value[type eq "x"]"#, "not the sub-attribute path 'emails.value'"),
        (#"[type eq "x"]"#, "expected an attribute path, 'not' or '(' at position 0"),
        (#"emails[type eq "work"]."#, "expected a sub-attribute name after '].' at position 23"),
        (#"emails[type eq "work"].value"#, "expected an operator"),
        (#"emails[type eq "work"].value.x eq "y""#, "expected a sub-attribute name"),
        (#"emails[type eq "work"]x"#, "expected 'and', 'or' or the end of the filter"),
        ("not userName pr", "expected '(' after 'not' at position 4"),
        ("not", "expected '(' after 'not'"),
        ("not (", "at position 5"),
        ("not (userName pr", "expected 'and', 'or' or ')'"),
        (#"userName eq "x"]"#, "expected 'and', 'or' or the end of the filter"),
        (#"urn:ietf:params:scim:schemas:core:2.0:User: eq "x""#, "expected an attribute path such as"),
        ("name..givenName pr", "expected an attribute path such as"),
        ("name.givenName.x pr", "expected an attribute path such as"),
        ("1userName pr", "expected an attribute path such as"),
        ("user:Name pr", "expected an attribute path such as"),
        (#"displayName eq "é" xx"#, "at position 19, found 'xx'"),
    ]

    @Test("Invalid filters fail with 400 invalidFilter and a positioned detail", arguments: invalid)
    func invalidFilter(text: String, detail: String) {
        let error = parseError(text)
        #expect(error?.detail.contains(detail) == true, "\(error?.detail ?? "no error")")
    }

    @Test("The detail quotes the filter, says what was expected and where")
    func detailFormat() {
        let error = parseError("userName eq")
        #expect(error?.detail == "Invalid filter 'userName eq': expected a comparison value after 'eq' at position 11.")
        #expect(error?.body["scimType"] == "invalidFilter")
        #expect(error?.body["status"] == "400")
    }

    @Test("Nesting is limited to Filter.maximumDepth levels")
    func depthLimit() throws {
        let depth = Filter.maximumDepth
        let ok = String(repeating: "(", count: depth) + "a pr" + String(repeating: ")", count: depth)
        #expect(try Filter(parsing: ok) == pr("a"))
        let nots = String(repeating: "not (", count: depth) + "a pr" + String(repeating: ")", count: depth)
        var expected = pr("a")
        for _ in 0..<depth { expected = .not(expected) }
        #expect(try Filter(parsing: nots) == expected)

        let deep = String(repeating: "(", count: depth + 1) + "a pr" + String(repeating: ")", count: depth + 1)
        #expect(parseError(deep)?.detail.contains("nested deeper than \(depth) levels") == true)
        let hostile = String(repeating: "not (", count: 100_000)
        #expect(parseError(hostile)?.detail.contains("longer than") == true)
        let deepNots = String(repeating: "not(", count: 1000)
        #expect(parseError(deepNots)?.detail.contains("nested deeper") == true)
    }

    @Test("Length is limited to Filter.maximumLength characters")
    func lengthLimit() throws {
        let padding = String(repeating: "x", count: Filter.maximumLength - #"title eq """#.count)
        #expect(try Filter(parsing: #"title eq "\#(padding)""#) == cmp("title", .eq, .string(padding)))
        let detail = parseError(#"title eq "\#(padding)x""#)?.detail
        #expect(detail?.contains("longer than \(Filter.maximumLength) characters") == true)
        #expect((detail?.count ?? .max) < 200, "the detail does not echo a huge filter")
        // Multi-byte characters count as characters, but a flood of bytes is refused quickly.
        let accents = String(repeating: "é", count: 4000)
        #expect(try Filter(parsing: #"title eq "\#(accents)""#) == cmp("title", .eq, .string(accents)))
    }

    @Test("A long chain of and/or parses (left-deep) and renders")
    func longChain() throws {
        let terms = (0..<300).map { "a\($0) pr" }
        let filter = try parse(terms.joined(separator: " and "))
        var expected = pr("a0")
        for i in 1..<300 { expected = .and(expected, pr("a\(i)")) }
        #expect(filter == expected)
        let mixed = try parse(terms.joined(separator: " or "))
        guard case .or(_, let last) = mixed else {
            Issue.record("expected or")
            return
        }
        #expect(last == pr("a299"))
    }

    @Test("Arbitrary input never crashes: it parses and round-trips, or fails with invalidFilter")
    func fuzz() {
        let alphabet: [String] = [
            " ", "(", ")", "[", "]", "\"", "\\", ".", ":", "a", "Z", "0", "9", "-", "e", "E", "+", "u", "é", "😀",
            "eq ", "pr", " and ", " or ", "not", "userName", "emails", "urn:x:y:", "true", "null", "1e999", "\\u",
            "D83D", "\t", "\u{0}",
        ]
        var rng = FilterFuzzGenerator(seed: 0x5C1A_F117)
        var parsed = 0
        var failed = 0
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 12) + 1
            var text = ""
            for _ in 0..<length { text += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            do {
                let filter = try Filter(parsing: text)
                parsed += 1
                let again = try? Filter(parsing: filter.description)
                #expect(again == filter, "round trip of \(text)")
            } catch {
                failed += 1
                #expect(error.scimType == .invalidFilter && error.status == 400, "\(text): \(error)")
            }
        }
        #expect(parsed > 0)
        #expect(failed > 0)
    }
}

/// A small deterministic generator (SplitMix64) for the fuzz test.
private struct FilterFuzzGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Inputs the libFuzzer target found, kept as regression cases.
@Suite struct FilterFuzzRegressionTests {
    /// 763 characters of a bare word full of control characters: it parses, and its rendering (each control
    /// character as a six-character \u escape) is longer than the 4,096-character limit, so it is refused with
    /// invalidFilter instead of being parsed again.
    @Test func renderingLongerThanTheLimitIsRefusedNotCrashed() throws {
        let url = try #require(
            Bundle.module.url(
                forResource: "filter-render-longer-than-limit", withExtension: "bin", subdirectory: "Fixtures/fuzz"))
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let filter = try Filter(parsing: text)
        #expect(filter.description.count > Filter.maximumLength)
        #expect(throws: SCIMError.self) { try Filter(parsing: filter.description) }
    }
}
