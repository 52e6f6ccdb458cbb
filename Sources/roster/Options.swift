import ArgumentParser
import Foundation
import Provisioning
import ProvisioningPostgres
import ProvisioningSQLite
import SCIM

/// `--database`, shared by every subcommand: a SQLite file (default `./roster.sqlite`) or a PostgreSQL URL
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`), or `ROSTER_DATABASE`.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "SQLite database file, or postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: $ROSTER_DATABASE or ./roster.sqlite)."
    )
    var database: String?

    var path: String {
        database ?? ProcessInfo.processInfo.environment["ROSTER_DATABASE"] ?? "roster.sqlite"
    }

    var isPostgres: Bool { PostgresURL.matches(path) }

    /// The database as logs and messages show it: never a password.
    var displayName: String {
        guard isPostgres else { return path }
        return (try? PostgresURL(parsing: path).description) ?? "a PostgreSQL database"
    }

    /// Opens the store `--database` names and runs pending migrations; unless `running` is false (the server runs
    /// it in its service group, and a PostgreSQL store then counts among the deployment's serving instances), its
    /// service runs beside the command (``CommandServices``).
    func openStore(durability: SQLiteStore.Durability = .normal, running: Bool = true) async throws
        -> any ProvisioningStore
    {
        let store: any ProvisioningStore =
            isPostgres ? try await openPostgres(serving: !running) : try openSQLite(durability: durability)
        if running, let service = store.service { CommandServices.run(service) }
        return store
    }

    /// The PostgreSQL store, its pool not yet running; a `serving` one (the server's) shares `pool` with the
    /// deployment's other instances.
    func openPostgres(serving: Bool = false) async throws -> PostgresStore {
        do {
            return try await PostgresStore.open(try PostgresURL(parsing: path), serving: serving)
        } catch let error as PostgresURLError {
            throw ValidationError("\(error)")
        } catch {
            throw ValidationError("Cannot open the PostgreSQL database: \(error)")
        }
    }

    /// The domain's services over the store `--database` names: the one way a command opens them.
    func services(durability: SQLiteStore.Durability = .normal) async throws -> DomainServices {
        DomainServices(store: try await openStore(durability: durability))
    }

    /// The SQLite store, for what only SQLite does (an online backup to a file).
    func openSQLite(durability: SQLiteStore.Durability = .normal) throws -> SQLiteStore {
        do {
            return try SQLiteStore(path: path, durability: durability)
        } catch {
            throw ValidationError("Cannot open the database '\(path)': \(error)")
        }
    }
}

/// Output helpers shared by the admin commands.
enum Output {
    static func json(_ object: JSONObject) {
        print(TerminalText.escapedJSON(JSONValue.object(object).prettyText()))
    }

    static func json(_ array: [JSONValue]) {
        print(TerminalText.escapedJSON(JSONValue.array(array).prettyText()))
    }

    /// A plain table with a header row; control characters in cells are escaped, line breaks included, so that
    /// each row stays one line.
    static func table(_ header: [String], _ rows: [[String]]) {
        let rows = rows.map { $0.map { TerminalText.escaped($0) } }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }
}

/// Parses or checks an admin-set number through its ``SettingLimit``: the limit's one message (naming the setting,
/// its range and the value) becomes the command's usage error.
@discardableResult
func checked<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ProvisioningError {
        throw ValidationError(error.message)
    }
}

/// Runs an admin call; a domain error is printed as a plain message on standard error and exits with 1.
func run<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ProvisioningError {
        FileHandle.standardError.write(Data("error: \(TerminalText.escaped(error.message))\n".utf8))
        throw ExitCode(1)
    }
}

/// What every command prints goes through here (it shadows the standard library's `print` in this module): control
/// characters in stored values are escaped (``TerminalText``), the line breaks of multi-line messages are kept.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    Swift.print(TerminalText.escaped(text, keepingLineBreaks: true), terminator: terminator)
}
