import Foundation
import SCIM

// MARK: - Rejections

extension SCIMService {
    /// Records a `rejected` entry for the user a refused request touched (found by id or `userName`), in a
    /// transaction of its own. Nothing is recorded for a request whose credentials no longer authenticate (401,
    /// or a provider removed or its secret rotated since), a resource that is not there (404), when the store
    /// itself is unavailable (503), or for a user the provider does not manage (a local user, another provider's);
    /// a failure to record is ignored.
    func recordRejection(
        _ error: SCIMError, provider: Provider, userID: String?, userName: String?, requestID: String?
    ) async {
        guard error.status != 401, error.status != 404, error.status != 503 else { return }
        let timestamp = now()
        let providerID = provider.id
        try? await store.withTransaction { tx in
            guard (try? await Self.checkStillAuthenticated(provider, tx: tx)) != nil else { return }
            var user: UserRecord? = nil
            if let userID { user = try await tx.user(id: userID) }
            if user == nil, let userName { user = try await tx.user(userName: userName) }
            if let u = user, u.providerID != providerID { user = nil }  // local users and other providers' too
            guard user != nil || userName != nil else { return }
            let detail = "\(error.status)\(error.scimType.map { " \($0.rawValue)" } ?? ""): \(error.detail)"
            try await tx.record([
                SyncLogEntry(
                    at: timestamp, providerID: providerID, userID: user?.id, userName: user?.userName ?? userName,
                    action: .rejected, detail: detail, requestID: requestID)
            ])
        }
    }
}
