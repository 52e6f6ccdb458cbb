package import Foundation
package import Logging
import SCIM

/// A number an admin sets (a delay, a retention, a threshold, a page size, a server option) with the range it may
/// take. Every entry point (admin API, console, CLI) parses and checks through it, so that each setting is refused
/// with one message naming it, its range and the value given; and every reader of a stored value clamps through
/// it, so that a value written out of range (by an older build, or straight into the database) is used as its
/// nearest bound and logged instead of reaching arithmetic that could trap.
package struct SettingLimit: Sendable, Hashable {
    /// How the setting is written.
    package enum Kind: Sendable, Hashable {
        /// A duration in the admin syntax (`0`, `90s`, `15m`, `2h`, `1d`); the range is in seconds.
        case duration
        /// A whole number, optionally of a unit (`days`, `bytes`).
        case integer(unit: String?)
        /// A decimal number, optionally of a unit (`seconds`); the range's bounds are whole numbers.
        case number(unit: String?)
    }

    /// The setting's name as admins write it: the admin API's attribute (`deactivationDelay`), or the option for
    /// what only the CLI sets (`--idle-timeout`).
    package let name: String
    /// The allowed values, bounds included (seconds for a duration).
    package let range: ClosedRange<Int64>
    package let kind: Kind

    package init(name: String, range: ClosedRange<Int64>, kind: Kind = .integer(unit: nil)) {
        self.name = name
        self.range = range
        self.kind = kind
    }

    /// The same limit under another name (a query parameter or CLI option that sets the same thing).
    package func named(_ name: String) -> SettingLimit { SettingLimit(name: name, range: range, kind: kind) }

    // MARK: The settings

    /// How long after a provider's `active=false` the deactivation happens: 0 to 365 days.
    package static let deactivationDelay = SettingLimit(
        name: "deactivationDelay", range: 0...(365 * 86_400), kind: .duration)
    /// How many days cold archives are kept after a deactivation: 1 to 36,500 (a century).
    package static let coldStorageRetentionDays = SettingLimit(
        name: "coldStorageRetentionDays", range: 1...36_500, kind: .integer(unit: "days"))
    /// The mass-deactivation guard's percent of a provider's users: 0 to 100.
    package static let guardPercent = SettingLimit(name: "deactivationGuard.percent", range: 0...100)
    /// The mass-deactivation guard's minimum count: 0 to 10,000,000.
    package static let guardMinimum = SettingLimit(name: "deactivationGuard.minimum", range: 0...10_000_000)
    /// An organization rule's priority (1 the highest): 1 to 1,000,000.
    package static let rulePriority = SettingLimit(name: "priority", range: 1...1_000_000)
    /// Users per batch (one transaction each) when applying org and role settings: 1 to 10,000.
    package static let applyBatchSize = SettingLimit(name: "batchSize", range: 1...10_000)
    /// Per-user changes an apply report lists: 0 to 100,000.
    package static let applyChangeLimit = SettingLimit(name: "show", range: 0...100_000)
    /// Items on one page of a list in the admin API (users, sync-log entries): 1 to 1,000.
    package static let pageSize = SettingLimit(name: "limit", range: 1...1000)
    /// Items one CLI listing prints (users, sync-log entries, watchlist members): 1 to 10,000,000.
    package static let listSize = SettingLimit(name: "--limit", range: 1...10_000_000)
    /// Items skipped before a page: 0 to 1,000,000,000.
    package static let pageOffset = SettingLimit(name: "offset", range: 0...1_000_000_000)
    /// A page number of a paged list in the console: 1 to 1,000,000.
    package static let pageNumber = SettingLimit(name: "page", range: 1...1_000_000)
    /// How far back a "since" look-up reaches, as a duration: up to a century.
    package static let lookBack = SettingLimit(name: "since", range: 0...(36_500 * 86_400), kind: .duration)
    /// How many days events stay in the feed: 1 to 3,650.
    package static let eventRetentionDays = SettingLimit(
        name: "eventRetentionDays", range: 1...3_650, kind: .integer(unit: "days"))
    /// How long an empty page of the event feed waits for an event: 0 to 60 seconds.
    package static let eventWait = SettingLimit(name: "wait", range: 0...60, kind: .integer(unit: "seconds"))
    /// How many of each provider's newest SCIM requests the request inspector keeps: 1 to 100,000.
    package static let requestsKept = SettingLimit(name: "requestsKept", range: 1...100_000)
    /// How many of each provider's newest failed requests are kept on top of them: 0 to 100,000.
    package static let failuresKept = SettingLimit(name: "failuresKept", range: 0...100_000)
    /// How long an admin API token or a platform API key works: 1 minute to 10 years (leave it out for no expiry).
    package static let credentialLifetime = SettingLimit(
        name: "expiresIn", range: 60...(3_650 * 86_400), kind: .duration)

    // MARK: Checking what an admin sends

    /// The one message for a value outside the setting or not of its kind.
    package func error(_ given: String) -> ProvisioningError {
        let shown = given.count > 40 ? String(given.prefix(40)) + "…" : given
        let what: String
        switch kind {
        case .duration:
            what =
                "a duration from \(Duration.seconds(range.lowerBound).adminText) to "
                + "\(Duration.seconds(range.upperBound).adminText) (such as 0, 90s, 15m, 2h or 1d)"
        case .integer(let unit):
            what = "a whole number\(unit.map { " of \($0)" } ?? "") from \(range.lowerBound) to \(range.upperBound)"
        case .number(let unit):
            what = "a number\(unit.map { " of \($0)" } ?? "") from \(range.lowerBound) to \(range.upperBound)"
        }
        return .invalid("'\(name)' must be \(what), got '\(shown)'.")
    }

    /// Parses a duration as an admin writes it and checks it is in range.
    package func duration(_ text: String) throws -> Duration {
        guard let d = Duration(adminText: text), range.contains(d.wholeSeconds) else {
            throw error(text)
        }
        return d
    }

    /// A point in time as admins write it: an RFC 3339 instant (`2026-12-04T02:00:00Z`), or a duration back from
    /// `now` within this limit (`2h`, `1d`).
    package func instant(_ text: String, now: Date) throws -> Date {
        if let ms = Timestamp.parse(text) { return Timestamp.date(milliseconds: ms) }
        return now.addingTimeInterval(-Double(try duration(text).wholeSeconds))
    }

    /// Parses a whole number (decimal digits, an optional sign) and checks it is in range.
    package func integer(_ text: String) throws -> Int {
        guard let n = Int64(text.trimmingSpaces), range.contains(n) else { throw error(text) }
        return Int(n)
    }

    /// Parses a decimal number and checks it is finite and in range.
    package func number(_ text: String) throws -> Double {
        guard let n = Double(text.trimmingSpaces) else { throw error(text) }
        return try check(n)
    }

    /// Checks a duration is in range (whole seconds).
    @discardableResult
    package func check(_ value: Duration) throws -> Duration {
        guard range.contains(value.wholeSeconds), value == .seconds(value.wholeSeconds) else {
            throw error(value < .zero ? "-\((Duration.zero - value).adminText)" : value.adminText)
        }
        return value
    }

    /// Checks a whole number is in range.
    @discardableResult
    package func check(_ value: Int) throws -> Int {
        guard range.contains(Int64(value)) else { throw error(String(value)) }
        return value
    }

    /// Checks a decimal number is finite and in range.
    @discardableResult
    package func check(_ value: Double) throws -> Double {
        guard value.isFinite, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw error(String(value))
        }
        return value
    }

    // MARK: Using what is stored

    /// The logger clamped values are reported to (`roster.settings`).
    package static var logger: Logger { Logger(label: "roster.settings") }

    /// A stored whole number, clamped into range; a value outside it is logged as a warning naming `subject`
    /// (`provider 3f2a…`, `the platform`).
    package func clamped(_ value: Int64, subject: String, logger: Logger = SettingLimit.logger) -> Int64 {
        let clamped = range.clamping(value)
        if clamped != value {
            let bounds = "\(range.lowerBound)...\(range.upperBound)"
            logger.warning(
                "Stored \(name) of \(subject) is \(value), outside \(bounds); using \(clamped)",
                metadata: ["setting": "\(name)", "subject": "\(subject)", "stored": "\(value)", "used": "\(clamped)"])
        }
        return clamped
    }

    /// A stored whole number, clamped into range and logged when outside it.
    package func clamped(_ value: Int, subject: String, logger: Logger = SettingLimit.logger) -> Int {
        Int(clamped(Int64(value), subject: subject, logger: logger))
    }

    /// A stored duration, clamped into range (whole seconds) and logged when outside it.
    package func clamped(_ value: Duration, subject: String, logger: Logger = SettingLimit.logger) -> Duration {
        let seconds = value.wholeSeconds
        let clamped = clamped(seconds, subject: subject, logger: logger)
        return clamped == seconds ? value : .seconds(clamped)
    }

    /// A stored text setting read as a whole number: `fallback` when it is missing or not a number (logged when
    /// not a number), clamped into range otherwise.
    package func clamped(setting text: String?, fallback: Int, subject: String, logger: Logger = SettingLimit.logger)
        -> Int
    {
        guard let text else { return fallback }
        guard let n = Int64(text.trimmingSpaces) else {
            logger.warning(
                "Stored \(name) of \(subject) is '\(text.prefix(40))', not a whole number; using \(fallback)",
                metadata: ["setting": "\(name)", "subject": "\(subject)", "used": "\(fallback)"])
            return fallback
        }
        return Int(clamped(n, subject: subject, logger: logger))
    }
}

extension ClosedRange where Bound == Int64 {
    /// `value` if the range contains it, else the nearer bound.
    package func clamping(_ value: Int64) -> Int64 { Swift.min(Swift.max(value, lowerBound), upperBound) }
}
