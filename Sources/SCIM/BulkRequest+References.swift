/// `bulkId` references (RFC 7644 §3.7.2) and the order that resolves them.
///
/// A POST's `bulkId` names the resource it creates; any other operation of the same request may refer to that
/// resource as the string `"bulkId:<bulkId>"`: as a whole string value anywhere in its `data` (a group's
/// `members[].value`, the enterprise `manager.value`, a PATCH value) or as the id in its `path`
/// (`/Users/bulkId:qwerty`). Just before an operation runs, every reference is replaced by the id the POST
/// created.
///
/// The order: operations run as sent, except that an operation referring to a `bulkId` a later POST creates waits
/// for that POST and runs right after it (and anything waiting for it, right after that). So references resolve
/// whatever the order of the request, and a request whose references all point backwards runs exactly as sent.
/// A reference that no POST of the request defines, a POST referring to its own `bulkId`, and circular references
/// (RFC 7644 §3.7.1: Group A lists Group B as member and B lists A) cannot be resolved: those operations fail with
/// 409 `invalidValue` naming the `bulkId`, without running. A reference to a POST that ran and failed fails the
/// same way when its turn comes.
public struct BulkPlan: Sendable, Hashable {
    /// One operation's turn.
    public struct Step: Sendable, Hashable {
        /// The operation's index in `Operations`.
        public var index: Int
        /// The `bulkId`s the operation refers to, each once, in the order they appear.
        public var references: [String]
        /// Why the operation fails without running (an unresolvable or circular reference), if it does.
        public var error: SCIMError?

        public init(index: Int, references: [String] = [], error: SCIMError? = nil) {
            self.index = index
            self.references = references
            self.error = error
        }
    }

    /// Every operation of the request, once, in the order to process them.
    public var steps: [Step]
}

extension BulkRequest {
    /// The prefix that makes a string a reference to the resource a POST of the same request creates.
    public static let referencePrefix = "bulkId:"

    /// The `bulkId` a string refers to, if it is a reference (`"bulkId:qwerty"` → `qwerty`).
    public static func referencedBulkId(_ value: String) -> String? {
        guard value.hasPrefix(referencePrefix) else { return nil }
        return String(value.dropFirst(referencePrefix.count))
    }

    /// The order in which to process the operations so that references resolve (see ``BulkPlan``).
    public func plan() -> BulkPlan {
        let count = entries.count
        var definedAt: [String: Int] = [:]
        for (index, entry) in entries.enumerated() where entry.isPost {
            if let bulkId = entry.bulkId { definedAt[bulkId] = index }
        }
        var references = [[String]](repeating: [], count: count)
        var errors = [SCIMError?](repeating: nil, count: count)
        var dependencies = [[Int]](repeating: [], count: count)
        for (index, entry) in entries.enumerated() {
            guard case .valid(let operation) = entry else { continue }
            references[index] = operation.references
            for bulkId in references[index] {
                guard let definer = definedAt[bulkId] else {
                    errors[index] = Self.unresolvable(
                        bulkId, "no POST operation of this request has that bulkId (RFC 7644 §3.7.2)")
                    break
                }
                guard definer != index else {
                    errors[index] = Self.unresolvable(
                        bulkId, "it is this operation's own bulkId, which names the resource only once it exists")
                    break
                }
                dependencies[index].append(definer)
            }
            if errors[index] != nil { dependencies[index] = [] }
        }
        var dependents = [[Int]](repeating: [], count: count)
        var waiting = [Int](repeating: 0, count: count)
        for index in 0..<count {
            waiting[index] = dependencies[index].count
            for definer in dependencies[index] { dependents[definer].append(index) }
        }
        var steps: [BulkPlan.Step] = []
        steps.reserveCapacity(count)
        var placed = [Bool](repeating: false, count: count)
        for scan in 0..<count where waiting[scan] == 0 && !placed[scan] {
            // Place it, then whatever was deferred waiting only for it (depth first, in request order).
            var stack = [scan]
            while let index = stack.popLast() {
                placed[index] = true
                steps.append(BulkPlan.Step(index: index, references: references[index], error: errors[index]))
                var freed: [Int] = []
                for dependent in dependents[index] {
                    waiting[dependent] -= 1
                    if waiting[dependent] == 0 && dependent < scan { freed.append(dependent) }
                }
                stack.append(contentsOf: freed.reversed())
            }
        }
        // What is left waits, directly or through others, for itself.
        for index in 0..<count where !placed[index] {
            let blocker = dependencies[index].first { !placed[$0] } ?? index
            let bulkId = entries[blocker].bulkId ?? ""
            steps.append(
                BulkPlan.Step(
                    index: index, references: references[index],
                    error: Self.unresolvable(
                        bulkId,
                        "the operations' references form a circle (RFC 7644 §3.7.1), which Roster does not resolve; create the resources first, then link them with PATCH"
                    )))
        }
        return BulkPlan(steps: steps)
    }

    static func unresolvable(_ bulkId: String, _ reason: String) -> SCIMError {
        SCIMError(
            status: 409, scimType: .invalidValue,
            detail: "The reference 'bulkId:\(bulkId)' cannot be resolved: \(reason).")
    }
}

extension BulkOperation {
    /// The `bulkId`s this operation refers to in its `path` and `data`, each once, in the order they appear.
    public var references: [String] {
        var found: [String] = []
        if let id = path.id, let bulkId = BulkRequest.referencedBulkId(id) { found.append(bulkId) }
        if let data { Self.collectReferences(in: data, into: &found) }
        guard found.count > 1 else { return found }
        var seen = Set<String>()
        return found.filter { seen.insert($0).inserted }
    }

    static func collectReferences(in object: JSONObject, into found: inout [String]) {
        for member in object { collectReferences(in: member.value, into: &found) }
    }

    static func collectReferences(in value: JSONValue, into found: inout [String]) {
        switch value {
        case .string(let s): if let bulkId = BulkRequest.referencedBulkId(s) { found.append(bulkId) }
        case .array(let elements): for element in elements { collectReferences(in: element, into: &found) }
        case .object(let object): collectReferences(in: object, into: &found)
        case .null, .bool, .int, .double: break
        }
    }

    /// The operation with every reference replaced by the id created for it.
    ///
    /// - Parameter ids: the ids of the resources created so far, by `bulkId`.
    /// - Throws: 409 `invalidValue` naming the first reference whose POST did not create a resource.
    public func resolving(_ ids: [String: String]) throws(SCIMError) -> BulkOperation {
        var resolved = self
        if let id = path.id, let bulkId = BulkRequest.referencedBulkId(id) {
            resolved.path.id = try Self.id(for: bulkId, in: ids)
        }
        if let data { resolved.data = try Self.resolving(data, ids) }
        return resolved
    }

    static func id(for bulkId: String, in ids: [String: String]) throws(SCIMError) -> String {
        guard let id = ids[bulkId] else {
            throw BulkRequest.unresolvable(
                bulkId, "the POST with that bulkId failed, so there is no resource to refer to")
        }
        return id
    }

    static func resolving(_ object: JSONObject, _ ids: [String: String]) throws(SCIMError) -> JSONObject {
        var result = object
        for member in object {
            let value = try resolving(member.value, ids)
            if value != member.value { result[member.key] = value }
        }
        return result
    }

    static func resolving(_ value: JSONValue, _ ids: [String: String]) throws(SCIMError) -> JSONValue {
        switch value {
        case .string(let s):
            guard let bulkId = BulkRequest.referencedBulkId(s) else { return value }
            return .string(try id(for: bulkId, in: ids))
        case .array(let elements):
            var result = elements
            for (i, element) in elements.enumerated() { result[i] = try resolving(element, ids) }
            return .array(result)
        case .object(let object):
            return .object(try resolving(object, ids))
        case .null, .bool, .int, .double:
            return value
        }
    }
}
