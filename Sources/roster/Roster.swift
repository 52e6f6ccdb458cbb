import ArgumentParser

/// `roster`: the SCIM provisioning service and its admin commands.
@main
struct Roster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "SCIM 2.0 provisioning service: identity providers push users and groups into the platform.",
        subcommands: [
            Serve.self, ProviderCommand.self, UserCommand.self, OrganizationCommand.self, OrganizationMappingCommand.self,
            RoleCommand.self, RoleMappingCommand.self, WatchlistCommand.self, WatchlistMappingCommand.self,
            LegalHoldCommand.self, SyncLogCommand.self, SettingsCommand.self, DeviceCommand.self, APIKeyCommand.self,
            AdminCommand.self, BackupCommand.self,
        ]
    )
}
