// swift-tools-version: 6.1
import PackageDescription

/// One set of settings for every target: Swift 6 language mode plus the upcoming features that keep
/// module boundaries honest.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Roster",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "roster", targets: ["roster"]),
        // The SCIM protocol module is a library others can use; the rest is the service's own, `package` access.
        .library(name: "SCIM", targets: ["SCIM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .target(name: "SCIM", swiftSettings: swiftSettings),
        .target(
            name: "Provisioning",
            dependencies: [
                "SCIM",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "ProvisioningSQL", dependencies: ["SCIM", "Provisioning"], swiftSettings: swiftSettings),
        .target(
            name: "ProvisioningSQLite",
            dependencies: [
                "SCIM", "Provisioning", "ProvisioningSQL", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, which the read connections use directly (see SQLiteReaders).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProvisioningPostgres",
            dependencies: [
                "Provisioning", "ProvisioningSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RosterServer",
            dependencies: [
                "SCIM",
                "Provisioning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Console")],
            swiftSettings: swiftSettings
        ),
        // The store conformance suite and helpers the tests of the core and of each store share; no driver.
        .target(
            name: "ProvisioningTesting",
            dependencies: ["SCIM", "Provisioning", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // PostgreSQL's test helpers: a fresh schema per test on the server `ROSTER_TEST_POSTGRES_URL` names.
        .target(
            name: "ProvisioningPostgresTesting", dependencies: ["ProvisioningPostgres"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "roster",
            dependencies: [
                "SCIM",
                "Provisioning",
                "ProvisioningSQLite",
                "ProvisioningPostgres",
                "RosterServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SCIMTests", dependencies: ["SCIM"], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ProvisioningTests",
            dependencies: ["SCIM", "Provisioning", "ProvisioningTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProvisioningSQLiteTests",
            dependencies: [
                "SCIM", "Provisioning", "ProvisioningSQL", "ProvisioningSQLite", "ProvisioningTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProvisioningPostgresTests",
            dependencies: [
                "SCIM", "Provisioning", "ProvisioningSQL", "ProvisioningPostgres", "ProvisioningTesting",
                "ProvisioningPostgresTesting", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RosterServerTests",
            dependencies: [
                "SCIM", "Provisioning", "ProvisioningSQLite", "ProvisioningPostgres", "ProvisioningTesting",
                "ProvisioningPostgresTesting", "RosterServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
