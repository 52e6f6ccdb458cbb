package import Foundation
package import Provisioning

/// Before-images of provider writes, what a revert reads: the document is the domain's, stored as it is.
extension SQLTransaction {
    package func appendBeforeImages(_ images: [BeforeImage]) async throws {
        for chunk in Self.chunks(images, limit: 64) {
            var arguments: [any SQLValueConvertible] = []
            for image in chunk {
                arguments += [
                    image.providerID, RowCoding.milliseconds(image.at), image.requestID,
                    RowCoding.document(image.change.document),
                ]
            }
            // Enqueued: on PostgreSQL it goes out with the write's other statements, in the same round trip.
            try await enqueue(
                "INSERT INTO before_images (provider_id, at, request_id, image) VALUES \(Self.rows("(?, ?, ?, ?)", chunk.count))",
                arguments)
        }
    }

    package func beforeImages(providerID: String, since: Date, after: Int64, limit: Int) async throws
        -> [BeforeImage]
    {
        try await fetchAll(
            """
            SELECT seq, at, request_id, image FROM before_images
            WHERE provider_id = ? AND at >= ? AND seq > ? ORDER BY seq LIMIT ?
            """, [providerID, RowCoding.milliseconds(since), after, Int64(clamping: limit)]
        ).compactMap { row in
            guard
                let change = BeforeImage.Change(
                    document: RowCoding.attributes(fromDocument: row[3]), providerID: providerID)
            else { return nil }
            return BeforeImage(
                sequence: row[0], at: RowCoding.date(row[1]), providerID: providerID, requestID: row[2],
                change: change)
        }
    }

    package func pruneBeforeImages(before cutoff: Date) async throws -> Int {
        try await execute("DELETE FROM before_images WHERE at < ?", [RowCoding.milliseconds(cutoff)])
    }
}
