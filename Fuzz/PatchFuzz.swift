// libFuzzer entry point for the PATCH decoder and engine: any body must decode and apply (to a sample user and to
// a group with deferred members) or fail with a SCIMError, never crash. Built by scripts/fuzz.sh together with the
// SCIM module's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let json = try? JSONValue(parsing: bytes), let request = try? PatchRequest(json: json) else { return 0 }
    let user: JSONObject = [
        "userName": "bjensen@example.com", "name": ["givenName": "Barbara", "familyName": "Jensen"],
        "emails": [["value": "bjensen@example.com", "type": "work", "primary": true]], "active": true,
    ]
    if let outcome = try? ResourceType.user.applyPatch(request, to: user) {
        _ = try? ResourceType.user.normalize(outcome.resource)
    }
    _ = try? ResourceType.group.applyPatch(request, to: ["displayName": "Group"], deferredAttributes: ["members"])
    return 0
}
