package import Foundation

/// Timestamps as SCIM writes them (`2026-11-30T05:00:00.123Z`, RFC 3339 in UTC with milliseconds) and as the
/// stores keep them (milliseconds since 1970), converted without locale or calendar machinery.
package enum Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z, saturating: a date beyond what 64 bits of milliseconds hold (about
    /// 292 million years either way) becomes the largest or smallest count, and NaN becomes 0, so that no date,
    /// however it was computed, traps here.
    package static func milliseconds(_ date: Date) -> Int64 {
        milliseconds(seconds: date.timeIntervalSince1970)
    }

    /// Seconds as whole milliseconds, rounded down and saturating like ``milliseconds(_:)``.
    package static func milliseconds(seconds: Double) -> Int64 {
        let ms = (seconds * 1000).rounded(.down)
        guard !ms.isNaN else { return 0 }
        // 2^63 is the first Double past Int64.max; everything from it up saturates.
        guard ms < 9_223_372_036_854_775_808.0 else { return .max }
        guard ms >= -9_223_372_036_854_775_808.0 else { return .min }
        return Int64(ms)
    }

    /// The date of a millisecond count.
    package static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// RFC 3339 text in UTC with milliseconds.
    package static func format(_ date: Date) -> String {
        format(milliseconds: milliseconds(date))
    }

    /// RFC 3339 text in UTC with milliseconds.
    package static func format(milliseconds ms: Int64) -> String {
        let (days, msOfDay) = ms.quotientAndRemainder(dividingBy: 86_400_000)
        let d = msOfDay < 0 ? days - 1 : days
        let rem = msOfDay < 0 ? msOfDay + 86_400_000 : msOfDay
        let (y, m, dd) = civil(fromDays: d)
        let h = rem / 3_600_000
        let mi = rem / 60_000 % 60
        let s = rem / 1000 % 60
        let f = rem % 1000
        guard (0...9999).contains(y) else {
            return "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
        }
        // Written digit by digit: this runs twice for every resource of every list page.
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, _ at: Int, _ width: Int) {
            var v = value
            for i in stride(from: at + width - 1, through: at, by: -1) {
                out[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(y, 0, 4)
        out[4] = 45
        put(m, 5, 2)
        out[7] = 45
        put(dd, 8, 2)
        out[10] = 84
        put(h, 11, 2)
        out[13] = 58
        put(mi, 14, 2)
        out[16] = 58
        put(s, 17, 2)
        out[19] = 46
        put(f, 20, 3)
        out[23] = 90
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses RFC 3339 / xsd:dateTime (`2011-05-13T04:42:34Z`, with optional fraction and offset; a missing
    /// offset means UTC). Returns milliseconds since 1970.
    package static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + len) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 19, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
            b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2),
            b[16] == 58, let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 3 { fraction = fraction * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            // More than three digits are cut to milliseconds; fewer are scaled up.
            if digits < 3 { for _ in digits..<3 { fraction *= 10 } }
        }
        var offset: Int64 = 0
        if i < b.count {
            if b[i] == 90 || b[i] == 122 {
                i += 1
            } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58,
                let om = num(i + 4, 2)
            {
                offset = (oh * 60 + om) * 60_000 * (b[i] == 45 ? -1 : 1)
                i += 6
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        let days = days(fromCivil: y, mo, d)
        return ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + fraction - offset
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Howard Hinnant's days-from-civil.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Howard Hinnant's civil-from-days.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
