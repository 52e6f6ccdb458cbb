/// One page of a list query.
package struct Page<Element: Sendable>: Sendable {
    package var totalResults: Int
    package var items: [Element]
    package init(totalResults: Int, items: [Element]) {
        self.totalResults = totalResults
        self.items = items
    }
}
