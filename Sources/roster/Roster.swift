import ArgumentParser
import ServiceLifecycle

/// `roster`: the SCIM provisioning service and its admin commands.
@main
struct Roster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "SCIM 2.0 provisioning service: identity providers push users and groups into the platform.",
        subcommands: [
            Serve.self, ProviderCommand.self, UserCommand.self, OrganizationCommand.self,
            OrganizationMappingCommand.self,
            RoleCommand.self, RoleMappingCommand.self, WatchlistCommand.self, WatchlistMappingCommand.self,
            LegalHoldCommand.self, SyncLogCommand.self, SettingsCommand.self, DeviceCommand.self, APIKeyCommand.self,
            AdminCommand.self, BackupCommand.self, WebhookCommand.self, ActivityCommand.self, ReportCommand.self,
        ]
    )

    /// Parses the command line and runs the command, with the services it starts (a PostgreSQL store's connection
    /// pool) running beside it as child tasks, until it returns.
    static func main() async {
        await CommandServices.running {
            do {
                var command = try parseAsRoot()
                if var command = command as? any AsyncParsableCommand {
                    try await command.run()
                } else {
                    try command.run()
                }
            } catch {
                exit(withError: error)
            }
        }
    }
}

/// The services a command starts while it runs (a PostgreSQL store's connection pool, SQLite's writer): each runs
/// as a child task of the process's main task, and all of them stop when the command returns. `roster serve` runs
/// its store in the application's service group instead (`buildApplication`), where it stops last.
enum CommandServices {
    static let (started, starting) = AsyncStream<any Service>.makeStream()

    /// Starts `service`; it runs until the command returns.
    static func run(_ service: any Service) {
        starting.yield(service)
    }

    /// Runs `body`, with every service it starts running beside it.
    static func running(_ body: @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await withDiscardingTaskGroup { services in
                    for await service in started {
                        services.addTask { try? await service.run() }
                    }
                }
            }
            await body()
            group.cancelAll()
        }
    }
}
