// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Quorum",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "quorum", targets: ["quorum"]),
        .executable(name: "quorum-bench", targets: ["quorum-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libbson-dev, libdqlite-dev, libarchive-dev).
        .systemLibrary(name: "CBSON", pkgConfig: "libbson-1.0", providers: [.apt(["libbson-dev"])]),
        .systemLibrary(name: "CDqlite", pkgConfig: "dqlite", providers: [.apt(["libdqlite-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        .target(name: "BSON", dependencies: ["CBSON"]),
        .target(name: "HACore"),
        .target(name: "ReplicaSet", dependencies: ["HACore", "BSON"]),
        .target(name: "LegacyJuju", dependencies: ["HACore", "BSON", "ReplicaSet"]),
        .target(name: "RaftCluster", dependencies: ["HACore"]),
        .target(name: "ModernJuju", dependencies: ["HACore", "RaftCluster"]),
        // Each Dqlite node's SQLite database; its schema is Migrations/*.sql (linked in as resources).
        .target(name: "DqliteStore", dependencies: [
            "RaftCluster", "HACore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["Migrations/README.md"], resources: [.process("Migrations")]),
        .target(name: "Simulation", dependencies: [
            "HACore", "BSON", "ReplicaSet", "LegacyJuju", "RaftCluster", "ModernJuju", "DqliteStore",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        .target(name: "Backups", dependencies: [
            "HACore", "BSON", "CArchive", "RaftCluster", "DqliteStore",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams"),
        ]),
        // The live runtime: libdqlite nodes in agent processes, the Dqlite wire client, supervision.
        .target(name: "Live", dependencies: [
            "HACore", "CDqlite", "RaftCluster", "ModernJuju", "DqliteStore", "BSON", "ReplicaSet", "LegacyJuju",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Legacy ⇄ modern backup conversion through the SQLite pivot (Migrations/*.sql).
        .target(name: "Migration", dependencies: [
            "HACore", "BSON", "CBSON", "CArchive", "Backups", "DqliteStore", "RaftCluster",
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "quorum", dependencies: [
            "Live", "Migration",
            "HACore", "Simulation", "ReplicaSet", "LegacyJuju", "ModernJuju", "RaftCluster", "DqliteStore", "Backups", "BSON",
            "CBSON", "CDqlite", "CArchive",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "quorum-bench", dependencies: ["HACore", "Simulation", "Backups", "BSON", "Live", "Migration"]),

        // Fuzz targets: `make fuzz` builds each executable with libFuzzer (-DFUZZING); a plain
        // build replays stored inputs, and FuzzTargetsTests replays Fixtures/fuzz/.
        .target(name: "FuzzTargets", dependencies: ["BSON", "HACore", "Backups", "Simulation", "Live", "RaftCluster"]),
        .executableTarget(name: "quorum-fuzz", dependencies: ["FuzzTargets"]),

        .testTarget(name: "BSONTests", dependencies: ["BSON"]),
        .testTarget(name: "HACoreTests", dependencies: ["HACore"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "RaftCluster"]),
        .testTarget(name: "ReplicaSetTests", dependencies: ["ReplicaSet", "BSON", "HACore"]),
        .testTarget(name: "LegacyJujuTests", dependencies: ["LegacyJuju", "ReplicaSet", "BSON", "HACore"]),
        .testTarget(name: "RaftClusterTests", dependencies: ["RaftCluster", "HACore"]),
        .testTarget(name: "DqliteStoreTests", dependencies: [
            "DqliteStore", "RaftCluster", "HACore", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "ModernJujuTests", dependencies: ["ModernJuju", "RaftCluster", "HACore"]),
        // Hand-made (also hostile) archives shared by the backup and CLI tests.
        .target(name: "ArchiveFixtures", dependencies: ["CArchive"], path: "Tests/ArchiveFixtures"),
        .testTarget(name: "BackupsTests", dependencies: [
            "Backups", "HACore", "BSON", "CArchive", "ArchiveFixtures", "RaftCluster", .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "LiveTests", dependencies: ["Live", "RaftCluster", "ModernJuju", "BSON", "ReplicaSet"]),
        .testTarget(name: "MigrationTests", dependencies: [
            "Migration", "Backups", "BSON", "DqliteStore", "RaftCluster", "HACore", "ArchiveFixtures", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "CLITests", dependencies: ["HACore", "Simulation", "Backups", "BSON", "ArchiveFixtures", "RaftCluster"]),
    ],
    swiftLanguageModes: [.v5]
)
