import Foundation
package import SCIM
import Synchronization

/// What one operation of a bulk request did (RFC 7644 §3.7.3), for the BulkResponse.
package struct BulkResult: Sendable, Hashable {
    /// The operation's index in `Operations`.
    package var index: Int
    /// The method the operation sent.
    package var method: String?
    /// The `bulkId` the operation sent.
    package var bulkId: String?
    /// The resource the operation wrote or addressed, references resolved (for a POST, the one it created); `nil`
    /// for a POST that failed and for an operation whose path could not be read.
    package var resource: BulkPath?
    /// The resource's version after the operation (PUT, PATCH, POST).
    package var version: Int?
    /// The operation's HTTP status: 201, 200, 204 or the error's.
    package var status: Int
    /// Why the operation failed.
    package var error: SCIMError?
    /// For a failure that was not a SCIM or domain error (a bug), its description, for the server's log; the
    /// client sees a neutral 500.
    package var unexpectedError: String?
}

/// What every operation of one bulk request shares.
struct BulkRun: Sendable {
    /// The provider, as authenticated; inside a transaction, as it is then.
    var provider: Provider
    let request: BulkRequest
    let requestID: String?
    /// The writes of operations without references, by index, decoded before any transaction (so that the
    /// database's writer spends its time on writing); `nil` where the operation is decoded in its transaction.
    var decoded: [SCIMWrite?] = []
    /// The `userName` format `decoded` was checked against.
    var decodedFormat: UserNameFormat

    /// The request id of operation `index` in the sync log.
    func operationID(_ index: Int) -> String {
        "\(requestID ?? "bulk")/\(index)" + (request.entries[index].bulkId.map { ":\($0)" } ?? "")
    }
}

// MARK: - Bulk (RFC 7644 §3.7)

extension SCIMService {
    /// POST /Bulk (RFC 7644 §3.7): runs a bulk request's operations for `provider` with exactly the rules of the
    /// single requests (the same transaction bodies: lifecycle, mappings, sync log, `rejected` entries).
    ///
    /// - Operations run in the order of ``BulkRequest/plan()``: as sent, except that one referring to a `bulkId` a
    ///   later POST creates runs right after that POST; references are replaced just before an operation runs.
    /// - Each operation runs in a transaction of its own (with the default `commitGroup` of 1): a failed one stores
    ///   nothing and the others go on, until `failOnErrors` operations have failed; the rest are skipped and left
    ///   out of the results (RFC 7644 §3.7.3). A `commitGroup` above 1 lets that many consecutive operations share
    ///   one commit; when one of them fails, the group is rolled back, the operations before it are run again, and
    ///   the failing one runs in a transaction of its own, so its outcome and its `rejected` entry are the single
    ///   request's.
    /// - With ``BulkRequest/allOrNothing`` (Roster's extension) every operation runs in one transaction: the first
    ///   failure rolls back all of them and is the only result.
    /// - Every sync-log entry of operation `i` carries the request id `"<requestID>/<i>"`, or
    ///   `"<requestID>/<i>:<bulkId>"` when the operation has a `bulkId`.
    ///
    /// - Returns: the results of the operations processed, in request order.
    /// - Throws: only what is not one operation's failure: the store failing to commit an all-or-nothing request.
    package func bulk(
        _ provider: Provider, _ request: BulkRequest, requestID: String?,
        commitGroup: Int = 1
    ) async throws -> [BulkResult] {
        let steps = request.plan().steps
        var run = BulkRun(
            provider: provider, request: request, requestID: requestID, decodedFormat: provider.userNameFormat)
        run.decoded = Array(repeating: nil, count: request.entries.count)
        for step in steps where step.references.isEmpty && step.error == nil {
            // A failure to decode is left for the operation's turn, where it is reported.
            if case .valid(let operation) = request.entries[step.index] {
                run.decoded[step.index] = try? Self.write(for: operation, provider: provider)
            }
        }
        var results: [BulkResult]
        if request.allOrNothing {
            switch await attempt(steps[...], run) {
            case .committed(let committed, _):
                results = committed
            case .failed(_, let result):
                await recordRejection(result, run)
                results = [result]
            case .uncommitted(let error):
                throw error
            }
        } else {
            results = await inGroups(steps, run, commitGroup: max(1, commitGroup))
        }
        results.sort { $0.index < $1.index }
        return results
    }

    /// How running some operations in one transaction went.
    enum Attempt {
        /// All committed: their results and the ids created so far, by `bulkId`.
        case committed([BulkResult], ids: [String: String])
        /// Rolled back: the operation that failed (its offset among those attempted) and its result.
        case failed(at: Int, BulkResult)
        /// Every operation ran, but the commit failed (the store became unavailable, say).
        case uncommitted(any Error)
    }

    /// Runs the operations in groups sharing a commit; a failing operation runs alone (see
    /// ``bulk(_:_:requestID:commitGroup:)``). The group size halves after a failure and doubles after a success, so
    /// a request of failing operations soon runs them one transaction each.
    func inGroups(_ steps: [BulkPlan.Step], _ run: BulkRun, commitGroup: Int) async -> [BulkResult] {
        var ids: [String: String] = [:]
        var results: [BulkResult] = []
        results.reserveCapacity(steps.count)
        var failures = 0
        var position = 0
        var size = commitGroup
        // The next operation known to fail in a group: it runs alone once the ones before it are committed.
        var alone: Int? = nil
        while position < steps.count {
            if let limit = run.request.failOnErrors, failures >= limit { break }
            let end = max(position + 1, min(steps.count, position + size, alone ?? .max))
            var outcome = await attempt(steps[position..<end], run, ids: ids)
            if case .uncommitted(let error) = outcome {
                // Blame the first operation: it runs alone next (or did), where its outcome is its own.
                var result = BulkResult(steps[position], run)
                result.fail(error)
                outcome = .failed(at: 0, result)
            }
            switch outcome {
            case .committed(let committed, let created):
                results += committed
                ids = created
                position += committed.count
                size = min(commitGroup, size * 2)
            case .failed(_, let result) where end <= position + 1:
                // It ran alone: this is its outcome.
                await recordRejection(result, run)
                results.append(result)
                failures += 1
                position += 1
                size = max(1, size / 2)
            case .failed(let offset, _):
                alone = position + offset
                size = max(1, size / 2)
            case .uncommitted:
                break
            }
            if let a = alone, position > a { alone = nil }
        }
        return results
    }

    /// Runs `steps` in one transaction, stopping at the first failure, which rolls all of them back.
    func attempt(_ steps: ArraySlice<BulkPlan.Step>, _ run: BulkRun, ids: [String: String] = [:]) async -> Attempt {
        let failed = Mutex<(offset: Int, result: BulkResult)?>(nil)
        do {
            let (results, created) = try await transaction(run.provider) { current, tx in
                var run = run
                run.provider = current
                var ids = ids
                var results: [BulkResult] = []
                results.reserveCapacity(steps.count)
                for (offset, step) in steps.enumerated() {
                    var result = BulkResult(step, run)
                    do {
                        try await Self.perform(step, run, ids: &ids, result: &result, at: now(), tx: tx)
                    } catch {
                        failed.withLock { $0 = (offset, result) }
                        throw error
                    }
                    results.append(result)
                }
                return (results, ids)
            }
            return .committed(results, ids: created)
        } catch {
            guard let failure = failed.withLock({ $0 }) else { return .uncommitted(error) }
            var result = failure.result
            result.fail(error)
            return .failed(at: failure.offset, result)
        }
    }

    /// Runs one operation in `tx`: resolves its references, decodes it as its single request would be decoded, and
    /// runs that request's transaction body.
    static func perform(
        _ step: BulkPlan.Step, _ run: BulkRun, ids: inout [String: String], result: inout BulkResult,
        at timestamp: Date,
        tx: any StoreTransaction
    ) async throws {
        let operation: BulkOperation
        switch run.request.entries[step.index] {
        case .invalid(_, _, let error): throw error
        case .valid(let valid): operation = valid
        }
        result.address(operation)
        if let error = step.error { throw error }
        let resolved = step.references.isEmpty ? operation : try operation.resolving(ids)
        result.address(resolved)
        // Decoded before the transaction for the provider as authenticated; again if its userName format changed.
        // (The invalid-data policy is applied by the transaction bodies, with the provider as it is then.)
        let decodedEarlier = run.provider.userNameFormat == run.decodedFormat ? run.decoded[step.index] : nil
        let decoded = try decodedEarlier ?? write(for: resolved, provider: run.provider)
        let written = try await perform(
            decoded,
            in: WriteContext(provider: run.provider, now: timestamp, requestID: run.operationID(step.index), tx: tx))
        result.succeed(resolved.method, written)
        if resolved.method == .post, let bulkId = operation.bulkId, let id = result.resource?.id { ids[bulkId] = id }
    }

    /// Records a `rejected` entry for a failed user operation, as the single request does.
    func recordRejection(_ result: BulkResult, _ run: BulkRun) async {
        guard let error = result.error, case .valid(let operation) = run.request.entries[result.index],
            operation.path.endpoint == .users
        else { return }
        let isPost = operation.method == .post
        await recordRejection(
            error, provider: run.provider, userID: isPost ? nil : result.resource?.id ?? operation.path.id,
            userName: isPost ? operation.data?["userName"]?.stringValue : nil, requestID: run.operationID(result.index))
    }
}

extension BulkResult {
    /// The result of an operation not yet run.
    init(_ step: BulkPlan.Step, _ run: BulkRun) {
        let entry = run.request.entries[step.index]
        self.init(index: step.index, method: entry.method, bulkId: entry.bulkId, status: 0)
    }

    /// Notes the resource an operation addresses (not for a POST, whose resource exists only once it succeeded;
    /// not while its id is an unresolved reference).
    mutating func address(_ operation: BulkOperation) {
        guard operation.method != .post, let id = operation.path.id, BulkRequest.referencedBulkId(id) == nil else {
            return
        }
        resource = operation.path
    }

    mutating func succeed(_ method: BulkOperation.Method, _ written: WriteResult) {
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
        status =
            switch method {
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
            scimError = e.scimError
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
