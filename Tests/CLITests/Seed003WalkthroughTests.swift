import Foundation
import XCTest

/// Seed 003's walkthrough, modern flavor, exact stdout at every step: enable-ha, the HA column
/// of `controllers --refresh`, remove-machine leaving a hot stand-by, growing to five, a
/// controller going down, and recovering by remove-machine + enable-ha.
final class Seed003WalkthroughTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
    }

    override func tearDown() { cli.cleanUp() }

    private func controllersRow(nodes: String, ha: String) -> String {
        let header = "Controller  Model       User   Access     Cloud/Region  Models  Nodes"
        let haWidth = max(2, ha.count)
        let pad = { (text: String, width: Int) in String(repeating: " ", count: max(0, width - text.count)) + text }
        return "\(header)  \(pad("HA", haWidth))  Version\n"
            + "ctl*        controller  admin  superuser  quorum/sim         1  \(pad(nodes, 5))  \(pad(ha, haWidth))  4.0.0\n"
    }

    private func settle() throws {
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
    }

    /// "Since a specific number of cluster machines were not requested, the default of three is
    /// used"; "Invoking juju enable-ha again would have no effect"; "displays an HA level of 3".
    func test_seed003_enableHAGivesThreeAndRunningItAgainChangesNothing() throws {
        XCTAssertEqual(try cli.ok(["enable-ha"]), "maintaining machines: 0\nadding machines: 1, 2\n")
        try settle()
        XCTAssertEqual(try cli.ok(["enable-ha"]), "")
        XCTAssertEqual(try cli.ok(["controllers", "--refresh"]), controllersRow(nodes: "3", ha: "3"))
    }

    /// "If the removal of a controller will result in an even number of systems then one will
    /// act as a hot standby" — `1/2`; then `enable-ha -n 5` "would cause three controllers
    /// (2 + 3 = 5) to be spawned" and HA reads 5; show-controller says ha-enabled for each.
    func test_seed003_removingOneOfThreeLeavesAHotStandByAndFiveRestoresIt() throws {
        try cli.ok(["enable-ha"])
        try settle()
        let removed = try cli.run(["remove-machine", "-m", "controller", "1"])
        XCTAssertEqual(removed.code, 0)
        XCTAssertEqual(removed.stdout, "")
        XCTAssertEqual(removed.stderr, "removing machine 1\n")
        XCTAssertEqual(try cli.ok(["controllers", "--refresh"]), controllersRow(nodes: "2", ha: "1/2"))
        XCTAssertTrue(try cli.ok(["show-controller"]).contains("    \"2\":\n      instance-id: juju-f97c28-machine-2\n      ha-status: ha-pending\n"),
                      "the newest controller is the hot stand-by")

        XCTAssertEqual(try cli.ok(["enable-ha", "-n", "5"]), "maintaining machines: 0, 2\nadding machines: 3, 4, 5\n")
        try settle()
        XCTAssertEqual(try cli.ok(["controllers", "--refresh"]), controllersRow(nodes: "5", ha: "5"))
        let shown = try cli.ok(["show-controller"])
        XCTAssertEqual(shown.components(separatedBy: "ha-status: ha-enabled").count - 1, 5, shown)
        XCTAssertTrue(shown.contains("      machine-count: 5\n      core-count: 5\n"), shown)
    }

    /// "the controller running on machine '3' has lost connectivity … the 'HA' column … still
    /// says '5'", then "juju remove-machine -m controller 3; juju enable-ha -n 5".
    func test_seed003_aDownControllerKeepsHAAtFiveUntilReplaced() throws {
        try cli.ok(["enable-ha"])
        try settle()
        try cli.ok(["remove-machine", "-m", "controller", "1"])
        try cli.ok(["enable-ha", "-n", "5"])
        try settle()
        try cli.ok(["fail", "3"])
        try cli.ok(["advance", "2m"])
        XCTAssertEqual(try cli.ok(["status", "-m", "controller"]), """
            Machine  State    DNS         Inst id                Series  AZ  Message  Dqlite
            0        started  127.0.0.10  juju-f97c28-machine-0  jammy       running  voter*
            2        started  127.0.0.12  juju-f97c28-machine-2  jammy       running  voter
            3        down     127.0.0.13  juju-f97c28-machine-3  jammy       running  stand-by
            4        started  127.0.0.14  juju-f97c28-machine-4  jammy       running  stand-by
            5        started  127.0.0.15  juju-f97c28-machine-5  jammy       running  voter

            """)
        XCTAssertEqual(try cli.ok(["controllers", "--refresh"]), controllersRow(nodes: "5", ha: "5"))
        XCTAssertTrue(try cli.ok(["show-controller"]).contains("    \"3\":\n      instance-id: juju-f97c28-machine-3\n      ha-status: down, lost connection\n"))

        try cli.ok(["remove-machine", "-m", "controller", "3"])
        XCTAssertEqual(try cli.ok(["enable-ha", "-n", "5"]), "maintaining machines: 0, 2, 4, 5\nadding machines: 6\n")
        try settle()
        XCTAssertEqual(try cli.ok(["controllers", "--refresh"]), controllersRow(nodes: "5", ha: "5"))
        let roles = try cli.ok(["db-status"]).split(separator: "\n").filter { $0.contains("role: ") }
        XCTAssertEqual(roles.filter { $0.contains("voter") }.count, 3, "Dqlite keeps three voters among the five")
    }

    /// "The number of controllers must be an odd number … cannot exceed seven"; "The enable-ha
    /// command cannot be used to remove machines from the cluster."
    func test_seed003_invalidCountsGiveJujusErrors() throws {
        try cli.ok(["enable-ha"])
        try settle()
        for (count, message) in [("4", "must specify a number of controllers odd and non-negative"),
                                 ("9", "controller count is too large (allowed 7)"),
                                 ("1", "failed to enable HA with 1 controllers: cannot remove controllers with enable-ha, use remove-machine and chose the controller(s) to remove")] {
            let result = try cli.run(["enable-ha", "-n", count])
            XCTAssertEqual(result.code, 1, count)
            XCTAssertEqual(result.stderr, "error: \(message)\n", count)
        }
    }

    func test_controllersWithoutRefreshShowsTheCachedValuesBehindAHint() throws {
        try cli.ok(["enable-ha"])
        try settle()
        XCTAssertEqual(try cli.ok(["controllers"]),
                       "Use --refresh option with this command to see the latest information.\n\n" + controllersRow(nodes: "1", ha: "none"))
    }

    func test_removingTheOnlyControllerIsRefused() throws {
        let result = try cli.run(["remove-machine", "-m", "controller", "0"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: machine 0 is the only controller machine\n")
    }
}

/// Spec §7, the client side: `controllers --refresh` logs in through the cached endpoints in
/// order, and the address that worked goes first (`recent-server`) for the next time.
final class ClientEndpointTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
    }

    override func tearDown() { cli.cleanUp() }

    private func endpoints() throws -> [String] {
        try cli.ok(["controllers", "--refresh", "--format", "yaml"]).split(separator: "\n")
            .filter { $0.contains("recent-server:") || $0.contains("api-endpoints:") }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func test_theClientFallsBackToAnotherControllerAndRemembersIt() throws {
        XCTAssertEqual(try endpoints(), ["recent-server: 127.0.0.10:17070",
                                         "api-endpoints: ['127.0.0.10:17070', '127.0.0.11:17070', '127.0.0.12:17070']"])
        try cli.ok(["fail", "0"])
        try cli.ok(["advance", "2m"])
        XCTAssertEqual(try endpoints(), ["recent-server: 127.0.0.11:17070",
                                         "api-endpoints: ['127.0.0.11:17070', '127.0.0.10:17070', '127.0.0.12:17070']"])
        try cli.ok(["start", "0"])
        try cli.ok(["advance", "1m"])
        XCTAssertEqual(try endpoints().first, "recent-server: 127.0.0.11:17070", "the address that last worked is still tried first")
    }

    func test_noControllerAnsweringIsAnError() throws {
        for id in ["0", "1", "2"] { try cli.ok(["fail", id]) }
        try cli.ok(["advance", "2m"])
        let result = try cli.run(["controllers", "--refresh"])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.stderr.hasPrefix("error: unable to connect to API: "), result.stderr)
    }
}
