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

    @Test func onlineBackupIsAConsistentCopy() async throws {
        let path = Self.temporaryPath()
        let copy = Self.temporaryPath()
        defer {
            for file in [path, copy] { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        }
        let store = try SQLiteStore(path: path)
        let admin = AdminService(store: store)
        let issued = try await admin.addProvider(name: "Okta")
        for i in 0..<50 { _ = try await admin.addLocalUser(email: "u\(i)@example.com", name: nil) }
        // Writes go on while the copy is taken; the copy holds a snapshot that opens as a store.
        async let writes: Void = {
            for i in 50..<100 { _ = try await admin.addLocalUser(email: "u\(i)@example.com", name: nil) }
        }()
        try store.backup(to: copy)
        try await writes
        let restored = AdminService(store: try SQLiteStore(path: copy))
        #expect(try await restored.provider(id: issued.provider.id).name == "Okta")
        let users = try await restored.users(limit: 1000)
        #expect(users.count >= 50 && users.count <= 100)
        #expect(users.map(\.userName) == (0..<users.count).map { "u\($0)@example.com" })
        #expect(try await restored.syncLog(SyncLogQuery(limit: 1000)).count == users.count)
        // It never overwrites.
        #expect(throws: ProvisioningError.self) { try store.backup(to: copy) }
    }
}
