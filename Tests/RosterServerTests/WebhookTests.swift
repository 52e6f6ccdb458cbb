import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Provisioning
import ProvisioningTesting
import SCIM
import Synchronization
import Testing

@testable import RosterServer

/// Webhooks: Standard Webhooks signatures, the URL policy, and delivery over real HTTP to a local receiver, on
/// every store: in order, at least once, with backoff, disabling and resuming, one instance per endpoint.
@Suite struct WebhookTests {
    /// What a receiver got: each request's headers and body, and how many it answered 503 before accepting.
    final class Received: Sendable {
        struct Request: Sendable {
            var id: String
            var timestamp: String
            var signature: String
            var body: [UInt8]
            var status: Int
        }
        let requests = Mutex<[Request]>([])
        let failFirst: Int
        init(failFirst: Int) { self.failFirst = failFirst }

        /// Records a request and says which status to answer.
        func take(_ request: Request) -> Int {
            requests.withLock { all in
                var r = request
                r.status = all.count < failFirst ? 503 : 200
                all.append(r)
                return r.status
            }
        }

        /// The accepted deliveries' events, first acceptance of each id, in the order they arrived.
        var accepted: [Request] {
            var seen = Set<String>()
            return requests.withLock { $0 }.filter { $0.status == 200 && seen.insert($0.id).inserted }
        }
    }

    /// Runs a local HTTP receiver (a real socket) and passes its URL.
    func withReceiver(
        failFirst: Int = 0, _ body: @Sendable (String, Received, HTTPWebhookTransport) async throws -> Void
    ) async throws {
        let received = Received(failFirst: failFirst)
        let transport = HTTPWebhookTransport()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let status = received.take(
                .init(
                    id: request.headers[HTTPField.Name("webhook-id")!] ?? "",
                    timestamp: request.headers[HTTPField.Name("webhook-timestamp")!] ?? "",
                    signature: request.headers[HTTPField.Name("webhook-signature")!] ?? "",
                    body: Array(bytes.readableBytesView), status: 0))
            return Response(
                status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: status == 200 ? "ok" : "busy")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        do {
            try await app.test(.live) { client in
                try await body("http://127.0.0.1:\(client.port ?? 0)/hook", received, transport)
            }
        } catch {
            try await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
    }

    static let fast: WebhookDispatcher.Options = {
        var o = WebhookDispatcher.Options()
        o.pollInterval = .milliseconds(20)
        o.baseDelay = .milliseconds(50)
        o.maxDelay = .milliseconds(200)
        o.timeout = .seconds(5)
        return o
    }()

    /// Runs dispatchers until `done` holds (checked every 50 ms), at most `seconds` (by default the tests'
    /// ``StoreConformance/patience``: only a failing test waits that long).
    static func dispatch(
        _ dispatchers: [WebhookDispatcher], seconds: Double? = nil, until done: @Sendable () async -> Bool
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for d in dispatchers { group.addTask { try await d.run() } }
            let deadline = ContinuousClock.now + (seconds.map { .seconds($0) } ?? StoreConformance.patience)
            while await !done() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            group.cancelAll()
        }
    }

    /// The position of the last of the store's first `count` events, once a reader sees them all (on PostgreSQL an
    /// event shows once every older transaction has finished, and another test's may hold it back a moment).
    static func lastCursor(_ store: any ProvisioningStore, events count: Int) async throws -> EventCursor {
        let events = try await StoreConformance.eventually {
            try await store.read { tx in try await tx.events(EventQuery(limit: count)) }
        } until: {
            $0.count >= count
        }
        return events.last?.cursor ?? .start
    }

    static func users(_ store: any ProvisioningStore, _ count: Int) async throws -> [String] {
        let scim = SCIMService(store: store)
        let provider = try await AdminService(store: store).addProvider(name: "Okta").provider
        var ids: [String] = []
        for i in 0..<count {
            let body: JSONObject = [
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": .string("user\(i)@example.com"),
            ]
            let result = try await scim.perform(.post(.users, body), for: provider)
            let user = try result.user
            ids.append(user.id)
        }
        return ids
    }

    @Test func signaturesFollowStandardWebhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(
            WebhookSignature.verify(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret,
                header: "v1,bm9ldmVu \(signature)"))
        #expect(
            !WebhookSignature.verify(
                id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_331, body: body, secret: secret,
                header: signature))
        #expect(WebhookSignature.generateSecret().hasPrefix("whsec_"))
        #expect(WebhookSignature.generateSecret() != WebhookSignature.generateSecret())
    }

    @Test(arguments: [
        "ftp://example.com/x", "not a url", "http://localhost/x", "http://127.0.0.1/x", "http://127.1.2.3:8080/",
        "http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data",
        "http://169.254.10.10/", "http://[::1]/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/", "http://metadata.google.internal/", "http://user:pass@example.com/",
        "http://app.localhost/",
    ])
    func privateAndOddURLsAreRefused(_ url: String) async throws {
        #expect(throws: ProvisioningError.self) { try WebhookURLPolicy.check(url, allowPrivate: false) }
        let service = WebhookService(store: MemoryStore())
        let error = await #expect(throws: ProvisioningError.self) { try await service.add(url: url) }
        #expect(error?.code == .invalid)
        #expect(error?.message.contains(String(url.prefix(20))) == true, "names the URL: \(error?.message ?? "")")
        #expect(try await service.list().isEmpty, "nothing stored")
    }

    @Test func publicURLsAndAllowedPrivateOnesAreAccepted() async throws {
        for url in ["https://hooks.example.com/roster", "http://93.184.216.34:8080/x", "https://[2001:db8::1]/"] {
            #expect(throws: Never.self) { try WebhookURLPolicy.check(url, allowPrivate: false) }
        }
        #expect(throws: Never.self) { try WebhookURLPolicy.check("http://127.0.0.1:9/x", allowPrivate: true) }
        let service = WebhookService(store: MemoryStore())
        await #expect(throws: ProvisioningError.self) {
            try await service.add(url: "https://x.example.com", events: "usr.*")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deliveriesAreSignedInOrderAndRetriedUntilAccepted(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await withReceiver(failFirst: 3) { url, received, transport in
                let service = WebhookService(store: store)
                let endpoint = try await service.add(url: url, events: "user.*", allowPrivate: true)
                let groupsOnly = try await service.add(url: url, events: "group.*", allowPrivate: true)
                let ids = try await Self.users(store, 20)
                let dispatcher = WebhookDispatcher(
                    store: store, transport: transport, options: Self.fast, logger: Logger(label: "test"))
                let newest = try await Self.lastCursor(store, events: 20)
                try await Self.dispatch([dispatcher]) {
                    let e = try? await service.endpoint(endpoint.id)
                    return received.accepted.count >= 20 && e?.cursor == newest
                }

                let accepted = received.accepted
                #expect(accepted.count == 20)
                var last: Int64 = 0
                for r in accepted {
                    let t = Int64(r.timestamp) ?? 0
                    #expect(
                        WebhookSignature.verify(
                            id: r.id, timestamp: t, body: r.body, secret: endpoint.secret, header: r.signature),
                        "signed")
                    let event = try #require(try JSONValue(parsing: r.body).objectValue)
                    #expect(event["id"]?.stringValue == r.id, "webhook-id is the event id")
                    #expect(event["type"]?.stringValue == "user.created")
                    guard case .int(let sequence)? = event["sequence"] else {
                        Issue.record("no sequence")
                        continue
                    }
                    #expect(Int64(sequence) > last, "in order")
                    last = Int64(sequence)
                }
                #expect(
                    accepted.compactMap {
                        try? JSONValue(parsing: $0.body).objectValue?["data"]?.objectValue?["user"]?.objectValue?["id"]?
                            .stringValue
                    } == ids)
                // The first event was tried four times, with the same id; then each once.
                let all = received.requests.withLock { $0 }
                #expect(all.prefix(4).map(\.id) == Array(repeating: accepted[0].id, count: 4))
                #expect(all.prefix(4).map(\.status) == [503, 503, 503, 200])
                #expect(all.count == 23)

                let deliveries = try await service.deliveries(endpoint.id, limit: 100)
                #expect(deliveries.count == 23)
                #expect(deliveries.last?.statusCode == 503 && deliveries.last?.attempt == 1)
                #expect(deliveries.first?.statusCode == 200 && deliveries.first?.responseExcerpt == "ok")
                let stored = try await service.endpoint(endpoint.id)
                #expect(stored.state == .active && stored.attempts == 0 && stored.cursor == newest)
                #expect(try await service.deliveries(groupsOnly.id).isEmpty, "group.* takes no user event")
                #expect(try await service.endpoint(groupsOnly.id).cursor == newest, "and moves past them")
            }
        }
    }

    /// A transport that notes, for each delivery, whether it runs on the wrapped transport's own event loop.
    final class OnWhichThread: WebhookTransport {
        let inner: HTTPWebhookTransport
        let onItsLoop = Mutex<[Bool]>([])
        init(inner: HTTPWebhookTransport) { self.inner = inner }
        var taskExecutor: (any TaskExecutor)? { inner.taskExecutor }
        func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, allowPrivate: Bool)
            async throws -> WebhookResponse
        {
            let loop = (inner.taskExecutor as? EventLoopTaskExecutor)?.loop
            onItsLoop.withLock { $0.append(loop?.inEventLoop == true) }
            return try await inner.post(
                url: url, headers: headers, body: body, timeout: timeout, allowPrivate: allowPrivate)
        }
    }

    @Test func deliveriesRunOnTheWebhookClientsOwnThread() async throws {
        try await withStore(.memory) { store in
            try await withReceiver { url, received, transport in
                _ = try await WebhookService(store: store).add(url: url, events: "user.*", allowPrivate: true)
                _ = try await Self.users(store, 5)
                let observed = OnWhichThread(inner: transport)
                let dispatcher = WebhookDispatcher(
                    store: store, transport: observed, options: Self.fast, logger: Logger(label: "test"))
                try await Self.dispatch([dispatcher]) { received.accepted.count >= 5 }
                #expect(received.accepted.count == 5)
                #expect(observed.onItsLoop.withLock { $0 } == Array(repeating: true, count: 5))
            }
        }
    }

    /// With the server busy and a tiny share, each delivery waits for a new window; all are still delivered, in
    /// order. The transport's thread clock counts the deliveries' CPU time.
    @Test func aBusyServerPacesDeliveriesToItsShare() async throws {
        try await withStore(.memory) { store in
            try await withReceiver { url, received, transport in
                _ = try await WebhookService(store: store).add(url: url, events: "user.*", allowPrivate: true)
                let ids = try await Self.users(store, 5)
                let load = RequestLoad(busyAt: 1)
                load.inFlight.store(1, ordering: .relaxed)
                let cpuBefore = transport.threadCPUTime()
                let pacer = DeliveryPacer(
                    share: 0.000_001, window: .milliseconds(150), busy: { load.busy },
                    cpuTime: { transport.threadCPUTime() })
                let dispatcher = WebhookDispatcher(
                    store: store, transport: transport, options: Self.fast, pacer: pacer, logger: Logger(label: "t"))
                let started = ContinuousClock.now
                try await Self.dispatch([dispatcher]) { received.accepted.count >= 5 }
                #expect(ContinuousClock.now - started >= .milliseconds(450), "at most one delivery per window")
                let delivered = received.accepted.compactMap {
                    try? JSONValue(parsing: $0.body).objectValue?["data"]?.objectValue?["user"]?.objectValue?["id"]?
                        .stringValue
                }
                #expect(delivered == ids)
                #expect(transport.threadCPUTime() > cpuBefore)
            }
        }
    }

    /// The middleware counts a SCIM request while it is answered, and no longer once it was; other requests (the
    /// event feed's long polls among them) are not counted.
    @Test func requestLoadCountsSCIMRequestsInFlight() async throws {
        let load = RequestLoad(busyAt: 1)
        let router = Router()
        router.add(middleware: RequestLoadMiddleware(load: load))
        router.get("scim/p/v2/Users") { _, _ in "\(load.inFlight.load(ordering: .relaxed)) \(load.busy)" }
        router.get("api/v1/events") { _, _ in "\(load.inFlight.load(ordering: .relaxed)) \(load.busy)" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/scim/p/v2/Users", method: .get) { response in
                #expect(String(buffer: response.body) == "1 true")
            }
            try await client.execute(uri: "/api/v1/events?wait=30", method: .get) { response in
                #expect(String(buffer: response.body) == "0 false")
            }
        }
        #expect(load.inFlight.load(ordering: .relaxed) == 0 && !load.busy)
    }

    @Test(arguments: StoreKind.allCases)
    func twoInstancesDeliverEachEventOnce(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await withReceiver { url, received, transport in
                _ = try await WebhookService(store: store).add(url: url, allowPrivate: true)
                _ = try await Self.users(store, 30)
                let dispatchers = ["a", "b"].map {
                    WebhookDispatcher(
                        store: store, transport: transport, options: Self.fast, owner: $0,
                        logger: Logger(label: "test"))
                }
                try await Self.dispatch(dispatchers) { received.accepted.count >= 30 }
                try await Task.sleep(for: .milliseconds(300))
                let all = received.requests.withLock { $0 }
                #expect(all.count == 30, "no event sent twice")
                #expect(Set(all.map(\.id)).count == 30)
            }
        }
    }

    /// A transport that always fails, as an endpoint that is down.
    struct Down: WebhookTransport {
        func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, allowPrivate: Bool)
            async throws -> WebhookResponse
        { WebhookResponse(status: 500, excerpt: "down") }
    }

    @Test(arguments: StoreKind.allCases)
    func anEndpointFailingPastTheWindowIsDisabledAndResumesWithItsBacklog(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let service = WebhookService(store: store)
            let endpoint = try await service.add(url: "https://hooks.example.com/x")
            _ = try await Self.users(store, 3)
            var options = Self.fast
            options.retryWindow = .milliseconds(300)
            let dispatcher = WebhookDispatcher(
                store: store, transport: Down(), options: options, logger: Logger(label: "test"))
            try await Self.dispatch([dispatcher]) {
                (try? await service.endpoint(endpoint.id).state) == .disabled
            }
            let disabled = try await service.endpoint(endpoint.id)
            #expect(disabled.state == .disabled)
            #expect(disabled.lastError?.contains("Disabled after failing") == true)
            #expect(disabled.cursor == endpoint.cursor, "the backlog is kept")
            let tried = try await service.deliveries(endpoint.id, limit: 1000)
            #expect(
                tried.count >= 2
                    && tried.allSatisfy { $0.statusCode == 500 && $0.eventSequence == tried[0].eventSequence })

            try await withReceiver { url, received, transport in
                // Resumed at a working URL (an admin fixed it), it delivers the whole backlog.
                try await store.withTransaction { tx in
                    var e = try #require(try await tx.webhook(id: endpoint.id))
                    e.url = url
                    e.allowPrivate = true
                    try await tx.updateWebhook(e)
                }
                let resumed = try await service.resume(endpoint.id)
                #expect(resumed.state == .active)
                let working = WebhookDispatcher(
                    store: store, transport: transport, options: Self.fast, logger: Logger(label: "test"))
                try await Self.dispatch([working]) { received.accepted.count >= 3 }
                #expect(received.accepted.count == 3)
            }
        }
    }

    @Test func backoffGrowsAndIsCapped() {
        var options = WebhookDispatcher.Options()
        options.baseDelay = .seconds(5)
        options.maxDelay = .seconds(3600)
        let delays = (1...12).map { WebhookDispatcher.delay(attempt: $0, options: options) }
        #expect((4.0...6.0).contains(delays[0]))
        #expect((8.0...12.0).contains(delays[1]))
        #expect(delays.allSatisfy { $0 <= 3600 * 1.2 })
        #expect((2880.0...4320.0).contains(delays[11]))
    }

    @Test(arguments: StoreKind.allCases)
    func theAdminAPIManagesEndpoints(_ kind: StoreKind) async throws {
        try await AdminAPITests.withAPI(kind) { api, _, _ in
            try await withReceiver { url, received, _ in
                let refused = try await api.send(.post, "/api/v1/webhooks", #"{"url":"\#(url)"}"#)
                #expect(refused.status == .badRequest)
                #expect(refused.json["error"]?.stringValue?.contains("--allow-private") == true)
                let badTypes = try await api.send(
                    .post, "/api/v1/webhooks", #"{"url":"https://h.example.com","events":["usr.*"]}"#)
                #expect(badTypes.status == .badRequest)
                #expect(try await api.send(.get, "/api/v1/webhooks").json["webhooks"]?.arrayValue?.isEmpty == true)

                let added = try await api.send(
                    .post, "/api/v1/webhooks",
                    #"{"url":"\#(url)","events":["user.*"],"allowPrivate":true,"description":"agents"}"#)
                #expect(added.status == .created)
                let id = try #require(added.json["id"]?.stringValue)
                let secret = try #require(added.json["secret"]?.stringValue)
                #expect(secret.hasPrefix("whsec_"))
                let listed = try await api.send(.get, "/api/v1/webhooks").json["webhooks"]?.arrayValue ?? []
                #expect(listed.count == 1 && listed[0].objectValue?["secret"] == nil, "the secret is shown once")

                let ping = try await api.send(.post, "/api/v1/webhooks/\(id)/test")
                #expect(ping.status == .ok && ping.json["type"]?.stringValue == "ping")
                #expect(Self.int(ping.json["status"]) == 200)
                let request = try #require(received.requests.withLock { $0 }.first)
                #expect(
                    WebhookSignature.verify(
                        id: request.id, timestamp: Int64(request.timestamp) ?? 0, body: request.body, secret: secret,
                        header: request.signature))
                let shown = try await api.send(.get, "/api/v1/webhooks/\(id)")
                #expect(shown.json["deliveries"]?.arrayValue?.count == 1)

                let rotated = try await api.send(.post, "/api/v1/webhooks/\(id)/rotate-secret")
                #expect(rotated.json["secret"]?.stringValue != secret)
                #expect(try await api.send(.post, "/api/v1/webhooks/\(id)/resume").json["state"] == "active")
                #expect(try await api.send(.post, "/api/v1/webhooks/\(id)/explode").status == .notFound)
                #expect(try await api.send(.delete, "/api/v1/webhooks/\(id)").status == .noContent)
                #expect(try await api.send(.get, "/api/v1/webhooks/\(id)").status == .notFound)
                #expect(try await api.send(.get, "/api/v1/webhooks", token: "nope").status == .unauthorized)
            }
        }
    }

    static func int(_ value: JSONValue?) -> Int? {
        if case .int(let n)? = value { return n }
        return nil
    }

    @Test func anIdleDispatcherOpensNoWriteTransaction() async throws {
        let store = CountingStore()
        let endpoint = try await WebhookService(store: store).add(url: "https://hooks.example.com/x")
        // An event is waiting, but the endpoint failed a moment ago and its backoff runs for an hour: nothing is
        // due. (The state is written directly: driving a failure through a dispatcher first left its last writes
        // racing with the count.)
        try await store.base.withTransaction { tx in
            try await tx.appendEvents([ProvisioningEvent(type: .userCreated, at: Date(), data: [:])])
            var e = try #require(try await tx.webhook(id: endpoint.id))
            e.attempts = 1
            e.failingSince = Date()
            e.nextAttemptAt = Date().addingTimeInterval(3600)
            try await tx.updateWebhook(e)
        }
        let dispatcher = WebhookDispatcher(
            store: store, transport: Down(), options: Self.fast, logger: Logger(label: "t"))
        let before = store.writes
        try await Self.dispatch([dispatcher], seconds: 1) { false }
        #expect(store.writes == before, "50 polls in a second, none of them a write")
        // Once due, the same dispatcher does write: the count above could fail.
        try await store.base.withTransaction { tx in
            var e = try #require(try await tx.webhook(id: endpoint.id))
            e.nextAttemptAt = Date()
            try await tx.updateWebhook(e)
        }
        try await Self.dispatch([dispatcher]) {
            (try? await store.base.read { tx in try await tx.webhooks() })?.first?.attempts == 2
        }
        #expect(store.writes > before)
    }

    @Test func theTransportFollowsNoRedirectReadsAtMost4KiBAndKeepsItsDeadline() async throws {
        let router = Router()
        router.post("redirect") { _, _ in
            Response(status: .found, headers: [.location: "/accept"])
        }
        router.post("accept") { _, _ in Response(status: .ok) }
        router.post("big") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: String(repeating: "x", count: 100_000))))
        }
        router.post("slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3))
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port ?? 0)"
            try await HTTPWebhookTransport.using { transport in
                func post(_ path: String, timeout: Duration = .seconds(5), allowPrivate: Bool = true) async throws
                    -> WebhookResponse
                {
                    try await transport.post(
                        url: base + path, headers: [("content-type", "application/json")], body: Array("{}".utf8),
                        timeout: timeout, allowPrivate: allowPrivate)
                }
                #expect(try await post("/redirect").status == 302, "the redirect is the answer, not followed")
                let big = try await post("/big")
                #expect(big.status == 200 && big.excerpt.utf8.count == 4096)
                let started = ContinuousClock.now
                await #expect(throws: (any Error).self) { try await post("/slow", timeout: .milliseconds(300)) }
                #expect(ContinuousClock.now - started < .seconds(2.5), "gave up at its deadline")
                await #expect(throws: (any Error).self, "a loopback host without allowPrivate") {
                    try await post("/accept", allowPrivate: false)
                }
            }
        }
        #expect(throws: (any Error).self) { try HTTPWebhookTransport.checkResolved("localhost") }
        #expect(throws: (any Error).self) { try HTTPWebhookTransport.checkResolved("127.0.0.1") }
    }
}
