/// A decoded SCIM PATCH request body (RFC 7644 §3.5.2): the `PatchOp` message and its operations, checked for
/// shape but not yet applied to any resource (see ``ResourceType/applyPatch(_:to:deferredAttributes:)``).
///
/// Decoding is lenient where real identity providers deviate from the RFC and strict elsewhere:
/// - `Operations` is found case-insensitively, and `op` is compared case-insensitively, because Microsoft Entra ID
///   sends `Add`, `Replace` and `Remove` (fixture `entra/disable-user-legacy.json`).
/// - `schemas` may be omitted, but when present it must name `urn:ietf:params:scim:api:messages:2.0:PatchOp`.
/// - A `path` of JSON `null` counts as absent.
public struct PatchRequest: Sendable, Hashable {
    /// The schema URN of the PATCH message (RFC 7644 §3.5.2).
    public static let schemaURN = SchemaURN.patchOp
    /// The most operations one PATCH may carry. IdPs send a handful (Okta puts every member change of a push in
    /// one operation's `value`); a flood of operations is refused with 413 before any is applied.
    public static let maxOperations = 1_000

    /// The operations, in the order they must be applied (RFC 7644 §3.5.2: "applied sequentially").
    public var operations: [PatchOperation]

    /// Operations built in code.
    public init(operations: [PatchOperation]) {
        self.operations = operations
    }

    /// Decodes a PATCH body (RFC 7644 §3.5.2).
    ///
    /// - Throws: ``SCIMError`` with status 400 and
    ///   - `invalidSyntax` when the body is not an object, `schemas` lacks the PatchOp URN, `Operations` is missing
    ///     or not an array, an operation is not an object, `op` is missing or unknown, or `add`/`replace` lacks the
    ///     `value` it needs;
    ///   - `invalidValue` when `Operations` is an empty array;
    ///   - `invalidPath` when a `path` cannot be parsed;
    ///   - `noTarget` when a `remove` has no `path` (RFC 7644 §3.5.2.2);
    ///
    /// and with status 413 when there are more than ``maxOperations`` operations.
    public init(json: JSONValue) throws(SCIMError) {
        guard case .object(let body) = json else {
            throw SCIMError.invalidSyntax(
                "A PATCH request body must be a JSON object with \"schemas\" and \"Operations\"; got \(json.typeName).")
        }
        if let schemas = body["schemas"] {
            let urns: [JSONValue] = schemas.arrayValue ?? [schemas]
            guard urns.contains(where: { $0.stringValue?.equalsIgnoringCase(Self.schemaURN) == true }) else {
                throw SCIMError.invalidSyntax("The \"schemas\" of a PATCH request must contain \"\(Self.schemaURN)\".")
            }
        }
        guard let rawOperations = body["Operations"] else {
            throw SCIMError.invalidSyntax("A PATCH request must have an \"Operations\" array (RFC 7644 §3.5.2).")
        }
        guard case .array(let list) = rawOperations else {
            throw SCIMError.invalidSyntax(
                "\"Operations\" must be an array of operations; got \(rawOperations.typeName).")
        }
        guard !list.isEmpty else {
            throw SCIMError.invalidValue(
                "\"Operations\" is empty; a PATCH request must contain at least one operation.")
        }
        guard list.count <= Self.maxOperations else {
            throw SCIMError.payloadTooLarge(
                "\"Operations\" has \(list.count) operations; a PATCH request may have at most \(Self.maxOperations) (send several requests, or many members in one operation's value)."
            )
        }
        var operations: [PatchOperation] = []
        operations.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            operations.append(try PatchOperation(json: element, index: index))
        }
        self.operations = operations
    }
}

/// One PATCH operation (RFC 7644 §3.5.2): `op`, an optional `path` and an optional `value`.
public struct PatchOperation: Sendable, Hashable {
    /// The operation kinds of RFC 7644 §3.5.2.1–§3.5.2.3.
    public enum Op: String, Sendable, Hashable, CaseIterable {
        case add, remove, replace
    }

    /// What to do.
    public var op: Op
    /// Where to do it; `nil` for a path-less `add` or `replace` whose `value` is an object of attributes.
    public var path: PatchPath?
    /// The value, exactly as sent; `nil` when the member was absent, ``JSONValue/null`` when it was `null`.
    public var value: JSONValue?

    /// An operation built in code.
    public init(op: Op, path: PatchPath? = nil, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }

    /// Decodes `Operations[index]`.
    init(json: JSONValue, index: Int) throws(SCIMError) {
        let position = "Operations[\(index)]"
        guard case .object(let object) = json else {
            throw SCIMError.invalidSyntax(
                "\(position) must be an object with \"op\", \"path\" and \"value\"; got \(json.typeName).")
        }
        guard let rawOp = object["op"] else {
            throw SCIMError.invalidSyntax("\(position) has no \"op\"; expected \"add\", \"remove\" or \"replace\".")
        }
        guard case .string(let opText) = rawOp else {
            throw SCIMError.invalidSyntax(
                "\(position).op must be a string (\"add\", \"remove\" or \"replace\"); got \(rawOp.typeName).")
        }
        guard let op = Op(rawValue: opText.asciiLowercased) else {
            throw SCIMError.invalidSyntax(
                "\(position).op \"\(opText)\" is not a PATCH operation; expected \"add\", \"remove\" or \"replace\".")
        }
        var path: PatchPath? = nil
        switch object["path"] {
        case nil, .null?:
            path = nil
        case .string(let text)?:
            do throws(SCIMError) {
                path = try PatchPath(parsing: text)
            } catch {
                throw SCIMError(
                    status: error.status, scimType: error.scimType, detail: "\(position).path: \(error.detail)")
            }
        case let other?:
            throw SCIMError.invalidPath("\(position).path must be a string; got \(other.typeName).")
        }
        let value = object["value"]
        switch op {
        case .remove:
            guard path != nil else {
                throw SCIMError.noTarget(
                    "\(position) is a \"remove\" without a \"path\"; RFC 7644 §3.5.2.2 requires the path of the attribute to remove."
                )
            }
        case .add, .replace:
            if path == nil {
                guard case .object? = value else {
                    throw SCIMError.invalidSyntax(
                        "\(position) is an \"\(op.rawValue)\" without a \"path\", so its \"value\" must be an object of attributes; got \(value?.typeName ?? "no value")."
                    )
                }
            } else if value == nil {
                throw SCIMError.invalidSyntax("\(position) is an \"\(op.rawValue)\" without a \"value\".")
            }
        }
        self.init(op: op, path: path, value: value)
    }
}

/// The target of a PATCH operation (RFC 7644 §3.5.2, `PATH = attrPath / valuePath [subAttr]`), such as `members`,
/// `name.familyName`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
/// `members[value eq "2819c223"]` or `emails[type eq "work"].value`.
public struct PatchPath: Sendable, Hashable, CustomStringConvertible {
    /// The attribute, possibly with a sub-attribute (`name.familyName`) when there is no filter.
    public var attribute: AttributePath
    /// The value filter of a `valuePath` (`type eq "work"` in `emails[type eq "work"]`); its attribute paths are
    /// relative to ``attribute``.
    public var filter: Filter?
    /// The sub-attribute after a `valuePath` (`value` in `emails[type eq "work"].value`).
    public var subAttribute: String?

    /// A path built in code.
    public init(attribute: AttributePath, filter: Filter? = nil, subAttribute: String? = nil) {
        self.attribute = attribute
        self.filter = filter
        self.subAttribute = subAttribute
    }

    /// Parses `attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2, §3.10). Surrounding whitespace is ignored.
    ///
    /// - Throws: ``SCIMError`` 400 `invalidPath` naming the problem; a malformed filter keeps the filter parser's
    ///   explanation in the detail.
    public init(parsing text: String) throws(SCIMError) {
        let trimmed = Substring(text.trimmingSpaces)
        guard !trimmed.isEmpty else { throw SCIMError.invalidPath("The path is empty.") }
        guard let open = trimmed.firstIndex(of: "[") else {
            guard let attribute = AttributePath(parsing: String(trimmed)) else {
                throw SCIMError.invalidPath(
                    "\"\(text)\" is not a valid attribute path (RFC 7644 §3.10: [URN \":\"] attribute [\".\" subAttribute])."
                )
            }
            self.init(attribute: attribute)
            return
        }
        let head = trimmed[..<open]
        guard let attribute = AttributePath(parsing: String(head)), attribute.subAttribute == nil else {
            throw SCIMError.invalidPath("\"\(head)\" before \"[\" in \"\(text)\" is not a valid attribute name.")
        }
        guard let close = Self.matchingBracket(in: trimmed, from: open) else {
            throw SCIMError.invalidPath("The value filter in \"\(text)\" has no closing \"]\".")
        }
        let inner = trimmed[trimmed.index(after: open)..<close]
        guard !String(inner).trimmingSpaces.isEmpty else {
            throw SCIMError.invalidPath("The value filter in \"\(text)\" is empty.")
        }
        let filter: Filter
        do throws(SCIMError) {
            filter = try Filter(parsing: String(inner))
        } catch {
            throw SCIMError.invalidPath("The value filter in \"\(text)\" is invalid: \(error.detail)")
        }
        let tail = trimmed[trimmed.index(after: close)...]
        var subAttribute: String? = nil
        if !tail.isEmpty {
            guard tail.first == ".", AttributePath.isAttributeName(tail.dropFirst()) else {
                throw SCIMError.invalidPath(
                    "\"\(tail)\" after \"]\" in \"\(text)\" is not a sub-attribute; expected \".name\" or nothing.")
            }
            subAttribute = String(tail.dropFirst())
        }
        self.init(attribute: attribute, filter: filter, subAttribute: subAttribute)
    }

    /// The index of the `]` closing the `[` at `open`, skipping brackets inside quoted strings.
    static func matchingBracket(in text: Substring, from open: Substring.Index) -> Substring.Index? {
        var depth = 0
        var inString = false
        var escaped = false
        var i = open
        while i < text.endIndex {
            let c = text[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inString = false
                }
            } else if c == "\"" {
                inString = true
            } else if c == "[" {
                depth += 1
            } else if c == "]" {
                depth -= 1
                if depth == 0 { return i }
            }
            i = text.index(after: i)
        }
        return nil
    }

    public var description: String {
        var s = attribute.description
        if let filter { s += "[\(filter)]" }
        if let subAttribute { s += "." + subAttribute }
        return s
    }
}
