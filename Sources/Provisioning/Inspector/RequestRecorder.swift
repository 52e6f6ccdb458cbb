package import Foundation
package import Logging
import SCIM
import ServiceLifecycle
import Synchronization

/// A SCIM request as the server saw it, before anything is redacted or cut: what it hands the recorder. `request`
/// holds everything but the bodies (and what the recorder reads from them), which are the raw bytes.
package struct CapturedRequest: Sendable {
    package var request: RecordedRequest
    package var requestBody: [UInt8]
    package var responseBody: [UInt8]

    package init(_ request: RecordedRequest, requestBody: [UInt8], responseBody: [UInt8]) {
        self.request = request
        self.requestBody = requestBody
        self.responseBody = responseBody
    }

    package var providerID: String { request.providerID }
    package var status: Int { request.status }

    /// An answer given before or instead of authenticating (401, or 429 from the rate limit): a stranger can cause
    /// it, so its request body is not kept and only a few a minute are recorded.
    package var unauthenticated: Bool { status == 401 || status == 429 }
}

/// Keeps each provider's recent SCIM requests for the request inspector, off the request's path: the server hands
/// over each request (``record(_:)`` never waits), and a Service writes what gathered every ``Options/interval``
/// in one transaction, redacted (see ``Redaction``), then trims each provider's ring to its settings.
///
/// - Only what the ring can keep is kept: each provider's newest `requestsKept` requests and newest
///   `failuresKept` failures. Under an initial sync's thousands of requests a second, the rest would be written
///   only to be deleted by the next trim; so waiting requests are compacted to that as they come (memory stays
///   within about twice the rings), and only survivors are redacted and written.
/// - Only providers that exist and record (``Provider/recordsRequests``) keep anything.
/// - At most ``Options/pendingBytesLimit`` bytes of bodies wait for a write; beyond that the oldest waiting
///   requests are dropped and counted.
/// - Requests answered before authenticating are kept at most ``Options/unauthenticatedPerMinute`` times a minute
///   per provider, without their bodies, so that a stranger cannot flush a provider's ring. For ids not known to
///   exist (read with the switches, or found by a write) that many a minute are kept in all, so that made-up ids
///   cost neither memory nor reads, while a provider added since the last read still shows its first 401s.
/// - A crash loses what had not been written yet (at most one interval): the ring is a diagnostic, not a record.
package final class RequestRecorder: Service, Sendable {
    package struct Options: Sendable {
        package var interval: Duration = .seconds(2)
        /// The most body bytes waiting for a write (32 MiB).
        package var pendingBytesLimit = 32 << 20
        package var unauthenticatedPerMinute = 60
        /// How often the providers' recording switches are read again when nothing is written.
        package var refreshInterval: Duration = .seconds(5)
        package init() {}
    }

    struct Pending: Sendable {
        var captured: [CapturedRequest] = []
        var bytes = 0
        var dropped = 0
        /// The rings' sizes as last read (``RequestInspector/Settings``), which compaction keeps.
        var keep = RequestInspector.Settings().requestsKept
        var keepFailures = RequestInspector.Settings().failuresKept
        var minute: Int64 = 0
        var unauthenticated: [String: Int] = [:]
        /// Providers that do not record, as last read: their requests are not even captured.
        var notRecording: Set<String> = []
        /// Providers that exist, as last read and as writes found them.
        var known: Set<String> = []
        /// Unauthenticated requests for ids not in `known` this minute, of every id together.
        var strangers = 0
    }

    let store: any ProvisioningStore
    let options: Options
    let logger: Logger
    let pending = Mutex(Pending())

    package init(store: any ProvisioningStore, options: Options = Options(), logger: Logger) {
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// Whether requests of `providerID` are worth capturing: false for a provider known not to record (read at
    /// every write and every ``Options/refreshInterval``), so that turning recording off costs nothing.
    package func records(_ providerID: some StringProtocol) -> Bool {
        pending.withLock { !$0.notRecording.contains(String(providerID)) }
    }

    /// Takes a request for the next write; never waits.
    package func record(_ request: CapturedRequest) {
        let byteLimit = options.pendingBytesLimit
        let perMinute = options.unauthenticatedPerMinute
        pending.withLock { p in
            var request = request
            if request.unauthenticated {
                let minute = Int64(request.request.at.timeIntervalSince1970 / 60)
                if minute != p.minute {
                    p.minute = minute
                    p.unauthenticated = [:]
                    p.strangers = 0
                }
                if !p.known.contains(request.providerID) {
                    guard p.strangers < perMinute else { return }
                    p.strangers += 1
                }
                let count = p.unauthenticated[request.providerID, default: 0]
                guard count < perMinute else { return }
                p.unauthenticated[request.providerID] = count + 1
                request.requestBody = []  // the answer is Roster's own error, kept for its detail
            }
            p.bytes += request.requestBody.count + request.responseBody.count
            p.captured.append(request)
            if p.captured.count > 2 * (p.keep + p.keepFailures) + 64 || p.bytes > byteLimit {
                Self.compact(&p, byteLimit: byteLimit)
            }
        }
    }

    /// Drops what no ring can keep; then, while the bodies are still over `byteLimit`, the oldest.
    ///
    /// With no more requests waiting than a ring keeps, every one survives, so the survivors are not worked out:
    /// a stretch of large bodies (pages of users) over the limit compacts at every request, and then costs only
    /// the requests it drops.
    static func compact(_ p: inout Pending, byteLimit: Int) {
        if p.captured.count > p.keep {
            p.captured = survivors(p.captured, keep: p.keep, keepFailures: p.keepFailures)
            p.bytes = p.captured.reduce(0) { $0 + $1.requestBody.count + $1.responseBody.count }
        }
        var drop = 0
        while p.bytes > byteLimit && drop < p.captured.count {
            p.bytes -= p.captured[drop].requestBody.count + p.captured[drop].responseBody.count
            drop += 1
        }
        if drop > 0 {
            p.captured.removeFirst(drop)
            p.dropped += drop
        }
    }

    /// Requests dropped because their bodies did not fit ``Options/pendingBytesLimit``, since the process started.
    package var dropped: Int { pending.withLock { $0.dropped } }

    /// What waits in memory: requests for the next write, and providers with an unauthenticated count this minute.
    package var waiting: (requests: Int, countedProviders: Int) {
        pending.withLock { ($0.captured.count, $0.unauthenticated.count) }
    }

    package func run() async throws {
        var refreshed = ContinuousClock.now
        await refreshLogging()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: options.interval)
            await flushLogging()
            if ContinuousClock.now - refreshed >= options.refreshInterval {
                refreshed = ContinuousClock.now
                await refreshLogging()
            }
        }
        await flushLogging()  // what the last requests left
    }

    /// Reads which providers exist, and which of them do not record.
    package func refresh() async throws {
        let providers = try await store.read { tx in try await tx.providers() }
        pending.withLock { p in
            p.notRecording = Set(providers.filter { !$0.recordsRequests }.map(\.id))
            p.known = Set(providers.map(\.id))
        }
    }

    func refreshLogging() async {
        do { try await refresh() } catch {
            logger.warning("Could not read the providers' recording switches: \(error)")
        }
    }

    func flushLogging() async {
        do {
            try await flush()
        } catch {
            logger.warning("Could not record SCIM requests for the inspector: \(error)")
        }
    }

    /// Writes what gathered, in one transaction; returns how many requests were kept.
    @discardableResult
    package func flush() async throws -> Int {
        let batch = pending.withLock { p in
            defer {
                p.captured = []
                p.bytes = 0
            }
            return p.captured
        }
        guard !batch.isEmpty else { return 0 }
        let (count, recording, settings) = try await store.withTransaction { tx in
            let settings = try await RequestInspector.Settings.read(tx)
            let redaction = settings.redaction
            var recording: [String: Bool] = [:]  // of the providers that exist
            for id in Set(batch.map(\.providerID)) {
                recording[id] = try await tx.provider(id: id)?.recordsRequests
            }
            let survivors = Self.survivors(
                batch.filter { recording[$0.providerID] == true }, keep: settings.requestsKept,
                keepFailures: settings.failuresKept)
            var kept = survivors.map { Self.recorded($0, redaction: redaction) }
            guard !kept.isEmpty else { return (0, recording, settings) }
            // Requests that name a user only by id (DELETE, a PATCH answered 204) get its userName.
            let unnamed = Array(Set(kept.filter { $0.userName == nil }.compactMap(\.userID)))
            if !unnamed.isEmpty {
                let names = try await tx.userNames(ids: unnamed)
                for i in kept.indices where kept[i].userName == nil {
                    kept[i].userName = kept[i].userID.flatMap { names[$0] }
                }
            }
            try await tx.appendRequests(kept)
            for providerID in Set(kept.map(\.providerID)) {
                _ = try await tx.pruneRequests(
                    providerID: providerID, keep: settings.requestsKept, keepFailures: settings.failuresKept)
            }
            return (kept.count, recording, settings)
        }
        pending.withLock { p in
            (p.keep, p.keepFailures) = (settings.requestsKept, settings.failuresKept)
            for (id, on) in recording {
                p.known.insert(id)
                if on { p.notRecording.remove(id) } else { p.notRecording.insert(id) }
            }
        }
        return count
    }

    /// Of `batch` (oldest first), what a ring of `keep` requests and `keepFailures` failures per provider can keep,
    /// in the batch's order.
    package static func survivors(_ batch: [CapturedRequest], keep: Int, keepFailures: Int) -> [CapturedRequest] {
        var seen: [String: (all: Int, failures: Int)] = [:]
        var chosen: [CapturedRequest] = []
        for captured in batch.reversed() {
            var counts = seen[captured.providerID, default: (0, 0)]
            let failed = captured.status >= 400
            let inRing = counts.all < keep
            let inFailures = failed && counts.failures < keepFailures
            counts.all += 1
            if failed { counts.failures += 1 }
            seen[captured.providerID] = counts
            if inRing || inFailures { chosen.append(captured) }
        }
        return chosen.reversed()
    }

    /// What the inspector keeps of `captured`: the bodies redacted and cut, the error's `scimType` and `detail`,
    /// and the user it was about.
    static func recorded(_ captured: CapturedRequest, redaction: Redaction) -> RecordedRequest {
        var recorded = captured.request
        let isUsers = Self.isUsersPath(recorded.path)
        recorded.userID = Self.resourceID(recorded.path)
        // The response is read for an error's `scimType` and `detail`, and for a user's `userName` and new `id`;
        // a list's (GET /Users, POST /Users/.search, anything under /Groups) is only kept.
        let isList = recorded.userID == nil && (recorded.method == "GET" || recorded.path.hasSuffix("/.search"))
        let request = redaction.inspect(captured.requestBody)
        let response = redaction.inspect(
            captured.responseBody, parse: captured.status >= 400 || (isUsers && !isList))
        (recorded.requestBody, recorded.responseBody) = (request.kept, response.kept)
        if captured.status >= 400, let error = response.object {
            recorded.scimType = error["scimType"]?.stringValue
            recorded.detail = error["detail"]?.stringValue
        }
        if isUsers {
            recorded.userName =
                request.object?["userName"]?.stringValue ?? response.object?["userName"]?.stringValue
                ?? recorded.query.flatMap(Self.filteredUserName)
            if recorded.userID == nil, recorded.method == "POST", recorded.status == 201 {
                recorded.userID = response.object?["id"]?.stringValue
            }
        }
        if !isUsers { recorded.userID = nil }
        return recorded
    }

    /// Whether `path` is `/scim/{provider}/v2/Users` or below it.
    static func isUsersPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count >= 4 && parts[3] == "Users"
    }

    /// The `{id}` of `/scim/{provider}/v2/{Users|Groups}/{id}`.
    static func resourceID(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count == 5, parts[4] != ".search" else { return nil }
        return String(parts[4]).removingPercentEncoding ?? String(parts[4])
    }

    /// The value of `userName eq "…"` in a query string's filter, as IdPs look a user up before a push.
    static func filteredUserName(_ query: String) -> String? {
        for (name, value) in QueryString.parameters(query) where name.lowercased() == "filter" {
            guard case .comparison(let path, .eq, .string(let text))? = try? Filter(parsing: value),
                path.attribute.lowercased() == "username"
            else { continue }
            return text
        }
        return nil
    }
}
