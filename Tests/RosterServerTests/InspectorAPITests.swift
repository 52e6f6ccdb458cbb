import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Provisioning
import ProvisioningTesting
import RosterServer
import SCIM
import Testing

/// The request inspector and a provider's pause, through the router: what an IdP sent is kept (redacted) and
/// shown with the sync-log entries it caused; a paused provider's requests get 503 with `Retry-After`.
@Suite struct InspectorAPITests {
    static func withInspector(
        _ kind: StoreKind, options: RequestRecorder.Options = RequestRecorder.Options(),
        _ body: @Sendable (AdminAPITests.API, SCIMTestClient, String, RequestRecorder) async throws -> Void
    ) async throws {
        try await withStore(kind) { store in
            let accounts = AdminAccounts(store: store, bcryptCost: 4)
            try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
            let (_, token) = try await accounts.createToken(email: "root@example.com", name: "tests")
            let issued = try await AdminService(store: store).addProvider(name: "Okta")
            let recorder = RequestRecorder(store: store, options: options, logger: Logger(label: "test"))
            let app = Application(
                router: try buildRouter(
                    configuration: ServerConfiguration(
                        publicURL: "http://roster.test", bcryptCost: 4, failedAuthenticationDelay: .milliseconds(1)),
                    store: store, recorder: recorder))
            try await app.test(.router) { client in
                try await body(
                    AdminAPITests.API(client: client, token: token),
                    SCIMTestClient(client: client, provider: issued.provider, secret: issued.secret),
                    issued.provider.id, recorder)
            }
        }
    }

    /// Okta's create request (Okta SCIM 2.0 guide), with the password Okta sends when "sync password" is on.
    static let oktaCreate = """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com",
        "name":{"givenName":"Ann","familyName":"Lee"},"emails":[{"primary":true,"value":"ann@example.com",
        "type":"work"}],"displayName":"Ann Lee","active":true,"password":"1mz050nq"}
        """

    @Test(arguments: StoreKind.allCases)
    func keepsWhatTheIdPSentAndLinksItToTheSyncLog(_ kind: StoreKind) async throws {
        try await Self.withInspector(kind) { api, okta, pid, recorder in
            let created = try await okta.send(.post, "/Users", Self.oktaCreate)
            #expect(created.status == .created)
            try await okta.send(.get, "/Users?filter=userName%20eq%20%22ann%40example.com%22&startIndex=1&count=100")
            let conflict = try await okta.send(.post, "/Users", Self.oktaCreate)
            #expect(conflict.status == .conflict)
            try await okta.send(
                .patch, "/Users/\(created.id)",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
            )
            try await okta.send(.get, "/Users", authorized: false)
            #expect(try await recorder.flush() == 5)

            let list = try await api.send(.get, "/api/v1/providers/\(pid)/requests")
            #expect(list.status == .ok)
            let rows = list.json["requests"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(rows.map { $0["status"]?.intValue } == [401, 200, 409, 200, 201])
            #expect(rows.map { $0["method"]?.stringValue } == ["GET", "PATCH", "POST", "GET", "POST"])
            #expect(rows[2]["scimType"]?.stringValue == "uniqueness")
            #expect(rows[2]["detail"]?.stringValue?.contains("ann@example.com") == true)
            #expect(rows.dropFirst().allSatisfy { $0["userName"]?.stringValue == "ann@example.com" })
            #expect(rows[0]["requestBody"] == nil)  // lists carry no bodies

            let failed = try await api.send(.get, "/api/v1/providers/\(pid)/requests?failed=true")
            #expect(failed.json["requests"]?.arrayValue?.count == 2)
            let patches = try await api.send(
                .get, "/api/v1/providers/\(pid)/requests?method=patch&user=ANN@example.com&status=2xx")
            #expect(patches.json["requests"]?.arrayValue?.count == 1)
            let bad = try await api.send(.get, "/api/v1/providers/\(pid)/requests?status=6xx")
            #expect(bad.status == .badRequest)
            #expect(bad.json["error"]?.stringValue?.contains("'status'") == true)

            // The create: bodies side by side, the password redacted, and the sync-log entry of the same request.
            let sequence = rows[4]["sequence"]?.intValue ?? 0
            let one = try await api.send(.get, "/api/v1/providers/\(pid)/requests/\(sequence)")
            #expect(one.status == .ok)
            let requestBody = one.json["requestBody"]?.stringValue ?? ""
            #expect(!requestBody.contains("1mz050nq") && requestBody.contains(Redaction.marker))
            #expect(one.json["responseBody"]?.stringValue?.contains(created.id) == true)
            let changes = one.json["changes"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(changes.map { $0["action"]?.stringValue } == ["created"])
            #expect(changes.first?["requestId"] == one.json["requestId"])
            // The PATCH's changes: blocked and a deactivation scheduled.
            let patch = try await api.send(
                .get, "/api/v1/providers/\(pid)/requests/\(rows[1]["sequence"]?.intValue ?? 0)")
            let actions = patch.json["changes"]?.arrayValue?.compactMap { $0.objectValue?["action"]?.stringValue }
            #expect(actions == ["blocked", "deactivation-scheduled"])
            #expect(try await api.send(.get, "/api/v1/providers/\(pid)/requests/999999").status == .notFound)
            #expect(try await api.send(.get, "/api/v1/providers/nosuchprov1/requests").status == .notFound)
        }
    }

    /// The look-ups IdPs make before a push, in the bytes they send (idp-behaviour.md): Okta's percent-encoded
    /// filter with its paging, Entra's `+` for spaces. The inspector keeps the query as sent and finds the user in it.
    @Test func theUserOfAnIdPsLookUpIsFoundInItsQueryAsSent() async throws {
        try await Self.withInspector(.memory) { api, idp, pid, recorder in
            let okta = "filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100"
            let entra = "filter=userName+eq+%22alice%40example.com%22"
            #expect(try await idp.send(.get, "/Users?" + okta).status == .ok)
            #expect(try await idp.send(.get, "/Users?" + entra).status == .ok)
            try await recorder.flush()
            let rows =
                try await api.send(.get, "/api/v1/providers/\(pid)/requests").json["requests"]?.arrayValue?
                .compactMap(\.objectValue) ?? []
            #expect(rows.map { $0["query"] } == [.string(entra), .string(okta)])
            #expect(rows.map { $0["userName"] } == [.string("alice@example.com"), .string("test.user@okta.local")])
            let alice = try await api.send(.get, "/api/v1/providers/\(pid)/requests?user=alice%40example.com")
            #expect(alice.json["requests"]?.arrayValue?.count == 1)
        }
    }

    /// A body Roster could not parse is what an admin most needs to see: it is kept as sent (naming no redacted
    /// attribute), beside the 400 it got.
    @Test func aMalformedBodyIsKeptBesideItsError() async throws {
        try await Self.withInspector(.memory) { api, okta, pid, recorder in
            let bad = #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com",}"#
            #expect(try await okta.send(.post, "/Users", bad).status == .badRequest)
            try await recorder.flush()
            let rows = try await api.send(.get, "/api/v1/providers/\(pid)/requests")
            let sequence = rows.json["requests"]?.arrayValue?.first?.objectValue?["sequence"]?.intValue ?? 0
            let one = try await api.send(.get, "/api/v1/providers/\(pid)/requests/\(sequence)")
            #expect(one.json["status"]?.intValue == 400 && one.json["scimType"] == .string("invalidSyntax"))
            #expect(one.json["requestBody"] == .string(bad))
        }
    }

    @Test func recordingCanBeTurnedOffPerProvider() async throws {
        try await Self.withInspector(.memory) { api, okta, pid, recorder in
            let off = try await api.send(.patch, "/api/v1/providers/\(pid)", #"{"recordRequests":false}"#)
            #expect(off.status == .ok)
            #expect(off.json["recordRequests"] == .bool(false))
            #expect(try await okta.send(.post, "/Users", Self.oktaCreate).status == .created)
            #expect(try await recorder.flush() == 0)
            let list = try await api.send(.get, "/api/v1/providers/\(pid)/requests")
            #expect(list.json["requests"]?.arrayValue?.isEmpty == true)
            // Known to be off, its requests are not even captured; turned on again, the next read sees it.
            #expect(!recorder.records(pid))
            _ = try await api.send(.patch, "/api/v1/providers/\(pid)", #"{"recordRequests":true}"#)
            try await recorder.refresh()
            #expect(recorder.records(pid))
            let wrong = try await api.send(.patch, "/api/v1/providers/\(pid)", #"{"recordRequests":"no"}"#)
            #expect(wrong.status == .badRequest)
            #expect(wrong.json["error"]?.stringValue == "'recordRequests' must be a boolean, got string.")
        }
    }

    @Test func settingsBoundTheRingAndNameSensitiveAttributes() async throws {
        try await Self.withInspector(.sqlite) { api, okta, pid, recorder in
            let set = try await api.send(
                .patch, "/api/v1/settings",
                #"{"requestsKept":3,"failuresKept":1,"sensitiveAttributes":["phoneNumbers","employeeNumber"]}"#)
            #expect(set.status == .ok)
            #expect(set.json["requestsKept"]?.intValue == 3)
            #expect(set.json["sensitiveAttributes"] == ["phoneNumbers", "employeeNumber"])
            let tooMany = try await api.send(.patch, "/api/v1/settings", #"{"requestsKept":0}"#)
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.json["error"]?.stringValue?.contains("requestsKept") == true)
            let badName = try await api.send(.patch, "/api/v1/settings", #"{"sensitiveAttributes":["a b"]}"#)
            #expect(badName.status == .badRequest)

            try await okta.send(.get, "/Users/nosuchuser")  // a 404: the failure kept on top
            for n in 0..<5 {
                try await okta.send(
                    .post, "/Users",
                    #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u\#(n)@example.com","phoneNumbers":[{"value":"+1 555 010\#(n)"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E-77\#(n)"}}"#
                )
            }
            try await recorder.flush()
            let list = try await api.send(.get, "/api/v1/providers/\(pid)/requests")
            let rows = list.json["requests"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(rows.map { $0["status"]?.intValue } == [201, 201, 201, 404])
            let one = try await api.send(
                .get, "/api/v1/providers/\(pid)/requests/\(rows[0]["sequence"]?.intValue ?? 0)")
            let bodies = [one.json["requestBody"], one.json["responseBody"]].compactMap { $0?.stringValue }.joined()
            #expect(!bodies.contains("555 010") && !bodies.contains("E-77"))
            #expect(bodies.contains("u4@example.com"))
        }
    }

    @Test func strangersCannotFlushTheRing() async throws {
        var options = RequestRecorder.Options()
        options.unauthenticatedPerMinute = 5
        try await Self.withInspector(.memory, options: options) { api, okta, pid, recorder in
            for _ in 0..<20 {
                try await okta.send(
                    .post, "/Users", #"{"userName":"x@example.com","password":"guess"}"#,
                    headers: [.authorization: "Bearer wrong"])
            }
            try await recorder.flush()
            let list = try await api.send(.get, "/api/v1/providers/\(pid)/requests?limit=1000")
            let rows = list.json["requests"]?.arrayValue?.compactMap(\.objectValue) ?? []
            // 5 a minute, never all 20: 5 when the requests fell in one minute; 5 in the first and up to 5 in the
            // next when they straddled a minute's end (under load, the next may get fewer: only those left).
            let perMinute = Dictionary(grouping: rows) { $0["at"]?.stringValue?.prefix(16) ?? "" }.mapValues(\.count)
            #expect(rows.count >= 5 && rows.count <= 10 && perMinute.count <= 2, "\(perMinute)")
            #expect(perMinute.values.allSatisfy { $0 <= 5 }, "\(perMinute)")
            let one = try await api.send(
                .get, "/api/v1/providers/\(pid)/requests/\(rows[0]["sequence"]?.intValue ?? 0)")
            #expect(one.json["requestBody"] == .null)
            #expect(one.json["status"]?.intValue == 401)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPausedProviderIsAnswered503UntilResumed(_ kind: StoreKind) async throws {
        try await Self.withInspector(kind) { api, okta, pid, recorder in
            // A write just before the pause leaves the provider's credentials remembered for a second: the next
            // write skips reading them, and is refused inside its transaction.
            #expect(try await okta.send(.post, "/Users", UsersAPITests.user("early@example.com")).status == .created)
            let paused = try await api.send(.post, "/api/v1/providers/\(pid)/pause")
            #expect(paused.status == .ok)
            let raced = try await okta.send(.post, "/Users", UsersAPITests.user("raced@example.com"))
            #expect(raced.status == .serviceUnavailable)
            #expect(raced.headers[.retryAfter] == String(SCIMService.pausedRetryAfter))
            #expect(paused.json["pausedAt"]?.stringValue != nil)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/Users", nil), (.post, "/Users", Self.oktaCreate),
                (.post, "/Bulk", #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}"#),
            ] {
                let r = try await okta.send(method, path, body)
                #expect(r.status == .serviceUnavailable, "\(method) \(path)")
                #expect(r.headers[.retryAfter] == String(SCIMService.pausedRetryAfter))
                #expect(r.detail.contains("paused"))
            }
            // Wrong credentials still get 401: a pause tells nothing to strangers.
            let stranger = try await okta.send(.get, "/Users", headers: [.authorization: "Bearer wrong"])
            #expect(stranger.status == .unauthorized)
            let none = try await api.send(.get, "/api/v1/users")
            let names = none.json["users"]?.arrayValue?.compactMap { $0.objectValue?["userName"]?.stringValue }
            #expect(names == ["early@example.com"], "nothing written while paused")

            let resumed = try await api.send(.post, "/api/v1/providers/\(pid)/resume")
            #expect(resumed.json["pausedAt"] == .null)
            #expect(try await okta.send(.post, "/Users", Self.oktaCreate).status == .created)

            let log = try await api.send(.get, "/api/v1/sync-log?provider=\(pid)")
            let entries = log.json["entries"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let admin = entries.filter { ["provider-paused", "provider-resumed"].contains($0["action"]?.stringValue) }
            #expect(
                admin.map { $0["detail"]?.stringValue } == [
                    "resumed by root@example.com", "paused by root@example.com",
                ])
            // On PostgreSQL an event may show a moment after its commit (docs/events.md): read until both have.
            let types = try await StoreConformance.eventually {
                let events = try await api.send(.get, "/api/v1/events?after=0&types=provider.*")
                return events.json["events"]?.arrayValue?.compactMap { $0.objectValue?["type"]?.stringValue } ?? []
            } until: {
                $0.count >= 2
            }
            #expect(types == ["provider.paused", "provider.resumed"])
            // Pausing twice changes nothing.
            _ = try await api.send(.post, "/api/v1/providers/\(pid)/pause")
            _ = try await api.send(.post, "/api/v1/providers/\(pid)/pause")
            let again = try await api.send(.get, "/api/v1/sync-log?provider=\(pid)&action=provider-paused")
            #expect(again.json["entries"]?.arrayValue?.count == 2)
            _ = recorder
        }
    }
}

extension JSONValue {
    fileprivate var intValue: Int? {
        if case .int(let n) = self { return n }
        return nil
    }
}
