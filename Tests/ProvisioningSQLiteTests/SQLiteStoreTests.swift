import Foundation
import Provisioning
import ProvisioningSQLite
import ProvisioningTesting
import Testing

@Suite struct SQLiteStoreTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("roster-test-\(UUID().uuidString).sqlite").path
    }

    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: String) async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await StoreConformance.run(check, on: try SQLiteStore(path: path))
    }

    @Test func reopeningKeepsDataAndMigratesOnce() async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let admin = AdminService(store: try SQLiteStore(path: path))
        let issued = try await admin.addProvider(name: "Okta")
        let reopened = AdminService(store: try SQLiteStore(path: path))
        let provider = try await reopened.provider(id: issued.provider.id)
        #expect(provider.name == "Okta")
        #expect(Credentials.verify(secret: issued.secret, storedHash: provider.secretHash))
    }
}
