/// One page of a list query.
public struct Page<Element: Sendable>: Sendable {
    public var totalResults: Int
    public var items: [Element]
    public init(totalResults: Int, items: [Element]) {
        self.totalResults = totalResults
        self.items = items
    }
}
