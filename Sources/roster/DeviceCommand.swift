import ArgumentParser
import Foundation
import Provisioning
import SCIM

/// `roster device …`: users' devices (backup agents) and their archives.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Manage users' devices (backup agents) and their archives.",
        subcommands: [Add.self, List.self]
    )

    static func archiveJSON(_ a: Archive) -> JSONValue {
        [
            "id": .string(a.id), "tier": .string(a.tier.rawValue),
            "coldUntil": a.coldUntil.map { .string(Timestamp.format($0)) } ?? .null,
            "markedForDeletion": .bool(a.markedForDeletion),
        ]
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a device for a user, with one archive; prints their ids.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email (userName).") var email: String
        @Option(help: "Device name.") var name: String
        @Flag(help: "Print JSON with the device and its archive.") var json = false

        func run() async throws {
            let platform = try await db.services().platform
            let (device, archive) = try await roster.run {
                try await platform.registerDevice(userName: email, name: name)
            }
            if json {
                Output.json([
                    "device": [
                        "id": .string(device.id), "userId": .string(device.userID), "name": .string(device.name),
                        "createdAt": .string(Timestamp.format(device.createdAt)),
                    ],
                    "archive": DeviceCommand.archiveJSON(archive),
                ])
                return
            }
            print("Registered device '\(device.name)' (id \(device.id)) for \(email) with archive \(archive.id).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a user's devices and their archives.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The user's email (userName).") var email: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try await db.services()
            let platform = services.platform
            let user = try await roster.run { try await services.admin.user(email: email) }
            let devices = try await platform.devices(userID: user.id)
            let archives = Dictionary(grouping: try await platform.archives(userID: user.id), by: \.deviceID)
            if json {
                Output.json(
                    devices.map { d -> JSONValue in
                        [
                            "id": .string(d.id), "name": .string(d.name),
                            "createdAt": .string(Timestamp.format(d.createdAt)),
                            "archives": .array((archives[d.id] ?? []).map(DeviceCommand.archiveJSON)),
                        ]
                    })
                return
            }
            Output.table(
                ["ID", "NAME", "ARCHIVES", "CREATED"],
                devices.map { d in
                    let list = (archives[d.id] ?? []).map {
                        "\($0.id) (\($0.tier.rawValue)\($0.markedForDeletion ? ", marked for deletion" : ""))"
                    }
                    return [d.id, d.name, list.joined(separator: ", "), Timestamp.format(d.createdAt)]
                })
        }
    }
}
