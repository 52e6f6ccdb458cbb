package import Provisioning
import SCIM

/// List queries over users and groups: the filtered count and the window of rows, in SQL.
extension SQLTransaction {
    /// One page of a list query over users or groups: the count and the rows of the window, filtered in SQL and
    /// ordered by the sort key, then by `seq` so that pages never repeat or skip a resource.
    ///
    /// `unfilteredTotal` and `unfilteredCount` give an unfiltered list's total without counting its rows (the
    /// provider's kept count of users): the first run on its own, the second as the statement that reads it.
    func page<T>(
        _ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery,
        unfilteredTotal: (() async throws -> Int)? = nil, unfilteredCount: SQLFragment? = nil,
        decode: (SQLRow) -> T
    ) async throws -> Page<T> {
        let statements = try pageStatements(
            resource, scope: scope, columns: columns, query: query, unfilteredCount: unfilteredCount)
        if statements.countedInRows {
            // One statement: each row carries the total in its last column.
            let rows = try await fetchAll(statements.rows.sql, statements.rows.arguments)
            if let first = rows.first {
                let total: Int = first[first.values.count - 1]
                return Page(totalResults: total, items: rows.map(decode))
            }
            // No row: none matched, or the window starts past them (then the total is counted).
            if query.offset == 0 { return Page(totalResults: 0, items: []) }
        }
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
    ///
    /// On PostgreSQL the rows also carry the total in a last column (`countedInRows`): `COUNT(*) OVER ()` for such
    /// a lookup (at most one user), else the count as a subquery PostgreSQL runs once (`unfilteredCount` for an
    /// unfiltered list, when given). A page is then one statement, an exchange with the server, with its count
    /// and rows from one snapshot; the count statement is needed only for a window that starts past the last
    /// match.
    package func pageStatements(
        _ resource: SQLResource, scope: SQLFragment, columns: String, query: StoreQuery,
        unfilteredCount: SQLFragment? = nil
    ) throws -> (count: SQLFragment, rows: SQLFragment, countedInRows: Bool) {
        let compiler = FilterCompiler(dialect: dialect, resource: resource)
        var table = resource == .users ? "users u" : "groups g"
        var prefix = SQLFragment("")
        var condition = scope
        if let filter = query.filter {
            condition = condition + SQLFragment(" AND ") + (try compiler.compile(filter))
            if dialect == .postgres, resource == .users, let key = filter.keyConjunct {
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
        let countedInRows = dialect == .postgres && query.limit > 0
        let total: SQLFragment
        if !countedInRows {
            total = SQLFragment("")
        } else if !prefix.sql.isEmpty {
            total = SQLFragment(", COUNT(*) OVER ()")
        } else if query.filter == nil, let unfilteredCount {
            total = SQLFragment(", (") + unfilteredCount + SQLFragment(")")
        } else {
            total = SQLFragment(", (") + count + SQLFragment(")")
        }
        let rows =
            prefix + SQLFragment("SELECT \(columns)") + total + SQLFragment(" FROM \(table) WHERE ") + condition
            + SQLFragment(
                " ORDER BY \(order)\(resource.alias).seq LIMIT ? OFFSET ?",
                [.integer(Int64(query.limit)), .integer(Int64(query.offset))])
        return (count, rows, countedInRows)
    }

    /// The linked users of a provider, as list queries scope them.
    static func usersScope(_ providerID: String) -> SQLFragment {
        SQLFragment("u.provider_id = ? AND u.linked = 1", [.text(providerID)])
    }
}
