import Provisioning
import ProvisioningTesting
import Testing

@Suite struct MemoryStoreTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: String) async throws {
        try await StoreConformance.run(check, on: MemoryStore())
    }
}
