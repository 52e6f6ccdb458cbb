import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SCIM
import Testing

@testable import Provisioning
@testable import RosterServer

/// One domain error, one status: every `ProvisioningError` code answers the same status and `Retry-After` on the
/// SCIM API, the admin API, the platform API, the console and inside a bulk request (issue 16).
@Suite struct ErrorVocabularyTests {
    static let routes = [
        "/scim/abcdefghij/v2/Users/1", "/api/v1/providers", "/api/v1/platform/users/1/sign-in", "/console/providers",
    ]

    static func request(_ path: String) -> Request {
        Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: path),
            body: RequestBody(buffer: ByteBuffer()))
    }

    static let errors: [ProvisioningError] =
        ProvisioningError.Code.allCases.map { ProvisioningError($0, "what went wrong") }
        + [.refused("Too many attempts.", retryAfter: 30)]

    @Test(arguments: errors)
    func everyRouteAnswersADomainErrorWithItsStatus(_ error: ProvisioningError) throws {
        let responses = ErrorResponses(renderer: try ConsoleRenderer(), maxBodySize: 1024)
        var statuses: [Int] = []
        for path in Self.routes {
            let response = responses.response(for: error, request: Self.request(path), logger: .init(label: "test"))
            statuses.append(response.status.code)
            #expect(response.headers[.retryAfter] == error.retryAfterSeconds.map(String.init), "\(path)")
        }
        var bulk = BulkResult(index: 0, method: "POST", bulkId: nil, status: 0)
        bulk.fail(error)
        statuses.append(bulk.status)
        #expect(Set(statuses) == [error.status], "\(error.code): \(statuses)")
    }

    @Test func theMappingIsSCIMs() {
        let expected: [ProvisioningError.Code: (Int, SCIMError.ScimType?)] = [
            .notFound: (404, nil), .conflict: (409, .uniqueness), .invalid: (400, .invalidValue),
            .refused: (403, nil), .unauthenticated: (401, nil), .unavailable: (503, nil), .gone: (410, nil),
        ]
        for code in ProvisioningError.Code.allCases {
            let scim = ProvisioningError(code, "x").scimError
            #expect(scim.status == expected[code]?.0 && scim.scimType == expected[code]?.1, "\(code)")
        }
        #expect(ProvisioningError.refused("x", retryAfter: 3).status == 429)
        #expect(ProvisioningError.unavailable("x").retryAfterSeconds == ProvisioningError.unavailableRetryAfter)
        #expect(ProvisioningError.notFound("x").retryAfterSeconds == nil)
    }

    @Test func bodiesFollowTheRoute() throws {
        let responses = ErrorResponses(renderer: try ConsoleRenderer(), maxBodySize: 1024)
        let error = ProvisioningError.conflict("taken")
        let contentTypes = Self.routes.map {
            responses.response(for: error, request: Self.request($0), logger: .init(label: "test")).headers[
                .contentType]
        }
        #expect(contentTypes[0] == "application/scim+json")
        #expect(contentTypes[1]?.hasPrefix("application/json") == true)
        #expect(contentTypes[2]?.hasPrefix("application/json") == true)
        #expect(contentTypes[3]?.hasPrefix("text/html") == true)
    }
}
