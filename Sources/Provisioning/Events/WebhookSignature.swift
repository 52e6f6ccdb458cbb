import Crypto
package import Foundation

/// Signatures as the Standard Webhooks specification defines them: the secret is `whsec_` and the base64 of 24
/// to 64 random bytes; the signature is `v1,` and the base64 HMAC-SHA256, keyed with those bytes, of
/// `{webhook-id}.{webhook-timestamp}.{body}`. Receivers verify with any Standard Webhooks library.
package enum WebhookSignature {
    package static let secretPrefix = "whsec_"

    /// A new signing secret: 32 random bytes.
    package static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return secretPrefix + Data(bytes).base64EncodedString()
    }

    /// The key bytes of a secret; `nil` when it is not `whsec_` and base64.
    static func key(_ secret: String) -> SymmetricKey? {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header's value for a delivery.
    package static func sign(id: String, timestamp: Int64, body: [UInt8], secret: String) -> String {
        guard let key = key(secret) else { return "" }
        var message = Array("\(id).\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether a `webhook-signature` header (space-separated `v1,…` entries) holds a valid signature; what a
    /// receiver checks, used by the tests and the test receiver.
    package static func verify(id: String, timestamp: Int64, body: [UInt8], secret: String, header: String) -> Bool {
        let expected = sign(id: id, timestamp: timestamp, body: body, secret: secret)
        guard !expected.isEmpty else { return false }
        return header.split(separator: " ").contains { candidate in
            // Constant-time comparison of equal-length strings.
            let a = Array(candidate.utf8)
            let b = Array(expected.utf8)
            guard a.count == b.count else { return false }
            return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    /// The headers of a delivery of `body` (the event's JSON) at `date`.
    package static func headers(eventID: String, body: [UInt8], secret: String, at date: Date) -> [(String, String)] {
        let timestamp = Int64(date.timeIntervalSince1970.rounded(.down))
        return [
            ("content-type", "application/json"), ("webhook-id", eventID), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", sign(id: eventID, timestamp: timestamp, body: body, secret: secret)),
        ]
    }
}
