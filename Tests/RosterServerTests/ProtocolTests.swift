import Foundation
import HTTPTypes
import Provisioning
import RosterServer
import SCIM
import Testing

/// Discovery, errors and the transport rules that every SCIM response follows.
@Suite struct ProtocolTests {
    @Test(arguments: StoreKind.allCases)
    func discovery(_ kind: StoreKind) async throws {
        try await withSCIM(kind) { clients, issued, _ in
            let client = clients[0]
            let spc = try await client.send(.get, "/ServiceProviderConfig")
            #expect(spc.status == .ok)
            #expect(spc.object["patch"]?.objectValue?["supported"] == true)
            #expect(spc.object["bulk"]?.objectValue?["maxOperations"] != nil)
            #expect(spc.object["etag"]?.objectValue?["supported"] == true)
            let schemas = try await client.send(.get, "/Schemas")
            #expect(schemas.totalResults == 3)
            let ids = schemas.resources.compactMap { $0["id"]?.stringValue }
            #expect(ids.contains("urn:ietf:params:scim:schemas:core:2.0:User"))
            #expect(ids.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"))
            let user = try await client.send(.get, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
            let names = user.object["attributes"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } ?? []
            for name in ["userName", "roles", "phoneNumbers", "c42OrgName", "addresses", "x509Certificates"] {
                #expect(names.contains(name))
            }
            let types = try await client.send(.get, "/ResourceTypes")
            #expect(types.resources.compactMap { $0["name"]?.stringValue } == ["User", "Group"])
            let userType = try await client.send(.get, "/ResourceTypes/User")
            #expect(userType.object["endpoint"] == "/Users")
            #expect(
                userType.object["meta"]?.objectValue?["location"]?.stringValue
                    == "http://127.0.0.1:8080/scim/\(issued[0].provider.id)/v2/ResourceTypes/User")
            #expect(try await client.send(.get, "/Schemas/urn:nope").status == .notFound)
            for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
                let r = try await client.send(.post, path, "test")
                #expect(r.status == .methodNotAllowed, "\(path)")
                #expect(r.object["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"])
            }
        }
    }

    @Test func everyErrorIsASCIMErrorBody() async throws {
        try await withSCIM(.memory) { clients, _, _ in
            let client = clients[0]
            let notFound = try await client.send(.get, "/Nope")
            #expect(notFound.status == .notFound)
            #expect(notFound.object["status"] == "404")
            #expect(notFound.headers[.contentType] == "application/scim+json")
            let missing = try await client.send(.get, "/Users/does-not-exist")
            #expect(missing.status == .notFound)
            #expect(!missing.detail.isEmpty)
            let method = try await client.send(.put, "/Users", "{}")
            #expect(method.object["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"])
            let badPatch = try await client.send(.patch, "/Users/x", #"{"Operations":[{"op":"jump"}]}"#)
            #expect(badPatch.status == .badRequest)
        }
    }

    @Test func contentTypesIdPsSendAreAccepted() async throws {
        try await withSCIM(.memory) { clients, _, _ in
            let client = clients[0]
            for (i, type) in ["application/scim+json; charset=utf-8", "application/json", ""].enumerated() {
                let headers: HTTPFields = type.isEmpty ? [:] : [.contentType: type]
                var request = headers
                if type.isEmpty { request[.contentType] = nil }
                let r = try await client.send(
                    .post, "/Users", UsersAPITests.user("ct\(i)@example.com"), headers: request)
                #expect(r.status == .created, "\(type)")
            }
        }
    }

    @Test func rootSearchCoversUsersAndGroups() async throws {
        try await withSCIM(.memory) { clients, _, _ in
            let client = clients[0]
            _ = try await client.send(.post, "/Users", UsersAPITests.user("a@example.com"))
            _ = try await client.send(.post, "/Groups", #"{"displayName":"G"}"#)
            let all = try await client.send(
                .post, "/.search",
                #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["id"]}"#)
            #expect(all.totalResults == 2)
            #expect(all.resources.count == 2)
        }
    }
}
