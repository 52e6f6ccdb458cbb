// TEMPORARY until the country table lands: alpha-2 only.
extension CountryCode {
    package static func normalize(_ text: String) -> String? {
        isValid(text) ? text.uppercased() : nil
    }
}
