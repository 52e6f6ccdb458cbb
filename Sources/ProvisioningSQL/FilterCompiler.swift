package import Provisioning
package import SCIM

/// The two resource tables and how SCIM attributes map onto them.
package enum SQLResource: Sendable {
    /// `users AS u`
    case users
    /// `groups AS g`
    case groups

    package var alias: String {
        switch self {
        case .users: "u"
        case .groups: "g"
        }
    }

    package var type: ResourceType {
        switch self {
        case .users: .user
        case .groups: .group
        }
    }
}

/// Compiles a SCIM filter (RFC 7644 §3.4.2.2) into a SQL `WHERE` condition with bound parameters, so that a
/// list is filtered by the database (through its indexes where the attribute has one: `id`, `userName`,
/// `externalId`, group `displayName`, memberships) and never by loading resources.
///
/// Semantics follow RFC 7644: comparisons honour the attribute's `caseExact`, a missing attribute is not equal to
/// anything (`ne` matches it), `pr` means present and not empty, multi-valued attributes match when any element
/// does, and `not` of a comparison on a missing attribute is true.
package struct FilterCompiler: Sendable {
    package let dialect: SQLDialect
    package let resource: SQLResource

    package init(dialect: SQLDialect, resource: SQLResource) {
        self.dialect = dialect
        self.resource = resource
    }

    /// The condition for `filter`; the filter must have been validated against the resource type.
    package func compile(_ filter: Filter) throws(SCIMError) -> SQLFragment {
        var counter = 0
        return try compile(filter, in: .resource, counter: &counter)
    }

    /// The `ORDER BY` expression for a sort key (RFC 7644 §3.4.2.3); multi-valued attributes sort by their primary
    /// (or first) value.
    package func sortExpression(_ key: SortKey) -> String {
        let a = key.attribute
        if a.attribute.multiValued {
            let sub = a.subAttribute?.name ?? "value"
            let each = dialect.jsonEach(docColumn, jsonPath(a, attributeOnly: true), alias: "se")
            let primary = dialect.jsonExtract("se.value", ["primary"])
            let value = dialect.jsonExtract("se.value", [sub])
            return
                "(SELECT \(text(value, caseExact: a.target.caseExact)) FROM \(each) ORDER BY \(primary) DESC LIMIT 1)"
        }
        let operand = self.operand(for: a)
        switch operand.kind {
        case .text(let lowered): return lowered ? operand.sql : text(operand.sql, caseExact: a.target.caseExact)
        default: return operand.sql
        }
    }

    // MARK: Contexts

    /// Where attribute paths are evaluated: the resource row, or one element of a multi-valued attribute.
    enum Context {
        case resource
        /// An element of a JSON array; `alias.value` is the element.
        case jsonElement(alias: String, attribute: SchemaAttribute)
        /// A membership row joined to the other side (`groups` of a user, `members` of a group).
        case membership(attribute: SchemaAttribute, alias: String)

        var isResource: Bool {
            if case .resource = self { return true }
            return false
        }
    }

    struct Operand {
        enum Kind: Equatable {
            /// Text; `lowered` when the column already holds lowercased text.
            case text(lowered: Bool)
            /// 0/1 integer column.
            case booleanColumn
            /// JSON-extracted scalar (dialect decides how booleans and numbers look).
            case json
            /// Milliseconds since 1970.
            case timestamp
            /// A constant the attribute always has (or NULL).
            case constant
        }
        var sql: String
        var kind: Kind
    }

    var docColumn: String { "\(resource.alias).doc" }

    func compile(_ filter: Filter, in context: Context, counter: inout Int) throws(SCIMError) -> SQLFragment {
        switch filter {
        case .and(let a, let b):
            let l = try compile(a, in: context, counter: &counter)
            let r = try compile(b, in: context, counter: &counter)
            return SQLFragment("(") + l + SQLFragment(" AND ") + r + SQLFragment(")")
        case .or(let a, let b):
            let l = try compile(a, in: context, counter: &counter)
            let r = try compile(b, in: context, counter: &counter)
            return SQLFragment("(") + l + SQLFragment(" OR ") + r + SQLFragment(")")
        case .not(let f):
            // A comparison with a missing attribute is SQL NULL, and NOT NULL is NULL: coalesce to false first, so
            // that `not (title eq "x")` matches users without a title (RFC 7644 §3.4.2.2). Conditions outside a
            // `not` stay bare, where NULL already counts as false, so that SQLite can use the indexes.
            return SQLFragment("(NOT COALESCE((") + (try compile(f, in: context, counter: &counter))
                + SQLFragment("), \(dialect.falseLiteral)))")
        case .present(let path):
            return try attributeCondition(path, in: context, counter: &counter) {
                (operand, attribute) throws(SCIMError) in
                self.present(operand, attribute)
            }
        case .comparison(let path, .ne, let value)
        where context.isResource && resource.type.resolve(path)?.attribute.multiValued == true:
            // On a multi-valued attribute `ne` means that no value equals (as the in-memory evaluator reads it).
            return try compile(.not(.comparison(path, .eq, value)), in: context, counter: &counter)
        case .comparison(let path, let op, let value):
            return try attributeCondition(path, in: context, counter: &counter) {
                (operand, attribute) throws(SCIMError) in
                try self.compare(operand, attribute, op, value)
            }
        case .valuePath(let path, let inner):
            guard case .resource = context, let resolved = resource.type.resolve(path),
                resolved.subAttribute == nil, resolved.attribute.type == .complex
            else {
                throw SCIMError.invalidFilter("'\(path)[...]' must name a complex attribute of \(resource.type.name).")
            }
            return try elements(of: resolved, counter: &counter) { (ctx, counter) throws(SCIMError) in
                try self.compile(inner, in: ctx, counter: &counter)
            }
        }
    }

    /// Resolves `path` in `context` and builds the condition on its value(s). Multi-valued attributes become an
    /// `EXISTS` over their elements.
    func attributeCondition(
        _ path: AttributePath, in context: Context, counter: inout Int,
        _ condition: (Operand, SchemaAttribute) throws(SCIMError) -> SQLFragment
    ) throws(SCIMError) -> SQLFragment {
        switch context {
        case .resource:
            guard let resolved = resource.type.resolve(path) else {
                throw SCIMError.invalidFilter("Unknown attribute '\(path)' in filter for \(resource.type.name).")
            }
            if resolved.attribute.multiValued {
                let subName = resolved.subAttribute?.name ?? "value"
                return try elements(of: resolved, counter: &counter) { (ctx, _) throws(SCIMError) in
                    guard let sub = self.elementAttribute(subName, of: resolved.attribute) else {
                        throw SCIMError.invalidFilter(
                            "'\(path)' needs a sub-attribute, for example '\(path.attribute).value'.")
                    }
                    return try condition(self.elementOperand(sub, in: ctx), sub)
                }
            }
            if resolved.attribute.type == .complex && resolved.subAttribute == nil {
                guard let value = resolved.attribute.subAttribute(named: "value") else {
                    throw SCIMError.invalidFilter("'\(path)' is complex; compare one of its sub-attributes.")
                }
                let r = ResolvedAttribute(
                    extensionURN: resolved.extensionURN, attribute: resolved.attribute, subAttribute: value)
                return try condition(operand(for: r), value)
            }
            return try condition(operand(for: resolved), resolved.target)
        case .jsonElement(_, let attribute), .membership(let attribute, _):
            guard path.schema == nil, path.subAttribute == nil,
                let sub = elementAttribute(path.attribute, of: attribute)
            else {
                throw SCIMError.invalidFilter("Unknown sub-attribute '\(path)' of '\(attribute.name)' in filter.")
            }
            return try condition(elementOperand(sub, in: context), sub)
        }
    }

    func elementAttribute(_ name: String, of attribute: SchemaAttribute) -> SchemaAttribute? {
        if attribute.type == .complex { return attribute.subAttribute(named: name) }
        return name.equalsIgnoringCase("value") ? attribute : nil
    }

    /// `EXISTS (SELECT 1 FROM <elements> WHERE <condition>)` for a multi-valued attribute.
    func elements(
        of resolved: ResolvedAttribute, counter: inout Int,
        _ condition: (Context, inout Int) throws(SCIMError) -> SQLFragment
    ) throws(SCIMError) -> SQLFragment {
        counter += 1
        let alias = "e\(counter)"
        let name = resolved.attribute.name
        if resource == .users, resolved.extensionURN == nil, name == "groups" {
            let ctx = Context.membership(attribute: resolved.attribute, alias: alias)
            let inner = try condition(ctx, &counter)
            return SQLFragment(
                "EXISTS (SELECT 1 FROM group_members \(alias)m JOIN groups \(alias) ON \(alias).id = \(alias)m.group_id WHERE \(alias)m.user_id = u.id AND "
            ) + inner + SQLFragment(")")
        }
        if resource == .groups, resolved.extensionURN == nil, name == "members" {
            let ctx = Context.membership(attribute: resolved.attribute, alias: alias)
            let inner = try condition(ctx, &counter)
            return SQLFragment(
                "EXISTS (SELECT 1 FROM group_members \(alias)m JOIN users \(alias) ON \(alias).id = \(alias)m.user_id WHERE \(alias)m.group_id = g.id AND "
            ) + inner + SQLFragment(")")
        }
        let each = dialect.jsonEach(docColumn, jsonPath(resolved, attributeOnly: true), alias: alias)
        let ctx = Context.jsonElement(alias: alias, attribute: resolved.attribute)
        let inner = try condition(ctx, &counter)
        return SQLFragment("EXISTS (SELECT 1 FROM \(each) WHERE ") + inner + SQLFragment(")")
    }

    func elementOperand(_ sub: SchemaAttribute, in context: Context) -> Operand {
        switch context {
        case .jsonElement(let alias, let attribute):
            if attribute.type != .complex { return Operand(sql: dialect.jsonElement(alias), kind: .json) }
            return Operand(sql: dialect.jsonExtract("\(alias).value", [sub.name]), kind: .json)
        case .membership(_, let alias):
            switch (resource, sub.name) {
            case (_, "value"): return Operand(sql: "\(alias).id", kind: .text(lowered: false))
            case (.users, "display"): return Operand(sql: "\(alias).display_name", kind: .text(lowered: false))
            case (.groups, "display"): return Operand(sql: "\(alias).display_name", kind: .text(lowered: false))
            case (.users, "type"): return Operand(sql: "'direct'", kind: .constant)
            case (.groups, "type"): return Operand(sql: "'User'", kind: .constant)
            default: return Operand(sql: "NULL", kind: .constant)
            }
        case .resource:
            return Operand(sql: "NULL", kind: .constant)
        }
    }

    /// The JSON path of an attribute inside the document column.
    func jsonPath(_ a: ResolvedAttribute, attributeOnly: Bool = false) -> [String] {
        var path: [String] = []
        if let urn = a.extensionURN { path.append(urn) }
        path.append(a.attribute.name)
        if !attributeOnly, let sub = a.subAttribute { path.append(sub.name) }
        return path
    }

    /// The column or JSON expression holding a singular attribute.
    func operand(for a: ResolvedAttribute) -> Operand {
        let t = resource.alias
        if a.extensionURN == nil {
            switch (a.attribute.name, a.subAttribute?.name) {
            case ("id", nil): return Operand(sql: "\(t).id", kind: .text(lowered: false))
            case ("externalId", nil): return Operand(sql: "\(t).external_id", kind: .text(lowered: false))
            case ("meta", "created"?): return Operand(sql: "\(t).created_at", kind: .timestamp)
            case ("meta", "lastModified"?): return Operand(sql: "\(t).updated_at", kind: .timestamp)
            case ("meta", "resourceType"?): return Operand(sql: "'\(resource.type.name)'", kind: .constant)
            case ("meta", "version"?):
                return Operand(sql: "('W/\"' || \(t).version || '\"')", kind: .text(lowered: false))
            case ("meta", _): return Operand(sql: "NULL", kind: .constant)
            case ("userName", nil) where resource == .users:
                return Operand(sql: "u.user_name_lower", kind: .text(lowered: true))
            case ("active", nil) where resource == .users:
                return Operand(sql: "u.scim_active", kind: .booleanColumn)
            case ("displayName", nil) where resource == .groups:
                return Operand(sql: "g.display_name_lower", kind: .text(lowered: true))
            default: break
            }
        }
        return Operand(sql: dialect.jsonExtract(docColumn, jsonPath(a)), kind: .json)
    }

    // MARK: Conditions

    func text(_ expression: String, caseExact: Bool) -> String {
        caseExact ? expression : dialect.lower(expression)
    }

    func present(_ operand: Operand, _ attribute: SchemaAttribute) -> SQLFragment {
        switch operand.kind {
        case .booleanColumn, .timestamp: return SQLFragment("(\(operand.sql) IS NOT NULL)")
        default: return SQLFragment("(\(operand.sql) IS NOT NULL AND \(operand.sql) <> '')")
        }
    }

    func compare(_ operand: Operand, _ attribute: SchemaAttribute, _ op: ComparisonOperator, _ value: JSONValue)
        throws(SCIMError) -> SQLFragment
    {
        if case .null = value {
            switch op {
            case .eq: return SQLFragment("(\(operand.sql) IS NULL)")
            case .ne: return SQLFragment("(\(operand.sql) IS NOT NULL)")
            default:
                throw SCIMError.invalidFilter("'\(op.rawValue) null' is not a valid comparison on '\(attribute.name)'.")
            }
        }
        let condition: SQLFragment
        switch attribute.type {
        case .boolean:
            let b: Bool
            switch value {
            case .bool(let v): b = v
            case .string(let s) where s.lowercased() == "true" || s.lowercased() == "false":
                b = s.lowercased() == "true"
            default: throw SCIMError.invalidFilter("'\(attribute.name)' is a boolean; compare it with true or false.")
            }
            guard op == .eq || op == .ne else {
                throw SCIMError.invalidFilter("'\(attribute.name)' is a boolean; only 'eq' and 'ne' apply.")
            }
            let literal: String
            switch operand.kind {
            case .booleanColumn: literal = b ? "1" : "0"
            default: literal = dialect.jsonBoolean(b)
            }
            condition = SQLFragment("\(operand.sql) = \(literal)")
        case .integer, .decimal:
            let n: SQLValue
            switch value {
            case .int(let i): n = .integer(Int64(i))
            case .double(let d): n = .real(d)
            default: throw SCIMError.invalidFilter("'\(attribute.name)' is a number; compare it with a number.")
            }
            let expr = dialect == .postgres && operand.kind == .json ? "(\(operand.sql))::numeric" : operand.sql
            guard let sqlOp = Self.ordering[op] ?? (op == .eq ? "=" : nil) else {
                throw SCIMError.invalidFilter("'\(op.rawValue)' does not apply to the number '\(attribute.name)'.")
            }
            condition = SQLFragment("\(expr) \(sqlOp) ?", [n])
        case .dateTime where operand.kind == .timestamp:
            guard let s = value.stringValue, let ms = Timestamp.parse(s) else {
                throw SCIMError.invalidFilter(
                    "'\(attribute.name)' is a dateTime; compare it with an RFC 3339 string such as \"2026-01-01T00:00:00Z\"."
                )
            }
            guard let sqlOp = Self.ordering[op] ?? (op == .eq ? "=" : nil) else {
                throw SCIMError.invalidFilter("'\(op.rawValue)' does not apply to the dateTime '\(attribute.name)'.")
            }
            condition = SQLFragment("\(operand.sql) \(sqlOp) ?", [.integer(ms)])
        case .complex:
            throw SCIMError.invalidFilter("'\(attribute.name)' is complex; compare one of its sub-attributes.")
        default:
            guard let s = Self.text(of: value) else {
                throw SCIMError.invalidFilter("'\(attribute.name)' is a string; compare it with a quoted string.")
            }
            condition = textCondition(operand, caseExact: attribute.caseExact, op, s)
        }
        switch op {
        case .ne: return SQLFragment("(\(operand.sql) IS NULL OR NOT (") + condition + SQLFragment("))")
        default: return condition
        }
    }

    static let ordering: [ComparisonOperator: String] = [.gt: ">", .ge: ">=", .lt: "<", .le: "<=", .ne: "="]

    static func text(of value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    /// A text comparison; `ne` is built as the negation of `eq` by the caller.
    func textCondition(_ operand: Operand, caseExact: Bool, _ op: ComparisonOperator, _ value: String) -> SQLFragment {
        let folded: Bool
        let expr: String
        switch operand.kind {
        case .text(lowered: true):
            folded = true
            expr = operand.sql
        default:
            folded = !caseExact
            expr = folded ? dialect.lower(operand.sql) : operand.sql
        }
        let v = folded ? value.lowercased() : value
        switch op {
        case .eq, .ne: return SQLFragment("\(expr) = ?", [.text(v)])
        case .co: return SQLFragment(instr(expr) + " > 0", [.text(v)])
        case .sw: return SQLFragment("substr(\(expr), 1, \(v.count)) = ?", [.text(v)])
        case .ew:
            return SQLFragment(
                "(length(\(expr)) >= \(v.count) AND substr(\(expr), length(\(expr)) - \(v.count - 1)) = ?)", [.text(v)])
        case .gt: return SQLFragment("\(expr) > ?", [.text(v)])
        case .ge: return SQLFragment("\(expr) >= ?", [.text(v)])
        case .lt: return SQLFragment("\(expr) < ?", [.text(v)])
        case .le: return SQLFragment("\(expr) <= ?", [.text(v)])
        }
    }

    func instr(_ expr: String) -> String {
        switch dialect {
        case .sqlite: "instr(\(expr), ?)"
        case .postgres: "strpos(\(expr), ?)"
        }
    }
}
