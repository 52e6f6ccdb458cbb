import Crypto
import Foundation

/// API credentials of a provider: generated secrets, their hashes, and constant-time verification.
///
/// A secret carries 256 bits from the system's secure random generator, so a single SHA-256 is the right hash:
/// nothing can be guessed, and verifying costs microseconds on every SCIM request (a password hash such as bcrypt
/// is for low-entropy human passwords).
package enum Credentials {
    /// A new secret: 32 random bytes, base64url without padding (43 characters; safe in a Bearer header and as a
    /// Basic password).
    package static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(bytes)
    }

    /// A random lowercase identifier of `length` characters from `a-z0-9` (no `_`, which Okta refuses in Base
    /// URLs).
    package static func generateIdentifier(length: Int = 10) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// The stored form of a secret: SHA-256, lowercase hex.
    package static func hash(secret: String) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `secret` hashes to `storedHash`, compared in constant time.
    package static func verify(secret: String, storedHash: String) -> Bool {
        constantTimeEquals(Array(hash(secret: secret).utf8), Array(storedHash.utf8))
    }

    /// Byte equality whose running time depends only on the lengths.
    package static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
