package import SCIM

/// An error of an admin operation (CLI, console, admin API): what went wrong, said so that an admin can act.
package struct ProvisioningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure, for callers that map them to exit codes or HTTP statuses.
    package enum Code: Sendable, Hashable, CaseIterable {
        case notFound, conflict, invalid
        /// The user exists but its status does not allow what was asked (signing in while blocked or deactivated).
        case refused
        /// A credential (a session token) that does not, or no longer, authenticate.
        case unauthenticated
        /// The store cannot take the request now (busy past its timeout, disk full, I/O error); retrying later can
        /// succeed, and nothing was written.
        case unavailable
        /// What was asked for existed but is gone for good (events pruned past their retention).
        case gone
    }

    package let code: Code
    package let message: String
    /// For a refusal that lifts by itself (a sign-in lockout, a rate limit): seconds until asking again can work,
    /// which HTTP answers send as `Retry-After`.
    package let retryAfter: Int?

    package init(_ code: Code, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    package var description: String { message }

    package static func notFound(_ message: String) -> ProvisioningError { .init(.notFound, message) }
    package static func conflict(_ message: String) -> ProvisioningError { .init(.conflict, message) }
    package static func invalid(_ message: String) -> ProvisioningError { .init(.invalid, message) }
    package static func refused(_ message: String) -> ProvisioningError { .init(.refused, message) }
    /// A refusal that lifts after `retryAfter` seconds (too many attempts).
    package static func refused(_ message: String, retryAfter: Int) -> ProvisioningError {
        .init(.refused, message, retryAfter: retryAfter)
    }
    package static func unauthenticated(_ message: String) -> ProvisioningError { .init(.unauthenticated, message) }
    package static func unavailable(_ message: String) -> ProvisioningError { .init(.unavailable, message) }
    package static func gone(_ message: String) -> ProvisioningError { .init(.gone, message) }
}

extension ProvisioningError {
    /// How long a client should wait before retrying a request the store could not take (a 503), in seconds.
    package static let unavailableRetryAfter = 5

    /// The domain error in SCIM's vocabulary (RFC 7644 §3.12): the one mapping of a code to a status, which every
    /// route answers with, whatever its body (SCIM, the platform and admin APIs' JSON, the console's pages).
    ///
    /// | code | status | `scimType` |
    /// |---|---|---|
    /// | `notFound` | 404 | |
    /// | `conflict` | 409 | `uniqueness` |
    /// | `invalid` | 400 | `invalidValue` |
    /// | `refused` | 403, or 429 when it lifts by itself (`retryAfter`) | |
    /// | `unauthenticated` | 401 | |
    /// | `unavailable` | 503 | |
    /// | `gone` | 410 | |
    package var scimError: SCIMError {
        switch code {
        case .notFound: .notFound(message)
        case .conflict: .uniqueness(message)
        case .invalid: .invalidValue(message)
        case .refused: SCIMError(status: retryAfter == nil ? 403 : 429, detail: message)
        case .unauthenticated: .unauthorized(message)
        case .unavailable: SCIMError(status: 503, detail: message)
        case .gone: SCIMError(status: 410, detail: message)
        }
    }

    /// The HTTP status every route answers this error with.
    package var status: Int { scimError.status }

    /// The `Retry-After` to send, in seconds: the refusal's own, or ``unavailableRetryAfter`` for a store that
    /// could not take the request.
    package var retryAfterSeconds: Int? {
        retryAfter ?? (code == .unavailable ? Self.unavailableRetryAfter : nil)
    }
}
