import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Provisioning

/// Admin accounts: bcrypt passwords, the lockout delay, sessions and their expiry, the first-admin setup token,
/// admin API tokens. bcrypt runs at cost 4 here (the production cost, 12, is the same code at 2^8 times the work).
@Suite struct AdminAccountsTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_796_014_800))
        func advance(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var read: @Sendable () -> Date { { self.now.withLock { $0 } } }
    }

    static func accounts(_ clock: Clock = Clock()) -> AdminAccounts {
        AdminAccounts(store: MemoryStore(), bcryptCost: 4, now: clock.read)
    }

    @Test(
        arguments: [
            (4, nil), (5, 30), (6, 60), (7, 120), (9, 480), (10, 900), (30, 900),
        ] as [(Int, Int64?)])
    func lockoutDelays(failures: Int, seconds: Int64?) {
        #expect(SignInLockout().delay(afterFailures: failures)?.components.seconds == seconds)
    }

    @Test func accountsAreValidatedAndUnique() async throws {
        let accounts = Self.accounts()
        let admin = try await accounts.addAdmin(email: "Root@Example.com", password: "correct horse battery")
        #expect(admin.passwordHash.hasPrefix("$2"))
        #expect(!admin.passwordHash.contains("correct horse"))
        await #expect(throws: ProvisioningError.conflict("An admin with email 'root@example.com' already exists.")) {
            try await accounts.addAdmin(email: "root@example.com", password: "another long password")
        }
        await #expect(throws: ProvisioningError.self) {
            try await accounts.addAdmin(email: "nope", password: "long enough password")
        }
        await #expect(throws: ProvisioningError.invalid("A password needs at least 12 characters.")) {
            try await accounts.addAdmin(email: "b@example.com", password: "short")
        }
    }

    @Test func signInSessionsAndSignOut() async throws {
        let clock = Clock()
        let accounts = Self.accounts(clock)
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        let signed = try await accounts.signIn(email: "ROOT@example.com", password: "correct horse battery")
        #expect(signed.session.tokenHash == Credentials.hash(secret: signed.token))
        #expect(signed.session.csrfToken.count >= 43 && signed.session.csrfToken != signed.token)
        #expect(try await accounts.session(token: signed.token)?.admin.email == "root@example.com")
        #expect(try await accounts.session(token: "forged") == nil)
        // Sessions end after their lifetime (12 hours).
        clock.advance(12 * 3600 + 1)
        #expect(try await accounts.session(token: signed.token) == nil)
        let again = try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        try await accounts.signOut(token: again.token)
        #expect(try await accounts.session(token: again.token) == nil)
    }

    @Test func repeatedFailuresLockTheAccount() async throws {
        let clock = Clock()
        let accounts = Self.accounts(clock)
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        for _ in 0..<4 {
            await #expect(throws: ProvisioningError.unauthenticated("Wrong email or password.")) {
                try await accounts.signIn(email: "root@example.com", password: "wrong password!")
            }
        }
        // The fifth failure locks for 30 s: even the right password is refused, without being checked.
        await #expect(throws: ProvisioningError.unauthenticated("Wrong email or password.")) {
            try await accounts.signIn(email: "root@example.com", password: "wrong password!")
        }
        await #expect(
            throws: ProvisioningError.refused("Too many failed sign-ins: try again in 30 seconds.", retryAfter: 30)
        ) {
            try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        }
        clock.advance(31)
        // One more failure doubles the lock.
        await #expect(throws: ProvisioningError.unauthenticated("Wrong email or password.")) {
            try await accounts.signIn(email: "root@example.com", password: "wrong again!!")
        }
        await #expect(
            throws: ProvisioningError.refused("Too many failed sign-ins: try again in 60 seconds.", retryAfter: 60)
        ) {
            try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        }
        clock.advance(61)
        _ = try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        let admin = try #require(try await accounts.admins().first)
        #expect(admin.failedSignIns == 0 && admin.lockedUntil == nil && admin.lastSignInAt != nil)
        // Unknown emails get the same answer as wrong passwords.
        await #expect(throws: ProvisioningError.unauthenticated("Wrong email or password.")) {
            try await accounts.signIn(email: "nobody@example.com", password: "correct horse battery")
        }
    }

    /// An unknown email is counted and locked exactly like an admin's, so the lockout's 429 does not tell which
    /// emails are admins.
    @Test func unknownEmailsLockLikeAdmins() async throws {
        let clock = Clock()
        let accounts = Self.accounts(clock)
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        var answers: [String: [ProvisioningError]] = [:]
        for email in ["root@example.com", "nobody@example.com"] {
            for _ in 0..<7 {
                do {
                    _ = try await accounts.signIn(email: email, password: "wrong password!")
                } catch let error as ProvisioningError {
                    answers[email, default: []].append(error)
                }
            }
        }
        #expect(answers["root@example.com"] == answers["nobody@example.com"])
        #expect(
            answers["nobody@example.com"]?.last
                == .refused("Too many failed sign-ins: try again in 30 seconds.", retryAfter: 30))
        // Counts are forgotten an hour after their last attempt and their lock.
        clock.advance(30 + 3601)
        await #expect(throws: ProvisioningError.unauthenticated("Wrong email or password.")) {
            try await accounts.signIn(email: "other@example.com", password: "wrong password!")
        }
        #expect(try await accounts.store.read { tx in try await tx.signInFailures(email: "nobody@example.com") } == nil)
    }

    /// The hashing queue is bounded: with its one thread busy and its capacity taken, another hash is refused at
    /// once (429 with Retry-After), not queued.
    @Test func aFullHashingQueueRefuses() async throws {
        let hasher = PasswordHasher(cost: 4, capacity: 2)
        let gate = DispatchSemaphore(value: 0)
        async let blocked: Void = hasher.run { gate.wait() }
        while hasher.admitted.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(2)) }
        async let queued = hasher.hash("correct horse battery")
        while hasher.admitted.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(2)) }
        await #expect(
            throws: ProvisioningError.refused("Too many sign-ins at once: try again in a second.", retryAfter: 1)
        ) {
            try await hasher.verify("correct horse battery", hash: nil)
        }
        gate.signal()
        try await blocked
        #expect(try await queued.hasPrefix("$2"))
        #expect(try await hasher.verify("x", hash: nil) == false)
    }

    @Test func apiTokensExpireAndAreRevoked() async throws {
        let clock = Clock()
        let accounts = Self.accounts(clock)
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        let (token, secret) = try await accounts.createToken(
            email: "root@example.com", name: "ci", expiresIn: .seconds(3600))
        #expect(token.expiresAt == clock.read().addingTimeInterval(3600))
        #expect(try await accounts.authenticate(apiToken: secret)?.email == "root@example.com")
        #expect(try await accounts.tokens().first?.lastUsedAt == clock.read())
        clock.advance(3600)
        #expect(try await accounts.authenticate(apiToken: secret) == nil)
        let (other, otherSecret) = try await accounts.createToken(email: "root@example.com", name: "ops")
        #expect(other.expiresAt == nil)
        try await accounts.revokeToken(id: other.id)
        #expect(try await accounts.authenticate(apiToken: otherSecret) == nil)
        await #expect(throws: ProvisioningError.self) { try await accounts.revokeToken(id: other.id) }
        for lifetime: Duration in [.zero, .seconds(59), .seconds(3_651 * 86_400)] {
            let error = await #expect(throws: ProvisioningError.self) {
                try await accounts.createToken(email: "root@example.com", name: "n", expiresIn: lifetime)
            }
            #expect(error?.message.contains("'expiresIn' must be a duration from 1m to 3650d") == true)
        }
    }

    @Test func platformAPIKeysExpireAndAreRevoked() async throws {
        let clock = Clock()
        let platform = PlatformService(store: MemoryStore(), now: clock.read)
        let (key, secret) = try await platform.createAPIKey(name: "broker", expiresIn: .seconds(60))
        #expect(try await platform.verifyAPIKey(secret)?.id == key.id)
        #expect(try await platform.apiKeys().first?.lastUsedAt == clock.read())
        clock.advance(60)
        #expect(try await platform.verifyAPIKey(secret) == nil)
        let (forever, foreverSecret) = try await platform.createAPIKey(name: "registry")
        #expect(try await platform.verifyAPIKey(foreverSecret) != nil)
        try await platform.revokeAPIKey(id: forever.id)
        #expect(try await platform.verifyAPIKey(foreverSecret) == nil)
    }

    @Test func removingAnAdminEndsItsSessionsAndTokensButNeverTheLastAdmin() async throws {
        let accounts = Self.accounts()
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        await #expect(
            throws: ProvisioningError.conflict(
                "root@example.com is the only admin; add another admin before removing this one, or nobody could sign in to the console or the admin API."
            )
        ) { try await accounts.removeAdmin(email: "root@example.com") }
        try await accounts.addAdmin(email: "ops@example.com", password: "another long password")
        let signed = try await accounts.signIn(email: "ops@example.com", password: "another long password")
        let (_, secret) = try await accounts.createToken(email: "ops@example.com", name: "ci")
        try await accounts.removeAdmin(email: "OPS@example.com")
        #expect(try await accounts.session(token: signed.token) == nil)
        #expect(try await accounts.authenticate(apiToken: secret) == nil)
        #expect(try await accounts.admins().map(\.email) == ["root@example.com"])
        await #expect(throws: ProvisioningError.notFound("No admin with email 'ops@example.com'.")) {
            try await accounts.removeAdmin(email: "ops@example.com")
        }
    }

    @Test func settingAPasswordEndsSessionsAndLiftsTheLock() async throws {
        let accounts = Self.accounts()
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        let signed = try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        for _ in 0..<6 { _ = try? await accounts.signIn(email: "root@example.com", password: "wrong password!") }
        await #expect(throws: ProvisioningError.self) {
            try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        }
        #expect(try await accounts.setPassword(email: "root@example.com", password: "a brand new password") == 1)
        #expect(try await accounts.session(token: signed.token) == nil)
        _ = try await accounts.signIn(email: "root@example.com", password: "a brand new password")
        await #expect(throws: ProvisioningError.invalid("A password needs at least 12 characters.")) {
            try await accounts.setPassword(email: "root@example.com", password: "short")
        }
    }

    @Test func changingTheOwnPasswordKeepsThisSessionAndEndsTheOthers() async throws {
        let accounts = Self.accounts()
        let admin = try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        let here = try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        let elsewhere = try await accounts.signIn(email: "root@example.com", password: "correct horse battery")
        await #expect(throws: ProvisioningError.invalid("The current password is wrong; nothing was changed.")) {
            try await accounts.changePassword(
                adminID: admin.id, current: "not the password", new: "a brand new password", keeping: here.session)
        }
        let ended = try await accounts.changePassword(
            adminID: admin.id, current: "correct horse battery", new: "a brand new password", keeping: here.session)
        #expect(ended == 1)
        #expect(try await accounts.session(token: here.token) != nil)
        #expect(try await accounts.session(token: elsewhere.token) == nil)
        _ = try await accounts.signIn(email: "root@example.com", password: "a brand new password")
    }

    @Test func firstAdminSetupLinkWorksOnce() async throws {
        let accounts = Self.accounts()
        let first = try #require(try await accounts.issueSetupToken())
        let token = try #require(try await accounts.issueSetupToken())
        #expect(try await accounts.isValidSetupToken(first) == false)  // replaced by the newer link
        #expect(try await accounts.isValidSetupToken(token))
        await #expect(throws: ProvisioningError.self) {
            try await accounts.completeSetup(
                token: "guess", email: "root@example.com", password: "correct horse battery")
        }
        let signed = try await accounts.completeSetup(
            token: token, email: "root@example.com", password: "correct horse battery")
        #expect(signed.admin.email == "root@example.com")
        #expect(try await accounts.isValidSetupToken(token) == false)
        await #expect(throws: ProvisioningError.self) {
            try await accounts.completeSetup(
                token: token, email: "second@example.com", password: "correct horse battery")
        }
        #expect(try await accounts.issueSetupToken() == nil)
        #expect(try await accounts.admins().count == 1)
    }

    @Test func apiTokensActAsTheirAdmin() async throws {
        let accounts = Self.accounts()
        try await accounts.addAdmin(email: "root@example.com", password: "correct horse battery")
        let (token, secret) = try await accounts.createToken(email: "root@example.com", name: "ci")
        #expect(secret.hasPrefix("rat_") && token.secretHash == Credentials.hash(secret: secret))
        #expect(try await accounts.authenticate(apiToken: secret)?.email == "root@example.com")
        #expect(try await accounts.authenticate(apiToken: secret + "x") == nil)
        #expect(try await accounts.tokens().map(\.name) == ["ci"])
        await #expect(throws: ProvisioningError.self) {
            try await accounts.createToken(email: "x@example.com", name: "n")
        }
    }
}
