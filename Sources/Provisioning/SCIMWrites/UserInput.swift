import SCIM

/// A user as a request gives it: attributes normalized and checked for its provider, ready to be written, and the
/// values left out of them under ``InvalidDataPolicy/acceptAndWarn`` (written to the sync log as warnings).
struct UserInput: Sendable, Hashable {
    var attributes: JSONObject
    var dropped: [DroppedValue]
}

/// A group as a request gives it: attributes normalized for its provider, its members apart (they are rows), and the
/// values left out under ``InvalidDataPolicy/acceptAndWarn``.
struct GroupInput: Sendable, Hashable {
    var attributes: JSONObject
    var members: [MemberReference]
    var dropped: [DroppedValue]
}
