/// The mass-deactivation guard of a provider: when its deactivations within one hour exceed
/// `max(minimum, percent% of its users)`, further deactivations are held for an admin to release or cancel.
package struct DeactivationGuard: Sendable, Hashable {
    package var enabled: Bool
    package var percent: Int
    package var minimum: Int

    package init(enabled: Bool = true, percent: Int = 10, minimum: Int = 10) {
        self.enabled = enabled
        self.percent = percent
        self.minimum = minimum
    }

    /// The window the guard counts a provider's deactivations in: the hour before each deactivation.
    package static let window: Duration = .seconds(3600)

    /// How many deactivations within an hour are allowed for a provider with `users` users. Percent and minimum
    /// count within their ranges (``SettingLimit/guardPercent``, ``SettingLimit/guardMinimum``) whatever is stored.
    package func threshold(users: Int) -> Int {
        let percent = Int(SettingLimit.guardPercent.range.clamping(Int64(percent)))
        let minimum = Int(SettingLimit.guardMinimum.range.clamping(Int64(minimum)))
        let (product, overflow) = max(0, users).multipliedReportingOverflow(by: percent)
        return max(minimum, overflow ? Int.max : product / 100 + (product % 100 == 0 ? 0 : 1))
    }
}
