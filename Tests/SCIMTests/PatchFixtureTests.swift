import Foundation
import Testing

@testable import SCIM

/// Replays the PATCH fixtures: each file holds a request as its source (RFC 7644 §3.5.2 or an identity provider's
/// documentation) shows it, and one or more cases: a stored resource, the deferred attributes, and the expected
/// resource, deferred changes or error.
///
/// Fixture format:
/// ```
/// {"source": "...", "resourceType": "User" | "Group", "request": { PatchOp body },
///  "cases": [{"name": "...", "deferredAttributes": ["members"], "resource": {...},
///             "expected": {...}, "expectedDeferred": [{"op": "add", "attribute": "members", "values": [...]}],
///             "expectedError": {"status": 400, "scimType": "noTarget"}}]}
/// ```
@Suite("PATCH fixtures")
struct PatchFixtureTests {
    static let fixtures: [String] = [
        "rfc7644-3.5.2.1-add-member",
        "rfc7644-3.5.2.1-add-emails",
        "rfc7644-3.5.2.2-remove-member",
        "rfc7644-3.5.2.2-remove-all-members",
        "rfc7644-3.5.2.2-remove-emails-filter",
        "rfc7644-3.5.2.2-remove-sub-attribute",
        "rfc7644-3.5.2.2-remove-all-then-add-members",
        "rfc7644-3.5.2.3-replace-members",
        "rfc7644-3.5.2.3-replace-work-address",
        "rfc7644-3.5.2.3-replace-sub-attribute",
        "rfc7644-3.5.2.3-replace-pathless",
        "okta/deactivate-user",
        "okta/reactivate-user",
        "okta/group-rename",
        "okta/group-membership",
        "okta/group-replace-members",
        "okta/group-replace-members-pathless",
        "entra/disable-user-legacy",
        "entra/disable-user",
        "entra/update-user",
        "entra/add-single-value-legacy",
        "entra/multi-attr-replace-legacy",
        "entra/multi-attr-replace-pathless",
        "entra/add-member",
        "entra/remove-member-legacy",
        "entra/remove-member",
        "entra/add-manager",
        "entra/replace-manager-urn",
        "jumpcloud/group-membership",
    ]

    @Test("fixture replays as expected", arguments: fixtures)
    func replay(_ name: String) throws {
        let fixture = try PatchFixture.load(name)
        #expect(!fixture.cases.isEmpty, "\(name) has no cases")
        for c in fixture.cases {
            let label = "\(name) — \(c.name)"
            let result: Result<PatchOutcome, SCIMError>
            do throws(SCIMError) {
                let request = try PatchRequest(json: fixture.request)
                result = .success(
                    try fixture.type.applyPatch(request, to: c.resource, deferredAttributes: c.deferredAttributes))
            } catch {
                result = .failure(error)
            }
            switch (result, c.expectedError) {
            case (.failure(let error), let expected?):
                #expect(error.status == expected.status, "\(label): \(error)")
                #expect(error.scimType == expected.scimType, "\(label): \(error)")
                if let fragment = expected.detailContains {
                    #expect(error.detail.contains(fragment), "\(label): detail \(error.detail) lacks \(fragment)")
                }
            case (.failure(let error), nil):
                Issue.record("\(label): unexpected error \(error)")
            case (.success(let outcome), let expected?):
                Issue.record(
                    "\(label): expected \(expected.status) \(expected.scimType?.rawValue ?? "") but got \(outcome.resource.jsonText)"
                )
            case (.success(let outcome), nil):
                if let expected = c.expected {
                    #expect(
                        JSONValue.object(outcome.resource).canonicallyEquals(.object(expected)),
                        "\(label):\n got      \(outcome.resource.jsonText)\n expected \(expected.jsonText)")
                }
                #expect(outcome.deferred == c.expectedDeferred, "\(label): deferred \(outcome.deferred)")
                // The caller stores `normalize(outcome.resource)`: the engine's output must already be canonical.
                do throws(SCIMError) {
                    let normalized = try fixture.type.normalize(outcome.resource)
                    #expect(
                        JSONValue.object(normalized).canonicallyEquals(.object(outcome.resource)),
                        "\(label): normalize changed the output:\n engine     \(outcome.resource.jsonText)\n normalized \(normalized.jsonText)"
                    )
                } catch {
                    Issue.record("\(label): normalize rejected the engine's output: \(error)")
                }
            }
        }
    }

    @Test("every fixture file on disk is replayed")
    func everyFixtureIsListed() throws {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let enumerator = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        var onDisk: Set<String> = []
        for case let url as URL in enumerator where url.pathExtension == "json" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let relative = url.path.replacingOccurrences(of: root.path + "/", with: "")
            // Only PATCH fixtures (other suites keep their own files here; a bulk request may carry a PATCH).
            guard text.contains("\"PatchOp\"") || text.contains(":PatchOp\""), !relative.hasPrefix("bulk/") else {
                continue
            }
            onDisk.insert(String(relative.dropLast(".json".count)))
        }
        #expect(
            onDisk == Set(Self.fixtures),
            "unlisted: \(onDisk.subtracting(Self.fixtures)), missing: \(Set(Self.fixtures).subtracting(onDisk))")
    }
}

/// One PATCH fixture file.
struct PatchFixture {
    struct ExpectedError {
        var status: Int
        var scimType: SCIMError.ScimType?
        var detailContains: String?
    }
    struct Case {
        var name: String
        var deferredAttributes: Set<String>
        var resource: JSONObject
        var expected: JSONObject?
        var expectedDeferred: [DeferredChange]
        var expectedError: ExpectedError?
    }

    var source: String
    var type: ResourceType
    var request: JSONValue
    var cases: [Case]

    static func load(_ name: String) throws -> PatchFixture {
        let parts = name.split(separator: "/")
        let subdirectory = (["Fixtures"] + parts.dropLast().map(String.init)).joined(separator: "/")
        let url = try #require(
            Bundle.module.url(forResource: String(parts.last!), withExtension: "json", subdirectory: subdirectory),
            "fixture \(name).json not found")
        let data = try Data(contentsOf: url)
        let json = try JSONValue(parsing: Array(data))
        let root = try #require(json.objectValue, "\(name): not an object")
        let source = try #require(root["source"]?.stringValue, "\(name): no source")
        let request = try #require(root["request"], "\(name): no request")
        let typeName = root["resourceType"]?.stringValue ?? "User"
        var cases: [Case] = []
        for (i, raw) in (root["cases"]?.arrayValue ?? []).enumerated() {
            let c = try #require(raw.objectValue, "\(name): case \(i) is not an object")
            var expectedError: ExpectedError? = nil
            if let e = c["expectedError"]?.objectValue {
                expectedError = ExpectedError(
                    status: e["status"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 400,
                    scimType: e["scimType"]?.stringValue.map(SCIMError.ScimType.init(rawValue:)),
                    detailContains: e["detailContains"]?.stringValue)
            }
            cases.append(
                Case(
                    name: c["name"]?.stringValue ?? "case \(i)",
                    deferredAttributes: Set((c["deferredAttributes"]?.arrayValue ?? []).compactMap(\.stringValue)),
                    resource: c["resource"]?.objectValue ?? JSONObject(),
                    expected: c["expected"]?.objectValue,
                    expectedDeferred: try (c["expectedDeferred"]?.arrayValue ?? []).map {
                        try DeferredChange(fixture: $0)
                    },
                    expectedError: expectedError))
        }
        return PatchFixture(source: source, type: PatchTestTypes.named(typeName), request: request, cases: cases)
    }
}

extension DeferredChange {
    /// `{"op": "add" | "remove" | "removeMatching" | "removeAll" | "replace", "attribute": "...", "values": [...],
    /// "filter": "..."}`
    init(fixture json: JSONValue) throws {
        let o = try #require(json.objectValue)
        let attribute = try #require(o["attribute"]?.stringValue)
        let values = o["values"]?.arrayValue ?? []
        switch o["op"]?.stringValue {
        case "add": self = .add(attribute: attribute, values: values)
        case "remove": self = .remove(attribute: attribute, values: values)
        case "removeAll": self = .removeAll(attribute: attribute)
        case "replace": self = .replace(attribute: attribute, values: values)
        case "removeMatching":
            self = .removeMatching(
                attribute: attribute, filter: try Filter(parsing: try #require(o["filter"]?.stringValue)))
        default:
            throw FixtureError.unknownDeferredOp(json.jsonText)
        }
    }
}

enum FixtureError: Error { case unknownDeferredOp(String) }

extension JSONValue {
    /// Equality that ignores the order of object members but not the spelling of their names (the engine must
    /// write canonical names) nor the order of array elements.
    func canonicallyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            return a.members.allSatisfy { m in
                b.members.first { $0.key == m.key }.map { m.value.canonicallyEquals($0.value) } ?? false
            }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.canonicallyEquals($1) }
        default:
            return self == other
        }
    }
}
