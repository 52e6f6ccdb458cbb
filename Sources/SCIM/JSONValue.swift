/// A JSON value as SCIM sees it (RFC 7643 §2.3): the data types of a resource's attributes.
///
/// Objects keep their members in order and look names up case-insensitively, because RFC 7643 §2.1 makes
/// attribute names case-insensitive (`usertype` is `userType`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The boolean, when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The object, when this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the JSON type, for error details.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

/// An ordered JSON object whose member names compare case-insensitively (RFC 7643 §2.1).
///
/// Setting a member whose name differs only in case replaces the existing member and keeps its position and
/// spelling; ``renameKey(_:to:)`` rewrites the spelling when a schema gives the canonical one.
///
/// Looking a name up scans the members while there are few (every SCIM resource); past
/// ``JSONObject/indexThreshold`` members the object keeps an index by case-folded name, so that looking up, setting
/// and appending stay O(1) and building an object of a request body's many members is linear, not quadratic.
/// Removing a member from an indexed object costs O(n).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The members in order.
    public private(set) var members: [(key: String, value: JSONValue)]
    /// The position of each member by case-folded name; `nil` while the object has at most `indexThreshold`
    /// members.
    private var positions: [FoldedName: Int]?

    /// The member count past which an object indexes its names.
    static let indexThreshold = 16

    /// An empty object.
    public init() { members = [] }

    /// An object with these members; later duplicates (case-insensitively) replace earlier ones.
    public init(_ members: [(key: String, value: JSONValue)]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for m in members { self[m.key] = m.value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    /// The number of members.
    public var count: Int { members.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    /// The index of the member named `key`, compared case-insensitively.
    public func index(of key: String) -> Int? {
        if let positions { return positions[FoldedName(key)] }
        return members.firstIndex { $0.key.equalsIgnoringCase(key) }
    }

    /// The member named `key` (case-insensitive). Setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { index(of: key).map { members[$0].value } }
        set {
            if let i = index(of: key) {
                if let newValue { members[i].value = newValue } else { remove(at: i) }
            } else if let newValue {
                append(uniqueKey: key, value: newValue)
            }
        }
    }

    /// An object of exactly these members, in order, or the position of the first member whose name repeats an
    /// earlier one (case-insensitively). Each name is hashed once, into an index sized up front: the way to build
    /// an object of many members, as the JSON reader does.
    package static func unique(_ members: [(key: String, value: JSONValue)]) -> Result<JSONObject, RepeatedName> {
        var object = JSONObject()
        object.members = members
        if members.count <= indexThreshold {
            for i in members.indices.dropFirst() {
                let key = members[i].key
                if members[..<i].contains(where: { $0.key.equalsIgnoringCase(key) }) {
                    return .failure(RepeatedName(index: i))
                }
            }
            return .success(object)
        }
        var index: [FoldedName: Int] = [:]
        index.reserveCapacity(members.count)
        for (i, m) in members.enumerated() where index.updateValue(i, forKey: FoldedName(m.key)) != nil {
            return .failure(RepeatedName(index: i))
        }
        object.positions = index
        return .success(object)
    }

    /// The position of a member whose name an earlier member already has.
    package struct RepeatedName: Error {
        /// The position of the later member.
        package var index: Int
    }

    private mutating func append(uniqueKey key: String, value: JSONValue) {
        members.append((key: key, value: value))
        if positions != nil {
            positions![FoldedName(key)] = members.count - 1
        } else if members.count > Self.indexThreshold {
            reindex()
        }
    }

    /// Removes the member named `key` and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(of: key) else { return nil }
        let value = members[i].value
        remove(at: i)
        return value
    }

    /// Rewrites the spelling of a member's name, keeping its value and position; `canonical` differs from the
    /// name only in case.
    public mutating func renameKey(_ key: String, to canonical: String) {
        assert(key.equalsIgnoringCase(canonical), "renameKey only respells a name")
        if let i = index(of: key) { members[i].key = canonical }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (l, r) in zip(lhs.members, rhs.members) where l.key != r.key || l.value != r.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for m in members {
            hasher.combine(m.key)
            hasher.combine(m.value)
        }
    }

    private mutating func remove(at i: Int) {
        members.remove(at: i)
        if positions != nil { reindex() }
    }

    /// Builds the index when the object is past the threshold, drops it otherwise.
    private mutating func reindex() {
        guard members.count > Self.indexThreshold else {
            positions = nil
            return
        }
        var index: [FoldedName: Int] = [:]
        index.reserveCapacity(members.count)
        for (i, m) in members.enumerated() { index[FoldedName(m.key)] = i }
        positions = index
    }
}

/// A member name that hashes and compares ASCII case-insensitively, as ``String/equalsIgnoringCase(_:)`` compares.
private struct FoldedName: Hashable {
    let name: String

    init(_ name: String) { self.name = name }

    static func == (lhs: FoldedName, rhs: FoldedName) -> Bool { lhs.name.equalsIgnoringCase(rhs.name) }

    /// The ASCII-lowered bytes, eight to a word.
    func hash(into hasher: inout Hasher) {
        var word: UInt64 = 0
        var shift: UInt64 = 0
        for b in name.utf8 {
            word |= UInt64((b >= 65 && b <= 90) ? b + 32 : b) << shift
            shift += 8
            if shift == 64 {
                hasher.combine(word)
                word = 0
                shift = 0
            }
        }
        hasher.combine(word)
        hasher.combine(name.utf8.count)
    }
}

extension String {
    /// ASCII case-insensitive equality, the comparison SCIM uses for attribute names and URNs.
    @inlinable
    package func equalsIgnoringCase(_ other: String) -> Bool {
        let a = self.utf8
        let b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x + 32 : x
            let ly = (y >= 65 && y <= 90) ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }

    /// The string with ASCII letters lowered; attribute names and URNs are ASCII.
    package var asciiLowercased: String {
        String(decoding: utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
