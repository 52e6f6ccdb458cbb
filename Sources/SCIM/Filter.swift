/// A SCIM filter expression (RFC 7644 §3.4.2.2), as a syntax tree apart from any evaluation.
///
/// Attribute paths inside a ``valuePath(_:_:)`` are relative to the complex attribute it names
/// (`emails[type eq "work"]` compares `emails.type`).
public indirect enum Filter: Sendable, Hashable {
    /// `attrPath compareOp compValue`
    case comparison(AttributePath, ComparisonOperator, JSONValue)
    /// `attrPath "pr"`
    case present(AttributePath)
    /// `filter "and" filter`
    case and(Filter, Filter)
    /// `filter "or" filter`
    case or(Filter, Filter)
    /// `"not" "(" filter ")"`
    case not(Filter)
    /// `attrPath "[" valFilter "]"`: at least one element of the multi-valued attribute matches.
    case valuePath(AttributePath, Filter)
}

/// The comparison operators of RFC 7644 Table 3.
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case eq, ne, co, sw, ew, gt, ge, lt, le
}
