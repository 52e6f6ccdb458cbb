package import Provisioning
import SCIM

/// List queries over users and groups: the filtered count and the window of rows, in SQL.
extension SQLTransaction {
    /// One page of a list query over users or groups: the count and the rows of the window, filtered in SQL and
    /// ordered by the sort key, then by `seq` so that pages never repeat or skip a resource.
    func page<T>(
        _ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery,
        unfilteredTotal: (() async throws -> Int)? = nil, decode: (SQLRow) -> T
    ) async throws -> Page<T> {
        let statements = try pageStatements(resource, scope: scope, columns: columns, query: query)
        let total: Int
        if query.filter == nil, let unfilteredTotal {
            total = try await unfilteredTotal()
        } else {
            total = try await fetchValue(statements.count.sql, statements.count.arguments) ?? 0
        }
        guard query.limit > 0, query.offset < total else { return Page(totalResults: total, items: []) }
        return Page(
            totalResults: total, items: try await fetchAll(statements.rows.sql, statements.rows.arguments).map(decode))
    }

    /// The two statements of ``page(_:scope:columns:query:unfilteredTotal:decode:)``: the filtered count and the
    /// window's rows.
    ///
    /// On PostgreSQL, a users filter with a top-level `userName eq`, `id eq` or `externalId eq` reads that user
    /// through its own index first (a materialized CTE) and applies the scope and the rest of the filter to that
    /// one row. Otherwise the planner may answer `userName eq` through `users_by_provider`, filtering every user of
    /// the provider, whenever the table's statistics are stale (right after an initial sync, before autovacuum
    /// analyzes it): exactly when IdPs send that lookup before every push.
    package func pageStatements(_ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery)
        throws -> (count: SQLFragment, rows: SQLFragment)
    {
        let compiler = FilterCompiler(dialect: dialect, resource: resource)
        var table = resource == .users ? "users u" : "groups g"
        var prefix = SQLFragment("")
        var condition = scope
        if let filter = query.filter {
            condition = condition + SQLFragment(" AND ") + (try compiler.compile(filter))
            if dialect == .postgres, resource == .users, let key = Self.keyConjunct(filter) {
                var lookup = try compiler.compile(key)
                if case .comparison(let path, _, _) = key, path.attribute.equalsIgnoringCase("externalId") {
                    // externalId is unique per provider only: its index is (provider_id, external_id).
                    lookup = scope + SQLFragment(" AND ") + lookup
                }
                prefix =
                    SQLFragment("WITH k AS MATERIALIZED (SELECT * FROM users u WHERE ") + lookup + SQLFragment(") ")
                table = "k u"
            }
        }
        let count = prefix + SQLFragment("SELECT COUNT(*) FROM \(table) WHERE ") + condition
        let order =
            query.sort.map { "\(compiler.sortExpression($0)) \($0.descending ? "DESC" : "ASC") NULLS LAST, " } ?? ""
        let rows =
            prefix + SQLFragment("SELECT \(columns) FROM \(table) WHERE ") + condition
            + SQLFragment(
                " ORDER BY \(order)\(resource.alias).seq LIMIT ? OFFSET ?",
                [.integer(Int64(query.limit)), .integer(Int64(query.offset))])
        return (count, rows)
    }

    /// A conjunct of `filter` (itself, or one side of a top-level `and`) that names at most one user of a
    /// provider through an index of its own: `id eq`, `userName eq` or `externalId eq` a string.
    static func keyConjunct(_ filter: Filter) -> Filter? {
        switch filter {
        case .comparison(let path, .eq, .string) where path.schema == nil && path.subAttribute == nil:
            let name = path.attribute
            return name.equalsIgnoringCase("id") || name.equalsIgnoringCase("userName")
                || name.equalsIgnoringCase("externalId") ? filter : nil
        case .and(let lhs, let rhs):
            return keyConjunct(lhs) ?? keyConjunct(rhs)
        default:
            return nil
        }
    }

    /// The linked users of a provider, as list queries scope them.
    static func usersScope(_ providerID: String) -> SQLFragment {
        SQLFragment("u.provider_id = ? AND u.linked = 1", [.text(providerID)])
    }
}
