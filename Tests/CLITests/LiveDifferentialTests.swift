import Foundation
import XCTest

/// One role scenario on the sim and on the live runtime: grow to 5 controllers, crash one,
/// remove it, grow back. Juju's HA view and the Dqlite role counts must agree at every step.
final class LiveDifferentialTests: LiveCLITestCase {
    struct View: Equatable {
        var enableHA: String?
        var ha: String
        var states: [String: String]
        var roles: [String: Int]
    }

    private func view(enableHA: String? = nil) throws -> View {
        View(enableHA: enableHA, ha: try haColumn(), states: try machineStates(), roles: try roleCounts())
    }

    /// Runs the scenario; `settle` lets the runtime reach its steady state after each step.
    private func scenario(settle: () throws -> Void) throws -> [View] {
        var views: [View] = []
        let grow = try cli.ok(["enable-ha", "-n", "5"])
        try settle()
        views.append(try view(enableHA: grow))
        try cli.ok(["fail", "4", "--mode", "crash"])
        try settle()
        views.append(try view())
        try cli.ok(["remove-machine", "4"])
        try settle()
        views.append(try view())
        let regrow = try cli.ok(["enable-ha", "-n", "5"])
        try settle()
        views.append(try view(enableHA: regrow))
        return views
    }

    func testTheSameRoleScenarioGivesTheSameViewOnSimAndLive() throws {
        try cli.ok(["bootstrap", "sim", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
        let sim = try scenario {
            try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
            // Presence and the leader's 30 s role adjustment both catch up within a minute.
            try cli.ok(["advance", "1m"])
        }
        try cli.ok(["destroy-environment", "sim", "-y"])

        try bootstrapLive()
        let live = try scenario {
            try cli.ok(["wait", "--until", "settled", "--timeout", "30s"])
        }
        try cli.ok(["destroy-environment", "live", "-y"])

        XCTAssertEqual(sim.count, 4)
        for (step, (s, l)) in zip(sim, live).enumerated() {
            XCTAssertEqual(s, l, "step \(step)")
        }
        // The figures the scenario is about, so an empty view cannot pass.
        XCTAssertEqual(live.first?.enableHA, "maintaining machines: 0\nadding machines: 1, 2, 3, 4\n")
        XCTAssertEqual(live.first?.roles, ["voter": 3, "stand-by": 2])
        XCTAssertEqual(live[1].states["4"], "down")
        XCTAssertEqual(live[2].ha, "3/4")
        XCTAssertEqual(live[3].enableHA, "maintaining machines: 0, 1, 2, 3\nadding machines: 5\n")
        XCTAssertEqual(live[3].roles, ["voter": 3, "stand-by": 2])
    }
}
