extension Migrations {
    /// Before-images of provider writes (``RevertTransaction``): a revert reads a provider's since an instant, in
    /// sequence order, through `before_images_by_provider`; pruning reads `before_images_by_time`.
    static func revert(_ t: DDL) -> [Migration] {
        [
            Migration(
                identifier: "v11-revert",
                statements: [
                    """
                    CREATE TABLE before_images (
                        \(t.sequence),
                        provider_id TEXT NOT NULL,
                        at \(t.integer) NOT NULL,
                        request_id TEXT,
                        image TEXT NOT NULL
                    )
                    """,
                    "CREATE INDEX before_images_by_provider ON before_images(provider_id, at, seq)",
                    "CREATE INDEX before_images_by_time ON before_images(at)",
                ])
        ]
    }
}
