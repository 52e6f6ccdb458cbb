import Foundation
import Provisioning
import Testing

extension StoreConformance {
    /// `seconds` after the suite's epoch (whole milliseconds, so that every store keeps it exactly).
    static func at(_ seconds: Double) -> Date { epoch.addingTimeInterval(seconds) }

    /// Devices, archives (cold storage, restore, retention), sign-in sessions and platform API keys.
    static func platform(_ store: some ProvisioningStore) async throws {
        let d1 = Device(id: "d1", userID: "u1", name: "Laptop", createdAt: at(0))
        let d2 = Device(id: "d2", userID: "u1", name: "Desktop", createdAt: at(1))
        let d3 = Device(id: "d3", userID: "u2", name: "Phone", createdAt: at(0))
        let a1 = Archive(id: "a1", deviceID: "d1", userID: "u1", createdAt: at(0))
        let a2 = Archive(id: "a2", deviceID: "d2", userID: "u1", createdAt: at(1))
        let a3 = Archive(id: "a3", deviceID: "d3", userID: "u2", createdAt: at(0))
        try await store.withTransaction { tx in
            try await tx.insertProvider(provider("p1"))
            try await tx.insertUser(user("u1", "ann@example.com", provider: "p1"))
            try await tx.insertUser(user("u2", "bob@example.com", provider: nil))
            // Inserted out of order: lists come by creation time.
            try await tx.insertDevice(d2)
            try await tx.insertDevice(d1)
            try await tx.insertDevice(d3)
            try await tx.insertArchive(a2)
            try await tx.insertArchive(a1)
            try await tx.insertArchive(a3)
        }

        // Devices and archives, per user.
        let (devices, archives, none) = try await store.read { tx in
            (
                try await tx.devices(userID: "u1"), try await tx.archives(userID: "u1"),
                try await tx.devices(userID: "nobody")
            )
        }
        #expect(devices == [d1, d2])
        #expect(archives == [a1, a2])
        #expect(none.isEmpty)
        await #expect(throws: (any Error).self, "a device needs an existing user") {
            try await store.withTransaction { tx in
                try await tx.insertDevice(Device(id: "d9", userID: "nobody", name: "X", createdAt: at(0)))
            }
        }
        await #expect(throws: (any Error).self, "an archive needs an existing device") {
            try await store.withTransaction { tx in
                try await tx.insertArchive(Archive(id: "a9", deviceID: "nope", userID: "u1", createdAt: at(0)))
            }
        }
        await #expect(throws: (any Error).self, "device ids are unique") {
            try await store.withTransaction { tx in try await tx.insertDevice(d1) }
        }

        // Cold storage: only active archives move, and only the user's.
        #expect(
            try await store.withTransaction { tx in try await tx.moveArchivesToColdStorage(userID: "u1", until: at(100))
            } == 2)
        #expect(
            try await store.withTransaction { tx in try await tx.moveArchivesToColdStorage(userID: "u1", until: at(500))
            } == 0)
        #expect(
            try await store.withTransaction { tx in
                try await tx.moveArchivesToColdStorage(userID: "u2", until: at(1000))
            } == 1)
        let cold = try await store.read { tx in try await tx.archives(userID: "u1") }
        #expect(cold.map(\.tier) == [.cold, .cold])
        #expect(cold.map(\.coldUntil) == [at(100), at(100)])
        #expect(cold.allSatisfy { !$0.markedForDeletion })

        // Retention: strictly before `now`, once.
        #expect(try await store.withTransaction { tx in try await tx.markExpiredArchives(now: at(100)) } == 0)
        #expect(try await store.withTransaction { tx in try await tx.markExpiredArchives(now: at(101)) } == 2)
        #expect(try await store.withTransaction { tx in try await tx.markExpiredArchives(now: at(101)) } == 0)
        #expect(try await store.read { tx in try await tx.archives(userID: "u1") }.allSatisfy(\.markedForDeletion))
        #expect(try await store.read { tx in try await tx.archives(userID: "u2") }.first?.markedForDeletion == false)

        // Restore: cold archives not marked for deletion come back; marked ones stay cold.
        let a4 = Archive(id: "a4", deviceID: "d2", userID: "u1", createdAt: at(2))
        try await store.withTransaction { tx in try await tx.insertArchive(a4) }
        #expect(
            try await store.withTransaction { tx in try await tx.moveArchivesToColdStorage(userID: "u1", until: at(200))
            } == 1)
        #expect(try await store.withTransaction { tx in try await tx.restoreArchives(userID: "u1") } == 1)
        let afterRestore = try await store.read { tx in try await tx.archives(userID: "u1") }
        #expect(afterRestore.map(\.id) == ["a1", "a2", "a4"])
        #expect(afterRestore.map(\.tier) == [.cold, .cold, .active])
        #expect(afterRestore.last == a4)
        #expect(try await store.withTransaction { tx in try await tx.restoreArchives(userID: "u2") } == 1)
        #expect(try await store.read { tx in try await tx.archives(userID: "u2") } == [a3])

        // Sessions: looked up by token hash; revoking closes a user's open sessions only.
        let s1 = SignInSession(tokenHash: "h1", userID: "u1", deviceID: "d1", createdAt: at(3))
        let s2 = SignInSession(tokenHash: "h2", userID: "u1", deviceID: nil, createdAt: at(4))
        let s3 = SignInSession(tokenHash: "h3", userID: "u2", deviceID: nil, createdAt: at(4))
        let closed = SignInSession(tokenHash: "h4", userID: "u1", deviceID: nil, createdAt: at(1), revokedAt: at(2))
        try await store.withTransaction { tx in
            for s in [s1, s2, s3, closed] { try await tx.insertSession(s) }
        }
        let (found, missing, foundClosed) = try await store.read { tx in
            (
                try await tx.session(tokenHash: "h1"), try await tx.session(tokenHash: "nope"),
                try await tx.session(tokenHash: "h4")
            )
        }
        #expect(found == s1)
        #expect(missing == nil)
        #expect(foundClosed == closed)
        #expect(try await store.withTransaction { tx in try await tx.revokeSessions(userID: "u1", at: at(10)) } == 2)
        #expect(try await store.withTransaction { tx in try await tx.revokeSessions(userID: "u1", at: at(20)) } == 0)
        let (r1, r3, r4) = try await store.read { tx in
            (
                try await tx.session(tokenHash: "h1"), try await tx.session(tokenHash: "h3"),
                try await tx.session(tokenHash: "h4")
            )
        }
        #expect(r1?.revokedAt == at(10))
        #expect(r3?.revokedAt == nil)
        #expect(r4?.revokedAt == at(2), "an already revoked session keeps its time")

        // API keys: found by secret hash, listed by creation, hashes unique.
        let k1 = PlatformAPIKey(id: "k1", name: "Broker", secretHash: Credentials.hash(secret: "one"), createdAt: at(1))
        let k2 = PlatformAPIKey(
            id: "k2", name: "Registry", secretHash: Credentials.hash(secret: "two"), createdAt: at(2))
        try await store.withTransaction { tx in
            try await tx.insertAPIKey(k2)
            try await tx.insertAPIKey(k1)
        }
        let (byHash, unknown, keys) = try await store.read { tx in
            (
                try await tx.apiKey(secretHash: Credentials.hash(secret: "two")),
                try await tx.apiKey(secretHash: "nope"), try await tx.apiKeys()
            )
        }
        #expect(byHash == k2)
        #expect(unknown == nil)
        #expect(keys == [k1, k2])
        await #expect(throws: (any Error).self, "secret hashes are unique") {
            try await store.withTransaction { tx in
                try await tx.insertAPIKey(
                    PlatformAPIKey(id: "k3", name: "Copy", secretHash: k1.secretHash, createdAt: at(3)))
            }
        }
        #expect(try await store.read { tx in try await tx.apiKeys().count } == 2)
    }
}
