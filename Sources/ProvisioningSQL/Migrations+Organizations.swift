extension Migrations {
    /// Organizations, watchlists, placements and mapping rules.
    ///
    /// A user's organization is a column (`users.organization_id`, indexed for per-organization counts and
    /// filters); roles and watchlist memberships are rows, like group memberships, so that placing one user never
    /// rewrites anything else. Mapping rules reference SCIM groups by id, so renaming a group in the IdP keeps its
    /// mapping; deleting the group deletes its rules. The root organization exists from the start, and users of
    /// earlier versions start there with its default role.
    static let organizationsSQLite: [Migration] = [
        Migration(
            identifier: "v2-organizations",
            statements: [
                """
                CREATE TABLE organizations (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    name_lower TEXT NOT NULL UNIQUE,
                    parent_id TEXT REFERENCES organizations(id),
                    default_roles TEXT NOT NULL DEFAULT '',
                    created_by_provider TEXT,
                    created_at INTEGER NOT NULL
                )
                """,
                """
                INSERT INTO organizations (id, name, name_lower, parent_id, default_roles, created_at)
                VALUES ('root', 'Root', 'root', NULL, 'Desktop User', CAST(strftime('%s', 'now') AS INTEGER) * 1000)
                """,
                "ALTER TABLE users ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'root'",
                "ALTER TABLE users ADD COLUMN organization_pinned INTEGER NOT NULL DEFAULT 0",
                "CREATE INDEX users_by_organization ON users(organization_id)",
                """
                CREATE TABLE user_roles (
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    PRIMARY KEY (user_id, role)
                ) WITHOUT ROWID
                """,
                "INSERT INTO user_roles (user_id, role) SELECT id, 'Desktop User' FROM users",
                """
                CREATE TABLE watchlists (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    name_lower TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE watchlist_members (
                    watchlist_id TEXT NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (watchlist_id, user_id)
                ) WITHOUT ROWID
                """,
                "CREATE INDEX watchlist_members_by_user ON watchlist_members(user_id)",
                "ALTER TABLE providers ADD COLUMN org_method TEXT NOT NULL DEFAULT 'single'",
                "ALTER TABLE providers ADD COLUMN org_id TEXT NOT NULL DEFAULT 'root'",
                "ALTER TABLE providers ADD COLUMN org_attribute TEXT",
                "ALTER TABLE providers ADD COLUMN org_parent_id TEXT NOT NULL DEFAULT 'root'",
                "ALTER TABLE providers ADD COLUMN role_mode TEXT NOT NULL DEFAULT 'groups'",
                """
                CREATE TABLE mapping_rules (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                    target TEXT NOT NULL,
                    priority INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (provider_id, kind, group_id, target)
                )
                """,
                "CREATE INDEX mapping_rules_by_group ON mapping_rules(group_id)",
                """
                CREATE TABLE mapping_runs (
                    id TEXT PRIMARY KEY NOT NULL,
                    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                    started_at INTEGER NOT NULL,
                    cursor INTEGER NOT NULL,
                    processed INTEGER NOT NULL,
                    changed INTEGER NOT NULL,
                    finished_at INTEGER
                )
                """,
                "CREATE INDEX mapping_runs_open ON mapping_runs(provider_id) WHERE finished_at IS NULL",
            ]),
    ]
}
