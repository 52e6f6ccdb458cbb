extension Migrations {
    /// Counts that concurrent inserts do not queue on. A provider's linked users were counted in one column of its
    /// row and in one `user_pages` row per block of 1,024 `seq` values; on PostgreSQL every insert of a provider's
    /// user then locked those two rows until its commit, so a provider's inserts ran one after the other however
    /// many ran at once. Both counts are now spread over ``countShards`` rows, chosen by the user's `seq` (users
    /// inserted one after the other land on different rows): `provider_user_counts` per provider, and
    /// `user_pages` per block. A count sums its shards (16 rows for a provider; a block's shards for paging).
    static func counts(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v7-concurrent-counts",
                statements: t.dropCountTriggers + [
                    """
                    CREATE TABLE provider_user_counts (
                        provider_id TEXT NOT NULL,
                        shard \(t.integer) NOT NULL,
                        users \(t.integer) NOT NULL,
                        PRIMARY KEY (provider_id, shard)
                    )\(t.withoutRowID)
                    """,
                    """
                    INSERT INTO provider_user_counts (provider_id, shard, users)
                    SELECT provider_id, seq % \(countShards), COUNT(*) FROM users
                    WHERE provider_id IS NOT NULL AND linked = 1 GROUP BY provider_id, seq % \(countShards)
                    """,
                    "ALTER TABLE providers DROP COLUMN user_count",
                    "DROP TABLE user_pages",
                    """
                    CREATE TABLE user_pages (
                        provider_id TEXT NOT NULL,
                        block \(t.integer) NOT NULL,
                        shard \(t.integer) NOT NULL,
                        users \(t.integer) NOT NULL,
                        PRIMARY KEY (provider_id, block, shard)
                    )\(t.withoutRowID)
                    """,
                    """
                    INSERT INTO user_pages (provider_id, block, shard, users)
                    SELECT provider_id, seq / \(pageBlock), seq % \(countShards), COUNT(*) FROM users
                    WHERE provider_id IS NOT NULL AND linked = 1 GROUP BY provider_id, seq / \(pageBlock), seq % \(countShards)
                    """,
                ] + t.countTriggers)
        ]
    }

    /// How many rows each count is spread over.
    package static let countShards = 16

    /// The tables the triggers of a table write (``DDL/countTriggers``'s), for PostgreSQL's statement coalescing: a
    /// statement on `users` also changes these. `PostgresTriggerTests` reads the triggers from the database and
    /// fails when one writes a table not named here.
    package static let tablesWrittenByTriggers: [String: Set<String>] = [
        "users": ["provider_user_counts", "user_pages"]
    ]
}

extension DDL {
    /// The triggers of `v1-scim` and `v4-paging` that kept the unsharded counts.
    var dropCountTriggers: [String] {
        switch dialect {
        case .sqlite:
            [
                "DROP TRIGGER users_count_insert", "DROP TRIGGER users_count_update", "DROP TRIGGER users_count_delete",
                "DROP TRIGGER user_pages_insert", "DROP TRIGGER user_pages_unlink", "DROP TRIGGER user_pages_link",
                "DROP TRIGGER user_pages_delete",
            ]
        case .postgres:
            [
                "DROP TRIGGER users_count ON users", "DROP FUNCTION roster_users_count()",
                "DROP TRIGGER user_pages ON users", "DROP FUNCTION roster_user_pages()",
            ]
        }
    }

    /// Keeps `provider_user_counts` and `user_pages` as linked users come and go (inserted, unlinked, linked to
    /// another provider, deleted).
    var countTriggers: [String] {
        let shards = Migrations.countShards
        let block = Migrations.pageBlock
        func add(_ row: String) -> [String] {
            [
                """
                INSERT INTO provider_user_counts (provider_id, shard, users) VALUES (\(row).provider_id, \(row).seq % \(shards), 1)
                ON CONFLICT (provider_id, shard) DO UPDATE SET users = provider_user_counts.users + 1
                """,
                """
                INSERT INTO user_pages (provider_id, block, shard, users)
                VALUES (\(row).provider_id, \(row).seq / \(block), \(row).seq % \(shards), 1)
                ON CONFLICT (provider_id, block, shard) DO UPDATE SET users = user_pages.users + 1
                """,
            ]
        }
        func remove(_ row: String) -> [String] {
            [
                """
                UPDATE provider_user_counts SET users = users - 1
                WHERE provider_id = \(row).provider_id AND shard = \(row).seq % \(shards)
                """,
                """
                UPDATE user_pages SET users = users - 1
                WHERE provider_id = \(row).provider_id AND block = \(row).seq / \(block) AND shard = \(row).seq % \(shards)
                """,
            ]
        }
        switch dialect {
        case .sqlite:
            return [
                """
                CREATE TRIGGER user_counts_insert AFTER INSERT ON users
                WHEN NEW.provider_id IS NOT NULL AND NEW.linked = 1
                BEGIN \(add("NEW").joined(separator: "; ")); END
                """,
                """
                CREATE TRIGGER user_counts_unlink AFTER UPDATE OF linked, provider_id ON users
                WHEN OLD.provider_id IS NOT NULL AND OLD.linked = 1
                    AND (NEW.linked IS NOT 1 OR NEW.provider_id IS NOT OLD.provider_id)
                BEGIN \(remove("OLD").joined(separator: "; ")); END
                """,
                """
                CREATE TRIGGER user_counts_link AFTER UPDATE OF linked, provider_id ON users
                WHEN NEW.provider_id IS NOT NULL AND NEW.linked = 1
                    AND (OLD.linked IS NOT 1 OR OLD.provider_id IS NOT NEW.provider_id)
                BEGIN \(add("NEW").joined(separator: "; ")); END
                """,
                """
                CREATE TRIGGER user_counts_delete AFTER DELETE ON users
                WHEN OLD.provider_id IS NOT NULL AND OLD.linked = 1
                BEGIN \(remove("OLD").joined(separator: "; ")); END
                """,
            ]
        case .postgres:
            return [
                """
                CREATE FUNCTION roster_user_counts() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.provider_id IS NOT NULL AND OLD.linked = 1
                        AND (TG_OP = 'DELETE' OR NEW.linked IS DISTINCT FROM 1
                             OR NEW.provider_id IS DISTINCT FROM OLD.provider_id) THEN
                        \(remove("OLD").joined(separator: ";\n"));
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.provider_id IS NOT NULL AND NEW.linked = 1
                        AND (TG_OP = 'INSERT' OR OLD.linked IS DISTINCT FROM 1
                             OR OLD.provider_id IS DISTINCT FROM NEW.provider_id) THEN
                        \(add("NEW").joined(separator: ";\n"));
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER user_counts AFTER INSERT OR DELETE OR UPDATE OF linked, provider_id ON users
                FOR EACH ROW EXECUTE FUNCTION roster_user_counts()
                """,
            ]
        }
    }
}
