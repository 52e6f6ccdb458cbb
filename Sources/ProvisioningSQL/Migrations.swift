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
        case .sqlite: sqlite + platformSQLite + organizationsSQLite + adminsSQLite
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
                    guard_enabled INTEGER NOT NULL DEFAULT 1,
                    guard_percent INTEGER NOT NULL DEFAULT 10,
                    guard_minimum INTEGER NOT NULL DEFAULT 10,
                    guard_tripped_at INTEGER,
                    user_count INTEGER NOT NULL DEFAULT 0,
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
                    admin_blocked INTEGER NOT NULL DEFAULT 0,
                    deactivation_due_at INTEGER,
                    held TEXT,
                    legal_hold INTEGER NOT NULL DEFAULT 0,
                    legal_hold_matter TEXT,
                    doc TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX users_by_provider ON users(provider_id, linked, seq)",
                "CREATE INDEX users_by_external_id ON users(provider_id, external_id)",
                "CREATE INDEX users_deactivation_due ON users(deactivation_due_at) WHERE deactivation_due_at IS NOT NULL",
                "CREATE INDEX users_held ON users(provider_id) WHERE held IS NOT NULL",
                // providers.user_count: the linked users of each provider, kept by triggers so that an unfiltered
                // list (every page of an IdP's import) does not count the provider's users each time.
                """
                CREATE TRIGGER users_count_insert AFTER INSERT ON users
                WHEN NEW.provider_id IS NOT NULL AND NEW.linked = 1
                BEGIN UPDATE providers SET user_count = user_count + 1 WHERE id = NEW.provider_id; END
                """,
                """
                CREATE TRIGGER users_count_update AFTER UPDATE OF linked, provider_id ON users
                WHEN OLD.linked IS NOT NEW.linked OR OLD.provider_id IS NOT NEW.provider_id
                BEGIN
                    UPDATE providers SET user_count = user_count - 1 WHERE id = OLD.provider_id AND OLD.linked = 1;
                    UPDATE providers SET user_count = user_count + 1 WHERE id = NEW.provider_id AND NEW.linked = 1;
                END
                """,
                """
                CREATE TRIGGER users_count_delete AFTER DELETE ON users
                WHEN OLD.provider_id IS NOT NULL AND OLD.linked = 1
                BEGIN UPDATE providers SET user_count = user_count - 1 WHERE id = OLD.provider_id; END
                """,
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
                """
                CREATE TABLE sync_log (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    provider_id TEXT,
                    user_id TEXT,
                    user_name TEXT,
                    group_id TEXT,
                    action TEXT NOT NULL,
                    detail TEXT,
                    request_id TEXT
                )
                """,
                "CREATE INDEX sync_log_by_user ON sync_log(user_id, seq)",
                "CREATE INDEX sync_log_by_provider_action ON sync_log(provider_id, action, at)",
                "CREATE INDEX sync_log_by_action ON sync_log(action, seq)",
                "CREATE TRIGGER sync_log_no_update BEFORE UPDATE ON sync_log BEGIN SELECT RAISE(ABORT, 'the sync log is append-only'); END",
                "CREATE TRIGGER sync_log_no_delete BEFORE DELETE ON sync_log BEGIN SELECT RAISE(ABORT, 'the sync log is append-only'); END",
            ]),
    ]
}
