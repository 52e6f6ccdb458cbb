/// What a server does with a value it cannot keep in an attribute that does not decide who a user is: refuse the
/// whole resource, or store the resource without that value and say so.
///
/// Identity attributes (`userName`, `active`, `externalId`, `id`, a Group's `displayName` and `members`) are
/// strict under both; see ``ResourceType/identityAttributeNames``.
public enum InvalidDataPolicy: String, Sendable, Hashable, CaseIterable {
    /// The request succeeds; each value left out is reported as a ``DroppedValue``.
    case acceptAndWarn = "accept-and-warn"
    /// The request is refused with the 400 that names the first invalid value.
    case reject

    /// Under ``reject``, throws the error of the first of the values a lenient normalization left out.
    public func check(_ dropped: [DroppedValue]) throws(SCIMError) {
        if self == .reject, let first = dropped.first { throw first.error }
    }
}

/// A value left out of a resource under ``InvalidDataPolicy/acceptAndWarn``, with the error that
/// ``InvalidDataPolicy/reject`` answers for it.
public struct DroppedValue: Sendable, Hashable {
    /// Why a value was left out; the raw values are stable (sync log, metrics, console).
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// A name no schema of the resource type defines (core or extension), or an unknown schema URN.
        case unknownAttribute = "unknown-attribute"
        /// A value of the wrong data type (RFC 7643 §2.3), or of the wrong shape (an array for a single value).
        case wrongType = "wrong-type"
        /// A complex value without its required sub-attribute (`emails` without `value`).
        case missingValue = "missing-value"
        /// More than one value of a multi-valued attribute marked primary (RFC 7643 §2.4); the first one stays.
        case severalPrimary = "several-primary"
        /// An `addresses.country` that names no ISO 3166-1 country in any form Roster knows.
        case country
        /// An email address that is not one (secondary addresses only: the primary one is identity).
        case email
        /// A `manager` naming no user of the provider yet: kept, and shown once that user exists.
        case unknownManager = "unknown-manager"
        /// A `manager` naming the user itself.
        case selfManager = "self-manager"
    }

    /// The longest rendering of a value kept in a warning.
    public static let valueLimit = 100

    /// The attribute path as the schema spells it (`addresses.country`, `urn:…:enterprise:2.0:User:manager.value`),
    /// or as the client spelled it when it is unknown.
    public var attribute: String
    public var rule: Rule
    /// The value as JSON text, cut at ``valueLimit`` characters (with `…`).
    public var value: String
    /// The error ``InvalidDataPolicy/reject`` answers with; its detail names the attribute and the rule.
    public var error: SCIMError

    public init(attribute: String, rule: Rule, value: JSONValue, error: SCIMError) {
        self.attribute = attribute
        self.rule = rule
        self.value = Self.render(value)
        self.error = error
    }

    /// The warning as one sentence, for the sync log and the console.
    public var sentence: String {
        switch rule {
        case .unknownManager: "'\(attribute)' kept but not shown: \(error.detail)"
        default: "'\(attribute)' left out: \(error.detail)"
        }
    }

    /// A value as JSON text, cut at ``valueLimit`` characters.
    public static func render(_ value: JSONValue) -> String {
        let text = value.jsonText
        guard text.count > valueLimit else { return text }
        return String(text.prefix(valueLimit - 1)) + "…"
    }
}

/// The values a lenient normalization left out; in strict mode (``InvalidDataPolicy/reject``) it throws the error
/// of the first one instead.
public struct DroppedValues: Sendable, Hashable {
    public let policy: InvalidDataPolicy
    public private(set) var values: [DroppedValue] = []

    public init(policy: InvalidDataPolicy) { self.policy = policy }

    /// Records `dropped` under ``InvalidDataPolicy/acceptAndWarn``; throws its error under
    /// ``InvalidDataPolicy/reject``.
    public mutating func drop(_ dropped: DroppedValue) throws(SCIMError) {
        guard policy == .acceptAndWarn else { throw dropped.error }
        guard values.count < Self.limit else {
            // Past this, the body is not sloppy data but a broken mapping, or an attempt to fill the sync log
            // (one warning per value).
            let first = values.first ?? dropped
            throw SCIMError(
                status: 400, scimType: first.error.scimType,
                detail:
                    "More than \(Self.limit) values of this request cannot be kept; the first: \(first.error.detail)")
        }
        values.append(dropped)
    }

    /// The most values one request may have left out under ``InvalidDataPolicy/acceptAndWarn``; one more refuses
    /// the request.
    public static let limit = 100

    /// Records a value left out: see ``drop(_:)``.
    public mutating func drop(
        _ attribute: String, _ rule: DroppedValue.Rule, value: JSONValue, error: SCIMError
    ) throws(SCIMError) {
        try drop(DroppedValue(attribute: attribute, rule: rule, value: value, error: error))
    }

    /// Appends values dropped by an earlier step.
    public mutating func append(contentsOf other: DroppedValues) {
        values += other.values
    }
}
