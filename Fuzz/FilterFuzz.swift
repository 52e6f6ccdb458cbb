// libFuzzer entry point for the SCIM filter parser: any input must parse (and then validate, evaluate and
// round-trip through its rendering) or fail with a SCIMError, never crash. Built by scripts/fuzz.sh together with
// the SCIM module's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFilter(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let filter = try? Filter(parsing: text) else { return 0 }
    for type in [ResourceType.user, ResourceType.group] {
        if (try? filter.validate(against: type)) != nil {
            _ = filter.matches(["userName": "bjensen@example.com", "emails": [["value": "b@example.com"]]], in: type)
        }
    }
    // The rendering escapes control characters (\u001e is six characters for one), so it can outgrow the length
    // limit that the input respected; the round trip is only a property below that limit.
    let rendered = filter.description
    guard rendered.count <= Filter.maximumLength else { return 0 }
    guard let again = try? Filter(parsing: rendered), again == filter else {
        fatalError("round trip changed the filter: \(text) -> \(filter.description)")
    }
    return 0
}
