import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Provisioning
import ProvisioningPostgres
import ProvisioningPostgresTesting
import ProvisioningSQLite
import ProvisioningTesting
import RosterServer
import SCIM
import Testing

/// The stores the HTTP tests run on: PostgreSQL too when `ROSTER_TEST_POSTGRES_URL` names a server (`.ci/run`
/// starts one).
enum StoreKind: String, CaseIterable, Sendable {
    case memory, sqlite, postgres

    static var allCases: [StoreKind] { PostgresTesting.enabled ? [.memory, .sqlite, .postgres] : [.memory, .sqlite] }
}

/// Runs `body` with a new, empty store of `kind`, and removes it afterwards.
func withStore(_ kind: StoreKind, _ body: (any ProvisioningStore) async throws -> Void) async throws {
    switch kind {
    case .memory:
        try await body(MemoryStore())
    case .sqlite:
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "roster-http-\(UUID().uuidString).sqlite"
        ).path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await body(try SQLiteStore(path: path))
    case .postgres:
        try await PostgresTesting.withStore { store in try await body(store) }
    }
}

/// A response as the tests look at it.
struct SCIMResponse {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue

    var object: JSONObject { json.objectValue ?? [:] }
    var id: String { object["id"]?.stringValue ?? "" }
    var detail: String { object["detail"]?.stringValue ?? "" }
    var scimType: String? { object["scimType"]?.stringValue }
    var totalResults: Int? {
        if case .int(let n)? = object["totalResults"] { return n }
        return nil
    }
    var resources: [JSONObject] { object["Resources"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}

/// Drives the real router through Hummingbird's test client, with provider credentials.
struct SCIMTestClient {
    let client: any TestClientProtocol
    let baseURL: String
    var authorization: String

    init(client: any TestClientProtocol, provider: Provider, secret: String, basic: Bool = false) {
        self.client = client
        self.baseURL = "/scim/\(provider.id)/v2"
        self.authorization =
            basic
            ? "Basic " + Data("\(provider.username):\(secret)".utf8).base64EncodedString()
            : "Bearer \(secret)"
    }

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers extra: HTTPFields = [:],
        authorized: Bool = true
    ) async throws -> SCIMResponse {
        var headers = extra
        if authorized, headers[.authorization] == nil { headers[.authorization] = authorization }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/scim+json" }
        let response = try await client.execute(
            uri: baseURL + path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let bytes = Array(response.body.readableBytesView)
        let json = bytes.isEmpty ? JSONValue.null : try JSONValue(parsing: bytes)
        return SCIMResponse(status: response.status, headers: response.headers, json: json)
    }
}

/// Builds a fresh store of `kind`, creates providers, and runs `body` with a client for each.
func withSCIM(
    _ kind: StoreKind, providers names: [String] = ["Okta"],
    configuration: ServerConfiguration = ServerConfiguration(failedAuthenticationDelay: .milliseconds(10)),
    _ body:
        @Sendable ([SCIMTestClient], [AdminService.IssuedCredentials], AdminService) async throws ->
        Void
) async throws {
    try await withStore(kind) { store in
        let admin = AdminService(store: store)
        var issued: [AdminService.IssuedCredentials] = []
        for name in names { issued.append(try await admin.addProvider(name: name)) }
        let app = Application(router: try buildRouter(configuration: configuration, store: store))
        let credentials = issued
        try await app.test(.router) { client in
            let clients = credentials.map { SCIMTestClient(client: client, provider: $0.provider, secret: $0.secret) }
            try await body(clients, credentials, admin)
        }
    }
}
