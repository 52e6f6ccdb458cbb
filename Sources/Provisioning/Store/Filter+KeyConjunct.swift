package import SCIM

extension Filter {
    /// A conjunct of the filter (itself, or one side of a top-level `and`) that names a user of a provider
    /// through a key of its own: `id eq`, `userName eq` or `externalId eq` a string. A list with such a filter is
    /// the lookup IdPs send before each push; it holds at most one user by `id` or `userName` (unique), and in
    /// practice one by `externalId` (indexed, not unique).
    package var keyConjunct: Filter? { conjunct(namingOneOf: ["id", "userName", "externalId"]) }

    /// A key conjunct (``keyConjunct``) on a unique key, `id` or `userName`: a list with it holds one user or none.
    package var uniqueKeyConjunct: Filter? { conjunct(namingOneOf: ["id", "userName"]) }

    /// A conjunct (itself, or one side of a top-level `and`) that is `eq` a string on one of `keys`.
    private func conjunct(namingOneOf keys: [String]) -> Filter? {
        switch self {
        case .comparison(let path, .eq, .string) where path.schema == nil && path.subAttribute == nil:
            return keys.contains { path.attribute.equalsIgnoringCase($0) } ? self : nil
        case .and(let lhs, let rhs):
            return lhs.conjunct(namingOneOf: keys) ?? rhs.conjunct(namingOneOf: keys)
        default:
            return nil
        }
    }
}
