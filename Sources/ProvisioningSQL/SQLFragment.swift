import Foundation

/// A value bound to a statement parameter.
package enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case real(Double)
    case null
}

/// A piece of SQL with its bound arguments, in order. Values never enter the SQL text.
package struct SQLFragment: Sendable, Hashable {
    package var sql: String
    package var arguments: [SQLValue]

    package init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// Joins fragments with a separator.
    package static func join(_ parts: [SQLFragment], separator: String) -> SQLFragment {
        SQLFragment(parts.map(\.sql).joined(separator: separator), parts.flatMap(\.arguments))
    }

    package static func + (lhs: SQLFragment, rhs: SQLFragment) -> SQLFragment {
        SQLFragment(lhs.sql + rhs.sql, lhs.arguments + rhs.arguments)
    }
}

/// The SQL dialects Roster speaks. Both use `?` placeholders in fragments; a driver that needs `$n` renumbers
/// them when it sends the statement.
package enum SQLDialect: Sendable, Hashable {
    case sqlite
    case postgres

    /// The text of the JSON value at `path` (member names) inside a JSON column or a JSON value expression,
    /// or SQL NULL. Booleans come out as 1/0 (SQLite) or 'true'/'false' (PostgreSQL).
    package func jsonExtract(_ expression: String, _ path: [String]) -> String {
        switch self {
        case .sqlite:
            let p = path.map { "\"" + $0.replacingOccurrences(of: "\"", with: "") + "\"" }.joined(separator: ".")
            return "json_extract(\(expression), '$.\(p)')"
        case .postgres:
            let p = path.map { $0.replacingOccurrences(of: "'", with: "").replacingOccurrences(of: ",", with: "") }
                .joined(separator: ",")
            return "((\(expression))::jsonb #>> '{\(p)}')"
        }
    }

    /// A table expression over the elements of the JSON array at `path`, aliased `alias`, whose element is
    /// `\(alias).value`.
    package func jsonEach(_ expression: String, _ path: [String], alias: String) -> String {
        switch self {
        case .sqlite:
            let p = path.map { "\"" + $0.replacingOccurrences(of: "\"", with: "") + "\"" }.joined(separator: ".")
            return "json_each(\(expression), '$.\(p)') AS \(alias)"
        case .postgres:
            let p = path.joined(separator: ",")
            let array = "((\(expression))::jsonb #> '{\(p)}')"
            return
                "jsonb_array_elements(CASE WHEN jsonb_typeof(\(array)) = 'array' THEN \(array) ELSE '[]'::jsonb END) AS \(alias)(value)"
        }
    }

    /// The scalar element of a ``jsonEach(_:_:alias:)`` as SQL text (or number).
    package func jsonElement(_ alias: String) -> String {
        switch self {
        case .sqlite: "\(alias).value"
        case .postgres: "(\(alias).value #>> '{}')"
        }
    }

    /// Unicode-aware lowercasing of a text expression (SQLite's built-in `lower` only folds ASCII, so the SQLite
    /// store registers `scim_lower`).
    package func lower(_ expression: String) -> String {
        switch self {
        case .sqlite: "scim_lower(\(expression))"
        case .postgres: "lower(\(expression))"
        }
    }

    /// SQL false, for `COALESCE(condition, false)`: a comparison with NULL is not true.
    package var falseLiteral: String {
        switch self {
        case .sqlite: "0"
        case .postgres: "false"
        }
    }

    /// The SQL truth value of a JSON boolean extracted with ``jsonExtract(_:_:)``.
    package func jsonBoolean(_ value: Bool) -> String {
        switch self {
        case .sqlite: value ? "1" : "0"
        case .postgres: value ? "'true'" : "'false'"
        }
    }
}
