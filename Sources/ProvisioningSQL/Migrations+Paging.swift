extension Migrations {
    /// Deep pages in constant time. `user_pages` counts each provider's linked users per block of 1,024 `seq`
    /// values, kept by triggers, so that a page at `startIndex` 900,000 finds its block by summing about a
    /// thousand counts and skips at most 1,023 rows, instead of walking 900,000 index entries (`OFFSET`).
    static func paging(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v4-paging",
                statements: [
                    """
                    CREATE TABLE user_pages (
                        provider_id TEXT NOT NULL,
                        block \(t.integer) NOT NULL,
                        users \(t.integer) NOT NULL,
                        PRIMARY KEY (provider_id, block)
                    )\(t.withoutRowID)
                    """,
                    """
                    INSERT INTO user_pages (provider_id, block, users)
                    SELECT provider_id, seq / \(pageBlock), COUNT(*) FROM users
                    WHERE provider_id IS NOT NULL AND linked = 1 GROUP BY provider_id, seq / \(pageBlock)
                    """,
                ] + t.pagingTriggers)
        ]
    }

    /// How many `seq` values one `user_pages` block covers.
    package static let pageBlock = 1024
}

extension DDL {
    var pagingTriggers: [String] {
        let add = """
            INSERT INTO user_pages (provider_id, block, users) VALUES (NEW.provider_id, NEW.seq / \(Migrations.pageBlock), 1)
            ON CONFLICT (provider_id, block) DO UPDATE SET users = user_pages.users + 1
            """
        let remove = """
            UPDATE user_pages SET users = users - 1
            WHERE provider_id = OLD.provider_id AND block = OLD.seq / \(Migrations.pageBlock)
            """
        switch dialect {
        case .sqlite:
            return [
                """
                CREATE TRIGGER user_pages_insert AFTER INSERT ON users
                WHEN NEW.provider_id IS NOT NULL AND NEW.linked = 1
                BEGIN \(add); END
                """,
                """
                CREATE TRIGGER user_pages_unlink AFTER UPDATE OF linked, provider_id ON users
                WHEN OLD.provider_id IS NOT NULL AND OLD.linked = 1
                    AND (NEW.linked IS NOT 1 OR NEW.provider_id IS NOT OLD.provider_id)
                BEGIN \(remove); END
                """,
                """
                CREATE TRIGGER user_pages_link AFTER UPDATE OF linked, provider_id ON users
                WHEN NEW.provider_id IS NOT NULL AND NEW.linked = 1
                    AND (OLD.linked IS NOT 1 OR OLD.provider_id IS NOT NEW.provider_id)
                BEGIN \(add); END
                """,
                """
                CREATE TRIGGER user_pages_delete AFTER DELETE ON users
                WHEN OLD.provider_id IS NOT NULL AND OLD.linked = 1
                BEGIN \(remove); END
                """,
            ]
        case .postgres:
            return [
                """
                CREATE FUNCTION roster_user_pages() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.provider_id IS NOT NULL AND OLD.linked = 1
                        AND (TG_OP = 'DELETE' OR NEW.linked IS DISTINCT FROM 1
                             OR NEW.provider_id IS DISTINCT FROM OLD.provider_id) THEN
                        \(remove);
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.provider_id IS NOT NULL AND NEW.linked = 1
                        AND (TG_OP = 'INSERT' OR OLD.linked IS DISTINCT FROM 1
                             OR OLD.provider_id IS DISTINCT FROM NEW.provider_id) THEN
                        \(add);
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER user_pages AFTER INSERT OR DELETE OR UPDATE OF linked, provider_id ON users
                FOR EACH ROW EXECUTE FUNCTION roster_user_pages()
                """,
            ]
        }
    }
}
