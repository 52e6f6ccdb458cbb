/// The database schema, as numbered migrations shared by the SQL stores. A migration never changes once
/// released; new needs get a new migration.
///
/// Layout: users and groups keep their SCIM attributes as a JSON document beside the columns that queries need
/// indexed (`user_name_lower`, `external_id`, `display_name_lower`, ...). Memberships are rows
/// (`group_members`), so changing one member of a large group touches one row. Timestamps are milliseconds since
/// 1970. `seq` gives every resource a stable order for paging.
package enum Migrations {
    /// A named migration and its statements for one dialect.
    package struct Migration: Sendable {
        package var identifier: String
        package var statements: [String]
    }

    /// The migrations in order, for a dialect. Both dialects get the same tables, columns and indexes from one
    /// text; ``DDL`` words the few things that differ (integer and key types, triggers).
    package static func all(for dialect: SQLDialect) -> [Migration] {
        let t = DDL(dialect: dialect)
        return scim(t) + platform(t) + organizations(t) + admins(t) + paging(t) + dataPolicy(t) + credentials(t)
            + counts(t) + events(t) + webhooks(t) + inspector(t) + revert(t) + eventOrder(t)
    }

    static func scim(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v1-scim",
                statements: [
                    """
                    CREATE TABLE providers (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        username TEXT NOT NULL UNIQUE,
                        secret_hash TEXT NOT NULL,
                        deactivation_delay_seconds \(t.integer) NOT NULL,
                        guard_enabled \(t.integer) NOT NULL DEFAULT 1,
                        guard_percent \(t.integer) NOT NULL DEFAULT 10,
                        guard_minimum \(t.integer) NOT NULL DEFAULT 10,
                        guard_tripped_at \(t.integer),
                        user_count \(t.integer) NOT NULL DEFAULT 0,
                        user_name_format TEXT NOT NULL DEFAULT 'email',
                        created_at \(t.integer) NOT NULL,
                        updated_at \(t.integer) NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE users (
                        \(t.sequence),
                        id TEXT NOT NULL UNIQUE,
                        provider_id TEXT,
                        linked \(t.integer) NOT NULL DEFAULT 1,
                        user_name TEXT NOT NULL,
                        user_name_lower TEXT NOT NULL UNIQUE,
                        external_id TEXT,
                        display_name TEXT,
                        scim_active \(t.integer) NOT NULL DEFAULT 1,
                        status TEXT NOT NULL,
                        admin_blocked \(t.integer) NOT NULL DEFAULT 0,
                        deactivation_due_at \(t.integer),
                        held TEXT,
                        legal_hold \(t.integer) NOT NULL DEFAULT 0,
                        legal_hold_matter TEXT,
                        doc TEXT NOT NULL,
                        version \(t.integer) NOT NULL,
                        created_at \(t.integer) NOT NULL,
                        updated_at \(t.integer) NOT NULL
                    )
                    """,
                    "CREATE INDEX users_by_provider ON users(provider_id, linked, seq)",
                    "CREATE INDEX users_by_external_id ON users(provider_id, external_id)",
                    "CREATE INDEX users_deactivation_due ON users(deactivation_due_at) WHERE deactivation_due_at IS NOT NULL",
                    "CREATE INDEX users_held ON users(provider_id) WHERE held IS NOT NULL",
                    """
                    CREATE TABLE groups (
                        \(t.sequence),
                        id TEXT NOT NULL UNIQUE,
                        provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                        display_name TEXT NOT NULL,
                        display_name_lower TEXT NOT NULL,
                        external_id TEXT,
                        doc TEXT NOT NULL,
                        member_count \(t.integer) NOT NULL DEFAULT 0,
                        version \(t.integer) NOT NULL,
                        created_at \(t.integer) NOT NULL,
                        updated_at \(t.integer) NOT NULL,
                        UNIQUE (provider_id, display_name_lower)
                    )
                    """,
                    "CREATE INDEX groups_by_provider ON groups(provider_id, seq)",
                    """
                    CREATE TABLE group_members (
                        group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        seq \(t.integer) NOT NULL,
                        display TEXT,
                        PRIMARY KEY (group_id, user_id)
                    )\(t.withoutRowID)
                    """,
                    "CREATE INDEX group_members_by_user ON group_members(user_id)",
                    "CREATE INDEX group_members_by_group_seq ON group_members(group_id, seq)",
                    "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
                    """
                    CREATE TABLE sync_log (
                        \(t.sequence),
                        at \(t.integer) NOT NULL,
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
                ] + t.scimTriggers)
        ]
    }
}

/// How the schema's text differs between the dialects.
struct DDL {
    let dialect: SQLDialect

    /// Integers, booleans (0/1) and millisecond timestamps: SQLite's INTEGER is 64-bit; PostgreSQL's is not.
    var integer: String { dialect == .sqlite ? "INTEGER" : "BIGINT" }

    /// The `seq` column that orders a table's rows by insertion, for stable paging.
    var sequence: String {
        dialect == .sqlite
            ? "seq INTEGER PRIMARY KEY AUTOINCREMENT" : "seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    }

    /// Membership tables are their primary key only (SQLite stores them as a B-tree on the key).
    var withoutRowID: String { dialect == .sqlite ? " WITHOUT ROWID" : "" }

    var nowMilliseconds: String {
        dialect == .sqlite
            ? "CAST(strftime('%s', 'now') AS INTEGER) * 1000" : "CAST(extract(epoch FROM now()) * 1000 AS BIGINT)"
    }

    /// `providers.user_count` (the linked users of each provider, kept by triggers so that an unfiltered list, on
    /// every page of an IdP's import, does not count the provider's users each time), and the sync log's
    /// append-only guard.
    var scimTriggers: [String] {
        switch dialect {
        case .sqlite:
            [
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
                "CREATE TRIGGER sync_log_no_update BEFORE UPDATE ON sync_log BEGIN SELECT RAISE(ABORT, 'the sync log is append-only'); END",
                "CREATE TRIGGER sync_log_no_delete BEFORE DELETE ON sync_log BEGIN SELECT RAISE(ABORT, 'the sync log is append-only'); END",
            ]
        case .postgres:
            [
                """
                CREATE FUNCTION roster_users_count() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND OLD.linked IS NOT DISTINCT FROM NEW.linked
                        AND OLD.provider_id IS NOT DISTINCT FROM NEW.provider_id THEN
                        RETURN NULL;
                    END IF;
                    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.provider_id IS NOT NULL AND OLD.linked = 1 THEN
                        UPDATE providers SET user_count = user_count - 1 WHERE id = OLD.provider_id;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.provider_id IS NOT NULL AND NEW.linked = 1 THEN
                        UPDATE providers SET user_count = user_count + 1 WHERE id = NEW.provider_id;
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER users_count AFTER INSERT OR DELETE OR UPDATE OF linked, provider_id ON users
                FOR EACH ROW EXECUTE FUNCTION roster_users_count()
                """,
                """
                CREATE FUNCTION roster_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the sync log is append-only'; END $$
                """,
                """
                CREATE TRIGGER sync_log_append_only BEFORE UPDATE OR DELETE ON sync_log
                FOR EACH ROW EXECUTE FUNCTION roster_append_only()
                """,
            ]
        }
    }
}
