import Foundation
package import Provisioning
import SCIM
import Testing

extension StoreConformance {
    /// Deep pages (past the SQL stores' 2,048-user threshold, where they find the page through per-block counts
    /// instead of `OFFSET`) hold exactly the users plain offsets would: linked users of the provider in creation
    /// order, after unlinks, deletions of memberships' owners and users of another provider in between.
    static func deepPages(_ store: some ProvisioningStore) async throws {
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertProvider(provider("p2"))
            for i in 0..<3_600 {
                let owner = i % 6 == 5 ? "p2" : "p1"
                try await tx.insertUser(user("u\(i)", "u\(i)@example.com", provider: owner, seconds: Double(i)))
            }
        }
        // Unlink every 7th user of p1 (as DELETE /Users does), and link one of p2's users to p1 (a takeover).
        try await store.withTransaction { tx in
            for i in stride(from: 0, to: 3_600, by: 7) {
                guard var u = try await tx.user(id: "u\(i)"), u.providerID == "p1" else { continue }
                u.linked = false
                u.version += 1
                try await tx.updateUser(u)
            }
            if var u = try await tx.user(id: "u5") {
                u.providerID = "p1"
                u.version += 1
                try await tx.updateUser(u)
            }
        }
        let expected = (0..<3_600).filter { i in
            (i % 6 != 5 && i % 7 != 0) || i == 5
        }.map { "u\($0)" }
        for offset in [0, 100, 2_047, 2_048, 2_049, 2_500, expected.count - 10, expected.count, expected.count + 5] {
            let page = try await store.read { tx in
                try await tx.users(
                    providerID: "p1", query: StoreQuery(filter: nil, sort: nil, offset: offset, limit: 25))
            }
            #expect(page.totalResults == expected.count)
            let want = Array(expected.dropFirst(offset).prefix(25))
            #expect(page.items.map(\.id) == want, "offset \(offset)")
        }
    }
}
