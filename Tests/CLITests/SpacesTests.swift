import Foundation
import XCTest

/// Controllers with an address in more than one space (modern flavor): the controller charm
/// cannot pick a DB bind address, so the units are blocked and their nodes never join, until
/// `bind controller dbcluster=SPACE` gives each a unique one (seed 002, spec §3.4, §3.7).
final class DBClusterBindingTests: XCTestCase {
    var cli: QuorumCLI!

    static let blocked = "multiple possible DB bind addresses; set a suitable dbcluster network binding"

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "5", "--clock", "virtual", "--spaces", "alpha,internal"])
    }

    override func tearDown() { cli.cleanUp() }

    private func settle() throws {
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "1m"])
    }

    /// The (address, role) pairs `db-status` lists, in node order.
    private func dqliteNodes() throws -> [String] {
        let lines = try cli.ok(["db-status"]).split(separator: "\n").map(String.init)
        var nodes: [String] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("  address: ") && i + 1 < lines.count {
            nodes.append(line.dropFirst("  address: ".count) + " " + lines[i + 1].dropFirst("  role: ".count))
        }
        return nodes
    }

    func test_unboundControllersWithTwoAddressesAreBlockedAndNeverJoin() throws {
        try cli.ok(["enable-ha"])
        try settle()
        XCTAssertEqual(try cli.ok(["status", "-m", "controller"]), """
            Unit           Workload  Agent  Machine  Public address  Ports  Message
            controller/0*  blocked   idle   0        127.0.0.10             \(Self.blocked)
            controller/1   blocked   idle   1        127.0.0.11             \(Self.blocked)
            controller/2   blocked   idle   2        127.0.0.12             \(Self.blocked)

            Machine  State    DNS         Inst id                Series  AZ  Message  Dqlite
            0        started  127.0.0.10  juju-2a74f2-machine-0  jammy       running  voter*
            1        started  127.0.0.11  juju-2a74f2-machine-1  jammy       running
            2        started  127.0.0.12  juju-2a74f2-machine-2  jammy       running

            """)
        XCTAssertEqual(try dqliteNodes(), ["127.0.0.1:17666 voter"], "the bootstrap node stays alone on loopback")
        let charm = try cli.ok(["debug-log", "--replay", "--include", "unit-controller-1", "--level", "ERROR"])
        XCTAssertTrue(charm.contains("ERROR unit.controller/1.juju-log dbcluster:1 multiple possible DB bind addresses;set a suitable cluster network binding"), charm)
    }

    func test_bindingDbclusterToASpaceJoinsEveryControllerOnItsAddressInThatSpace() throws {
        try cli.ok(["enable-ha"])
        try settle()
        XCTAssertEqual(try cli.ok(["bind", "controller", "dbcluster=internal"]), "")
        try settle()
        XCTAssertEqual(try cli.ok(["status", "-m", "controller"]), """
            Machine  State    DNS         Inst id                Series  AZ  Message  Dqlite
            0        started  127.0.0.10  juju-2a74f2-machine-0  jammy       running  voter*
            1        started  127.0.0.11  juju-2a74f2-machine-1  jammy       running  voter
            2        started  127.0.0.12  juju-2a74f2-machine-2  jammy       running  voter

            """, "no unit is blocked any more, so the Unit section is gone")
        XCTAssertEqual(try dqliteNodes(), ["127.0.1.10:17666 voter", "127.0.1.11:17666 voter", "127.0.1.12:17666 voter"])
        let log = try cli.ok(["debug-log", "--replay", "--include", "machine-0"])
        XCTAssertTrue(log.contains("juju.worker.dbaccessor worker.go:612 rebinding Dqlite node to 127.0.1.10:17666"), log)
    }

    func test_bindRefusesUnknownSpacesEndpointsAndApplications() throws {
        let space = try cli.run(["bind", "controller", "dbcluster=nope"])
        XCTAssertEqual(space.code, 1)
        XCTAssertEqual(space.stderr, "error: space \"nope\" not found\n")
        let endpoint = try cli.run(["bind", "controller", "db=internal"])
        XCTAssertEqual(endpoint.stderr, "error: endpoint \"db\" not found for application \"controller\"\n")
        let application = try cli.run(["bind", "mysql", "dbcluster=internal"])
        XCTAssertEqual(application.stderr, "error: application \"mysql\" not found\n")
        XCTAssertEqual(try cli.run(["bind", "controller", "dbcluster"]).code, 1)
        XCTAssertEqual(try dqliteNodes(), ["127.0.0.1:17666 voter"], "nothing changed")
    }

    func test_spacesAreForModernEnvironmentsAndMustBeDistinct() throws {
        let legacy = try cli.run(["bootstrap", "old", "--spaces", "a,b", "--clock", "virtual"])
        XCTAssertEqual(legacy.code, 1)
        XCTAssertEqual(legacy.stderr, "error: --spaces applies to modern environments; legacy machines have one address\n")
        let twice = try cli.run(["bootstrap", "dup", "--flavor", "modern", "--spaces", "a,a", "--clock", "virtual"])
        XCTAssertEqual(twice.stderr, "error: invalid --spaces \"a,a\": expected distinct, comma-separated space names\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("old")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("dup")))
    }
}

/// Workload agents' API addresses (seed 002 "API Addresses for Agents", spec §7): every
/// controller's addresses, narrowed by `juju-mgmt-space`, and when the controller an agent
/// talks to dies it connects to another and its log lines keep arriving.
final class AgentAPIAddressTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "5", "--clock", "virtual", "--spaces", "alpha,internal"])
        try cli.ok(["enable-ha"])
        try cli.ok(["bind", "controller", "dbcluster=internal"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
    }

    override func tearDown() { cli.cleanUp() }

    private func agentLog(_ machine: String) throws -> String {
        try cli.ok(["debug-log", "--replay", "--include", machine])
    }

    func test_agentsGetEveryControllersAddressesCloudLocalInEachSpace() throws {
        let added = try cli.run(["add-machine"])
        XCTAssertEqual(added.stderr, "created machine 3\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "30s"])
        XCTAssertTrue(try agentLog("machine-3").contains(
            "DEBUG juju.worker.apiaddressupdater apiaddressupdater.go:93 updating API hostPorts to "
            + "[[127.0.0.10:17070 127.0.1.10:17070] [127.0.0.11:17070 127.0.1.11:17070] [127.0.0.12:17070 127.0.1.12:17070]]"))
    }

    func test_managementSpaceNarrowsAgentsToThatSpace() throws {
        XCTAssertEqual(try cli.ok(["controller-config", "juju-mgmt-space=internal"]), "")
        XCTAssertEqual(try cli.ok(["controller-config", "juju-mgmt-space"]), "internal\n")
        try cli.ok(["add-machine"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "30s"])
        let log = try agentLog("machine-3")
        XCTAssertTrue(log.contains("updating API hostPorts to [[127.0.1.10:17070] [127.0.1.11:17070] [127.0.1.12:17070]]"), log)
        XCTAssertFalse(log.contains("wss://127.0.0."), "the agent dials only management-space addresses:\n\(log)")
        let other = try cli.run(["controller-config", "api-port=1"])
        XCTAssertEqual(other.code, 1)
        XCTAssertEqual(other.stderr, "error: controller config \"api-port\" is not emulated; only juju-mgmt-space can be set\n")
    }

    func test_anAgentWhoseControllerDiesConnectsToAnotherAndKeepsLogging() throws {
        try cli.ok(["controller-config", "juju-mgmt-space=internal"])
        try cli.ok(["add-machine"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "30s"])
        let first = try XCTUnwrap(try agentLog("machine-3").split(separator: "\n").last { $0.contains("connection established to") })
        let server = try XCTUnwrap(["0", "1", "2"].first { first.contains("wss://127.0.1.1\($0):17070/") }, String(first))

        try cli.ok(["fail", server])
        try cli.ok(["advance", "3m"])
        let after = try agentLog("machine-3").split(separator: "\n").filter { $0.contains("connection established to") }
        XCTAssertEqual(after.count, 2, after.joined(separator: "\n"))
        XCTAssertFalse(after[1].contains("wss://127.0.1.1\(server):17070/"), "reconnected to a live controller: \(after[1])")
        XCTAssertTrue(after[1].contains("wss://127.0.1.1"), String(after[1]))
    }
}
