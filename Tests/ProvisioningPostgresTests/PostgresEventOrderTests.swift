import Foundation
import Logging
import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
import ProvisioningSQL
import ProvisioningTesting
import SCIM
import Synchronization
import Testing

/// The feed's order on PostgreSQL without a lock (``EventCursor``): two transactions that commit their events out
/// of sequence order. The old order (sequence numbers alone) would have let a reader pass the lower number before
/// it committed; the feed instead holds a later transaction's events back until every older one has finished.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresEventOrderTests {
    static func event(_ name: String) -> ProvisioningEvent {
        ProvisioningEvent(type: .userUpdated, at: Date(), userID: name, data: [:])
    }

    /// The id of the running transaction (sending what it has enqueued first). The store opens a write
    /// transaction at its first change, so call it after one.
    static func transactionID(_ tx: any StoreTransaction) async throws -> Int64 {
        let sql = try #require(tx as? SQLTransaction)
        let row = try #require(try await sql.fetchAll("SELECT pg_current_xact_id()::text::bigint").first)
        return row[0]
    }

    /// `older` makes a change (which gives it its transaction id) and stays open; `newer` then appends an event (the lower sequence number)
    /// and commits; `older` appends its own (the higher number) and commits last.
    @Test func aNewerTransactionsEventWaitsForTheOlderOne() async throws {
        try await PostgresTesting.withStore { store in
            let older = Gate()
            let newerDone = Gate()
            let olderSession = Mutex<Int64>(0)
            async let olderID: Int64 = store.withTransaction { tx in
                try await tx.setSetting("event_order_test", "older")
                let id = try await Self.transactionID(tx)
                let sql = try #require(tx as? SQLTransaction)
                let pid: Int64 = try #require(try await sql.fetchAll("SELECT pg_backend_pid()").first)[0]
                olderSession.withLock { $0 = pid }
                older.open()
                await newerDone.wait()
                try await tx.appendEvents([Self.event("older")])
                return id
            }
            await older.wait()
            let newerID = try await store.withTransaction { tx in
                try await tx.appendEvents([Self.event("newer")])
                return try await Self.transactionID(tx)
            }
            // The newer event is committed, but an older transaction still runs: a reader sees nothing yet, and
            // the newest position it may start from is still the beginning.
            let early = try await store.read { tx in try await tx.events(EventQuery()) }
            #expect(early.isEmpty, "\(early.map(\.userID))")
            #expect(try await store.read { tx in try await tx.lastEventCursor() } == .start)
            // What holds it back, as the scheduler's sweep warns of it.
            let hold = try #require(try await store.read { tx in try await tx.feedHold() })
            let pid = olderSession.withLock { $0 }
            #expect(hold.events == 1 && hold.holder?.pid == Int(pid))
            #expect(hold.holder?.query.contains("pg_backend_pid") == true, "\(hold)")
            #expect(hold.description.contains("pg_terminate_backend(\(pid))"))
            // The feed reports it once it is older than asked; the scheduler's sweep warns of it after a minute.
            let later = Date().addingTimeInterval(120)
            #expect(try await EventFeed(store: store).hold(olderThan: 60) == nil)
            #expect(try await EventFeed(store: store, now: { later }).hold(olderThan: 60)?.holder?.pid == Int(pid))
            let recorder = LogRecorder()
            let sweep = Task {
                try await DeactivationScheduler(
                    store: store, clock: ContinuousClock(), now: { later },
                    logger: Logger(label: "test") { _ in recorder }
                ).run()
            }
            _ = try await StoreConformance.eventually {
                recorder.lines
            } until: { lines in
                lines.contains { $0.message.hasPrefix("Event feed held back") }
            }
            sweep.cancel()
            try await sweep.value
            let warning = recorder.lines.first { $0.message.hasPrefix("Event feed held back") }
            #expect(warning?.level == .warning)
            #expect(warning?.message.contains("pid \(pid)") == true, "\(recorder.lines.map(\.message))")
            newerDone.open()
            let olderTransaction = try await olderID
            #expect(olderTransaction < newerID)

            let readEvents = { try await store.read { tx in try await tx.events(EventQuery()) } }
            let events = try await StoreConformance.eventually(readEvents, until: { $0.count >= 2 })
            // In transaction order, though the newer one's sequence number is the lower.
            #expect(events.map(\.userID) == ["older", "newer"])
            #expect(events.map(\.transaction) == [olderTransaction, newerID])
            let sequences = events.compactMap(\.sequence)
            #expect(sequences.count == 2 && sequences[0] > sequences[1])
            #expect(events.compactMap(\.cursor) == events.compactMap(\.cursor).sorted())
            let readLast = { try await store.read { tx in try await tx.lastEventCursor() } }
            #expect(
                try await StoreConformance.eventually(readLast, until: { $0 == events.last?.cursor })
                    == events.last?.cursor)
            let readHold = { try await store.read { tx in try await tx.feedHold() } }
            #expect(try await StoreConformance.eventually(readHold, until: { $0 == nil }) == nil)
            // Each position's text reads back as itself.
            for cursor in events.compactMap(\.cursor) {
                #expect(cursor.description == "\(cursor.transaction).\(cursor.sequence)")
                #expect(EventCursor(cursor.description) == cursor)
            }
        }
    }
}

/// Events written before the feed was ordered by transaction (`tx` 0, as the migration leaves them) come before
/// every later one whatever their sequence numbers, and a numeric cursor saved then still means what it meant.
@Suite(.enabled(if: PostgresTesting.enabled, "set ROSTER_TEST_POSTGRES_URL to run the PostgreSQL tests"))
struct PostgresEventUpgradeTests {
    @Test func eventsFromBeforeTheMigrationComeFirst() async throws {
        try await PostgresTesting.withStore { store in
            try await store.withTransaction { tx in try await tx.appendEvents([PostgresEventOrderTests.event("new")]) }
            // A row as the build before wrote it, here with the higher sequence number.
            try await store.withTransaction { tx in
                let sql = try #require(tx as? SQLTransaction)
                _ = try await sql.execute(
                    "INSERT INTO events (tx, id, type, at, user_id, data) VALUES (0, 'evt_old', 'user.updated', 0, 'old', '{}')"
                )
            }
            let readAll = { try await store.read { tx in try await tx.events(EventQuery()) } }
            let all = try await StoreConformance.eventually(readAll, until: { $0.count >= 2 })
            #expect(all.map(\.userID) == ["old", "new"])
            let old = try #require(all.first?.cursor)
            let new = try #require(all.last?.cursor)
            #expect(old.transaction == 0 && new.transaction > 0 && old.sequence > new.sequence)
            // The old event's cursor is a bare number, as readers saved it; after it comes the new event alone.
            #expect(old.description == String(old.sequence))
            let saved = try #require(EventCursor(String(old.sequence)))
            let readAfter = { try await store.read { tx in try await tx.events(EventQuery(after: saved)) } }
            let after = try await StoreConformance.eventually(readAfter, until: { !$0.isEmpty })
            #expect(after.map(\.userID) == ["new"])
        }
    }
}

/// Opens once; waiters before and after go on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
