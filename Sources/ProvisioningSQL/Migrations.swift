/// The database schema, as numbered migrations shared by the SQL stores. A migration never changes once
/// released; new needs get a new migration.
///
/// Layout: users and groups keep their SCIM attributes as a JSON document beside the columns that queries need
/// indexed (`user_name_lower`, `external_id`, `display_name_lower`, ...). Memberships are rows
/// (`group_members`), so changing one member of a large group touches one row. Timestamps are milliseconds since
/// 1970. `seq` gives every resource a stable order for paging.
public enum Migrations {
    /// A named migration and its statements for one dialect.
    public struct Migration: Sendable {
        public var identifier: String
        public var statements: [String]
    }

    /// The migrations in order, for a dialect.
    public static func all(for dialect: SQLDialect) -> [Migration] {
        switch dialect {
        case .sqlite: sqlite
        case .postgres: []
        }
    }

    static let sqlite: [Migration] = [
        Migration(
            identifier: "v1-scim",
            statements: [
                """
                CREATE TABLE providers (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    username TEXT NOT NULL UNIQUE,
                    secret_hash TEXT NOT NULL,
                    deactivation_delay_seconds INTEGER NOT NULL,
                    user_name_format TEXT NOT NULL DEFAULT 'email',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE users (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    provider_id TEXT,
                    linked INTEGER NOT NULL DEFAULT 1,
                    user_name TEXT NOT NULL,
                    user_name_lower TEXT NOT NULL UNIQUE,
                    external_id TEXT,
                    display_name TEXT,
                    scim_active INTEGER NOT NULL DEFAULT 1,
                    status TEXT NOT NULL,
                    doc TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX users_by_provider ON users(provider_id, linked, seq)",
                "CREATE INDEX users_by_external_id ON users(provider_id, external_id)",
                """
                CREATE TABLE groups (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                    display_name TEXT NOT NULL,
                    display_name_lower TEXT NOT NULL,
                    external_id TEXT,
                    doc TEXT NOT NULL,
                    member_count INTEGER NOT NULL DEFAULT 0,
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (provider_id, display_name_lower)
                )
                """,
                "CREATE INDEX groups_by_provider ON groups(provider_id, seq)",
                """
                CREATE TABLE group_members (
                    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    display TEXT,
                    PRIMARY KEY (group_id, user_id)
                ) WITHOUT ROWID
                """,
                "CREATE INDEX group_members_by_user ON group_members(user_id)",
                "CREATE INDEX group_members_by_group_seq ON group_members(group_id, seq)",
                "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
            ]),
    ]
}
