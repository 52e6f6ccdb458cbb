package import Foundation

/// The before-images of provider writes (``BeforeImage``), what a revert reads. Part of ``StoreTransaction``.
package protocol RevertTransaction {
    /// Appends before-images (their `sequence` is assigned by the store).
    func appendBeforeImages(_ images: [BeforeImage]) async throws
    /// A provider's images recorded at or after `since` with a sequence above `after`, in sequence order, at most
    /// `limit` (a revert pages through them).
    func beforeImages(providerID: String, since: Date, after: Int64, limit: Int) async throws -> [BeforeImage]
    /// Deletes the images recorded before `cutoff` (the events' retention: how far back a revert reaches);
    /// returns how many.
    func pruneBeforeImages(before cutoff: Date) async throws -> Int
}
