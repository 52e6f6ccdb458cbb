import Foundation
import Testing

@testable import Provisioning

@Suite struct ResourceIDTests {
    /// RFC 9562 Appendix A.6: 2022-02-22 14:22:22 at UTC-05:00 is Unix time 1645557742000 ms, which UUIDv7
    /// `017F22E2-79B0-7CC3-98C4-DC0C0C07398F` carries in its first 48 bits.
    @Test func theFirst48BitsAreTheUnixTimeInMillisecondsAsInRFC9562Example() {
        let id = ResourceID.generate(at: Date(timeIntervalSince1970: 1_645_557_742))
        #expect(id.hasPrefix("017f22e2-79b0-7"))
    }

    @Test func idsAreLowercaseVersion7UUIDs() throws {
        for _ in 0..<500 {
            let id = ResourceID.generate()
            #expect(id.count == 36)
            #expect(id == id.lowercased())
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect([8, 13, 18, 23].allSatisfy { characters[$0] == "-" })
            #expect(characters[14] == "7")  // version
            #expect("89ab".contains(characters[19]))  // variant 10xx
        }
    }

    /// Later ids sort after earlier ones (as text too), so that inserts land at the end of indexes keyed by id.
    @Test func idsOfLaterMillisecondsSortAfterEarlierOnes() {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let ids = (0..<1000).map { ResourceID.generate(at: start.addingTimeInterval((Double($0) + 0.5) / 1000)) }
        #expect(ids == ids.sorted())
    }

    @Test func idsOfTheSameMillisecondAreDistinct() {
        let now = Date()
        let ids = (0..<10_000).map { _ in ResourceID.generate(at: now) }
        #expect(Set(ids).count == ids.count)
    }
}
