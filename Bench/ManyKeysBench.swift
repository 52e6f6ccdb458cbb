// Times the SCIM module's work on request bodies of about 1 MiB whose objects have tens of thousands of members:
// reading the JSON, normalizing a POST/PUT body, decoding and applying a PATCH, and projecting the result, as the
// server does for POST /Users and PATCH /Users/{id}. Built by scripts/bench_many_keys.sh together with the SCIM
// module's sources; prints one line per shape with the member count, the body size and the milliseconds of each step
// (best of 5).

@main
struct ManyKeysBench {
    static let budget = 1 << 20

    /// Members `"<prefix>0": value, ...` until the body reaches about 1 MiB.
    static func members(_ name: (Int) -> String, _ value: String, room: Int) -> (text: String, count: Int) {
        var parts: [String] = []
        var size = 0
        var i = 0
        while size < room {
            let part = "\"\(name(i))\":\(value)"
            size += part.utf8.count + 1
            parts.append(part)
            i += 1
        }
        return (parts.joined(separator: ","), parts.count)
    }

    static func milliseconds(_ body: () throws -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let start = ContinuousClock.now
            try? body()
            let elapsed = ContinuousClock.now - start
            let (s, atto) = elapsed.components
            best = min(best, Double(s) * 1000 + Double(atto) / 1e15)
        }
        return best
    }

    static func report(_ label: String, _ body: String, count: Int, steps: [(String, () throws -> Void)]) {
        let timings = steps.map { name, step in "\(name) \(format(milliseconds(step))) ms" }
        print("\(label): \(count) members, \(body.utf8.count / 1024) KiB: " + timings.joined(separator: ", "))
    }

    static func format(_ ms: Double) -> String {
        let tenths = Int((ms * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func main() throws {
        let bytes = { (text: String) in Array(text.utf8) }

        // POST /Users whose unknown schema URIs carry nothing (ignored, so the whole body is read and normalized).
        let urns = members({ "urn:x:\($0)" }, "null", room: budget - 64)
        let post = "{\"userName\":\"ann@example.com\"," + urns.text + "}"
        report("POST, top-level URN members", post, count: urns.count, steps: [
            ("parse", { _ = try JSONValue(parsing: bytes(post)) }),
            ("parse+normalize", { _ = try ResourceType.user.normalize(try JSONValue(parsing: bytes(post)).objectValue!) }),
        ])

        // The same members under one unknown schema URN.
        let nested = members({ "k\($0)" }, "null", room: budget - 96)
        let nestedBody = "{\"userName\":\"ann@example.com\",\"urn:example:ext:User\":{" + nested.text + "}}"
        report("POST, members under one URN", nestedBody, count: nested.count, steps: [
            ("parse+normalize", { _ = try ResourceType.user.normalize(try JSONValue(parsing: bytes(nestedBody)).objectValue!) }),
        ])

        // Plain names: refused at the first unknown one, after reading the whole body.
        let plain = members({ "k\($0)" }, "1", room: budget - 64)
        let plainBody = "{\"userName\":\"ann@example.com\"," + plain.text + "}"
        report("POST, unknown attribute names", plainBody, count: plain.count, steps: [
            ("parse", { _ = try JSONValue(parsing: bytes(plainBody)) }),
            ("parse+normalize (400)", { _ = try ResourceType.user.normalize(try JSONValue(parsing: bytes(plainBody)).objectValue!) }),
        ])

        // A path-less PATCH replace whose value has that many members, applied to a user and normalized, then
        // projected as the response is.
        let user: JSONObject = [
            "userName": "ann@example.com", "name": ["givenName": "Ann", "familyName": "B"],
            "emails": [["value": "ann@example.com", "type": "work", "primary": true]], "active": true,
        ]
        let patchMembers = members({ "urn:x:\($0)" }, "null", room: budget - 160)
        let patch = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"replace\","
            + "\"value\":{\"title\":\"Lead\"," + patchMembers.text + "}}]}"
        report("PATCH, path-less value members", patch, count: patchMembers.count, steps: [
            ("parse+decode+apply+normalize+project", {
                let request = try PatchRequest(json: try JSONValue(parsing: bytes(patch)))
                let outcome = try ResourceType.user.applyPatch(request, to: user)
                let normalized = try ResourceType.user.normalize(outcome.resource)
                _ = ResourceType.user.project(normalized, attributes: [], excludedAttributes: [])
            }),
        ])

        // Dotted names in a path-less value (Entra's form): every member is resolved as an attribute path.
        let dotted = members({ "name.givenName\($0)" }, "\"x\"", room: budget - 160)
        let dottedPatch = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"replace\","
            + "\"value\":{" + dotted.text + "}}]}"
        report("PATCH, dotted names (400)", dottedPatch, count: dotted.count, steps: [
            ("parse+decode+apply", {
                let request = try PatchRequest(json: try JSONValue(parsing: bytes(dottedPatch)))
                _ = try ResourceType.user.applyPatch(request, to: user)
            }),
        ])

        // An object of many members stored by a custom attribute would be projected; the stored resources Roster
        // keeps are bounded by the schemas, so projection is timed on the largest body normalization accepts.
        let accepted = try ResourceType.user.normalize(try JSONValue(parsing: bytes(post)).objectValue!)
        report("projection of the accepted POST", post, count: urns.count, steps: [
            ("project", { _ = ResourceType.user.project(accepted, attributes: [], excludedAttributes: []) }),
        ])
    }
}
