@testable import DqliteStore
import GRDB
import RaftCluster
import XCTest

/// The schema is `Migrations/*.sql`, one migration per file in name order, and a shipped file
/// never changes (DESIGN §5).
final class SchemaTests: XCTestCase {
    /// SHA-256 of every shipped migration file. A shipped file never changes: a schema change
    /// is a new file, whose digest is added here (the failure message prints it).
    static let pinned: [String: String] = [
        "0001_controller": "22726ed9e0caf8306a8754fa82b07df3f3f5f80e5465eda39b9a56543f6f15a9",
        "0002_lease": "951eb0705fdf655fd68a51e6d2d18c4ce7823c1fb067d23d409ba4dda7e2de0e",
        "0003_logs": "3824ded8c40c3b1e0c6a83a92068e80a782565e80c45fa69b1c06f5c92aa33a1",
        "0004_model": "f0bd00e685bb8a2daac803e22f9b8abb7c81822748581b93e9b380d94df8f4eb",
        "0005_migration": "0cf274cfe8fa70745032d342253f90f39fbd2941691bea6697da2af14c649280",
    ]

    func test_shippedMigrationFilesArePinnedBySHA256() throws {
        let migrations = try ControllerSchema.migrations()
        for migration in migrations {
            XCTAssertEqual(migration.sha256, Self.pinned[migration.identifier],
                           "\(migration.fileName) changed or is not pinned: its SHA-256 is \(migration.sha256)")
        }
        XCTAssertEqual(Set(migrations.map(\.identifier)).intersection(Self.pinned.keys).count, Self.pinned.count,
                       "a pinned migration file is missing")
    }

    func test_migratorRegistersOneMigrationPerFileInNameOrder() throws {
        let migrations = try ControllerSchema.migrations()
        XCTAssertEqual(ControllerSchema.migrator().migrations, migrations.map(\.identifier))
        XCTAssertEqual(migrations.map(\.identifier), migrations.map(\.identifier).sorted())
        XCTAssertEqual(migrations.map(\.number), Array(1...migrations.count))
        XCTAssertEqual(Array(migrations.map(\.identifier).prefix(4)),
                       ["0001_controller", "0002_lease", "0003_logs", "0004_model"])
    }

    func test_migratorAppliesEveryMigrationToAnEmptyDatabase() throws {
        let queue = try DatabaseQueue()
        let migrator = ControllerSchema.migrator()
        try migrator.migrate(queue)
        try queue.read { db in
            XCTAssertEqual(try migrator.appliedMigrations(db), migrator.migrations)
            XCTAssertTrue(try migrator.hasCompletedMigrations(db))
        }
    }

    func test_migrationsCreateEveryTable() throws {
        let db = try NodeDatabase()
        XCTAssertEqual(db.tables(), [
            "application", "application_config",
            "change_log", "change_log_edit_type", "change_log_namespace", "change_log_witness",
            "constraint_value", "controller", "controller_api_address", "controller_config", "controller_node",
            "lease", "lease_pin", "lease_type", "legacy_collection", "legacy_document", "legacy_row", "life", "log_line",
            "machine", "machine_status", "machine_status_value", "model", "model_config", "model_namespace", "model_type",
            "namespace_list", "relation", "unit", "unit_status", "user",
        ])
        XCTAssertEqual(try db.export().map(\.name), db.tables())
    }

    func test_leaseTypeIsSeeded() throws {
        let db = try NodeDatabase()
        XCTAssertEqual(try db.query(SQLStatement("SELECT id, type FROM lease_type ORDER BY id")).rows, [
            [.integer(0), .text("singular-controller")],
            [.integer(1), .text("application-leadership")],
        ])
        XCTAssertEqual(LeaseType.allCases.map(\.rawValue), ["singular-controller", "application-leadership"])
    }

    func test_lifeModelTypeAndChangeLogEditTypeAreSeeded() throws {
        let db = try NodeDatabase()
        XCTAssertEqual(try db.query(SQLStatement("SELECT id, value FROM life ORDER BY id")).rows,
                       [[.integer(0), .text("alive")], [.integer(1), .text("dying")], [.integer(2), .text("dead")]])
        XCTAssertEqual(try db.query(SQLStatement("SELECT id, type FROM model_type ORDER BY id")).rows,
                       [[.integer(0), .text("iaas")], [.integer(1), .text("caas")]])
        XCTAssertEqual(try db.query(SQLStatement("SELECT id FROM change_log_edit_type ORDER BY id")).rows,
                       [[.integer(1)], [.integer(2)], [.integer(4)]])
    }

    func test_migrationsNeverReadTheClockOrDrawRandomness() throws {
        for migration in try ControllerSchema.migrations() {
            let text = migration.sql.lowercased()
            for forbidden in ["'now'", "current_timestamp", "current_date", "current_time", "random("] {
                XCTAssertFalse(text.contains(forbidden), "\(migration.fileName) uses \(forbidden)")
            }
        }
    }

    func test_migrationFilesAreNamedWithFourDigitsAndALowerCaseName() throws {
        for migration in try ControllerSchema.migrations() {
            XCTAssertNotNil(migration.fileName.range(of: #"^[0-9]{4}_[a-z0-9_]+\.sql$"#, options: .regularExpression),
                            migration.fileName)
        }
    }

    func test_controllerTableHoldsOneRow() throws {
        let db = try NodeDatabase()
        let insert = "INSERT INTO controller (uuid, model_uuid, target_version) VALUES (?, ?, '4.0.0')"
        try db.apply(SQLStatement(insert, [.text("c-1"), .text(Fixture.controllerModel)]))
        let failure = Fixture.failure { try db.apply(SQLStatement(insert, [.text("c-2"), .text(Fixture.controllerModel)])) }
        XCTAssertEqual(failure?.code, SQLFailure.constraintUnique)
        XCTAssertEqual(try db.query(SQLStatement("SELECT value FROM v_controller_config WHERE key = 'controller-uuid'")).rows,
                       [[.text("c-1")]])
    }

    func test_controllerNodeIdsAndBindAddressesAreUnique() throws {
        let db = try NodeDatabase()
        let insert = "INSERT INTO controller_node (controller_id, dqlite_node_id, dqlite_bind_address) VALUES (?, ?, ?)"
        try db.apply(SQLStatement(insert, [.text("0"), .text("3297041220608546238"), .text("10.0.0.1")]))
        // Not joined yet: NULLs do not collide.
        try db.apply(SQLStatement(insert, [.text("1"), .null, .null]))
        try db.apply(SQLStatement(insert, [.text("2"), .null, .null]))
        let sameNode = Fixture.failure { try db.apply(SQLStatement(insert, [.text("3"), .text("3297041220608546238"), .text("10.0.0.4")])) }
        XCTAssertEqual(sameNode?.message, "UNIQUE constraint failed: controller_node.dqlite_node_id")
        let sameAddress = Fixture.failure { try db.apply(SQLStatement(insert, [.text("3"), .text("7"), .text("10.0.0.1")])) }
        XCTAssertEqual(sameAddress?.message, "UNIQUE constraint failed: controller_node.dqlite_bind_address")
        XCTAssertEqual(try db.query(SQLStatement("SELECT life_id FROM controller_node WHERE controller_id = '1'")).rows,
                       [[.integer(0)]])
    }

    func test_apiAddressesBelongToAKnownControllerNode() throws {
        let db = try NodeDatabase()
        let insert = "INSERT INTO controller_api_address (controller_id, address, is_agent, scope) VALUES (?, ?, ?, ?)"
        let failure = Fixture.failure { try db.apply(SQLStatement(insert, [.text("0"), .text("10.0.0.1:17070"), .boolean(true), .text("local-cloud")])) }
        XCTAssertEqual(failure?.code, SQLFailure.constraintForeignKey)
        XCTAssertEqual(failure?.message, "FOREIGN KEY constraint failed")
        try db.apply(SQLStatement("INSERT INTO controller_node (controller_id) VALUES ('0')"))
        try db.apply(SQLStatement(insert, [.text("0"), .text("10.0.0.1:17070"), .boolean(true), .text("local-cloud")]))
        try db.apply(SQLStatement(insert, [.text("0"), .text("203.0.113.5:17070"), .boolean(false), .text("public")]))
        let duplicate = Fixture.failure { try db.apply(SQLStatement(insert, [.text("0"), .text("10.0.0.1:17070"), .boolean(false), .text("public")])) }
        XCTAssertEqual(duplicate?.code, SQLFailure.constraintPrimaryKey)
        XCTAssertEqual(try db.query(SQLStatement("SELECT address, is_agent FROM controller_api_address ORDER BY address")).rows, [
            [.text("10.0.0.1:17070"), .boolean(true)],
            [.text("203.0.113.5:17070"), .boolean(false)],
        ])
    }

    func test_modelNamesAreUniquePerQualifierAndMachineNamesPerModel() throws {
        let db = try NodeDatabase()
        let model = "INSERT INTO model (uuid, name, qualifier, model_type_id, cloud_name) VALUES (?, ?, ?, 0, 'lxd')"
        try db.apply(SQLStatement(model, [.text(Fixture.controllerModel), .text("controller"), .text("admin")]))
        try db.apply(SQLStatement(model, [.text(Fixture.otherModel), .text("controller"), .text("bob")]))
        let sameName = Fixture.failure { try db.apply(SQLStatement(model, [.text("m-3"), .text("controller"), .text("admin")])) }
        XCTAssertEqual(sameName?.message, "UNIQUE constraint failed: model.name, model.qualifier")
        let badType = Fixture.failure {
            try db.apply(SQLStatement("INSERT INTO model (uuid, name, qualifier, model_type_id, cloud_name) VALUES ('m-4', 'x', 'admin', 7, 'lxd')"))
        }
        XCTAssertEqual(badType?.code, SQLFailure.constraintForeignKey)

        let machine = "INSERT INTO machine (uuid, model_uuid, name) VALUES (?, ?, ?)"
        try db.apply(SQLStatement(machine, [.text("u-0"), .text(Fixture.controllerModel), .text("0")]))
        try db.apply(SQLStatement(machine, [.text("u-1"), .text(Fixture.otherModel), .text("0")]))
        let sameMachine = Fixture.failure { try db.apply(SQLStatement(machine, [.text("u-2"), .text(Fixture.controllerModel), .text("0")])) }
        XCTAssertEqual(sameMachine?.message, "UNIQUE constraint failed: machine.model_uuid, machine.name")
    }

    func test_logLinesTakeIncreasingIdsAndALoggoLevel() throws {
        let db = try NodeDatabase()
        let insert = """
            INSERT INTO log_line (model_uuid, entity, module, location, level, message, created_at)
            VALUES (?, 'machine-0', 'juju.worker.dbaccessor', 'worker.go:120', ?, ?, ?)
            """
        let first = try db.apply(SQLStatement(insert, [.text(Fixture.controllerModel), .integer(3), .text("started"), .text(Fixture.t0)]))
        let second = try db.apply(SQLStatement(insert, [.text(Fixture.controllerModel), .integer(4), .text("lost"), .text(Fixture.at(1))]))
        XCTAssertEqual([first.lastInsertID, second.lastInsertID], [1, 2])
        let badLevel = Fixture.failure { try db.apply(SQLStatement(insert, [.text(Fixture.controllerModel), .integer(9), .text("x"), .text(Fixture.t0)])) }
        XCTAssertEqual(badLevel?.code, SQLFailure.constraintCheck)
    }
}

final class MigrationNamingTests: XCTestCase {
    func test_onlyFourDigitsUnderscoreLowerCaseNameDotSQLIsAMigrationFile() {
        XCTAssertEqual(ControllerSchema.migrationNumber(of: "0001_controller.sql"), 1)
        XCTAssertEqual(ControllerSchema.migrationNumber(of: "0012_model_v2.sql"), 12)
        for name in ["1_a.sql", "0001-a.sql", "0001_A.sql", "0001_.sql", "0001_a.SQL", "000a_b.sql", "0001_a.sql.orig", "0001_a b.sql"] {
            XCTAssertNil(ControllerSchema.migrationNumber(of: name), name)
        }
    }
}
