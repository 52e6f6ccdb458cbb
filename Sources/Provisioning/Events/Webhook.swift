package import Foundation
package import SCIM

/// An endpoint the platform's events are pushed to. Deliveries go out in sequence order, one at a time per
/// endpoint: `cursor` is the last event the endpoint acknowledged (or that its types skip), so a restart or another
/// instance carries on from there and nothing is lost.
package struct WebhookEndpoint: Sendable, Hashable, Identifiable {
    package enum State: String, Sendable, Hashable, CaseIterable {
        case active
        /// Failing for longer than the retry window: nothing is sent until an admin resumes it. Its backlog stays.
        case disabled
    }

    package var id: String
    package var url: String
    package var description: String
    /// The types it receives (``EventTypePattern``); empty for every type.
    package var eventTypes: [String]
    /// The signing secret, `whsec_` and base64 (Standard Webhooks); kept as it is because signing needs it.
    package var secret: String
    /// Whether the URL may name a loopback, private, link-local or metadata address.
    package var allowPrivate: Bool
    package var state: State
    /// The position of the last event delivered or skipped.
    package var cursor: EventCursor
    /// Failed attempts at the event after `cursor`.
    package var attempts: Int
    /// When the next attempt may go out.
    package var nextAttemptAt: Date
    /// When the current run of failures began.
    package var failingSince: Date?
    /// Why it was disabled, or the last failure.
    package var lastError: String?
    /// The instance delivering to it now, until `leaseUntil` (another instance takes over after that).
    package var leaseOwner: String?
    package var leaseUntil: Date?
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: String, url: String, description: String = "", eventTypes: [String] = [], secret: String,
        allowPrivate: Bool = false, state: State = .active, cursor: EventCursor = .start, attempts: Int = 0,
        nextAttemptAt: Date, failingSince: Date? = nil, lastError: String? = nil, leaseOwner: String? = nil,
        leaseUntil: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.secret = secret
        self.allowPrivate = allowPrivate
        self.state = state
        self.cursor = cursor
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.failingSince = failingSince
        self.lastError = lastError
        self.leaseOwner = leaseOwner
        self.leaseUntil = leaseUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The event types it receives.
    package var types: Set<EventType> {
        EventTypePattern.types(eventTypes.compactMap(EventTypePattern.init))
    }

    /// Whether a dispatcher may take it at `now`: active, with events after its cursor (`newestEvent` is the
    /// position of the newest event a reader may see), its next attempt due, and no lease still running. The SQL
    /// stores say the same in SQL.
    package func isDue(at now: Date, newestEvent: EventCursor) -> Bool {
        state == .active && cursor < newestEvent && nextAttemptAt <= now && (leaseUntil.map { $0 < now } ?? true)
    }
}

/// One attempt to deliver an event to an endpoint.
package struct WebhookDelivery: Sendable, Hashable {
    package var endpointID: String
    package var eventID: String
    package var eventSequence: Int64
    package var eventType: String
    /// 1 for the first attempt at this event.
    package var attempt: Int
    package var at: Date
    /// The response's status; `nil` when none came (refused, timed out, unreachable).
    package var statusCode: Int?
    package var latencyMilliseconds: Int
    /// What went wrong, when something did.
    package var error: String?
    /// The start of the response body (at most 4 KiB are read, 512 characters kept).
    package var responseExcerpt: String?

    package init(
        endpointID: String, eventID: String, eventSequence: Int64, eventType: String, attempt: Int, at: Date,
        statusCode: Int?, latencyMilliseconds: Int, error: String? = nil, responseExcerpt: String? = nil
    ) {
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventSequence = eventSequence
        self.eventType = eventType
        self.attempt = attempt
        self.at = at
        self.statusCode = statusCode
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
        self.responseExcerpt = responseExcerpt
    }

    /// Whether the endpoint acknowledged the event (a 2xx status).
    package var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

extension WebhookEndpoint {
    /// The endpoint as the CLI and the admin API write it; the secret only when it is being shown once.
    package func json(secret: Bool = false) -> JSONObject {
        var object: JSONObject = [
            "id": .string(id), "url": .string(url), "description": .string(description),
            "events": .array(eventTypes.map(JSONValue.string)), "state": .string(state.rawValue),
            "failing": .bool(attempts > 0), "allowPrivate": .bool(allowPrivate), "cursor": .string(cursor.description),
            "attempts": .int(attempts), "nextAttemptAt": .string(Timestamp.format(nextAttemptAt)),
            "lastError": lastError.map(JSONValue.string) ?? .null, "createdAt": .string(Timestamp.format(createdAt)),
        ]
        if secret { object["secret"] = .string(self.secret) }
        return object
    }
}

extension WebhookDelivery {
    /// The attempt as the CLI and the admin API write it.
    package var json: JSONObject {
        [
            "eventId": .string(eventID), "sequence": .int(Int(eventSequence)), "type": .string(eventType),
            "attempt": .int(attempt), "at": .string(Timestamp.format(at)),
            "status": statusCode.map { .int($0) } ?? .null, "latencyMs": .int(latencyMilliseconds),
            "error": error.map(JSONValue.string) ?? .null, "response": responseExcerpt.map(JSONValue.string) ?? .null,
        ]
    }
}
