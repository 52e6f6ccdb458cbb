/// An error of an admin operation (CLI, console, admin API): what went wrong, said so that an admin can act.
public struct ProvisioningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure, for callers that map them to exit codes or HTTP statuses.
    public enum Code: Sendable, Hashable {
        case notFound, conflict, invalid
        /// The user exists but its status does not allow what was asked (signing in while blocked or deactivated).
        case refused
        /// A credential (a session token) that does not, or no longer, authenticate.
        case unauthenticated
        /// The store cannot take the request now (busy past its timeout, disk full, I/O error); retrying later can
        /// succeed, and nothing was written.
        case unavailable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func notFound(_ message: String) -> ProvisioningError { .init(.notFound, message) }
    public static func conflict(_ message: String) -> ProvisioningError { .init(.conflict, message) }
    public static func invalid(_ message: String) -> ProvisioningError { .init(.invalid, message) }
    public static func refused(_ message: String) -> ProvisioningError { .init(.refused, message) }
    public static func unauthenticated(_ message: String) -> ProvisioningError { .init(.unauthenticated, message) }
    public static func unavailable(_ message: String) -> ProvisioningError { .init(.unavailable, message) }
}
