import Foundation
import SCIM

/// The sync log and scheduled deactivations in memory.
extension MemoryTransaction {
    func appendSyncLog(_ entries: [SyncLogEntry]) async throws {
        for var entry in entries {
            entry.sequence = Int64(state.syncLog.count + 1)
            state.syncLog.append(entry)
        }
    }

    func syncLog(_ query: SyncLogQuery) async throws -> [SyncLogEntry] {
        Array(
            state.syncLog.reversed().lazy.filter { e in
                (query.userID == nil || e.userID == query.userID)
                    && (query.providerID == nil || e.providerID == query.providerID)
                    && (query.action == nil || e.action == query.action)
                    && (query.attribute == nil || e.attribute == query.attribute)
                    && (query.rule == nil || e.rule == query.rule)
                    && (query.requestID == nil || e.requestID == query.requestID)
                    && (query.since.map { e.at >= $0 } ?? true)
                    && (query.before.map { (e.sequence ?? 0) < $0 } ?? true)
                    && (query.after.map { (e.sequence ?? 0) > $0 } ?? true)
            }.prefix(query.limit))
    }

    func syncLogActionCounts() async throws -> [SyncAction: Int] {
        state.syncLog.reduce(into: [:]) { $0[$1.action, default: 0] += 1 }
    }

    func deactivationBacklog(at now: Date, providerID: String?) async throws -> (pending: Int, due: Int) {
        let pending = state.users.values.filter { providerID == nil || $0.providerID == providerID }
            .compactMap(\.deactivationDueAt)
        return (pending.count, pending.count { $0 <= now })
    }

    func syncLogCount(providerID: String, action: SyncAction, since: Date) async throws -> Int {
        state.syncLog.count { $0.providerID == providerID && $0.action == action && $0.at >= since }
    }

    func warningSummary(providerID: String, since: Date, examples: Int) async throws -> [WarningGroup] {
        let warnings = state.syncLog.reversed().filter {
            $0.providerID == providerID && $0.action == .warning && $0.at >= since
        }
        let grouped = Dictionary(grouping: warnings) { [$0.attribute ?? "", $0.rule ?? ""] }
        return grouped.map { key, entries in
            WarningGroup(
                attribute: key[0], rule: key[1], count: entries.count,
                users: Set(entries.compactMap(\.userID)).count, examples: Array(entries.prefix(examples)))
        }.sorted { ($1.count, $0.attribute, $0.rule) < ($0.count, $1.attribute, $1.rule) }
    }

    func warningCounts() async throws -> [String: Int] {
        state.syncLog.reduce(into: [:]) { counts, e in
            guard e.action == .warning else { return }
            let label =
                e.rule == DroppedValue.Rule.unknownAttribute.rawValue
                ? WarningGroup.unknownAttributeLabel : e.attribute ?? ""
            counts[label, default: 0] += 1
        }
    }

    func dueDeactivations(at now: Date, limit: Int) async throws -> [UserRecord] {
        Array(
            state.users.values.filter { ($0.deactivationDueAt.map { $0 <= now }) ?? false }
                .sorted { ($0.deactivationDueAt!, $0.id) < ($1.deactivationDueAt!, $1.id) }.prefix(limit))
    }

    func nextDeactivationDue() async throws -> Date? {
        state.users.values.compactMap(\.deactivationDueAt).min()
    }

    func heldDeactivations(providerID: String) async throws -> [UserRecord] {
        state.userOrder.compactMap { state.users[$0] }
            .filter { $0.providerID == providerID && $0.held == .massDeactivationGuard }
    }
}
