import Foundation
import Hummingbird

extension Request {
    /// The token of an `Authorization: Bearer <token>` header (scheme in any case, the token trimmed), as the
    /// platform API, the admin API and the event feed read it; `nil` without one.
    var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
