import DqliteStore
import HACore
import RaftCluster
import XCTest

/// What the Raft host relies on: applying committed statements, answering reads, comparing nodes.
final class NodeDatabaseTests: XCTestCase {
    /// A little history touching several tables, with parameters of several kinds.
    static let history: [SQLStatement] = [
        SQLStatement("INSERT INTO controller (uuid, model_uuid, target_version, api_port) VALUES (?, ?, ?, ?)",
                     [.text("ctrl-1"), .text(Fixture.controllerModel), .text("4.0.1"), .text("17070")]),
        SQLStatement("INSERT INTO controller_config (key, value) VALUES ('api-port', '17070'), ('juju-ha-space', '')"),
        SQLStatement("INSERT INTO controller_node (controller_id, dqlite_node_id, dqlite_bind_address) VALUES (?, ?, ?)",
                     [.text("0"), .text("3297041220608546238"), .text("10.0.0.1")]),
        SQLStatement("INSERT INTO controller_node (controller_id) VALUES ('1'), ('2')"),
        SQLStatement("INSERT INTO controller_api_address VALUES (?, ?, ?, ?)",
                     [.text("0"), .text("10.0.0.1:17070"), .boolean(true), .text("local-cloud")]),
        LeaseStatements.claim(uuid: "l-1", modelUUID: Fixture.controllerModel, name: "controller", holder: "controller-0",
                              now: Fixture.t0, duration: .seconds(60)),
        SQLStatement("INSERT INTO log_line (model_uuid, entity, level, message, created_at) VALUES (?, ?, ?, ?, ?)",
                     [.text(Fixture.controllerModel), .text("machine-0"), .integer(3), .text("dqlite node started"), .text(Fixture.t0)]),
        SQLStatement("INSERT INTO change_log (edit_type_id, namespace_id, changed, created_at) VALUES (1, 1, '1', ?)",
                     [.iso8601(Fixture.at(1))]),
        SQLStatement("UPDATE controller_node SET life_id = 1 WHERE controller_id = '2'"),
        LeaseStatements.extend(modelUUID: Fixture.controllerModel, name: "controller", holder: "controller-0",
                               now: Fixture.at(30), duration: .seconds(60)),
    ]

    func test_nodesFedTheSameStatementsHaveEqualDigestsAndExports() throws {
        let nodes = try (0..<3).map { _ in try NodeDatabase() }
        XCTAssertEqual(Set(nodes.map { $0.digest() }).count, 1, "fresh nodes agree")
        let fresh = nodes[0].digest()
        for statement in Self.history {
            let results = try nodes.map { try $0.apply(statement) }
            XCTAssertTrue(results.allSatisfy { $0 == results[0] }, "\(statement)")
        }
        XCTAssertEqual(nodes[0].digest().count, 64)
        XCTAssertNotEqual(nodes[0].digest(), fresh)
        XCTAssertEqual(nodes[1].digest(), nodes[0].digest())
        XCTAssertEqual(nodes[2].digest(), nodes[0].digest())
        XCTAssertEqual(try nodes[1].export(), try nodes[0].export())
        XCTAssertEqual(try nodes[2].export(), try nodes[0].export())

        // One more statement on one node only: they differ.
        try nodes[2].apply(SQLStatement("UPDATE controller_config SET value = '17071' WHERE key = 'api-port'"))
        XCTAssertNotEqual(nodes[2].digest(), nodes[0].digest())
        XCTAssertNotEqual(try nodes[2].export(), try nodes[0].export())
    }

    func test_digestIsStableAcrossRuns() throws {
        // The digest is a pure function of the contents: the same history gives the same hex
        // digest in every process (no per-process hashing seeds).
        let a = try NodeDatabase(), b = try NodeDatabase()
        for statement in Self.history { try a.apply(statement) }
        for statement in Self.history { try b.apply(statement) }
        XCTAssertEqual(a.digest(), b.digest())
        XCTAssertTrue(a.digest().allSatisfy { "0123456789abcdef".contains($0) })
    }

    func test_digestCoversAutoincrementCountersThatExportsDoNotShow() throws {
        let a = try NodeDatabase(), b = try NodeDatabase()
        try b.apply(SQLStatement("INSERT INTO log_line (model_uuid, entity, level, message, created_at) VALUES ('m', 'e', 3, 'x', ?)",
                                 [.text(Fixture.t0)]))
        try b.apply(SQLStatement("DELETE FROM log_line"))
        XCTAssertEqual(try a.export(), try b.export())
        XCTAssertNotEqual(a.digest(), b.digest(), "b's next log line id is 2, a's is 1")
    }

    func test_aFailingStatementLeavesTheDatabaseUnchanged() throws {
        let db = try NodeDatabase()
        for statement in Self.history.prefix(6) { try db.apply(statement) }
        let digest = db.digest(), export = try db.export()

        // Two statements in one EXEC: the first succeeds, the second fails; neither stays.
        let failure = Fixture.failure {
            try db.apply(SQLStatement("""
                INSERT INTO controller_node (controller_id, dqlite_node_id) VALUES ('3', '99');
                INSERT INTO controller_node (controller_id, dqlite_node_id) VALUES ('4', '99');
                """))
        }
        XCTAssertEqual(failure?.code, SQLFailure.constraintUnique)
        XCTAssertEqual(db.digest(), digest)
        XCTAssertEqual(try db.export(), export)

        // A multi-row UPDATE that violates a constraint half-way.
        let update = Fixture.failure { try db.apply(SQLStatement("UPDATE controller_node SET dqlite_bind_address = '10.0.0.9'")) }
        XCTAssertEqual(update?.code, SQLFailure.constraintUnique)
        XCTAssertEqual(db.digest(), digest)

        // Syntax errors, unknown tables, wrong parameter counts.
        let syntax = Fixture.failure { try db.apply(SQLStatement("INSERT INTO")) }
        XCTAssertEqual(syntax?.code, SQLFailure.error)
        let noTable = Fixture.failure { try db.apply(SQLStatement("DELETE FROM missing_table")) }
        XCTAssertEqual(noTable?.code, SQLFailure.error)
        XCTAssertEqual(noTable?.message, "no such table: missing_table")
        let arity = Fixture.failure { try db.apply(SQLStatement("DELETE FROM lease WHERE uuid = ?", [.text("l-1"), .text("extra")])) }
        XCTAssertNotNil(arity)
        XCTAssertEqual(db.digest(), digest)

        // And the database still takes writes.
        try db.apply(SQLStatement("INSERT INTO controller_node (controller_id) VALUES ('3')"))
        XCTAssertNotEqual(db.digest(), digest)
    }

    func test_applyReportsLastInsertIDAndRowsAffected() throws {
        let db = try NodeDatabase()
        let insert = "INSERT INTO log_line (model_uuid, entity, level, message, created_at) VALUES ('m', 'e', 3, ?, ?)"
        XCTAssertTrue(try db.apply(SQLStatement(insert, [.text("one"), .text(Fixture.t0)])) == (1, 1))
        XCTAssertTrue(try db.apply(SQLStatement(insert, [.text("two"), .text(Fixture.t0)])) == (2, 1))
        XCTAssertTrue(try db.apply(SQLStatement("UPDATE log_line SET level = 4")) == (2, 2))
        XCTAssertTrue(try db.apply(SQLStatement("DELETE FROM log_line WHERE id = 1")) == (2, 1))
    }

    func test_everySQLValueKindRoundTripsThroughQuery() throws {
        let db = try NodeDatabase()
        try db.apply(SQLStatement("""
            CREATE TABLE probe (
                id INTEGER PRIMARY KEY, i INTEGER, f REAL, t TEXT, b BLOB, n TEXT,
                u DATETIME, s TIMESTAMP, z BOOLEAN
            )
            """))
        let values: [SQLValue] = [
            .integer(Int64.min), .float(-0.125), .text("it's ✓"), .blob([0, 1, 254, 255]), .null,
            .unixTime(1_767_225_600), .iso8601("2026-01-01T00:00:00.000Z"), .boolean(true),
        ]
        try db.apply(SQLStatement("INSERT INTO probe (i, f, t, b, n, u, s, z) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values))
        try db.apply(SQLStatement("INSERT INTO probe (i, f, t, b, n, u, s, z) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  [.integer(Int64.max), .float(1e300), .text(""), .blob([]), .null,
                                   .unixTime(-1), .iso8601("1999-12-31T23:59:59.999Z"), .boolean(false)]))

        let result = try db.query(SQLStatement("SELECT i, f, t, b, n, u, s, z FROM probe ORDER BY id"))
        XCTAssertEqual(result.columns, ["i", "f", "t", "b", "n", "u", "s", "z"])
        XCTAssertEqual(result.rows, [
            values,
            [.integer(Int64.max), .float(1e300), .text(""), .blob([]), .null,
             .unixTime(-1), .iso8601("1999-12-31T23:59:59.999Z"), .boolean(false)],
        ])

        // Parameters of every kind also reach SQLite with Dqlite's storage classes.
        let typed = try db.query(SQLStatement("SELECT typeof(?), typeof(?), typeof(?), typeof(?), typeof(?), typeof(?), typeof(?), typeof(?)", values))
        XCTAssertEqual(typed.rows, [["integer", "real", "text", "blob", "null", "integer", "text", "integer"].map { .text($0) }])
        // Found by an equality on the column, each parameter kind matches its stored value.
        for (column, value) in zip(["i", "f", "t", "b", "u", "s", "z"], values.filter { $0 != .null }) {
            let hit = try db.query(SQLStatement("SELECT count(*) FROM probe WHERE \(column) = ?", [value]))
            XCTAssertEqual(hit.rows, [[.integer(1)]], "\(column) = \(value)")
        }
        // Text ends at a NUL, as on Dqlite's wire (NUL-terminated text).
        XCTAssertEqual(try db.query(SQLStatement("SELECT ?", [.text("a\u{0}b")])).rows, [[.text("a")]])
    }

    func test_queryTypesNullsInTimeAndBooleanColumnsAsDqliteDoes() throws {
        let db = try NodeDatabase()
        try db.apply(SQLStatement("CREATE TABLE probe (u DATETIME, z BOOLEAN, t TEXT)"))
        try db.apply(SQLStatement("INSERT INTO probe VALUES (NULL, NULL, NULL)"))
        XCTAssertEqual(try db.query(SQLStatement("SELECT u, z, t FROM probe")).rows, [[.iso8601(""), .boolean(false), .null]])
        XCTAssertEqual(try db.export().first { $0.name == "probe" }?.rows, [[.null, .null, .null]], "exports keep NULL")
        // Expressions have no declared type.
        XCTAssertEqual(try db.query(SQLStatement("SELECT u || '', z + 0 FROM probe")).rows, [[.null, .null]])
    }

    func test_queryCannotWrite() throws {
        let db = try NodeDatabase()
        let digest = db.digest()
        let failure = Fixture.failure { try db.query(SQLStatement("INSERT INTO controller_node (controller_id) VALUES ('0')")) }
        XCTAssertEqual(failure?.code, SQLFailure.readOnly)
        XCTAssertEqual(failure?.message, "attempt to write a readonly database")
        XCTAssertEqual(db.digest(), digest)
        // The connection is writable again afterwards.
        try db.apply(SQLStatement("INSERT INTO controller_node (controller_id) VALUES ('0')"))
        XCTAssertEqual(try Fixture.count(db, "controller_node"), 1)
    }

    func test_queryColumnsFollowTheStatement() throws {
        let db = try NodeDatabase()
        let result = try db.query(SQLStatement("SELECT type AS t, id FROM lease_type WHERE id = ?", [.integer(1)]))
        XCTAssertEqual(result, QueryResult(columns: ["t", "id"], rows: [[.text("application-leadership"), .integer(1)]]))
        let empty = try db.query(SQLStatement("SELECT holder, expiry FROM lease"))
        XCTAssertEqual(empty, QueryResult(columns: ["holder", "expiry"], rows: []))
    }

    func test_exportOrdersRowsByPrimaryKeyWhateverTheInsertionOrder() throws {
        let a = try NodeDatabase(), b = try NodeDatabase()
        for id in ["2", "0", "1"] { try a.apply(SQLStatement("INSERT INTO controller_node (controller_id) VALUES (?)", [.text(id)])) }
        for id in ["0", "1", "2"] { try b.apply(SQLStatement("INSERT INTO controller_node (controller_id) VALUES (?)", [.text(id)])) }
        let nodes = try a.export().first { $0.name == "controller_node" }
        XCTAssertEqual(nodes?.columns, ["controller_id", "dqlite_node_id", "dqlite_bind_address", "life_id"])
        XCTAssertEqual(nodes?.rows.map { $0[0] }, [.text("0"), .text("1"), .text("2")])
        XCTAssertEqual(try a.export(), try b.export())
        XCTAssertEqual(a.digest(), b.digest())
    }

    func test_exportsRoundTripThroughJSON() throws {
        let db = try NodeDatabase()
        for statement in Self.history { try db.apply(statement) }
        let export = try db.export()
        XCTAssertEqual(try JSONDecoder().decode([TableExport].self, from: JSONEncoder().encode(export)), export)
        let lease = export.first { $0.name == "lease" }
        XCTAssertEqual(lease?.rows, [[.text("l-1"), .integer(0), .text(Fixture.controllerModel), .text("controller"),
                                      .text("controller-0"), .iso8601("2026-01-01T00:00:00.000Z"), .iso8601("2026-01-01T00:01:30.000Z")]])
    }

    func test_sqlFailureCarriesTheExtendedCodeToDqlite() throws {
        let failure = SQLFailure(code: SQLFailure.constraintForeignKey, message: "FOREIGN KEY constraint failed")
        XCTAssertEqual(failure.primaryCode, 19)
        XCTAssertEqual(failure.dqliteFailure, DqliteFailure(code: 787, message: "FOREIGN KEY constraint failed"))
        XCTAssertEqual(failure.description, "787 FOREIGN KEY constraint failed")
        struct Other: Error {}
        XCTAssertEqual(SQLFailure(Other()).code, SQLFailure.error)
    }
}

final class NodeDatabaseTrialTests: XCTestCase {
    func test_trialReportsWhatAStatementWouldDoAndChangesNothing() throws {
        let database = try NodeDatabase()
        let insert = SQLStatement("INSERT INTO controller_config (key, value) VALUES (?, ?)", [.text("a"), .text("1")])
        XCTAssertEqual(try database.trial(insert).rowsAffected, 1)
        XCTAssertEqual(try database.query(SQLStatement("SELECT count(*) FROM controller_config")).rows, [[.integer(0)]])
    }

    func test_trialOfAFailingStatementThrowsSQLitesError() throws {
        let database = try NodeDatabase()
        let insert = SQLStatement("INSERT INTO controller_config (key, value) VALUES (?, ?)", [.text("a"), .text("1")])
        try database.apply(insert)
        XCTAssertThrowsError(try database.trial(insert)) { error in
            XCTAssertEqual((error as? SQLFailure)?.code, 1555, "SQLITE_CONSTRAINT_PRIMARYKEY")
        }
    }
}
