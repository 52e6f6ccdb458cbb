import Foundation

/// Before-images in memory, in the order written.
extension MemoryTransaction {
    func appendBeforeImages(_ images: [BeforeImage]) async throws {
        for var image in images {
            state.lastBeforeImageSequence += 1
            image.sequence = state.lastBeforeImageSequence
            state.beforeImages.append(image)
        }
    }

    func beforeImages(providerID: String, since: Date, after: Int64, limit: Int) async throws -> [BeforeImage] {
        Array(
            state.beforeImages.lazy.filter {
                $0.providerID == providerID && $0.at >= since && ($0.sequence ?? 0) > after
            }.prefix(limit))
    }

    func pruneBeforeImages(before cutoff: Date) async throws -> Int {
        let before = state.beforeImages.count
        state.beforeImages.removeAll { $0.at < cutoff }
        return before - state.beforeImages.count
    }
}
