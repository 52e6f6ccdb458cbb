import ArgumentParser
import Foundation
import Provisioning
import SCIM

extension ProviderCommand {
    struct Revert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo what a provider changed since a time: users, groups, memberships, deletions.",
            discussion: """
                Restores users' earlier attributes, reactivates users it deactivated (pending deactivations are \
                cancelled, archives come back from cold storage), puts memberships back and recreates deleted groups \
                with their members. Users and groups created in the period are left alone and listed. Every change \
                goes through the same rules as a push (legal holds, local users, mappings) and is logged with the \
                revert's id; the revert itself is logged as `reverted`.

                The IdP stays the source of truth: a provider that pushes again afterwards wins. Pause it first \
                (`roster provider pause ID`) and fix the IdP before resuming.
                """)
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Option(help: "Revert changes made after this time: an instant (2026-12-04T02:00:00Z) or a duration back (2h).")
        var since: String
        @Flag(help: "Show what would change; change nothing.") var dryRun = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let since = try checked { try SettingLimit.lookBack.named("--since").instant(self.since, now: Date()) }
            let revert = try await db.services().revert
            if dryRun {
                let plan = try await roster.run { try await revert.plan(providerID: id, since: since) }
                if json { return Output.json(plan.json) }
                Self.print(plan, dryRun: true)
                return
            }
            let outcome = try await roster.run {
                try await revert.revert(providerID: id, since: since, by: ProviderCommand.cliActor)
            }
            if json { return Output.json(outcome.json) }
            Self.print(outcome.plan, dryRun: false)
            Swift.print("Revert id \(outcome.revertID) (the request id of every change it made in the sync log).")
            if !outcome.failures.isEmpty {
                Swift.print("\nNOT RESTORED")
                Output.table(
                    ["KIND", "ID", "NAME", "REASON"], outcome.failures.map { [$0.kind, $0.id, $0.name, $0.reason] })
            }
        }

        static func print(_ plan: RevertPlan, dryRun: Bool) {
            let verb = dryRun ? "Would revert" : "Reverted"
            Swift.print(
                "\(verb) provider \(plan.providerID)'s changes since \(Timestamp.format(plan.since)): \(plan.summary).")
            if !plan.users.isEmpty {
                Swift.print("\nUSERS")
                Output.table(
                    ["ID", "USERNAME", "RESTORES"],
                    plan.users.map { [$0.id, $0.userName, $0.restores] })
            }
            if !plan.groups.isEmpty {
                Swift.print("\nGROUPS")
                Output.table(
                    ["ID", "NAME", "RESTORES"],
                    plan.groups.map { [$0.id, $0.displayName, $0.restores] })
            }
            let alone = plan.createdUsers + plan.createdGroups + plan.createdOrganizations
            if !alone.isEmpty {
                Swift.print("\nLEFT ALONE (created in the period)")
                Output.table(["KIND", "ID", "NAME", "WHY"], alone.map { [$0.kind, $0.id, $0.name, $0.reason] })
            }
            if !plan.skipped.isEmpty {
                Swift.print("\nSKIPPED")
                Output.table(["KIND", "ID", "NAME", "WHY"], plan.skipped.map { [$0.kind, $0.id, $0.name, $0.reason] })
            }
            if dryRun {
                Swift.print(
                    "\nDry run: nothing changed. A provider that pushes again after a revert wins; pause it first (roster provider pause \(plan.providerID))."
                )
            }
        }
    }
}
