package import SCIM

extension Filter {
    /// A conjunct of the filter (itself, or one side of a top-level `and`) that names a user of a provider
    /// through a key of its own: `id eq`, `userName eq` or `externalId eq` a string. A list with such a filter is
    /// the lookup IdPs send before each push; it holds at most one user by `id` or `userName` (unique), and in
    /// practice one by `externalId` (indexed, not unique).
    package var keyConjunct: Filter? {
        switch self {
        case .comparison(let path, .eq, .string) where path.schema == nil && path.subAttribute == nil:
            let name = path.attribute
            return name.equalsIgnoringCase("id") || name.equalsIgnoringCase("userName")
                || name.equalsIgnoringCase("externalId") ? self : nil
        case .and(let lhs, let rhs):
            return lhs.keyConjunct ?? rhs.keyConjunct
        default:
            return nil
        }
    }
}
