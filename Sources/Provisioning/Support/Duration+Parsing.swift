import SCIM

/// Durations as admins write them: `0`, `90s`, `15m`, `2h`, `1d`, or combinations such as `1h30m`; a bare number is
/// seconds. The syntax only: what range a setting allows is ``SettingLimit``'s to say.
extension Duration {
    /// The longest duration the syntax accepts at all (a century), so that no text can overflow the arithmetic.
    package static var longestAdminDuration: Duration { .seconds(100 * 365 * 86_400) }

    /// Parses an admin duration; `nil` when the text is not one, is negative, or is longer than
    /// ``longestAdminDuration``.
    package init?(adminText text: String) {
        let t = text.trimmingSpaces.lowercased()
        let longest = Self.longestAdminDuration.components.seconds
        guard !t.isEmpty else { return nil }
        if t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let n = Int64(t), n <= longest else { return nil }
            self = .seconds(n)
            return
        }
        var total: Int64 = 0
        var number = ""
        var sawUnit = false
        for c in t {
            if c.isASCII, c.isNumber {
                number.append(c)
                continue
            }
            guard let n = Int64(number) else { return nil }
            let unit: Int64
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: return nil
            }
            let (product, overflow) = n.multipliedReportingOverflow(by: unit)
            guard !overflow, product <= longest - total else { return nil }
            total += product
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        self = .seconds(total)
    }

    /// Whole seconds, rounded down.
    package var wholeSeconds: Int64 { components.seconds }

    /// The duration as an admin would write it (`15m`, `90s`, `2h`, `0`).
    package var adminText: String {
        let s = wholeSeconds
        if s == 0 { return "0" }
        if s % 86_400 == 0 { return "\(s / 86_400)d" }
        if s % 3600 == 0 { return "\(s / 3600)h" }
        if s % 60 == 0 { return "\(s / 60)m" }
        return "\(s)s"
    }

    /// `seconds` as a duration, saturating: NaN is zero, and values beyond what a `Duration` holds in whole seconds
    /// become its largest or smallest, so that no time arithmetic on a stored or computed value can trap.
    package static func saturating(seconds: Double) -> Duration {
        guard !seconds.isNaN else { return .zero }
        let whole = seconds.rounded(.down)
        guard whole < 9.2e18 else { return .seconds(Int64.max) }
        guard whole > -9.2e18 else { return .seconds(Int64.min) }
        let fraction = seconds - whole
        return .seconds(Int64(whole)) + .nanoseconds(Int64((fraction * 1e9).rounded(.down)))
    }
}
