import ArgumentParser
import Foundation
import Provisioning
import SCIM

extension ProviderCommand {
    /// Who the CLI acts as in the sync log: the operating-system user.
    static var cliActor: String { "the CLI (\(ProcessInfo.processInfo.environment["USER"] ?? "unknown user"))" }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a provider: its SCIM requests get 503 with Retry-After, so the IdP retries them later.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            let p = try await roster.run { try await admin.setPaused(id: id, true, by: ProviderCommand.cliActor) }
            print(
                "Paused provider \(p.id) since \(Timestamp.format(p.pausedAt ?? Date())): its SCIM requests are answered 503 until `roster provider resume \(p.id)`."
            )
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused provider: its SCIM requests work again.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String

        func run() async throws {
            let admin = try await db.services().admin
            let p = try await roster.run { try await admin.setPaused(id: id, false, by: ProviderCommand.cliActor) }
            print("Resumed provider \(p.id): its SCIM requests are answered again.")
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The provider's recent SCIM requests (the request inspector), newest first.",
            discussion: """
                Bodies are kept with passwords and sensitive attributes redacted; `roster provider request ID SEQ` \
                shows one with its bodies and the sync-log entries it caused.
                """)
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Flag(help: "Only failed requests (4xx and 5xx).") var failed = false
        @Option(help: "Only requests about this user (userName or email).") var user: String?
        @Option(help: "Only this status class: 2xx, 4xx or 5xx.") var status: String?
        @Option(help: "Only this method: GET, POST, PUT, PATCH or DELETE.") var method: String?
        @Option(help: "Only paths containing this text.") var path: String?
        @Option(help: "Only requests older than this sequence number (the next page).") var before: Int64?
        @Option(help: "At most this many (1-1000).") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let inspector = try await db.services().inspector
            let statusClass: Int? = try checked { try status.map { try RecordedRequestQuery.statusClass($0) } }
            let method: String? = try checked { try self.method.map { try RecordedRequestQuery.method($0) } }
            let limit: Int = try checked { try SettingLimit.pageSize.check(self.limit) }
            let query = RecordedRequestQuery(
                providerID: id, failedOnly: failed, statusClass: statusClass, method: method, pathContains: path,
                userName: user, before: before, limit: limit)
            let requests = try await roster.run { try await inspector.requests(query) }
            if json {
                Output.json(requests.map { JSONValue.object($0.json(bodies: false)) })
                return
            }
            Output.table(
                ["SEQ", "TIME", "METHOD", "PATH", "STATUS", "MS", "USER", "ERROR"],
                requests.map(Self.row))
        }

        static func row(_ r: RecordedRequest) -> [String] {
            [
                String(r.sequence ?? 0), Timestamp.format(r.at), r.method, r.shortPath, String(r.status),
                r.durationText, r.userName ?? "", r.errorText ?? "",
            ]
        }
    }

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One recorded SCIM request: its bodies (redacted) and the sync-log entries it caused.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "Provider id.") var id: String
        @Argument(help: "The request's sequence number (from `roster provider requests`).") var sequence: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let inspector = try await db.services().inspector
            let found = try await roster.run { try await inspector.request(providerID: id, sequence: sequence) }
            let r = found.request
            if json {
                var object = r.json(bodies: true)
                object["changes"] = .array(found.changes.map { .object($0.json) })
                Output.json(object)
                return
            }
            print("\(r.method) \(r.path)\(r.query.map { "?" + $0 } ?? "")")
            print(
                "  at \(Timestamp.format(r.at)), \(r.status) in \(r.durationText) ms, request id \(r.requestID)"
            )
            if let detail = r.detail {
                print("  error: \(r.errorText ?? detail)")
            }
            print("\nRequest body:\n\(Self.pretty(r.requestBody))\n\nResponse body:\n\(Self.pretty(r.responseBody))")
            print("\nSync-log entries of this request: \(found.changes.count)")
            for e in found.changes {
                print(
                    "  \(Timestamp.format(e.at))  \(e.action.rawValue)  \(e.userName ?? e.groupID ?? "")  \(e.detail ?? "")"
                )
            }
        }

        static func pretty(_ body: String?) -> String {
            guard let body else { return "  (none)" }
            guard let value = try? JSONValue(parsing: body) else { return body }
            return value.prettyText()
        }
    }
}
