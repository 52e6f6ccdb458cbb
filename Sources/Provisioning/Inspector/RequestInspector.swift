import Foundation
import SCIM

/// The request inspector's side for admins: what each provider's recent SCIM requests were, and its settings.
/// The recording itself is ``RequestRecorder``.
package struct RequestInspector: Sendable {
    /// The inspector's settings, the same for every provider.
    package struct Settings: Sendable, Hashable {
        /// Each provider's newest requests kept (``SettingLimit/requestsKept``).
        package var requestsKept: Int
        /// Each provider's newest failures kept on top of them (``SettingLimit/failuresKept``).
        package var failuresKept: Int
        /// Attributes whose values are redacted besides `password` (see ``Redaction``).
        package var sensitiveAttributes: [String]

        package init(requestsKept: Int = 1000, failuresKept: Int = 1000, sensitiveAttributes: [String] = []) {
            self.requestsKept = requestsKept
            self.failuresKept = failuresKept
            self.sensitiveAttributes = sensitiveAttributes
        }

        package var redaction: Redaction { Redaction(sensitive: sensitiveAttributes) }

        static let requestsKeptKey = "inspector_requests_kept"
        static let failuresKeptKey = "inspector_failures_kept"
        static let sensitiveKey = "inspector_sensitive_attributes"

        /// The settings as stored, clamped into their limits.
        static func read(_ tx: any StoreTransaction) async throws -> Settings {
            let defaults = Settings()
            return Settings(
                requestsKept: SettingLimit.requestsKept.clamped(
                    setting: try await tx.setting(requestsKeptKey), fallback: defaults.requestsKept,
                    subject: "the inspector"),
                failuresKept: SettingLimit.failuresKept.clamped(
                    setting: try await tx.setting(failuresKeptKey), fallback: defaults.failuresKept,
                    subject: "the inspector"),
                sensitiveAttributes: Self.attributeList(try await tx.setting(sensitiveKey) ?? ""))
        }

        /// `emails, phoneNumbers` as a list of names.
        package static func attributeList(_ text: String) -> [String] {
            text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        }
    }

    let store: any ProvisioningStore

    package init(store: any ProvisioningStore) { self.store = store }

    /// A provider's recorded requests, newest first; 404 for an unknown provider.
    package func requests(_ query: RecordedRequestQuery) async throws -> [RecordedRequest] {
        try await store.read { tx in
            guard try await tx.provider(id: query.providerID) != nil else {
                throw ProvisioningError.notFound("No provider with id '\(query.providerID)'.")
            }
            var query = query
            // A user named by email is found by what the requests say and by the id they used.
            if let name = query.userName, query.userID == nil { query.userID = try await tx.user(userName: name)?.id }
            return try await tx.requests(query)
        }
    }

    /// One recorded request and the sync-log entries of its changes (linked by request id).
    package func request(providerID: String, sequence: Int64) async throws -> (
        request: RecordedRequest, changes: [SyncLogEntry]
    ) {
        try await store.read { tx in
            guard let request = try await tx.request(providerID: providerID, sequence: sequence) else {
                throw ProvisioningError.notFound(
                    "Provider '\(providerID)' has no recorded request \(sequence); the inspector keeps only the newest."
                )
            }
            var query = SyncLogQuery(limit: 1000)
            query.requestID = request.requestID
            let changes = try await tx.syncLog(query)
            return (request, changes.reversed())
        }
    }

    package func settings() async throws -> Settings {
        try await store.read { tx in try await Settings.read(tx) }
    }

    /// Changes what is given; each number within its limit. The next recording applies it.
    package func updateSettings(requestsKept: Int?, failuresKept: Int?, sensitiveAttributes: [String]?) async throws
        -> Settings
    {
        if let requestsKept { try SettingLimit.requestsKept.check(requestsKept) }
        if let failuresKept { try SettingLimit.failuresKept.check(failuresKept) }
        if let names = sensitiveAttributes, let bad = names.first(where: { !Self.isAttributeName($0) }) {
            throw ProvisioningError.invalid(
                "'sensitiveAttributes' names attributes (letters, digits, '-', '_', '.', ':'), got '\(bad)'.")
        }
        return try await store.withTransaction { tx in
            if let requestsKept { try await tx.setSetting(Settings.requestsKeptKey, String(requestsKept)) }
            if let failuresKept { try await tx.setSetting(Settings.failuresKeptKey, String(failuresKept)) }
            if let names = sensitiveAttributes {
                try await tx.setSetting(Settings.sensitiveKey, names.joined(separator: ","))
            }
            return try await Settings.read(tx)
        }
    }

    static func isAttributeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 200
            && name.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                    || "-_.:".unicodeScalars.contains($0)
            }
    }
}
