import Foundation
import SCIM

/// One SCIM write (POST, PUT, PATCH or DELETE on `/Users` or `/Groups`) decoded and validated as far as it can be
/// without the store, ready for a transaction. A single request and each operation of a bulk request are one of
/// these, run by the same transaction body (``SCIMService/perform(_:in:)``).
enum SCIMWrite: Sendable {
    case createUser(UserInput)
    case replaceUser(id: String, UserInput, ifMatch: String?)
    case patchUser(id: String, PatchRequest, ifMatch: String?)
    case deleteUser(id: String, ifMatch: String?)
    case createGroup(GroupInput)
    case replaceGroup(id: String, GroupInput, ifMatch: String?)
    case patchGroup(id: String, PatchRequest, ifMatch: String?)
    case deleteGroup(id: String, ifMatch: String?)

    /// What the write reads first, named ahead (``StoreTransaction/prefetch(_:)``): the provider (checked again),
    /// for a new user the organizations its placement starts from, the provider's group rules, and last the user
    /// or group it changes (by id, or a user by `userName` for a POST), which a store may lock: a store may answer
    /// the reads up to a locking one in one statement, and those named after a lock run once it is held.
    func reads(_ provider: Provider) -> [StoreRead] {
        var reads: [StoreRead] = [.provider(id: provider.id)]
        if case .createUser = self {
            reads += [
                .organization(id: Organization.rootID), .organization(id: provider.organizationMapping.organizationID),
            ]
        }
        reads.append(.mappingRules(providerID: provider.id))
        switch self {
        case .createUser(let input):
            if let userName = input.attributes["userName"]?.stringValue { reads.append(.userNamed(userName)) }
        case .replaceUser(let id, _, _), .patchUser(let id, _, _), .deleteUser(let id, _):
            reads.append(.user(id: id))
        case .replaceGroup(let id, _, _), .patchGroup(let id, _, _), .deleteGroup(let id, _):
            reads.append(.group(id: id))
        case .createGroup:
            break
        }
        return reads
    }
}

/// What a SCIM write produced.
package enum WriteResult: Sendable, Hashable {
    case user(UserRecord)
    case group(GroupRecord)
    case deleted
}

/// What every write's transaction body works with: the provider as it is in the transaction, the write's
/// instant, the request id its sync-log entries carry (for a bulk operation, `<request>/<index>`), and the
/// transaction.
struct WriteContext: TransactionContext {
    var provider: Provider
    let now: Date
    let requestID: String?
    let tx: any StoreTransaction

    /// The provider the effects' sync-log entries name.
    var providerID: String? { provider.id }

    /// The four, for bodies that name them one by one.
    var parts: (provider: Provider, now: Date, requestID: String?, tx: any StoreTransaction) {
        (provider, now, requestID, tx)
    }
}

extension SCIMService {
    /// The write an operation asks for: its `data` decoded as the request's body, its `version` as `If-Match`.
    /// User attributes are checked against `provider`'s `userName` format; the invalid-data policy is applied by
    /// the transaction bodies, with the provider as it is then.
    static func write(for operation: BulkOperation, provider: Provider) throws(SCIMError) -> SCIMWrite {
        let data = operation.data ?? [:]
        let id = operation.path.id ?? ""
        let ifMatch = operation.version
        switch (operation.method, operation.path.endpoint) {
        case (.post, .users):
            return .createUser(try normalizedUser(data, provider: provider))
        case (.put, .users):
            return .replaceUser(id: id, try normalizedUser(data, provider: provider), ifMatch: ifMatch)
        case (.patch, .users):
            return .patchUser(id: id, try PatchRequest(json: .object(data)), ifMatch: ifMatch)
        case (.delete, .users):
            return .deleteUser(id: id, ifMatch: ifMatch)
        case (.post, .groups):
            return .createGroup(try normalizedGroup(data))
        case (.put, .groups):
            return .replaceGroup(id: id, try normalizedGroup(data), ifMatch: ifMatch)
        case (.patch, .groups):
            return .patchGroup(id: id, try PatchRequest(json: .object(data)), ifMatch: ifMatch)
        case (.delete, .groups):
            return .deleteGroup(id: id, ifMatch: ifMatch)
        }
    }

    /// Runs one decoded write in its transaction: the body a single request and a bulk operation share.
    static func perform(_ write: SCIMWrite, in context: WriteContext) async throws -> WriteResult {
        switch write {
        case .createUser(let input):
            return .user(try await createUser(input, in: context))
        case .replaceUser(let id, let input, let ifMatch):
            return .user(try await replaceUser(id, with: input, ifMatch: ifMatch, in: context))
        case .patchUser(let id, let patch, let ifMatch):
            return .user(try await patchUser(id, with: patch, ifMatch: ifMatch, in: context))
        case .deleteUser(let id, let ifMatch):
            try await deleteUser(id, ifMatch: ifMatch, in: context)
            return .deleted
        case .createGroup(let input):
            return .group(try await createGroup(input, in: context))
        case .replaceGroup(let id, let input, let ifMatch):
            return .group(try await replaceGroup(id, with: input, ifMatch: ifMatch, in: context))
        case .patchGroup(let id, let patch, let ifMatch):
            return .group(try await patchGroup(id, with: patch, ifMatch: ifMatch, in: context))
        case .deleteGroup(let id, let ifMatch):
            try await deleteGroup(id, ifMatch: ifMatch, in: context)
            return .deleted
        }
    }

    /// 412 when `If-Match` names another version than the resource's.
    static func checkPrecondition(_ ifMatch: String?, version: Int) throws(SCIMError) {
        guard let ifMatch, !ETag.matches(ifMatch: ifMatch, version: version) else { return }
        throw SCIMError.preconditionFailed(
            "The resource has changed: If-Match '\(ifMatch)' does not match its current version \(ETag.forVersion(version))."
        )
    }
}

extension WriteResult {
    /// The user a user write wrote.
    package var user: UserRecord {
        get throws {
            guard case .user(let user) = self else { throw SCIMError.internalError("The write produced no user.") }
            return user
        }
    }

    /// The group a group write wrote.
    package var group: GroupRecord {
        get throws {
            guard case .group(let group) = self else { throw SCIMError.internalError("The write produced no group.") }
            return group
        }
    }
}
