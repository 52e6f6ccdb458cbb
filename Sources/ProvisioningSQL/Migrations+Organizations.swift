extension Migrations {
    /// Organizations, watchlists, placements and mapping rules.
    ///
    /// A user's organization is a column (`users.organization_id`, indexed for per-organization counts and
    /// filters); roles and watchlist memberships are rows, like group memberships, so that placing one user never
    /// rewrites anything else. Mapping rules reference SCIM groups by id, so renaming a group in the IdP keeps its
    /// mapping; deleting the group deletes its rules. The root organization exists from the start, and users of
    /// earlier versions start there with its default role.
    static func organizations(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v2-organizations",
                statements: [
                    """
                    CREATE TABLE organizations (
                        \(t.sequence),
                        id TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        name_lower TEXT NOT NULL UNIQUE,
                        parent_id TEXT REFERENCES organizations(id),
                        default_roles TEXT NOT NULL DEFAULT '',
                        created_by_provider TEXT,
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                    """
                    INSERT INTO organizations (id, name, name_lower, parent_id, default_roles, created_at)
                    VALUES ('root', 'Root', 'root', NULL, 'Desktop User', \(t.nowMilliseconds))
                    """,
                    "ALTER TABLE users ADD COLUMN organization_id TEXT NOT NULL DEFAULT 'root'",
                    "ALTER TABLE users ADD COLUMN organization_pinned \(t.integer) NOT NULL DEFAULT 0",
                    "CREATE INDEX users_by_organization ON users(organization_id)",
                    """
                    CREATE TABLE user_roles (
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        role TEXT NOT NULL,
                        PRIMARY KEY (user_id, role)
                    )\(t.withoutRowID)
                    """,
                    "INSERT INTO user_roles (user_id, role) SELECT id, 'Desktop User' FROM users",
                    """
                    CREATE TABLE watchlists (
                        \(t.sequence),
                        id TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        name_lower TEXT NOT NULL UNIQUE,
                        created_at \(t.integer) NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE watchlist_members (
                        watchlist_id TEXT NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        added_at \(t.integer) NOT NULL,
                        PRIMARY KEY (watchlist_id, user_id)
                    )\(t.withoutRowID)
                    """,
                    "CREATE INDEX watchlist_members_by_user ON watchlist_members(user_id)",
                    "ALTER TABLE providers ADD COLUMN org_method TEXT NOT NULL DEFAULT 'single'",
                    "ALTER TABLE providers ADD COLUMN org_id TEXT NOT NULL DEFAULT 'root'",
                    "ALTER TABLE providers ADD COLUMN org_attribute TEXT",
                    "ALTER TABLE providers ADD COLUMN org_parent_id TEXT NOT NULL DEFAULT 'root'",
                    "ALTER TABLE providers ADD COLUMN role_mode TEXT NOT NULL DEFAULT 'groups'",
                    """
                    CREATE TABLE mapping_rules (
                        \(t.sequence),
                        provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                        target TEXT NOT NULL,
                        priority \(t.integer) NOT NULL DEFAULT 0,
                        UNIQUE (provider_id, kind, group_id, target)
                    )
                    """,
                    "CREATE INDEX mapping_rules_by_group ON mapping_rules(group_id)",
                    """
                    CREATE TABLE mapping_runs (
                        id TEXT PRIMARY KEY NOT NULL,
                        provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                        started_at \(t.integer) NOT NULL,
                        cursor \(t.integer) NOT NULL,
                        processed \(t.integer) NOT NULL,
                        changed \(t.integer) NOT NULL,
                        finished_at \(t.integer)
                    )
                    """,
                    "CREATE INDEX mapping_runs_open ON mapping_runs(provider_id) WHERE finished_at IS NULL",
                ])
        ]
    }
}
