import Foundation
import Provisioning

/// Where a PostgreSQL store connects: `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, with optional query items
/// `schema` (the schema Roster's tables live in, created if missing; default `public`), `sslmode` (`disable`,
/// `prefer` or `require`; default `prefer`), `pool` (the connections the deployment's transactions hold at once,
/// shared by its serving instances, see ``ConnectionShare``; default 10) and `lock_timeout` (seconds a write waits
/// for another instance's before answering 503; default 10).
package struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    package enum TLSMode: String, Sendable, Hashable { case disable, prefer, require }

    /// `pool`: 1 to 200 connections for the deployment.
    static let poolLimit = SettingLimit(name: "pool", range: 1...200, kind: .integer(unit: "connections"))
    /// `lock_timeout`: 1 to 3600 seconds.
    static let lockTimeoutLimit = SettingLimit(name: "lock_timeout", range: 1...3600, kind: .integer(unit: "seconds"))

    /// A numeric URL option, checked by its limit; the limit's message becomes a URL error.
    static func integer(_ text: String, _ limit: SettingLimit) throws(PostgresURLError) -> Int {
        do {
            return try limit.integer(text)
        } catch {
            throw PostgresURLError((error as? ProvisioningError)?.message ?? "\(error)")
        }
    }

    package var host: String
    package var port: Int
    package var username: String
    package var password: String?
    package var database: String
    package var schema: String?
    package var tls: TLSMode
    package var poolSize: Int
    package var lockTimeout: Int

    /// Whether `string` names a PostgreSQL database rather than a SQLite file.
    package static func matches(_ string: String) -> Bool {
        string.hasPrefix("postgres://") || string.hasPrefix("postgresql://")
    }

    package init(parsing string: String) throws(PostgresURLError) {
        guard Self.matches(string), let url = URLComponents(string: string) else {
            throw PostgresURLError(
                "'\(Self.redacted(string))' is not a URL of the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.")
        }
        guard let host = url.host, !host.isEmpty else { throw PostgresURLError("The PostgreSQL URL has no host.") }
        guard let user = url.user, !user.isEmpty else { throw PostgresURLError("The PostgreSQL URL has no user name.") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw PostgresURLError("The PostgreSQL URL has no database name (…/DATABASE).") }
        self.host = host
        self.port = url.port ?? 5432
        self.username = url.percentEncodedUser?.removingPercentEncoding ?? user
        self.password = url.percentEncodedPassword?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.schema = nil
        self.tls = .prefer
        self.poolSize = 10
        self.lockTimeout = 10
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "schema":
                guard value.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                    throw PostgresURLError("schema '\(value)' must be lowercase letters, digits and underscores.")
                }
                schema = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresURLError("sslmode '\(value)' must be disable, prefer or require.")
                }
                tls = mode
            case "pool":
                poolSize = try Self.integer(value, Self.poolLimit)
            case "lock_timeout":
                lockTimeout = try Self.integer(value, Self.lockTimeoutLimit)
            default:
                throw PostgresURLError(
                    "Unknown PostgreSQL URL option '\(item.name)' (known: schema, sslmode, pool, lock_timeout).")
            }
        }
    }

    /// The URL without its password, for logs and messages.
    package var description: String {
        var s = "postgres://\(username)@\(host):\(port)/\(database)"
        if let schema { s += "?schema=\(schema)" }
        return s
    }

    static func redacted(_ string: String) -> String {
        string.replacing(/:\/\/([^:@\/]*):[^@]*@/, with: { "://\($0.output.1):***@" })
    }
}

/// A PostgreSQL URL that cannot be used, with the reason.
package struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    package var description: String
    init(_ description: String) { self.description = description }
}
