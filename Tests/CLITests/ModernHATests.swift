import Foundation
import XCTest

/// Seeds 002/003 and the modern spec (§1, §3.4, §3.6, §4): enable-ha grows the controller set,
/// the Dqlite cluster follows with go-dqlite's roles, and a lost leader is replaced.
final class ModernHATests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
    }

    override func tearDown() { cli.cleanUp() }

    /// `(machine, role, state)` of every node, from db-status.
    private func nodes() throws -> [String] {
        var result: [String] = []
        var machine = "", role = ""
        for line in try cli.ok(["db-status"]).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("- machine: ") { machine = String(text.dropFirst(11)).replacingOccurrences(of: "\"", with: "") }
            if text.hasPrefix("role: ") { role = String(text.dropFirst(6)) }
            if text.hasPrefix("state: ") { result.append("\(machine) \(role) \(text.dropFirst(7))") }
        }
        return result
    }

    func test_bootstrapNodeLeadsAloneOnLoopback() throws {
        let status = try cli.ok(["db-status"])
        XCTAssertTrue(status.contains("leader-id: \"3297041220608546238\""), "go-dqlite's BootstrapID (spec §3.2)")
        XCTAssertTrue(status.contains("address: 127.0.0.1:17666"), "the bootstrap node binds loopback")
        XCTAssertEqual(try nodes(), ["0 voter leader"])
    }

    func test_enableHAGrowsTheClusterToThreeVotersAndRebindsTheBootstrapNode() throws {
        XCTAssertEqual(try cli.ok(["enable-ha"]), "maintaining machines: 0\nadding machines: 1, 2\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        XCTAssertEqual(try nodes().sorted(), ["0 voter leader", "1 voter follower", "2 voter follower"])
        let status = try cli.ok(["db-status"])
        XCTAssertTrue(status.contains("address: 127.0.0.10:17666"), "rebound from 127.0.0.1 to its cloud-local address (spec §3.4)")
        XCTAssertFalse(status.contains("127.0.0.1:17666"))
        XCTAssertEqual(try cli.ok(["enable-ha"]), "", "three controllers: nothing to do")
    }

    func test_fiveControllersGiveThreeVotersAndTwoStandBys() throws {
        XCTAssertEqual(try cli.ok(["enable-ha", "-n", "5"]), "maintaining machines: 0\nadding machines: 1, 2, 3, 4\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "1m"])
        let roles = try nodes().map { $0.split(separator: " ")[1] }
        XCTAssertEqual(roles.filter { $0 == "voter" }.count, 3, "go-dqlite keeps 3 voters whatever the controller count (spec §3.6)")
        XCTAssertEqual(roles.filter { $0 == "stand-by" }.count, 2)
    }

    func test_leaderLossElectsANewLeaderAndTheOfflineVoterIsDemoted() throws {
        try cli.ok(["enable-ha", "-n", "5"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "1m"])
        try cli.ok(["fail", "0"])
        XCTAssertTrue(try cli.ok(["wait", "--until", "primary"]).hasPrefix("primary after "))
        try cli.ok(["advance", "1m"])
        let after = try nodes()
        XCTAssertEqual(after.first, "0 spare down", "the leader's Adjust demotes an offline voter (spec §4.6 step 7)")
        XCTAssertEqual(after.filter { $0.contains(" voter ") }.count, 3, "a stand-by was promoted in its place")
        XCTAssertEqual(after.filter { $0.hasSuffix(" leader") }.count, 1)
    }

    func test_quorumLossLeavesNoLeaderAndEnableHAFails() throws {
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["fail", "1"])
        try cli.ok(["fail", "2"])
        try cli.ok(["advance", "30s"])
        let wait = try cli.run(["wait", "--until", "quorum", "--timeout", "10s"])
        XCTAssertEqual(wait.code, 4, "two of three voters down: no quorum")
        let refused = try cli.run(["enable-ha"])
        XCTAssertEqual(refused.code, 1)
        XCTAssertTrue(refused.stderr.contains("quorum lost: 1 of 3 Dqlite voters are up, 2 are needed to elect a leader"), refused.stderr)
    }

    func test_enableHAValidatesItsCount() throws {
        let even = try cli.run(["enable-ha", "-n", "2"])
        XCTAssertEqual(even.code, 1)
        XCTAssertEqual(even.stderr, "error: must specify a number of controllers odd and non-negative\n", "the client-side check (spec §1.1)")
    }

    func test_legacyCommandsAreRefusedWithTheModernOnesNamed() throws {
        let result = try cli.run(["ensure-availability"])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.stderr.contains("use enable-ha"), result.stderr)
    }
}

/// The 4.x path to HA and dbaccessor's back-stop.
final class ModernControllerUnitTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
    }

    override func tearDown() { cli.cleanUp() }

    private func roles() throws -> [String] {
        try cli.ok(["db-status"]).split(separator: "\n").filter { $0.contains("role: ") }
            .map { String($0.split(separator: ":").last!.dropFirst()) }
    }

    func test_addUnitAddsControllerMachinesAndTheClusterFollows() throws {
        XCTAssertEqual(try cli.ok(["add-unit", "-m", "controller", "controller", "-n", "2"]), "")
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        XCTAssertEqual(try roles(), ["voter", "voter", "voter"])
        XCTAssertTrue(try cli.ok(["controllers", "--refresh"]).contains("quorum/sim         1      3   3  4.0.0"))
        try cli.ok(["add-unit", "-m", "controller", "controller"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        XCTAssertTrue(try cli.ok(["controllers", "--refresh"]).contains("3/4"), "an even count leaves a hot stand-by")
    }

    func test_addUnitRefusesOtherApplications() throws {
        let result = try cli.run(["add-unit", "-m", "controller", "mysql"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: application \"mysql\" not found\n")
    }

    /// Spec §3.4: with the controller list down to this node and no leader after a minute, the
    /// node is reconfigured as the only voter, and enable-ha can grow the cluster again.
    func test_backstopMakesTheLastControllerALoneVoter() throws {
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["fail", "1"])
        try cli.ok(["fail", "2"])
        try cli.ok(["advance", "30s"])
        let refused = try cli.run(["remove-machine", "1", "2"])
        XCTAssertEqual(refused.code, 1, "no leader: the handover cannot be written")
        let forced = try cli.run(["remove-machine", "--force", "1", "2"])
        XCTAssertEqual(forced.stderr, "removing machine 1\nremoving machine 2\n")
        XCTAssertEqual(try cli.run(["wait", "--until", "primary", "--timeout", "50s"]).code, 4, "no leader before the minute is up")
        XCTAssertTrue(try cli.ok(["wait", "--until", "primary", "--timeout", "1m"]).hasPrefix("primary after "))
        XCTAssertEqual(try roles(), ["voter"])
        XCTAssertEqual(try cli.ok(["enable-ha"]), "maintaining machines: 0\nadding machines: 3, 4\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        XCTAssertEqual(try roles(), ["voter", "voter", "voter"])
        XCTAssertTrue(try cli.ok(["debug-log", "--replay", "--level", "WARNING"])
            .contains("WARNING juju.worker.dbaccessor worker.go:498 reconfiguring Dqlite cluster with this node as the only member"),
                      "the line was held while there was no leader and stored once there was one")
    }
}
