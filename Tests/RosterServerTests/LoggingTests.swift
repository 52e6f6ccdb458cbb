import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Provisioning
import SCIM
import Synchronization
import Testing

@testable import RosterServer

/// Structured logs: request ids in responses, in the sync log and in JSON log lines.
@Suite struct LoggingTests {
    @Test(arguments: StoreKind.allCases)
    func everyResponseCarriesItsRequestIDAndTheSyncLogTheSame(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let okta = clients[0]
            let generated = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            let id = try #require(generated.headers[HTTPField.Name("X-Request-Id")!])
            #expect(!id.isEmpty)
            let failed = try await okta.send(.get, "/Users/nope")
            #expect(failed.status == .notFound && failed.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            // An IdP's own id is kept, and is what the sync log records for the change it made.
            let own = try await okta.send(
                .post, "/Users", UsersAPITests.user("bob@example.com"),
                headers: [HTTPField.Name("X-Request-Id")!: "okta-req-42.a_b"])
            #expect(own.headers[HTTPField.Name("X-Request-Id")!] == "okta-req-42.a_b")
            let entries = try await admin.syncLog(SyncLogQuery(limit: 10))
            #expect(entries.contains { $0.userName == "bob@example.com" && $0.requestID == "okta-req-42.a_b" })
            #expect(entries.contains { $0.userName == "ann@example.com" && $0.requestID == id })
            // A malformed one (spaces, too long) is replaced, never echoed.
            let hostile = try await okta.send(
                .get, "/Users?count=1", headers: [HTTPField.Name("X-Request-Id")!: "a b\"<script>"])
            #expect(hostile.headers[HTTPField.Name("X-Request-Id")!] != "a b\"<script>")
        }
    }

    @Test func jsonLinesHaveEveryFieldEscaped() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "roster") {
            JSONLogHandler(label: $0) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "hb.request.id"] = "r1"
        logger.info("GET /x 200 1.0ms \"quoted\"\n", metadata: ["status": "200", "duration_ms": "1.0"])
        let line = try #require(lines.withLock { $0.first })
        let object = try #require(try JSONValue(parsing: line).objectValue)
        #expect(object["level"] == "info")
        #expect(object["label"] == "roster")
        #expect(object["message"] == "GET /x 200 1.0ms \"quoted\"\n")
        #expect(object["hb.request.id"] == "r1")
        #expect(object["status"] == "200")
        #expect(object["ts"]?.stringValue?.hasSuffix("Z") == true)
        #expect(!line.contains("\n"))
    }

    /// An error logged with a line reaches the JSON line as `error.message` and `error.type`.
    @Test func jsonLinesCarryTheError() throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "roster") {
            JSONLogHandler(label: $0) { line in lines.withLock { $0.append(line) } }
        }
        logger.error("write failed", error: Failure())
        let line = try #require(lines.withLock { $0.first })
        let object = try #require(try JSONValue(parsing: line).objectValue)
        #expect(object["message"] == "write failed")
        #expect(object["error.message"] == "disk full")
        #expect(object["error.type"]?.stringValue?.hasSuffix("Failure") == true)
    }

    /// The default text lines keep swift-log's `StreamLogHandler` layout: local time, level, label, the metadata
    /// sorted by key (the logger's, the line's, an error's), the source, then the message.
    @Test func textLinesHaveStreamLogHandlersLayout() throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "roster") {
            TextLogHandler(label: $0) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "hb.request.id"] = "r1"
        logger.info("GET /x 200 1.0ms", metadata: ["status": "200"])
        logger.warning("no metadata of its own")
        logger.error("write failed", error: Failure())
        logger[metadataKey: "hb.request.id"] = nil
        logger.info("bare")
        let written = lines.withLock { $0 }
        #expect(written.count == 4)
        let pattern = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#)
        #expect(written.allSatisfy { $0.prefixMatch(of: pattern) != nil && $0.hasSuffix("\n") })
        #expect(
            written[0].hasSuffix(" info roster: hb.request.id=r1 status=200 [RosterServerTests] GET /x 200 1.0ms\n"))
        #expect(written[1].hasSuffix(" warning roster: hb.request.id=r1 [RosterServerTests] no metadata of its own\n"))
        #expect(written[2].contains(" error roster: error.message=disk full error.type="))
        #expect(written[2].contains("hb.request.id=r1 [RosterServerTests] write failed\n"))
        #expect(written[3].hasSuffix(" info roster: [RosterServerTests] bare\n"))
    }
}
