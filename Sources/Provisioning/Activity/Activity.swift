package import Foundation
package import SCIM

/// What the activity charts count, from the sync log: users created, updated, deactivated and reactivated, and
/// requests refused (a rule said no: a local user, a legal hold; the entry's status is 403) and rejected (the
/// request was wrong: invalid data, a conflict).
package enum ActivityKind: String, Sendable, Hashable, CaseIterable {
    case created, updated, deactivated, reactivated, refused, rejected

    /// The sync-log actions counted, each under its own name (`rejected` entries split into refused and rejected).
    package static let actions: [SyncAction] = [.created, .updated, .deactivated, .reactivated, .rejected]
}

/// The two views of the charts: each hour of the last 7 days, or each minute of the last 2 hours.
package enum ActivityRange: String, Sendable, Hashable, CaseIterable {
    case week = "7d"
    case twoHours = "2h"

    /// The range a query's `range` names: `7d` (also when absent) or `2h`; anything else is refused.
    package static func parse(_ text: String?) throws -> ActivityRange {
        guard let text else { return .week }
        guard let range = ActivityRange(rawValue: text) else {
            throw ProvisioningError.invalid("'range' is 7d or 2h, got '\(text)'.")
        }
        return range
    }

    package var bucketSeconds: Int { self == .week ? 3600 : 60 }
    package var buckets: Int { self == .week ? 7 * 24 : 120 }
}

/// A count of one kind in one bucket, as stores answer it: `bucket` is the bucket's index since 1970 (its start
/// in milliseconds divided by the bucket's length), `action` a sync action's raw value, or `refused` for the
/// `rejected` entries of status 403 (which the `rejected` count includes).
package struct ActivityCount: Sendable, Hashable {
    package var bucket: Int64
    package var action: String
    package var count: Int

    package init(bucket: Int64, action: String, count: Int) {
        self.bucket = bucket
        self.action = action
        self.count = count
    }

    /// The pseudo-action of the `rejected` entries a rule refused.
    package static let refused = "refused"
}

/// A provider's (or every provider's) activity over a range, bucket by bucket, oldest first, with the current
/// deactivation backlog.
package struct Activity: Sendable, Hashable {
    package struct Bucket: Sendable, Hashable {
        package var start: Date
        package var counts: [ActivityKind: Int]
    }

    package var range: ActivityRange
    package var buckets: [Bucket]
    /// Deactivations scheduled and not yet due or run, and held by the guard or a legal hold (now).
    package var pending: Int
    package var held: Int

    /// The total of each kind over the range.
    package var totals: [ActivityKind: Int] {
        buckets.reduce(into: [:]) { totals, bucket in
            for (kind, n) in bucket.counts { totals[kind, default: 0] += n }
        }
    }

    /// The activity as JSON (the admin API and `roster activity --json`): the range, the deactivations pending and
    /// held, and every bucket's counts by kind.
    package var json: JSONObject {
        [
            "range": .string(range.rawValue), "pending": .int(pending), "held": .int(held),
            "buckets": .array(
                buckets.map { b in
                    let counts = ActivityKind.allCases.map {
                        (key: $0.rawValue, value: JSONValue.int(b.counts[$0] ?? 0))
                    }
                    return ["start": .string(Timestamp.format(b.start)), "counts": .object(JSONObject(counts))]
                }),
        ]
    }

    /// Buckets from counts: every bucket of the range present (zeros included), `refused` taken out of
    /// `rejected`.
    package static func buckets(_ counts: [ActivityCount], range: ActivityRange, first: Int64) -> [Bucket] {
        var table: [Int64: [ActivityKind: Int]] = [:]
        for c in counts {
            guard c.bucket >= first, c.bucket < first + Int64(range.buckets) else { continue }
            if c.action == ActivityCount.refused {
                table[c.bucket, default: [:]][.refused, default: 0] += c.count
                table[c.bucket, default: [:]][.rejected, default: 0] -= c.count
            } else if let kind = ActivityKind(rawValue: c.action) {
                table[c.bucket, default: [:]][kind, default: 0] += c.count
            }
        }
        let length = Int64(range.bucketSeconds) * 1000
        return (0..<Int64(range.buckets)).map { i in
            let index = first + i
            let counts = table[index] ?? [:]
            return Bucket(
                start: Date(timeIntervalSince1970: Double(index * length) / 1000),
                counts: Dictionary(uniqueKeysWithValues: ActivityKind.allCases.map { ($0, max(0, counts[$0] ?? 0)) }))
        }
    }
}
