extension Filter: CustomStringConvertible {
    /// The filter in canonical text form: lowercase operators, single spaces, strings as JSON strings, and
    /// parentheses only where precedence needs them, so that parsing the text gives back an equal filter.
    public var description: String {
        switch self {
        case .comparison(let path, let op, let value):
            return "\(path) \(op.rawValue) \(Self.render(value))"
        case .present(let path):
            return "\(path) pr"
        case .and(let lhs, let rhs):
            return "\(lhs.parenthesized(if: lhs.isOr)) and \(rhs.parenthesized(if: rhs.isOr || rhs.isAnd))"
        case .or(let lhs, let rhs):
            return "\(lhs) or \(rhs.parenthesized(if: rhs.isOr))"
        case .not(let inner):
            return "not (\(inner))"
        case .valuePath(let path, let inner):
            return "\(path)[\(inner)]"
        }
    }

    private var isOr: Bool {
        if case .or = self { return true }
        return false
    }

    private var isAnd: Bool {
        if case .and = self { return true }
        return false
    }

    private func parenthesized(if condition: Bool) -> String {
        condition ? "(\(self))" : description
    }

    /// A comparison value as filter text: JSON literals, with doubles always written so they read back as doubles.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .double(let d) where d.isFinite:
            return "\(d)"
        default:
            return value.jsonText
        }
    }
}
