import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The total time a client has to send a request, head and body together, counted from the moment the server
/// waits for it (the connection opened, or the previous response was sent) until the request's last byte. The
/// idle timeout alone cannot stop a client that sends a byte every few seconds; this deadline does. The time the
/// server takes to answer does not count.
///
/// A value: each event returns what to do with the timer, and the handler does it, so that the rules are tested
/// without a network.
struct RequestDeadline: Equatable {
    /// What to do with the timer after an event.
    enum Action: Equatable {
        /// (Re)start it: the client has `Duration` from now.
        case arm(Duration)
        /// Stop it: the request is in and the server is answering.
        case disarm
        /// Leave it as it is.
        case keep
    }

    /// What to do when the timer fires.
    enum Expiry: Equatable {
        /// Nothing was answered to the late request: say 408 and close the connection.
        case requestTimeout
        /// A response is already (being) written: close the connection.
        case close
        /// The timer was stale.
        case ignore
    }

    let timeout: Duration
    /// Requests whose last byte was read, and responses whose last byte was written, on this connection.
    private(set) var requestsRead = 0
    private(set) var responsesWritten = 0
    /// Whether a response's head is written and its end not yet.
    private(set) var responding = false
    /// Whether the client is being timed.
    private(set) var armed = false

    init(timeout: Duration) { self.timeout = timeout }

    /// The connection opened: the first request's time starts.
    mutating func connectionOpened() -> Action {
        armed = true
        return .arm(timeout)
    }

    /// A request's last byte arrived.
    mutating func readRequestEnd() -> Action {
        requestsRead += 1
        if requestsRead > responsesWritten {
            armed = false
            return .disarm
        }
        // It was answered before its body ended (413, 401): the next request's time starts now.
        armed = true
        return .arm(timeout)
    }

    mutating func wroteResponseHead() { responding = true }

    /// A response's last byte was written.
    mutating func wroteResponseEnd() -> Action {
        responding = false
        responsesWritten += 1
        if responsesWritten == requestsRead {
            armed = true
            return .arm(timeout)
        }
        // Either a pipelined request is already in (it stays untimed) or this answer came before its request's
        // body ended (that request's time keeps running).
        return .keep
    }

    func expired() -> Expiry {
        guard armed else { return .ignore }
        return !responding && responsesWritten == requestsRead ? .requestTimeout : .close
    }
}

/// Enforces ``RequestDeadline`` on one connection, and closes a connection once a request the decoder refused has
/// been answered. It sits between NIO's HTTP/1 decoder and Hummingbird's codec, so it sees every request's end,
/// every decoding error and every response's parts.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    var deadline: RequestDeadline
    var timer: Scheduled<Void>?
    var closeAfterResponse = false
    let logger: Logger

    init(timeout: Duration, logger: Logger) {
        self.deadline = RequestDeadline(timeout: timeout)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { apply(deadline.connectionOpened(), context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        apply(deadline.connectionOpened(), context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { apply(deadline.readRequestEnd(), context: context) }
        context.fireChannelRead(data)
    }

    /// A request the decoder refused (a request line or head over the limits, bytes that are not HTTP) is answered
    /// 400 by Hummingbird; the connection then closes at once. Left open, it would hold its buffers until the idle
    /// timeout, since nothing more is read from it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError { closeAfterResponse = true }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: deadline.wroteResponseHead()
        case .body: break
        case .end:
            apply(deadline.wroteResponseEnd(), context: context)
            if closeAfterResponse {
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
                return
            }
        }
        context.write(data, promise: promise)
    }

    func apply(_ action: RequestDeadline.Action, context: ChannelHandlerContext) {
        switch action {
        case .arm(let timeout):
            cancelTimer()
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: .init(timeout)) {
                loopBound.value.handler.expire(context: loopBound.value.context)
            }
        case .disarm: cancelTimer()
        case .keep: break
        }
    }

    func expire(context: ChannelHandlerContext) {
        timer = nil
        switch deadline.expired() {
        case .requestTimeout:
            logger.debug("Closing a connection whose request did not arrive within the request timeout.")
            let head = HTTPResponseHead(
                version: .http1_1, status: .requestTimeout, headers: ["Connection": "close", "Content-Length": "0"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.close(promise: nil)
        case .close:
            logger.debug("Closing a connection whose request did not arrive within the request timeout.")
            context.close(promise: nil)
        case .ignore:
            break
        }
    }

    func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}

/// How many connections are open, shared by every connection's set-up.
final class ConnectionCount: Sendable {
    let open = Atomic<Int>(0)
}

/// Hummingbird's HTTP/1 child channel with a ``RequestDeadlineHandler`` inserted right after the HTTP decoder, and
/// an exact cap on open connections. Hummingbird's `MaximumAvailableConnections` stops accepting at the cap, but
/// one read of the listening socket may accept a few connections at once; those past the cap are closed as soon as
/// they are set up.
struct RosterHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let requestTimeout: Duration
    let maxConnections: Int
    let connections: ConnectionCount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let open = connections.open.wrappingAdd(1, ordering: .relaxed).newValue
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.open.wrappingSubtract(1, ordering: .relaxed) }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // Closed rather than failed: a failed set-up would end the server's stream of accepted connections.
            guard open <= maxConnections else {
                channel.close(promise: nil)
                return value
            }
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(
                RequestDeadlineHandler(timeout: requestTimeout, logger: logger), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
