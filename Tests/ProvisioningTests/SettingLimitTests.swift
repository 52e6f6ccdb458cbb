import Foundation
import Logging
import Provisioning
import ProvisioningTesting
import Synchronization
import Testing

/// The one parser and validator of admin-set numbers, and the arithmetic on time that must never trap whatever a
/// stored value is.
@Suite struct SettingLimitTests {
    @Test(arguments: [
        ("0", 0), ("15m", 900), ("90s", 90), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), (" 45 ", 45),
        ("365d", 31_536_000), ("31536000", 31_536_000),
    ])
    func deactivationDelaysInRange(_ text: String, _ seconds: Int64) throws {
        #expect(try SettingLimit.deactivationDelay.duration(text) == .seconds(seconds))
    }

    /// Each is refused with the one message: the setting, its range and the value given.
    @Test(arguments: [
        "9223372036854775807", "1e308", "-1", "99999999999d", "366d", "31536001", "365d1s", "", "soon", "15x", "1.5h",
        "-15m", "nan", String(repeating: "3650d", count: 20_000),
    ])
    func deactivationDelaysRefused(_ text: String) {
        #expect {
            try SettingLimit.deactivationDelay.duration(text)
        } throws: { error in
            let message = (error as? ProvisioningError)?.message ?? ""
            return message.hasPrefix("'deactivationDelay' must be a duration from 0 to 365d")
                && message.contains("got '\(text.prefix(40))")
        }
    }

    @Test(arguments: [("1", 1), ("90", 90), ("36500", 36_500), (" 30 ", 30)])
    func retentionDaysInRange(_ text: String, _ days: Int) throws {
        #expect(try SettingLimit.coldStorageRetentionDays.integer(text) == days)
    }

    @Test(arguments: ["4611686018427387904", "9223372036854775808", "0", "-1", "36501", "1e308", "1.5", "90d", ""])
    func retentionDaysRefused(_ text: String) {
        #expect {
            try SettingLimit.coldStorageRetentionDays.integer(text)
        } throws: { error in
            (error as? ProvisioningError)?.message
                == "'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '\(text)'."
        }
    }

    @Test func checksOfValuesAlreadyParsedGiveTheSameMessage() {
        #expect(
            throws: ProvisioningError.invalid(
                "'deactivationDelay' must be a duration from 0 to 365d (such as 0, 90s, 15m, 2h or 1d), got '-1s'.")
        ) {
            try SettingLimit.deactivationDelay.check(Duration.seconds(-1))
        }
        #expect(
            throws: ProvisioningError.invalid(
                "'deactivationGuard.percent' must be a whole number from 0 to 100, got '9223372036854775807'.")
        ) {
            try SettingLimit.guardPercent.check(Int.max)
        }
        #expect(
            throws: ProvisioningError.invalid(
                "'deactivationGuard.minimum' must be a whole number from 0 to 10000000, got '-1'.")
        ) {
            try SettingLimit.guardMinimum.check(-1)
        }
        #expect(throws: Never.self) { try SettingLimit.guardPercent.check(100) }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e308, -1, 0, 86_401])
    func decimalsOutOfRangeAreRefused(_ value: Double) {
        let idle = SettingLimit(name: "--idle-timeout", range: 1...86_400, kind: .number(unit: "seconds"))
        #expect {
            try idle.check(value)
        } throws: { error in
            (error as? ProvisioningError)?.message.hasPrefix(
                "'--idle-timeout' must be a number of seconds from 1 to 86400, got") == true
        }
    }

    @Test func clampingLogsTheSettingTheSubjectAndTheValues() {
        let recorder = LogRecorder()
        let logger = Logger(label: "test") { _ in recorder }
        #expect(
            SettingLimit.deactivationDelay.clamped(.seconds(Int64.max), subject: "provider p1", logger: logger)
                == .seconds(31_536_000))
        #expect(SettingLimit.deactivationDelay.clamped(.seconds(-5), subject: "provider p1", logger: logger) == .zero)
        #expect(
            SettingLimit.deactivationDelay.clamped(.seconds(900), subject: "provider p1", logger: logger)
                == .seconds(900))
        #expect(
            SettingLimit.coldStorageRetentionDays.clamped(
                setting: "4611686018427387904", fallback: 90, subject: "the platform", logger: logger) == 36_500)
        #expect(
            SettingLimit.coldStorageRetentionDays.clamped(
                setting: "lots", fallback: 90, subject: "the platform", logger: logger) == 90)
        #expect(
            SettingLimit.coldStorageRetentionDays.clamped(
                setting: nil, fallback: 90, subject: "the platform", logger: logger) == 90)
        let lines = recorder.lines
        #expect(lines.count == 4)
        #expect(lines.allSatisfy { $0.level == .warning })
        #expect(lines[0].message.contains("deactivationDelay of provider p1 is 9223372036854775807"))
        #expect(lines[0].message.contains("using 31536000"))
        #expect(lines[2].message.contains("coldStorageRetentionDays of the platform is 4611686018427387904"))
        #expect(lines[3].message.contains("'lots'"))
    }

    // MARK: Time arithmetic

    @Test(arguments: [1e300, -1e300, Double.nan, .infinity, -.infinity, 9.3e15, -9.3e15, 9_223_372_036_854_775.807])
    func millisecondsSaturateInsteadOfTrapping(_ seconds: Double) {
        let ms = Timestamp.milliseconds(Date(timeIntervalSince1970: seconds))
        if seconds.isNaN { #expect(ms == 0) } else if seconds > 0 { #expect(ms == .max) } else { #expect(ms == .min) }
        // Formatting a saturated count does not trap either.
        #expect(!Timestamp.format(milliseconds: ms).isEmpty)
    }

    @Test func millisecondsOfOrdinaryDatesAreUnchanged() {
        #expect(Timestamp.milliseconds(Date(timeIntervalSince1970: 1_305_261_754.5)) == 1_305_261_754_500)
        #expect(Timestamp.milliseconds(Date(timeIntervalSince1970: -0.0015)) == -2)
    }

    @Test(arguments: [
        (Double.nan, Duration.zero), (1e300, .seconds(Int64.max)), (-1e300, .seconds(Int64.min)),
        (1.5, .milliseconds(1500)),
    ])
    func durationsSaturate(_ seconds: Double, _ expected: Duration) {
        #expect(Duration.saturating(seconds: seconds) == expected)
    }

    @Test func guardThresholdNeverOverflows() {
        #expect(DeactivationGuard(percent: .max, minimum: 10).threshold(users: .max) == .max)
        #expect(DeactivationGuard(percent: 10, minimum: 10).threshold(users: 1000) == 100)
        #expect(DeactivationGuard(percent: 10, minimum: 10).threshold(users: 1001) == 101)
        #expect(DeactivationGuard(percent: .min, minimum: .min).threshold(users: 50) == 0)
        #expect(DeactivationGuard(percent: 0, minimum: .max).threshold(users: 50) == 10_000_000)
    }

    @Test func aStoredDelayOutOfRangeSchedulesWithinTheRange() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        for delay in [Duration.seconds(Int64.max), .seconds(Int64.min), .seconds(Int64.max) * 10] {
            let decision = try Lifecycle().handle(.providerDeactivated(delay: delay, guardTripped: false), at: now)
            let due = try #require(decision.next.deactivationDueAt)
            #expect(due.timeIntervalSince(now) <= 365 * 86_400)
            #expect(due >= now)
        }
    }
}
