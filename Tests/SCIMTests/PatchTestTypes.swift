@testable import SCIM

/// The resource types the PATCH fixtures name.
enum PatchTestTypes {
    static let user = ResourceType.user
    static let group = ResourceType.group

    static func named(_ name: String) -> ResourceType {
        name.equalsIgnoringCase("Group") ? group : user
    }
}
