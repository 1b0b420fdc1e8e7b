import HACore
import RaftCluster
@testable import Simulation
import XCTest

/// The modern flavor's Dqlite cluster inside the world: statements replicated through Raft
/// reach every node's SQLite database, whose schema comes from Migrations/*.sql.
final class DqliteHostingTests: XCTestCase {
    private func modernWorld(controllers: Int = 1) -> (World, Trace) {
        var trace = Trace()
        var world = World(config: WorldConfig(name: "t", flavor: .modern, seed: Seed(11)), trace: &trace)
        _ = world.apply(.wait(.settled, timeout: .minutes(10)), trace: &trace)
        if controllers > 1 {
            XCTAssertEqual(world.apply(.enableHA(["-n", String(controllers)]), trace: &trace).isOutput, true)
        }
        guard case .reached = world.apply(.wait(.settled, timeout: .minutes(10)), trace: &trace) else {
            XCTFail("the Dqlite cluster did not settle")
            return (world, trace)
        }
        return (world, trace)
    }

    private let insert = SQLStatement("INSERT INTO controller_config (key, value) VALUES (?, ?)", [.text("juju-ha-space"), .text("ha")])
    private let select = SQLStatement("SELECT key, value FROM controller_config WHERE key = ?", [.text("juju-ha-space")])

    func test_execThroughTheLeaderIsReadBackByQuery() throws {
        var (world, trace) = modernWorld()
        let leader = try XCTUnwrap(world.dqliteLeaderMachine)
        guard case let .result(_, _, rows)? = world.callDqlite(from: 1, to: leader, .execSQL(insert), trace: &trace) else {
            return XCTFail("EXEC_SQL was not answered with a result")
        }
        XCTAssertEqual(rows, 1)
        XCTAssertEqual(world.callDqlite(from: 1, to: leader, .querySQL(select), trace: &trace),
                       .rows(columns: ["key", "value"], rows: [[.text("juju-ha-space"), .text("ha")]]))
    }

    func test_everyVoterAppliesTheStatementToItsOwnDatabase() throws {
        var (world, trace) = modernWorld(controllers: 3)
        let leader = try XCTUnwrap(world.dqliteLeaderMachine)
        _ = world.callDqlite(from: 1, to: leader, .execSQL(insert), trace: &trace)
        world.run(until: world.now + .seconds(5), trace: &trace)
        for hosted in world.dqliteNodes {
            XCTAssertEqual(world.runQuery(select, on: hosted.machine), .rows(columns: ["key", "value"], rows: [[.text("juju-ha-space"), .text("ha")]]),
                           "machine \(hosted.machine)")
        }
    }

    func test_followerRefusesQueriesAsNotLeader() throws {
        var (world, trace) = modernWorld(controllers: 3)
        let follower = try XCTUnwrap(world.dqliteNodes.first { $0.node?.isLeader == false }?.machine)
        guard case .reply(.failure(let failure))? = world.callDqlite(from: 1, to: follower, .querySQL(select), trace: &trace) else {
            return XCTFail("a follower answered a query")
        }
        XCTAssertEqual(failure.code, 10250)
    }

    func test_aStatementSQLiteRefusesIsAnsweredWithItsErrorAndNeverReplicated() throws {
        var (world, trace) = modernWorld()
        let leader = try XCTUnwrap(world.dqliteLeaderMachine)
        _ = world.callDqlite(from: 1, to: leader, .execSQL(insert), trace: &trace)
        let logLength = world.dqliteNode(on: leader)?.node?.lastLogIndex
        let duplicate = SQLStatement("INSERT INTO controller_config (key, value) VALUES ('juju-ha-space', 'other')")
        guard case .reply(.failure(let failure))? = world.callDqlite(from: 1, to: leader, .execSQL(duplicate), trace: &trace) else {
            return XCTFail("a duplicate key was accepted")
        }
        XCTAssertEqual(failure.code, 1555, "SQLITE_CONSTRAINT_PRIMARYKEY")
        XCTAssertEqual(world.dqliteNode(on: leader)?.node?.lastLogIndex, logLength, "nothing was appended")
        XCTAssertEqual(world.runQuery(select, on: leader), .rows(columns: ["key", "value"], rows: [[.text("juju-ha-space"), .text("ha")]]))
    }

    func test_resultCarriesRowsAffected() throws {
        var (world, trace) = modernWorld()
        let leader = try XCTUnwrap(world.dqliteLeaderMachine)
        _ = world.callDqlite(from: 1, to: leader, .execSQL(insert), trace: &trace)
        let update = SQLStatement("UPDATE controller_config SET value = 'x' WHERE key = 'nothing'")
        guard case let .result(_, _, rows)? = world.callDqlite(from: 1, to: leader, .execSQL(update), trace: &trace) else {
            return XCTFail("no RESULT")
        }
        XCTAssertEqual(rows, 0, "an UPDATE matching nothing changes no row (how an extend of a lost lease shows)")
    }

    func test_singularLeaseMovesWhenItsHolderDies() throws {
        var (world, trace) = modernWorld(controllers: 3)
        world.run(until: world.now + .minutes(1), trace: &trace)
        let holder = try XCTUnwrap(world.singularHolder)
        XCTAssertEqual(world.leaseWorkers.filter(\.runsSingularWorkers).count, 1, "one holder at a time")
        world.inject(.crash, into: holder, trace: &trace)
        world.run(until: world.now + .minutes(3), trace: &trace)
        let next = try XCTUnwrap(world.singularHolder, "another controller claims the lease once it expires")
        XCTAssertNotEqual(next, holder)
        let rows = world.runQuery(SQLStatement("SELECT holder FROM lease WHERE lease_type_id = 0"), on: next)
        XCTAssertEqual(rows, .rows(columns: ["holder"], rows: [[.text(next.description)]]))
    }
}

private extension InputOutcome {
    var isOutput: Bool { if case .output = self { return true } else { return false } }
}
