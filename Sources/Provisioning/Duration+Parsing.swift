import SCIM
/// Durations as admins write them: `0`, `90s`, `15m`, `2h`, `1d`, or combinations such as `1h30m`.
extension Duration {
    /// Parses an admin duration; `nil` when the text is not one.
    public init?(adminText text: String) {
        let t = text.trimmingSpaces.lowercased()
        guard !t.isEmpty else { return nil }
        if let n = Int(t) {
            guard n >= 0 else { return nil }
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
            guard !overflow, product <= 10 * 365 * 86_400 else { return nil }
            total += product
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        self = .seconds(total)
    }

    /// Whole seconds, rounded down.
    public var wholeSeconds: Int64 { components.seconds }

    /// The duration as an admin would write it (`15m`, `90s`, `2h`, `0`).
    public var adminText: String {
        let s = wholeSeconds
        if s == 0 { return "0" }
        if s % 86_400 == 0 { return "\(s / 86_400)d" }
        if s % 3600 == 0 { return "\(s / 3600)h" }
        if s % 60 == 0 { return "\(s / 60)m" }
        return "\(s)s"
    }
}
