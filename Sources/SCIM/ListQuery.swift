/// The query of a list or search request (RFC 7644 §3.4.2 and §3.4.3): filter, sorting, paging and attribute
/// selection, decoded from URL query parameters or a SearchRequest body.
public struct ListQuery: Sendable, Hashable {
    /// The sort direction (RFC 7644 §3.4.2.3).
    public enum SortOrder: String, Sendable, Hashable {
        case ascending, descending
    }

    /// The page size when the client names none.
    public static let defaultCount = 100
    /// The largest page served; larger requests are clamped, not refused (RFC 7644 §3.4.2.4).
    public static let maximumCount = 1000

    public var filter: Filter?
    public var sortBy: AttributePath?
    public var sortOrder: SortOrder
    /// 1-based index of the first result (values below 1 are treated as 1).
    public var startIndex: Int
    /// Page size, 0 ... ``maximumCount``; 0 returns totals only.
    public var count: Int
    public var attributes: [AttributePath]
    public var excludedAttributes: [AttributePath]

    public init(
        filter: Filter? = nil, sortBy: AttributePath? = nil, sortOrder: SortOrder = .ascending,
        startIndex: Int = 1, count: Int = ListQuery.defaultCount,
        attributes: [AttributePath] = [], excludedAttributes: [AttributePath] = []
    ) {
        self.filter = filter
        self.sortBy = sortBy
        self.sortOrder = sortOrder
        self.startIndex = max(1, startIndex)
        self.count = min(max(0, count), ListQuery.maximumCount)
        self.attributes = attributes
        self.excludedAttributes = excludedAttributes
    }

    /// Decodes URL query parameters (names case-insensitive). Unknown parameters are ignored.
    public init(parameters: [(name: String, value: String)]) throws(SCIMError) {
        var object = JSONObject()
        for p in parameters {
            switch p.name.asciiLowercased {
            case "startindex", "count":
                guard let n = Int(p.value.trimmingSpaces) else {
                    throw SCIMError.invalidValue("Query parameter '\(p.name)' must be an integer, got '\(p.value)'.")
                }
                object[p.name] = .int(n)
            default:
                object[p.name] = .string(p.value)
            }
        }
        try self.init(searchRequest: object, requireSchema: false)
    }

    /// Decodes a SearchRequest body (RFC 7644 §3.4.3).
    public init(searchRequest body: JSONObject, requireSchema: Bool = true) throws(SCIMError) {
        if requireSchema, let schemas = body["schemas"] {
            let urns = schemas.arrayValue?.compactMap(\.stringValue) ?? []
            guard urns.contains(where: { $0.equalsIgnoringCase("urn:ietf:params:scim:api:messages:2.0:SearchRequest") })
            else {
                throw SCIMError.invalidSyntax(
                    "A SearchRequest must list 'urn:ietf:params:scim:api:messages:2.0:SearchRequest' in 'schemas'.")
            }
        }
        var filter: Filter? = nil
        if let f = body["filter"], !f.isNull {
            guard let text = f.stringValue else { throw SCIMError.invalidFilter("'filter' must be a string.") }
            if !text.trimmingSpaces.isEmpty { filter = try Filter(parsing: text) }
        }
        var sortBy: AttributePath? = nil
        // Spaces around a value are not part of it (`sortBy=+userName` from a form-encoding client).
        if let s = body["sortBy"]?.stringValue?.trimmingSpaces, !s.isEmpty {
            guard let path = AttributePath(parsing: s) else {
                throw SCIMError.invalidValue("'sortBy' must be an attribute path, got '\(s)'.")
            }
            sortBy = path
        }
        var order = SortOrder.ascending
        if let o = body["sortOrder"]?.stringValue?.trimmingSpaces, !o.isEmpty {
            guard let parsed = SortOrder(rawValue: o.asciiLowercased) else {
                throw SCIMError.invalidValue("'sortOrder' must be 'ascending' or 'descending', got '\(o)'.")
            }
            order = parsed
        }
        let startIndex = try Self.integer(body["startIndex"], name: "startIndex") ?? 1
        let count = try Self.integer(body["count"], name: "count") ?? Self.defaultCount
        self.init(
            filter: filter, sortBy: sortBy, sortOrder: order, startIndex: startIndex, count: count,
            attributes: Self.paths(body["attributes"]), excludedAttributes: Self.paths(body["excludedAttributes"]))
    }

    static func integer(_ value: JSONValue?, name: String) throws(SCIMError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .int(let i)?: return i
        case .double(let d)? where d == d.rounded() && abs(d) < 1e15: return Int(d)
        case .string(let s)?:
            guard let i = Int(s.trimmingSpaces) else {
                throw SCIMError.invalidValue("'\(name)' must be an integer, got '\(s)'.")
            }
            return i
        default: throw SCIMError.invalidValue("'\(name)' must be an integer.")
        }
    }

    /// Attribute lists: a comma-separated string (query parameter) or an array of strings (SearchRequest).
    static func paths(_ value: JSONValue?) -> [AttributePath] {
        let items: [String]
        switch value {
        case .string(let s)?: items = s.split(separator: ",").map(String.init)
        case .array(let a)?: items = a.compactMap(\.stringValue).flatMap { $0.split(separator: ",").map(String.init) }
        default: items = []
        }
        return items.compactMap { AttributePath(parsing: $0.trimmingSpaces) }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    package var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
