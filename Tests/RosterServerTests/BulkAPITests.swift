import Foundation
import HTTPTypes
import Provisioning
import ProvisioningTesting
import RosterServer
import SCIM
import Testing

/// POST /Bulk (RFC 7644 §3.7) through HTTP, on every store: the RFC's examples, limits, malformed requests,
/// preconditions, provider isolation, and that a failed operation stores nothing.
@Suite struct BulkAPITests {
    static let schema = #""schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]"#

    static func body(_ operations: [String], extra: String = "") -> String {
        "{\(schema)\(extra),\"Operations\":[\(operations.joined(separator: ","))]}"
    }

    static func postUser(_ bulkId: String, _ userName: String, extra: String = "") -> String {
        #"{"method":"POST","path":"/Users","bulkId":"\#(bulkId)","data":\#(UsersAPITests.user(userName, extra: extra))}"#
    }

    static func postGroup(_ bulkId: String, _ displayName: String, members: [String] = []) -> String {
        let list = members.map { #"{"value":"\#($0)"}"# }.joined(separator: ",")
        return
            #"{"method":"POST","path":"/Groups","bulkId":"\#(bulkId)","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"\#(displayName)","members":[\#(list)]}}"#
    }

    static let patchOp = #""schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]"#

    /// The operations of a BulkResponse.
    static func operations(_ r: SCIMResponse) -> [JSONObject] {
        r.object["Operations"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    static func statuses(_ r: SCIMResponse) -> [String] {
        operations(r).map { $0["status"]?.stringValue ?? "" }
    }

    /// The id at the end of an operation's `location`.
    static func id(_ operation: JSONObject) -> String {
        String(operation["location"]?.stringValue?.split(separator: "/").last ?? "")
    }

    static func allowAnyUserName(_ admin: AdminService, _ issued: AdminService.IssuedCredentials)
        async throws
    {
        _ = try await admin.updateProvider(
            id: issued.provider.id, name: nil, deactivationDelay: nil, userNameFormat: .any)
    }

    // MARK: RFC 7644 examples

    @Test(
        "RFC 7644 §3.7.2 example: a group lists a user created in the same request by its bulkId",
        arguments: StoreKind.allCases)
    func rfc7644_3_7_2(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            try await Self.allowAnyUserName(admin, issued[0])
            let r = try await okta.send(.post, "/Bulk", try BulkRequestExamples.text("3.7.2"))
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/scim+json")
            #expect(r.object["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
            let ops = Self.operations(r)
            try #require(ops.count == 2)
            #expect(ops.map { $0["method"] } == ["POST", "POST"])
            #expect(ops.map { $0["bulkId"] } == ["qwerty", "ytrewq"])
            #expect(Self.statuses(r) == ["201", "201"])
            #expect(ops.allSatisfy { $0["response"] == nil })
            let userID = Self.id(ops[0])
            let groupID = Self.id(ops[1])
            #expect(
                ops[0]["location"]?.stringValue
                    == "http://127.0.0.1:8080/scim/\(issued[0].provider.id)/v2/Users/\(userID)")
            let user = try await okta.send(.get, "/Users/\(userID)")
            #expect(user.status == .ok && user.object["userName"] == "Alice")
            #expect(ops[0]["version"]?.stringValue == user.headers[.eTag])
            let group = try await okta.send(.get, "/Groups/\(groupID)")
            #expect(group.object["displayName"] == "Tour Guides")
            #expect(GroupsAPITests.memberIDs(group) == [userID])
            #expect(ops[1]["version"]?.stringValue == group.headers[.eTag])
        }
    }

    @Test(
        "RFC 7644 §3.7.1 example: circular references fail both operations with 409 and store nothing",
        arguments: StoreKind.allCases)
    func rfc7644_3_7_1(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let r = try await okta.send(.post, "/Bulk", try BulkRequestExamples.text("3.7.1"))
            #expect(r.status == .ok)
            let ops = Self.operations(r)
            try #require(ops.count == 2)
            #expect(Self.statuses(r) == ["409", "409"])
            for (op, other) in zip(ops, ["ytrewq", "qwerty"]) {
                let response = try #require(op["response"]?.objectValue)
                #expect(response["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"])
                #expect(response["status"] == "409" && response["scimType"] == "invalidValue")
                #expect(response["detail"]?.stringValue?.contains("'bulkId:\(other)'") == true)
                #expect(op["location"] == nil)
            }
            #expect(try await okta.send(.get, "/Groups").totalResults == 0)
        }
    }

    @Test(
        "RFC 7644 §3.7.3 example with failOnErrors 1: the first failure ends the request, the rest is left out",
        arguments: StoreKind.allCases)
    func rfc7644_3_7_3_failOnErrors(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            // "Alice" is not an email, which this provider requires: the POST fails, and nothing after it runs.
            let r = try await okta.send(.post, "/Bulk", try BulkRequestExamples.text("3.7.3"))
            #expect(r.status == .ok)
            let ops = Self.operations(r)
            try #require(ops.count == 1)
            #expect(ops[0]["method"] == "POST" && ops[0]["bulkId"] == "qwerty" && ops[0]["status"] == "400")
            #expect(ops[0]["location"] == nil)
            let response = try #require(ops[0]["response"]?.objectValue)
            #expect(response["status"] == "400" && response["scimType"] == "invalidValue")
            #expect(response["detail"]?.stringValue?.contains("userName") == true)
            #expect(try await okta.send(.get, "/Users").totalResults == 0)
        }
    }

    /// The §3.7.3 request against resources that exist, with the given versions and a new user's name.
    static func likeRFC7644Section373(
        put: String, putVersion: String, patch: String, patchVersion: String, delete: String, deleteVersion: String,
        newUser: String = "Alice", failOnErrors: Bool = false
    ) -> String {
        """
        {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]\(failOnErrors ? #","failOnErrors":1"# : ""),
         "Operations":[
          {"method":"POST","path":"/Users","bulkId":"qwerty",
           "data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\(newUser)"}},
          {"method":"PUT","path":"/Users/\(put)","version":\(JSONValue.string(putVersion).jsonText),
           "data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"\(put)","userName":"Bob"}},
          {"method":"PATCH","path":"/Users/\(patch)","version":\(JSONValue.string(patchVersion).jsonText),
           "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations":[{"op":"remove","path":"nickName"},{"op":"replace","path":"userName","value":"Dave"}]}},
          {"method":"DELETE","path":"/Users/\(delete)","version":\(JSONValue.string(deleteVersion).jsonText)}]}
        """
    }

    @Test(
        "RFC 7644 §3.7.3 examples: every operation fails on its own (409, 412, 412, 404), then all succeed",
        arguments: StoreKind.allCases)
    func rfc7644_3_7_3_errors(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            try await Self.allowAnyUserName(admin, issued[0])
            let alice = try await okta.send(.post, "/Users", UsersAPITests.user("Alice"))
            let bob = try await okta.send(.post, "/Users", UsersAPITests.user("Robert", extra: #","nickName":"Bobby""#))
            let dave = try await okta.send(.post, "/Users", UsersAPITests.user("David", extra: #","nickName":"Davy""#))
            let erin = try await okta.send(.post, "/Users", UsersAPITests.user("Erin"))
            #expect([alice, bob, dave, erin].allSatisfy { $0.status == .created })
            // The RFC's versions are not these resources' versions; the DELETE names no user of this provider.
            let failing = try await okta.send(
                .post, "/Bulk",
                Self.likeRFC7644Section373(
                    put: bob.id, putVersion: #"W/"3694e05e9dff591""#, patch: dave.id,
                    patchVersion: #"W/"edac3253e2c0ef2""#,
                    delete: "e9025315-6bea-44e1-899c-1e07454e468b", deleteVersion: #"W/"0ee8add0a938e1a""#))
            #expect(failing.status == .ok)
            let ops = Self.operations(failing)
            #expect(Self.statuses(failing) == ["409", "412", "412", "404"])
            #expect(ops.map { $0["method"] } == ["POST", "PUT", "PATCH", "DELETE"])
            #expect(ops[0]["location"] == nil && ops[0]["response"]?.objectValue?["scimType"] == "uniqueness")
            #expect(ops[1]["location"]?.stringValue?.hasSuffix("/Users/\(bob.id)") == true)
            #expect(ops[1]["response"]?.objectValue?["status"] == "412")
            #expect(ops[3]["location"]?.stringValue?.hasSuffix("/Users/e9025315-6bea-44e1-899c-1e07454e468b") == true)
            // Nothing changed.
            let bobAfter = try await okta.send(.get, "/Users/\(bob.id)")
            #expect(bobAfter.object["userName"] == "Robert" && bobAfter.headers[.eTag] == bob.headers[.eTag])
            #expect(try await okta.send(.get, "/Users/\(dave.id)").object["nickName"] == "Davy")
            #expect(try await okta.send(.get, "/Users").totalResults == 4)

            // With the resources' own versions, a new userName and an existing user to delete: all succeed.
            let passing = try await okta.send(
                .post, "/Bulk",
                Self.likeRFC7644Section373(
                    put: bob.id, putVersion: bob.headers[.eTag] ?? "", patch: dave.id,
                    patchVersion: dave.headers[.eTag] ?? "",
                    delete: erin.id, deleteVersion: erin.headers[.eTag] ?? "", newUser: "Alice2", failOnErrors: true))
            #expect(Self.statuses(passing) == ["201", "200", "200", "204"])
            let done = Self.operations(passing)
            #expect(done[1]["version"] == #"W/"2""# && done[2]["version"] == #"W/"2""# && done[3]["version"] == nil)
            #expect(try await okta.send(.get, "/Users/\(bob.id)").object["userName"] == "Bob")
            let daveAfter = try await okta.send(.get, "/Users/\(dave.id)")
            #expect(daveAfter.object["userName"] == "Dave" && daveAfter.object["nickName"] == nil)
            #expect(try await okta.send(.get, "/Users/\(erin.id)").status == .notFound)
            #expect(try await okta.send(.get, "/Users/\(Self.id(done[0]))").object["userName"] == "Alice2")
        }
    }

    // MARK: bulkId references and order

    @Test(
        "forward references wait for their POST; the response keeps request order; sync-log entries carry the operation",
        arguments: StoreKind.allCases)
    func forwardReferences(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body([
                    Self.postGroup("g", "Engineering", members: ["bulkId:ann", "bulkId:bob"]),
                    #"{"method":"PATCH","path":"/Users/bulkId:ann","data":{\#(Self.patchOp),"Operations":[{"op":"replace","path":"title","value":"Lead"}]}}"#,
                    Self.postUser("ann", "ann@example.com"),
                    Self.postUser(
                        "bob", "bob@example.com",
                        extra:
                            #","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"bulkId:ann"}}"#
                    ),
                ]))
            #expect(r.status == .ok)
            let ops = Self.operations(r)
            #expect(Self.statuses(r) == ["201", "200", "201", "201"])
            #expect(ops.map { $0["bulkId"] } == ["g", nil, "ann", "bob"])
            let (group, ann, bob) = (Self.id(ops[0]), Self.id(ops[2]), Self.id(ops[3]))
            #expect(Self.id(ops[1]) == ann)
            #expect(GroupsAPITests.memberIDs(try await okta.send(.get, "/Groups/\(group)")) == [ann, bob])
            #expect(try await okta.send(.get, "/Users/\(ann)").object["title"] == "Lead")
            let manager = try await okta.send(.get, "/Users/\(bob)")
                .object["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?.objectValue?["manager"]?
                .objectValue
            #expect(manager?["value"]?.stringValue == ann)
            // Every entry of operation i is traceable: "<request id>/<i>[:<bulkId>]".
            let log = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id))
            let created = try #require(log.first { $0.action == .created && $0.userID == ann })
            #expect(created.requestID?.hasSuffix("/2:ann") == true)
            let updated = try #require(log.first { $0.action == .updated && $0.userID == ann })
            #expect(updated.requestID?.hasSuffix("/1") == true)
            let requestIDs = Set(log.compactMap { $0.requestID?.split(separator: "/").first })
            #expect(requestIDs.count == 1)
        }
    }

    @Test(
        "a reference to a POST that failed fails the operation with 409 naming the bulkId",
        arguments: StoreKind.allCases)
    func referenceToFailedPost(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body([
                    Self.postUser("bad", "not-an-email"), Self.postGroup("g", "G", members: ["bulkId:bad"]),
                    Self.postGroup("h", "H", members: ["bulkId:nobody"]),
                ]))
            #expect(Self.statuses(r) == ["400", "409", "409"])
            let ops = Self.operations(r)
            #expect(ops[1]["response"]?.objectValue?["detail"]?.stringValue?.contains("'bulkId:bad'") == true)
            #expect(ops[2]["response"]?.objectValue?["detail"]?.stringValue?.contains("'bulkId:nobody'") == true)
            #expect(ops[1]["response"]?.objectValue?["scimType"] == "invalidValue")
            #expect(try await okta.send(.get, "/Groups").totalResults == 0)
        }
    }

    // MARK: Limits

    @Test(
        "RFC 7644 §3.7.4: maxOperations and maxPayloadSize are announced and enforced with 413; /Bulk has its own body limit"
    )
    func limits() async throws {
        let configuration = ServerConfiguration(
            maxBodySize: 1024, bulkMaxOperations: 5, bulkMaxPayloadSize: 4096,
            failedAuthenticationDelay: .milliseconds(10))
        try await withSCIM(.memory, configuration: configuration) { clients, _, _ in
            let okta = clients[0]
            let spc = try await okta.send(.get, "/ServiceProviderConfig")
            #expect(spc.object["bulk"] == ["supported": true, "maxOperations": 5, "maxPayloadSize": 4096])

            let six = Self.body((0..<6).map { Self.postUser("u\($0)", "u\($0)@example.com") })
            let tooMany = try await okta.send(.post, "/Bulk", six)
            #expect(tooMany.status == .contentTooLarge)
            #expect(tooMany.object["status"] == "413")
            #expect(tooMany.detail.contains("6 operations") && tooMany.detail.contains("maxOperations is 5"))

            // Over the general 1 KiB limit but within the Bulk limit: accepted.
            let five = Self.body((0..<5).map { Self.postUser("u\($0)", "u\($0)@example.com") })
            #expect(five.utf8.count > 1024 && five.utf8.count <= 4096)
            let accepted = try await okta.send(.post, "/Bulk", five)
            #expect(accepted.status == .ok && Self.statuses(accepted) == Array(repeating: "201", count: 5))
            #expect(
                try await okta.send(.post, "/Users", String(repeating: " ", count: 2000) + "{}").status
                    == .contentTooLarge)

            let padding = String(repeating: " ", count: 5000)
            let tooLarge = try await okta.send(
                .post, "/Bulk", Self.body([Self.postUser("x", "x@example.com")]) + padding)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.detail.contains("maxPayloadSize") && tooLarge.detail.contains("4096"))
            #expect(try await okta.send(.get, "/Users?filter=userName%20eq%20%22x%40example.com%22").totalResults == 0)
        }
    }

    @Test("the default limits: 1,000 operations and 4 MiB")
    func defaultLimits() async throws {
        try await withSCIM(.memory) { clients, _, _ in
            let spc = try await clients[0].send(.get, "/ServiceProviderConfig")
            #expect(spc.object["bulk"] == ["supported": true, "maxOperations": 1000, "maxPayloadSize": 4_194_304])
            let ops = Array(repeating: #"{"method":"DELETE","path":"/Users/x"}"#, count: 1001)
            let r = try await clients[0].send(.post, "/Bulk", Self.body(ops))
            #expect(r.status == .contentTooLarge && r.detail.contains("maxOperations is 1000"))
        }
    }

    // MARK: Malformed requests

    @Test(
        "malformed requests get 400 with scimType and a detail naming the attribute or rule",
        arguments: StoreKind.allCases)
    func malformedRequests(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let cases: [(String, String, String)] = [
                (#"{"Operations":[]}"#, "invalidSyntax", "urn:ietf:params:scim:api:messages:2.0:BulkRequest"),
                ("{\(Self.schema)}", "invalidSyntax", "'Operations'"),
                ("{\(Self.schema),\"Operations\":\"all\"}", "invalidSyntax", "array"),
                ("{\(Self.schema),\"failOnErrors\":-1,\"Operations\":[]}", "invalidValue", "failOnErrors"),
                (
                    Self.body([Self.postUser("same", "a@example.com"), Self.postUser("same", "b@example.com")]),
                    "invalidValue",
                    "unique"
                ),
                ("[]", "invalidSyntax", "JSON object"),
                ("{\"Operations\":", "invalidSyntax", "not valid JSON"),
            ]
            for (body, scimType, detail) in cases {
                let r = try await okta.send(.post, "/Bulk", body)
                #expect(r.status == .badRequest, "\(body)")
                #expect(r.scimType == scimType, "\(body)")
                #expect(r.detail.contains(detail), "\(body): \(r.detail)")
            }
            #expect(try await okta.send(.get, "/Users").totalResults == 0)
            let get = try await okta.send(.get, "/Bulk")
            #expect(get.status == .methodNotAllowed && get.detail.contains("POST"))
            // An empty request is answered with no operations.
            let empty = try await okta.send(.post, "/Bulk", Self.body([]))
            #expect(empty.status == .ok && empty.object["Operations"] == [])
        }
    }

    @Test("a malformed operation fails alone; the operations around it run", arguments: StoreKind.allCases)
    func malformedOperationFailsAlone(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body([
                    Self.postUser("a", "a@example.com"),
                    #"{"method":"GET","path":"/Users"}"#,
                    #"{"method":"POST","path":"/Users","data":{"userName":"nobulkid@example.com"}}"#,
                    #"{"method":"DELETE","path":"/Widgets/1"}"#,
                    #"{"method":"PUT","path":"/Users","data":{}}"#,
                    Self.postUser("b", "b@example.com"),
                ]))
            #expect(r.status == .ok)
            #expect(Self.statuses(r) == ["201", "400", "400", "400", "400", "201"])
            let details = Self.operations(r).map { $0["response"]?.objectValue?["detail"]?.stringValue ?? "" }
            #expect(details[1].contains("Operations[1].method"))
            #expect(details[2].contains("Operations[2]") && details[2].contains("bulkId"))
            #expect(details[3].contains("Operations[3].path"))
            #expect(details[4].contains("Operations[4]") && details[4].contains("must name a resource"))
            #expect(Self.operations(r)[1]["method"] == "GET")
            #expect(try await okta.send(.get, "/Users").totalResults == 2)
        }
    }

    // MARK: Preconditions, isolation, failures

    @Test("a version that does not match is 412 in the operation and changes nothing", arguments: StoreKind.allCases)
    func versionPrecondition(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let user = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            let group = try await okta.send(
                .post, "/Groups", #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G"}"#)
            let rename = #"{\#(Self.patchOp),"Operations":[{"op":"replace","path":"displayName","value":"H"}]}"#
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body([
                    #"{"method":"PATCH","path":"/Groups/\#(group.id)","version":"W/\"7\"","data":\#(rename)}"#,
                    #"{"method":"DELETE","path":"/Users/\#(user.id)","version":"W/\"2\""}"#,
                    #"{"method":"PATCH","path":"/Groups/\#(group.id)","version":\#(JSONValue.string(group.headers[.eTag] ?? "").jsonText),"data":\#(rename)}"#,
                ]))
            #expect(Self.statuses(r) == ["412", "412", "200"])
            let first = try #require(Self.operations(r).first?["response"]?.objectValue)
            #expect(first["detail"]?.stringValue?.contains(#"W/"7""#) == true)
            #expect(try await okta.send(.get, "/Users/\(user.id)").status == .ok)
            let after = try await okta.send(.get, "/Groups/\(group.id)")
            #expect(after.object["displayName"] == "H" && after.headers[.eTag] == #"W/"2""#)
        }
    }

    @Test(
        "a bulk operation cannot reach another provider's resources: 404 in the operation",
        arguments: StoreKind.allCases)
    func providersAreIsolated(_ kind: StoreKind) async throws {
        try await withSCIM(kind, providers: ["Okta", "Entra"]) { clients, _, _ in
            let (okta, entra) = (clients[0], clients[1])
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            let group = try await okta.send(
                .post, "/Groups",
                #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Okta group","members":[{"value":"\#(ann.id)"}]}"#
            )
            let patch = #"{\#(Self.patchOp),"Operations":[{"op":"replace","path":"displayName","value":"x"}]}"#
            let r = try await entra.send(
                .post, "/Bulk",
                Self.body([
                    #"{"method":"PUT","path":"/Users/\#(ann.id)","data":\#(UsersAPITests.user("ann@example.com"))}"#,
                    #"{"method":"PATCH","path":"/Users/\#(ann.id)","data":\#(patch)}"#,
                    #"{"method":"DELETE","path":"/Users/\#(ann.id)"}"#,
                    #"{"method":"PUT","path":"/Groups/\#(group.id)","data":{"displayName":"Stolen"}}"#,
                    #"{"method":"PATCH","path":"/Groups/\#(group.id)","data":\#(patch)}"#,
                    #"{"method":"DELETE","path":"/Groups/\#(group.id)"}"#,
                    Self.postGroup("steal", "Steal", members: [ann.id]),
                    Self.postUser("same", "ANN@example.com"),
                ]))
            #expect(Self.statuses(r) == ["404", "404", "404", "404", "404", "404", "400", "409"])
            #expect(
                Self.operations(r)[7]["response"]?.objectValue?["detail"]?.stringValue?.contains(
                    "is already taken; userNames are unique across the platform") == true)
            // Okta's user and group are as they were; Entra has nothing.
            let annAfter = try await okta.send(.get, "/Users/\(ann.id)")
            #expect(annAfter.status == .ok && annAfter.headers[.eTag] == ann.headers[.eTag])
            let groupAfter = try await okta.send(.get, "/Groups/\(group.id)")
            #expect(
                groupAfter.object["displayName"] == "Okta group" && GroupsAPITests.memberIDs(groupAfter) == [ann.id])
            #expect(try await entra.send(.get, "/Users").totalResults == 0)
            #expect(try await entra.send(.get, "/Groups").totalResults == 0)
        }
    }

    @Test(
        "a failed operation stores nothing and its refusal is in the sync log with its request id",
        arguments: StoreKind.allCases)
    func failedOperationStoresNothing(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let ann = try await okta.send(.post, "/Users", UsersAPITests.user("ann@example.com"))
            let group = try await okta.send(
                .post, "/Groups", #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G"}"#)
            // The PATCH renames the group and adds a member that does not exist: all of it is refused.
            let patch =
                #"{\#(Self.patchOp),"Operations":[{"op":"replace","path":"displayName","value":"Renamed"},{"op":"add","path":"members","value":[{"value":"\#(ann.id)"},{"value":"ghost"}]}]}"#
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body([
                    Self.postUser("bad", "bad@example"),
                    #"{"method":"PATCH","path":"/Groups/\#(group.id)","data":\#(patch)}"#,
                    #"{"method":"PATCH","path":"/Users/\#(ann.id)","data":{\#(Self.patchOp),"Operations":[{"op":"replace","path":"userName","value":"not-an-email"}]}}"#,
                ]))
            #expect(Self.statuses(r) == ["400", "400", "400"])
            #expect(try await okta.send(.get, "/Users").totalResults == 1)
            let groupAfter = try await okta.send(.get, "/Groups/\(group.id)")
            #expect(groupAfter.object["displayName"] == "G" && GroupsAPITests.memberIDs(groupAfter).isEmpty)
            #expect(groupAfter.headers[.eTag] == group.headers[.eTag])
            let annAfter = try await okta.send(.get, "/Users/\(ann.id)")
            #expect(annAfter.object["userName"] == "ann@example.com" && annAfter.headers[.eTag] == ann.headers[.eTag])
            let rejected = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id, action: .rejected))
            #expect(rejected.contains { $0.userName == "bad@example" && $0.requestID?.hasSuffix("/0:bad") == true })
            #expect(rejected.contains { $0.userID == ann.id && $0.requestID?.hasSuffix("/2") == true })
        }
    }

    // MARK: Commit groups

    /// Operations that succeed and fail in turn; the same outcome whether each has a transaction of its own (1) or
    /// consecutive ones share a commit.
    static let mixed = [
        postUser("u0", "u0@example.com"), postUser("u1", "u1@example.com"), postUser("bad", "not-an-email"),
        postUser("u2", "u2@example.com"), postUser("dup", "U0@example.com"),
        postGroup("g", "G", members: ["bulkId:u1", "bulkId:bad"]), postUser("u3", "u3@example.com"),
        #"{"method":"PATCH","path":"/Users/bulkId:u2","data":{\#(patchOp),"Operations":[{"op":"replace","path":"title","value":"T"}]}}"#,
    ]

    @Test(
        "each operation is atomic and independent whatever the commit group: failures store nothing, nothing is logged twice",
        arguments: StoreKind.allCases, [1, 2, 100])
    func commitGroups(_ kind: StoreKind, _ commitGroup: Int) async throws {
        let configuration = ServerConfiguration(
            bulkCommitGroup: commitGroup, failedAuthenticationDelay: .milliseconds(10))
        try await withSCIM(kind, configuration: configuration) { clients, issued, admin in
            let okta = clients[0]
            let r = try await okta.send(.post, "/Bulk", Self.body(Self.mixed))
            #expect(Self.statuses(r) == ["201", "201", "400", "201", "409", "409", "201", "200"])
            let ops = Self.operations(r)
            let users = try await okta.send(.get, "/Users?sortBy=userName")
            #expect(
                users.resources.compactMap { $0["userName"]?.stringValue } == [
                    "u0@example.com", "u1@example.com", "u2@example.com", "u3@example.com",
                ])
            #expect(try await okta.send(.get, "/Users/\(Self.id(ops[3]))").object["title"] == "T")
            #expect(try await okta.send(.get, "/Groups").totalResults == 0)
            let log = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id, limit: 1000))
            #expect(log.filter { $0.action == .created }.count == 4)
            #expect(log.filter { $0.action == .updated }.count == 1)
            let rejected = log.filter { $0.action == .rejected }
            #expect(rejected.count == 2)
            #expect(Set(rejected.compactMap { $0.requestID?.split(separator: "/").last }) == ["2:bad", "4:dup"])
        }
    }

    @Test(
        "failOnErrors counts failures across commit groups: what follows the n-th is not run",
        arguments: StoreKind.allCases)
    func failOnErrorsInsideAGroup(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let r = try await okta.send(.post, "/Bulk", Self.body(Self.mixed, extra: #","failOnErrors":2"#))
            #expect(Self.statuses(r) == ["201", "201", "400", "201", "409"])
            #expect(try await okta.send(.get, "/Users").totalResults == 3)
            #expect(try await okta.send(.get, "/Users?filter=userName%20eq%20%22u3%40example.com%22").totalResults == 0)
        }
    }

    // MARK: All or nothing (Roster's extension)

    static let allOrNothing = ",\"\(BulkRequest.rosterExtension)\":{\"allOrNothing\":true}"

    @Test("allOrNothing: every operation commits together", arguments: StoreKind.allCases)
    func allOrNothingCommits(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, _ in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body(
                    [
                        Self.postGroup("g", "Team", members: ["bulkId:a"]), Self.postUser("a", "a@example.com"),
                        #"{"method":"PATCH","path":"/Groups/bulkId:g","data":{\#(Self.patchOp),"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:b"}]}]}}"#,
                        Self.postUser("b", "b@example.com"),
                    ], extra: Self.allOrNothing))
            #expect(Self.statuses(r) == ["201", "201", "200", "201"])
            let ops = Self.operations(r)
            let members = GroupsAPITests.memberIDs(try await okta.send(.get, "/Groups/\(Self.id(ops[0]))"))
            #expect(members == [Self.id(ops[1]), Self.id(ops[3])])
            #expect(ops[2]["version"] == #"W/"2""#)
        }
    }

    @Test(
        "allOrNothing: the first failure rolls everything back and is the only operation answered",
        arguments: StoreKind.allCases)
    func allOrNothingRollsBack(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, admin in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body(
                    [
                        Self.postUser("a", "a@example.com"), Self.postGroup("g", "Team", members: ["bulkId:a"]),
                        Self.postUser("dup", "A@example.com"), Self.postUser("c", "c@example.com"),
                    ], extra: Self.allOrNothing))
            #expect(r.status == .ok)
            let ops = Self.operations(r)
            try #require(ops.count == 1)
            #expect(ops[0]["bulkId"] == "dup" && ops[0]["status"] == "409")
            #expect(ops[0]["response"]?.objectValue?["scimType"] == "uniqueness")
            #expect(try await okta.send(.get, "/Users").totalResults == 0)
            #expect(try await okta.send(.get, "/Groups").totalResults == 0)
            let log = try await admin.syncLog(SyncLogQuery(providerID: issued[0].provider.id))
            #expect(!log.contains { $0.action == .created || $0.action == .groupCreated })
            // A malformed operation rolls back the same way.
            let malformed = try await okta.send(
                .post, "/Bulk",
                Self.body(
                    [Self.postUser("a", "a@example.com"), #"{"method":"PUT","path":"/Users"}"#],
                    extra: Self.allOrNothing))
            #expect(Self.statuses(malformed) == ["400"])
            #expect(try await okta.send(.get, "/Users").totalResults == 0)
        }
    }

    @Test(
        "bulk changes run the lifecycle as single requests do: active=false blocks the user",
        arguments: StoreKind.allCases)
    func lifecycle(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, _, admin in
            let okta = clients[0]
            let r = try await okta.send(
                .post, "/Bulk",
                Self.body([
                    Self.postUser("a", "a@example.com"),
                    #"{"method":"PATCH","path":"/Users/bulkId:a","data":{\#(Self.patchOp),"Operations":[{"op":"replace","value":{"active":false}}]}}"#,
                ]))
            #expect(Self.statuses(r) == ["201", "200"])
            let user = try await admin.user(id: Self.id(Self.operations(r)[0]))
            #expect(user.status == .blocked && user.deactivationDueAt != nil)
        }
    }
}

/// RFC 7644's BulkRequest examples: the files the SCIM module's tests keep (`Tests/SCIMTests/Fixtures/bulk`), read
/// from the source tree.
enum BulkRequestExamples {
    /// The example of RFC 7644's section `section` (`"3.7.2"`), as text.
    static func text(_ section: String, file: String = #filePath) throws -> String {
        let tests = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
        let url = tests.appendingPathComponent("SCIMTests/Fixtures/bulk/rfc7644-\(section).json")
        return try String(contentsOf: url, encoding: .utf8)
    }
}
