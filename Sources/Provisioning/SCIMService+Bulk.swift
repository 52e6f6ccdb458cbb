public import Foundation
public import SCIM
import Synchronization

/// What one operation of a bulk request did (RFC 7644 §3.7.3), for the BulkResponse.
public struct BulkResult: Sendable, Hashable {
    /// The operation's index in `Operations`.
    public var index: Int
    /// The method the operation sent.
    public var method: String?
    /// The `bulkId` the operation sent.
    public var bulkId: String?
    /// The resource the operation wrote or addressed, references resolved (for a POST, the one it created); `nil`
    /// for a POST that failed and for an operation whose path could not be read.
    public var resource: BulkPath?
    /// The resource's version after the operation (PUT, PATCH, POST).
    public var version: Int?
    /// The operation's HTTP status: 201, 200, 204 or the error's.
    public var status: Int
    /// Why the operation failed.
    public var error: SCIMError?
    /// For a failure that was not a SCIM or domain error (a bug), its description, for the server's log; the
    /// client sees a neutral 500.
    public var unexpectedError: String?
}

/// One SCIM write (POST, PUT, PATCH or DELETE on `/Users` or `/Groups`) decoded and validated as far as it can be
/// without the store, ready for a transaction.
enum SCIMWrite: Sendable {
    case createUser(JSONObject)
    case replaceUser(id: String, JSONObject, ifMatch: String?)
    case patchUser(id: String, PatchRequest, ifMatch: String?)
    case deleteUser(id: String, ifMatch: String?)
    case createGroup(JSONObject, members: [MemberReference])
    case replaceGroup(id: String, JSONObject, members: [MemberReference], ifMatch: String?)
    case patchGroup(id: String, PatchRequest, ifMatch: String?)
    case deleteGroup(id: String, ifMatch: String?)

    /// What a write produced.
    enum Written: Sendable {
        case user(UserRecord)
        case group(GroupRecord)
        case deleted
    }
}

// MARK: - Bulk (RFC 7644 §3.7)

extension SCIMService {
    /// POST /Bulk (RFC 7644 §3.7): runs a bulk request's operations for `provider` with exactly the rules of the
    /// single requests (the same transaction bodies: lifecycle, mappings, sync log, `rejected` entries).
    ///
    /// - Operations run in the order of ``BulkRequest/plan()``: as sent, except that one referring to a `bulkId` a
    ///   later POST creates runs right after that POST; references are replaced just before an operation runs.
    /// - Each operation runs in its own transaction: a failed one stores nothing and the others go on, until
    ///   `failOnErrors` operations have failed; the rest are skipped and left out of the results (RFC 7644 §3.7.3).
    /// - With ``BulkRequest/allOrNothing`` (Roster's extension) every operation runs in one transaction: the first
    ///   failure rolls back all of them and is the only result.
    /// - Every sync-log entry of operation `i` carries the request id `"<requestID>/<i>"`, or
    ///   `"<requestID>/<i>:<bulkId>"` when the operation has a `bulkId`.
    ///
    /// - Returns: the results of the operations processed, in request order.
    /// - Throws: only what is not one operation's failure: the store failing to commit an all-or-nothing request.
    public func bulk(_ provider: Provider, _ request: BulkRequest, requestID: String?) async throws -> [BulkResult] {
        let plan = request.plan()
        let results =
            request.allOrNothing
            ? try await bulkInOneTransaction(provider, request, plan: plan, requestID: requestID)
            : await bulkOneByOne(provider, request, plan: plan, requestID: requestID)
        return results.sorted { $0.index < $1.index }
    }

    /// The request id of operation `index` in the sync log.
    static func operationRequestID(_ requestID: String?, index: Int, bulkId: String?) -> String {
        "\(requestID ?? "bulk")/\(index)" + (bulkId.map { ":\($0)" } ?? "")
    }

    /// Each operation in its own transaction.
    func bulkOneByOne(_ provider: Provider, _ request: BulkRequest, plan: BulkPlan, requestID: String?) async
        -> [BulkResult]
    {
        var ids: [String: String] = [:]
        var results: [BulkResult] = []
        results.reserveCapacity(plan.steps.count)
        var failures = 0
        for step in plan.steps {
            if let limit = request.failOnErrors, failures >= limit { break }
            let result = await runAlone(step, request.entries[step.index], provider: provider, ids: ids, requestID: requestID)
            if result.error != nil {
                failures += 1
            } else if let bulkId = result.bulkId, result.method == BulkOperation.Method.post.rawValue,
                let id = result.resource?.id
            {
                ids[bulkId] = id
            }
            results.append(result)
        }
        return results
    }

    /// One operation in its own transaction, recording a refused user operation as the single requests do.
    func runAlone(
        _ step: BulkPlan.Step, _ entry: BulkRequest.Entry, provider: Provider, ids: [String: String], requestID: String?
    ) async -> BulkResult {
        var result = BulkResult(index: step.index, method: entry.method, bulkId: entry.bulkId, status: 0)
        guard case .valid(let operation) = entry else {
            if case .invalid(_, _, let error) = entry { result.fail(error) }
            return result
        }
        let operationID = Self.operationRequestID(requestID, index: step.index, bulkId: operation.bulkId)
        var resolved = operation
        result.address(operation)
        do {
            if let error = step.error { throw error }
            if !step.references.isEmpty {
                resolved = try operation.resolving(ids)
                result.address(resolved)
            }
            let write = try Self.write(for: resolved, provider: provider)
            let timestamp = now()
            let written = try await transaction { tx in
                try Self.perform(write, provider: provider, at: timestamp, requestID: operationID, tx: tx)
            }
            result.succeed(resolved.method, written)
        } catch {
            result.fail(error)
            if let scimError = result.error, resolved.path.endpoint == .users {
                let isPost = resolved.method == .post
                await recordRejection(
                    scimError, provider: provider, userID: isPost ? nil : resolved.path.id,
                    userName: isPost ? resolved.data?["userName"]?.stringValue : nil, requestID: operationID)
            }
        }
        return result
    }

    /// Every operation in one transaction; the first failure rolls back all of them and is the only result.
    func bulkInOneTransaction(_ provider: Provider, _ request: BulkRequest, plan: BulkPlan, requestID: String?)
        async throws -> [BulkResult]
    {
        // Which operation was running when the transaction failed (the error itself leaves the transaction
        // through the store, which maps its own errors).
        let failed = Mutex<BulkResult?>(nil)
        do {
            return try await transaction { tx in
                var ids: [String: String] = [:]
                var results: [BulkResult] = []
                results.reserveCapacity(plan.steps.count)
                for step in plan.steps {
                    let entry = request.entries[step.index]
                    var result = BulkResult(index: step.index, method: entry.method, bulkId: entry.bulkId, status: 0)
                    do {
                        guard case .valid(let operation) = entry else {
                            if case .invalid(_, _, let error) = entry { throw error }
                            continue
                        }
                        result.address(operation)
                        if let error = step.error { throw error }
                        let resolved = step.references.isEmpty ? operation : try operation.resolving(ids)
                        result.address(resolved)
                        let operationID = Self.operationRequestID(requestID, index: step.index, bulkId: operation.bulkId)
                        let written = try Self.perform(
                            try Self.write(for: resolved, provider: provider), provider: provider, at: now(),
                            requestID: operationID, tx: tx)
                        result.succeed(resolved.method, written)
                        if resolved.method == .post, let bulkId = operation.bulkId, let id = result.resource?.id {
                            ids[bulkId] = id
                        }
                        results.append(result)
                    } catch {
                        failed.withLock { $0 = result }
                        throw error
                    }
                }
                return results
            }
        } catch {
            guard var result = failed.withLock({ $0 }) else { throw error }
            result.fail(error)
            if let scimError = result.error, case .valid(let operation) = request.entries[result.index],
                operation.path.endpoint == .users
            {
                let isPost = operation.method == .post
                await recordRejection(
                    scimError, provider: provider, userID: isPost ? nil : result.resource?.id,
                    userName: isPost ? operation.data?["userName"]?.stringValue : nil,
                    requestID: Self.operationRequestID(requestID, index: result.index, bulkId: operation.bulkId))
            }
            return [result]
        }
    }

    /// The write a bulk operation (references resolved) asks for: its `data` decoded as the single request's body
    /// would be, its `version` as `If-Match`.
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
            let (attributes, members) = try normalizedGroup(data)
            return .createGroup(attributes, members: members)
        case (.put, .groups):
            let (attributes, members) = try normalizedGroup(data)
            return .replaceGroup(id: id, attributes, members: members, ifMatch: ifMatch)
        case (.patch, .groups):
            return .patchGroup(id: id, try PatchRequest(json: .object(data)), ifMatch: ifMatch)
        case (.delete, .groups):
            return .deleteGroup(id: id, ifMatch: ifMatch)
        }
    }

    /// Runs one decoded write in `tx`: the transaction body of the single request.
    static func perform(
        _ write: SCIMWrite, provider: Provider, at timestamp: Date, requestID: String, tx: any StoreTransaction
    ) throws -> SCIMWrite.Written {
        switch write {
        case .createUser(let attributes):
            return .user(try createUser(attributes, provider: provider, at: timestamp, requestID: requestID, tx: tx))
        case .replaceUser(let id, let attributes, let ifMatch):
            return .user(
                try replaceUser(
                    id, with: attributes, ifMatch: ifMatch, provider: provider, at: timestamp, requestID: requestID,
                    tx: tx))
        case .patchUser(let id, let patch, let ifMatch):
            return .user(
                try patchUser(
                    id, with: patch, ifMatch: ifMatch, provider: provider, at: timestamp, requestID: requestID, tx: tx))
        case .deleteUser(let id, let ifMatch):
            try deleteUser(id, ifMatch: ifMatch, provider: provider, at: timestamp, requestID: requestID, tx: tx)
            return .deleted
        case .createGroup(let attributes, let members):
            return .group(
                try createGroup(
                    attributes, members: members, provider: provider, at: timestamp, requestID: requestID, tx: tx))
        case .replaceGroup(let id, let attributes, let members, let ifMatch):
            return .group(
                try replaceGroup(
                    id, with: attributes, members: members, ifMatch: ifMatch, provider: provider, at: timestamp,
                    requestID: requestID, tx: tx))
        case .patchGroup(let id, let patch, let ifMatch):
            return .group(
                try patchGroup(
                    id, with: patch, ifMatch: ifMatch, provider: provider, at: timestamp, requestID: requestID, tx: tx))
        case .deleteGroup(let id, let ifMatch):
            try deleteGroup(id, ifMatch: ifMatch, provider: provider, at: timestamp, requestID: requestID, tx: tx)
            return .deleted
        }
    }
}

extension BulkResult {
    /// Notes the resource an operation addresses (not for a POST, whose resource exists only once it succeeded;
    /// not while its id is an unresolved reference).
    mutating func address(_ operation: BulkOperation) {
        guard operation.method != .post, let id = operation.path.id, BulkRequest.referencedBulkId(id) == nil else {
            return
        }
        resource = operation.path
    }

    mutating func succeed(_ method: BulkOperation.Method, _ written: SCIMWrite.Written) {
        switch written {
        case .user(let user):
            resource = BulkPath(endpoint: .users, id: user.id)
            version = user.version
        case .group(let group):
            resource = BulkPath(endpoint: .groups, id: group.id)
            version = group.version
        case .deleted:
            break
        }
        status = switch method {
        case .post: 201
        case .put, .patch: 200
        case .delete: 204
        }
    }

    /// Records a failure: SCIM errors as they are, domain errors as the SCIM errors they mean, anything else as a
    /// neutral 500 (with the description kept for the log).
    mutating func fail(_ error: any Error) {
        let scimError: SCIMError
        switch error {
        case let e as SCIMError:
            scimError = e
        case let e as ProvisioningError:
            scimError = switch e.code {
            case .notFound: .notFound(e.message)
            case .conflict: .uniqueness(e.message)
            case .invalid: .invalidValue(e.message)
            case .refused: .conflict(e.message)
            case .unauthenticated: .unauthorized(e.message)
            case .unavailable: SCIMError(status: 503, detail: e.message)
            }
        default:
            scimError = .internalError("The operation could not be completed; the error was logged.")
            unexpectedError = String(reflecting: error)
        }
        self.error = scimError
        status = scimError.status
        // A POST that failed created nothing: no location (RFC 7644 §3.7.3).
        if method?.equalsIgnoringCase(BulkOperation.Method.post.rawValue) == true { resource = nil }
    }
}
