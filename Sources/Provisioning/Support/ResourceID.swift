import Foundation

/// Identifiers of new resources (users, groups, organizations, devices, …): UUIDs of version 7 (RFC 9562 §5.7),
/// lowercase.
///
/// - Time-ordered: the first 48 bits are the Unix time in milliseconds, so the B-tree indexes keyed by an id
///   (users, memberships, roles, the sync log by user) grow at their end, where a batch of inserts shares pages,
///   instead of dirtying a random page per insert as random (version 4) UUIDs do.
/// - Unique and unguessable enough for identifiers: 74 random bits per id (nothing is authorized by an id).
/// - Cheap: the random bits come from the system's generator (`getrandom`), whereas Foundation's `UUID()` on
///   Linux opens, reads and closes `/dev/urandom` for every id.
package enum ResourceID {
    package static func generate() -> String { generate(at: Date()) }

    static func generate(at date: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        let milliseconds = UInt64(max(0, Timestamp.milliseconds(date)))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(i))) }
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        for i in 0..<2 { bytes[6 + i] = UInt8(truncatingIfNeeded: high >> (8 * UInt64(i))) }
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (8 * UInt64(i))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // variant 10
        return format(bytes)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hexadecimal.
    static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
