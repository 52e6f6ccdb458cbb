import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
package import Provisioning
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Webhook deliveries over HTTP with async-http-client: no redirects followed, at most 4 KiB of a response read,
/// a deadline per delivery, and hosts that resolve to a refused address (``WebhookURLPolicy``) not contacted
/// unless the endpoint allows private addresses.
///
/// The client has an event loop of its own, and the dispatcher runs its deliveries there (``taskExecutor``): a
/// delivery then never leaves that thread between reading its answer and sending the next event, and the thread
/// that serves SCIM requests does none of the webhooks' I/O.
package struct HTTPWebhookTransport: WebhookTransport {
    /// The most of a response body read.
    static let maxResponseBytes = 4096

    let client: HTTPClient
    let group: MultiThreadedEventLoopGroup
    package let taskExecutor: (any TaskExecutor)?
    /// The clock of the CPU time the client's thread used (deliveries run there: their own work, their I/O).
    let threadClock: clockid_t?

    /// A transport with a client and a thread of its own, both ended by `shutdown()`.
    package init() {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        configuration.decompression = .disabled
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        let loop = group.next()
        taskExecutor = EventLoopTaskExecutor(loop: loop)
        threadClock = try? loop.submit { () -> clockid_t? in
            var clock = clockid_t()
            return pthread_getcpuclockid(pthread_self(), &clock) == 0 ? clock : nil
        }.wait()
    }

    /// The CPU time the client's thread used so far (zero where the thread's clock is not available).
    package func threadCPUTime() -> Duration {
        guard let threadClock else { return .zero }
        // `timespec` is two words, seconds and nanoseconds, on 64-bit Linux (its members are not visible here
        // next to Dispatch's own `timespec`).
        var words: (Int, Int) = (0, 0)
        let read = withUnsafeMutableBytes(of: &words) { bytes in
            bytes.withMemoryRebound(to: timespec.self) { clock_gettime(threadClock, $0.baseAddress!) }
        }
        return read == 0 ? .seconds(words.0) + .nanoseconds(words.1) : .zero
    }

    package func shutdown() async throws {
        try await client.shutdown()
        try await group.shutdownGracefully()
    }

    /// Runs `body` with a transport of its own, shut down afterwards whether `body` throws or not.
    package static func using<T>(_ body: (HTTPWebhookTransport) async throws -> T) async throws -> T {
        let transport = HTTPWebhookTransport()
        let result: T
        do {
            result = try await body(transport)
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
        return result
    }

    package func post(
        url: String, headers: [(String, String)], body: [UInt8], timeout: Duration, allowPrivate: Bool
    ) async throws -> WebhookResponse {
        if !allowPrivate, let host = URL(string: url)?.host {
            // Resolving blocks: it runs on NIO's thread pool, not on the webhook client's one event loop, where a
            // slow DNS answer for one endpoint would hold every endpoint's deliveries.
            try await NIOThreadPool.singleton.runIfActive { try Self.checkResolved(host) }
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "Roster-Webhooks/1")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        var excerpt: [UInt8] = []
        for try await chunk in response.body {
            excerpt += chunk.readableBytesView.prefix(Self.maxResponseBytes - excerpt.count)
            if excerpt.count >= Self.maxResponseBytes { break }
        }
        return WebhookResponse(status: Int(response.status.code), excerpt: String(decoding: excerpt, as: UTF8.self))
    }

    /// Refuses a host name that resolves to a loopback, private, link-local or metadata address.
    package static func checkResolved(_ host: String) throws {
        if let reason = WebhookURLPolicy.refusal(host: host) { throw WebhookRefusal(host: host, reason: reason) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return }
        defer { freeaddrinfo(first) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                let reason: String?
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    reason = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        var a = v4.pointee.sin_addr
                        return WebhookURLPolicy.refusal(ipv4: withUnsafeBytes(of: &a) { Array($0) })
                    }
                case AF_INET6:
                    reason = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        var a = v6.pointee.sin6_addr
                        return WebhookURLPolicy.refusal(ipv6: withUnsafeBytes(of: &a) { Array($0) })
                    }
                default:
                    reason = nil
                }
                if let reason { throw WebhookRefusal(host: host, reason: reason) }
            }
            cursor = info.pointee.ai_next
        }
    }
}

/// A task executor that runs its jobs on one event loop's thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A delivery not sent because the host resolves to an address webhooks may not reach.
struct WebhookRefusal: Error, CustomStringConvertible {
    let host: String
    let reason: String
    var description: String { "\(host) resolves to \(reason); the endpoint does not allow private addresses" }
}

/// The webhook dispatcher over HTTP, as a service of the application's group: it owns the HTTP client for as long
/// as it runs. While the server is busy (``RequestLoad``), the deliveries take at most `busyShare` of one core
/// (``DeliveryPacer``); 1 never holds them back.
struct HTTPWebhookDelivery: Service {
    let store: any ProvisioningStore
    let load: RequestLoad
    let busyShare: Double
    let logger: Logger

    func run() async throws {
        try await HTTPWebhookTransport.using { transport in
            let pacer =
                busyShare < 1
                ? DeliveryPacer(share: busyShare, busy: { load.busy }, cpuTime: { transport.threadCPUTime() }) : nil
            try await WebhookDispatcher(store: store, transport: transport, pacer: pacer, logger: logger).run()
        }
    }
}
