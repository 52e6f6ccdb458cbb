import Foundation
import Hummingbird
import Synchronization

/// How many SCIM requests the server is answering now, for background work that yields to them (webhook
/// deliveries, ``DeliveryPacer``).
package final class RequestLoad: Sendable {
    let inFlight = Atomic<Int>(0)
    /// Requests in flight from which the server counts as busy: one per core, every core has a request to serve.
    let busyAt: Int

    package init(busyAt: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.busyAt = max(1, busyAt)
    }

    var busy: Bool { inFlight.load(ordering: .relaxed) >= busyAt }
}

/// Counts each SCIM request (under `/scim/`) in ``RequestLoad`` while it is answered. Only those: the event feed's
/// long polls wait up to 30 s without using a core, and two of them would otherwise keep a 2-core server "busy"
/// for good; the console and the admin API are light.
struct RequestLoadMiddleware<Context: RequestContext>: RouterMiddleware {
    let load: RequestLoad

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.uri.path.hasPrefix("/scim/") else { return try await next(request, context) }
        load.inFlight.wrappingAdd(1, ordering: .relaxed)
        defer { load.inFlight.wrappingSubtract(1, ordering: .relaxed) }
        return try await next(request, context)
    }
}
