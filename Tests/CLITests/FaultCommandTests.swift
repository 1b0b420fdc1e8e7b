import Foundation
import XCTest

/// The shared failure engine's commands on a legacy environment, seen through `db-status`.
final class FaultCommandTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
    }

    override func tearDown() { cli.cleanUp() }

    private func dbStatus() throws -> [String: Any] {
        let json = try cli.ok(["db-status", "--format", "json"])
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    func test_dbStatusShowsThePrimaryAndTheQuorum() throws {
        let status = try dbStatus()
        XCTAssertEqual(status["primary"] as? String, "0")
        let quorum = try XCTUnwrap(status["quorum"] as? [String: Any])
        XCTAssertEqual(quorum["voters"] as? Int, 3)
        XCTAssertEqual(quorum["voters-up"] as? Int, 3)
        XCTAssertEqual(quorum["needed"] as? Int, 2)
        XCTAssertEqual(quorum["has-quorum"] as? Bool, true)
        let states = (status["members"] as? [[String: Any]])?.compactMap { $0["state"] as? String }
        XCTAssertEqual(states, ["PRIMARY", "SECONDARY", "SECONDARY"])
    }

    func test_partitionedPrimaryIsReplacedAndHealingRejoinsIt() throws {
        try cli.ok(["partition", "0"])
        try cli.ok(["wait", "--until", "30s"])
        var status = try dbStatus()
        XCTAssertNotEqual(status["primary"] as? String, "0", "the majority side elected a new primary")
        try cli.ok(["heal", "--all"])
        try cli.ok(["wait", "--until", "30s"])
        status = try dbStatus()
        let states = (status["members"] as? [[String: Any]])?.compactMap { $0["state"] as? String } ?? []
        XCTAssertEqual(states.sorted(), ["PRIMARY", "SECONDARY", "SECONDARY"])
    }

    func test_twoCrashedVotersLeaveNoQuorum() throws {
        try cli.ok(["fail", "1"])
        try cli.ok(["fail", "2", "--mode", "disk-loss"])
        try cli.ok(["wait", "--until", "1m"])
        let status = try dbStatus()
        XCTAssertNil(status["primary"])
        let quorum = try XCTUnwrap(status["quorum"] as? [String: Any])
        XCTAssertEqual(quorum["voters-up"] as? Int, 1)
        XCTAssertEqual(quorum["has-quorum"] as? Bool, false)
        try cli.ok(["start", "1"])
        XCTAssertEqual(try cli.ok(["wait", "--until", "primary"]).hasPrefix("primary after "), true)
    }

    func test_faultCommandsRefuseUnknownMachinesAndChangeNothing() throws {
        let before = try cli.contents()
        for args in [["fail", "9"], ["start", "9"], ["partition", "0,9"], ["skew", "9", "10s"]] {
            let result = try cli.run(args)
            XCTAssertEqual(result.code, 1, args.joined(separator: " "))
            XCTAssertEqual(result.stderr, "error: machine 9 not found\n")
        }
        XCTAssertEqual(try cli.run(["heal"]).code, 2)
        XCTAssertEqual(try cli.contents(), before)
        try cli.ok(["skew", "1", "--", "-30s"])
    }

    /// The peergrouper talks to the primary from its own machine: cut off, its passes fail.
    func test_peergrouperOfAPartitionedStateServerCannotReachThePrimary() throws {
        try cli.ok(["partition", "2"])
        try cli.ok(["wait", "--until", "3m"])
        let trace = String(decoding: try cli.read("env/trace.log"), as: UTF8.self)
        XCTAssertTrue(trace.contains("machine-2 cannot read the replica set or the state: no reachable servers"))
        XCTAssertFalse(trace.contains("machine-1 cannot read the replica set or the state"))
    }
}
