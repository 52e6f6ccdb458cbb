extension Sequence {
    /// `map` with an `async` transform, one element after the other (store reads in tests).
    package func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
