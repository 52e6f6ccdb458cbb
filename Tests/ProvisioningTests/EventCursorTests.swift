import Foundation
import Provisioning
import Testing

/// ``EventCursor``'s text, as the feed's `next` and `after` and a webhook's cursor carry it, and its order.
struct EventCursorTests {
    @Test func readsWhatItWrites() {
        #expect(EventCursor("0") == .start)
        #expect(EventCursor("1042") == EventCursor(transaction: 0, sequence: 1042))
        #expect(EventCursor("7731.1042") == EventCursor(transaction: 7731, sequence: 1042))
        // Cursors kept before transactions ordered the feed are numbers: they mean what they meant.
        #expect(EventCursor(transaction: 0, sequence: 1042).description == "1042")
        #expect(EventCursor(transaction: 7731, sequence: 1042).description == "7731.1042")
        for cursor in [
            EventCursor.start, 5, EventCursor(transaction: 9, sequence: 3),
            EventCursor(transaction: .max, sequence: .max),
        ] {
            #expect(EventCursor(cursor.description) == cursor)
        }
    }

    @Test(arguments: [
        "", "-1", "+1", " 1", "1 ", "1.", ".1", "1.2.3", "a", "1.a", "0x10", "١٢", "99999999999999999999",
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(EventCursor(text) == nil)
    }

    @Test func ordersByTransactionThenSequence() {
        let cursors: [EventCursor] = [
            EventCursor(transaction: 0, sequence: 900), EventCursor(transaction: 5, sequence: 20),
            EventCursor(transaction: 5, sequence: 21), EventCursor(transaction: 6, sequence: 1),
        ]
        #expect(cursors == cursors.shuffled().sorted())
        #expect(EventCursor.start < cursors[0])
    }

    @Test func aHoldSaysWhatWaitsAndHowToEndIt() {
        let oldest = Date(timeIntervalSince1970: 1_796_000_000)
        let hold = FeedHold(
            events: 12, oldest: oldest, holder: .init(pid: 4242, seconds: 95, query: "UPDATE users SET …"))
        #expect(hold.description.hasPrefix("12 committed event(s) since \(Timestamp.format(oldest))"))
        #expect(hold.description.contains("pid 4242, open for 95 s, last statement: UPDATE users SET …"))
        #expect(hold.description.contains("SELECT pg_terminate_backend(4242)"))
        let unseen = FeedHold(events: 1, oldest: oldest, holder: nil)
        #expect(unseen.description.contains("does not show in pg_stat_activity"))
    }
}
