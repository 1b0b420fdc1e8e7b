import XCTest
import HACore
@testable import ModernJuju

/// Seed 003 ("Controller high availability") replayed at the logic and format level.
final class EnableHAWalkthroughTests: XCTestCase {
    static let instances: [MachineID: String] = [
        0: "i-04790c2414e4c8e80", 1: "i-071660e9ce3c3cee5", 2: "i-0b36284d1ebb816cf",
        3: "i-09ff42ba5fb9429b0", 4: "i-098222dad56cbe9a0", 5: "i-0613fb1fa8346de8a",
    ]

    /// enable-ha followed by provisioning and the peergrouper's next pass.
    func enableHA(_ membership: inout ControllerMembership, _ words: [String] = []) throws -> String {
        let args = try EnableHAArguments.parse(words)
        let plan = try membership.enableHA(numControllers: args.numControllers, placement: args.placement)
        for machine in plan.newMachines { membership.setInstanceID(Self.instances[machine.id] ?? "i-\(machine.id)", of: machine.id) }
        membership.settleVotes()
        return formatEnableHA(plan.changes, format: args.format)
    }

    func refreshedRow(_ membership: ControllerMembership) throws -> String {
        let item = ControllerItem(name: "aws-ha", currentModel: "default", user: "admin", access: "superuser",
                                  controllerUUID: "u", apiEndpoints: [], caCert: "", cloud: "aws", region: "us-east-1",
                                  agentVersion: "3.6.0", modelCount: 2, machineCount: membership.controllers.count,
                                  controllerMachines: membership.controllerMachineCounts)
        let text = try formatControllers([item], current: "aws-ha", refreshed: true, format: .tabular)
        return String(text.split(separator: "\n")[1])
    }

    func threeControllers() throws -> ControllerMembership {
        var membership = ControllerMembership.bootstrapped(instanceID: Self.instances[0]!)
        _ = try enableHA(&membership)
        return membership
    }

    func fiveControllers() throws -> ControllerMembership {
        var membership = try threeControllers()
        try membership.removeMachine(1)
        _ = try enableHA(&membership, ["-n", "5"])
        return membership
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return (error as? EnableHAError)?.message }
        return nil
    }

    func testEnableHAFromOneControllerAddsTwo() throws {
        var membership = ControllerMembership.bootstrapped(instanceID: Self.instances[0]!)
        XCTAssertEqual(try enableHA(&membership), "maintaining machines: 0\nadding machines: 1, 2\n")
        XCTAssertEqual(try refreshedRow(membership), "aws-ha*     default  admin  superuser  aws/us-east-1       2      3   3  3.6.0")
    }

    func testEnableHAAgainChangesNothing() throws {
        var membership = try threeControllers()
        let before = membership
        XCTAssertEqual(try enableHA(&membership), "")
        XCTAssertEqual(membership, before)
    }

    func testRemovingOneOfThreeLeavesAHotStandBy() throws {
        var membership = try threeControllers()
        try membership.removeMachine(1)
        XCTAssertEqual(try refreshedRow(membership), "aws-ha*     default  admin  superuser  aws/us-east-1       2      2  1/2  3.6.0")
    }

    func testEnableHAFiveFromTwoAddsThree() throws {
        var membership = try threeControllers()
        try membership.removeMachine(1)
        XCTAssertEqual(try enableHA(&membership, ["-n", "5"]), "maintaining machines: 0, 2\nadding machines: 3, 4, 5\n")
        XCTAssertEqual(try refreshedRow(membership), "aws-ha*     default  admin  superuser  aws/us-east-1       2      5   5  3.6.0")
    }

    func testOneOfFiveDownStillCountsAsFive() throws {
        var membership = try fiveControllers()
        membership.setAgentDown(true, of: 3)
        membership.settleVotes()
        XCTAssertEqual(try refreshedRow(membership), "aws-ha*     default  admin  superuser  aws/us-east-1       2      5   5  3.6.0")
    }

    func testShowControllerReportsTheDownController() throws {
        var membership = try fiveControllers()
        membership.setAgentDown(true, of: 3)
        let details = ShowControllerDetails(
            name: "aws-ha", controllerUUID: "u", apiEndpoints: ["127.0.0.10:17070"], cloud: "aws", region: "us-east-1",
            agentVersion: "3.6.0", caCert: "CERT\n", controllerMachines: membership.controllers,
            models: [ShowControllerModel(name: "controller", uuid: "e8c4d910-8818-4a8a-8839-25766a1875d3",
                                         machineCount: 5, coreCount: 5)],
            currentModel: "admin/default", user: "admin", access: "superuser")
        XCTAssertEqual(formatShowController([details], format: .yaml), """
            aws-ha:
              details:
                controller-uuid: u
                api-endpoints: ['127.0.0.10:17070']
                cloud: aws
                region: us-east-1
                agent-version: 3.6.0
                ca-cert: |
                  CERT
              controller-machines:
                "0":
                  instance-id: i-04790c2414e4c8e80
                  ha-status: ha-enabled
                "2":
                  instance-id: i-0b36284d1ebb816cf
                  ha-status: ha-enabled
                "3":
                  instance-id: i-09ff42ba5fb9429b0
                  ha-status: down, lost connection
                "4":
                  instance-id: i-098222dad56cbe9a0
                  ha-status: ha-enabled
                "5":
                  instance-id: i-0613fb1fa8346de8a
                  ha-status: ha-enabled
              models:
                controller:
                  model-uuid: e8c4d910-8818-4a8a-8839-25766a1875d3
                  machine-count: 5
                  core-count: 5
              current-model: admin/default
              account:
                user: admin
                access: superuser

            """)
    }

    func testRecoveryRemovesTheDownControllerAndRestoresFive() throws {
        var membership = try fiveControllers()
        membership.setAgentDown(true, of: 3)
        try membership.removeMachine(3)
        XCTAssertEqual(try refreshedRow(membership), "aws-ha*     default  admin  superuser  aws/us-east-1       2      4  3/4  3.6.0")
        XCTAssertEqual(try enableHA(&membership, ["-n", "5"]), "maintaining machines: 0, 2, 4, 5\nadding machines: 6\n")
        XCTAssertEqual(membership.controllerMachineCounts, ControllerMachineCounts(active: 5, total: 5))
        XCTAssertEqual(membership.controller(6)?.instanceID, "i-6")
    }

    func testFourIsRejectedByTheClient() throws {
        var membership = try threeControllers()
        XCTAssertEqual(message { _ = try enableHA(&membership, ["-n", "4"]) },
                       "must specify a number of controllers odd and non-negative")
    }

    func testNineIsTooLarge() throws {
        var membership = try threeControllers()
        XCTAssertEqual(message { _ = try enableHA(&membership, ["-n", "9"]) }, "controller count is too large (allowed 7)")
    }

    func testOneCannotShrinkThree() throws {
        var membership = try threeControllers()
        let before = membership
        XCTAssertEqual(message { _ = try enableHA(&membership, ["-n", "1"]) },
                       "failed to enable HA with 1 controllers: cannot remove controllers with enable-ha, use remove-machine and chose the controller(s) to remove")
        XCTAssertEqual(membership, before)
    }
}
