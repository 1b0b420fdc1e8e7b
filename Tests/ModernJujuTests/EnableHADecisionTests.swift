import XCTest
import HACore
@testable import ModernJuju

final class EnableHADecisionTests: XCTestCase {
    let three = [0, 1, 2].map { ControllerMachine(id: MachineID($0), hasVote: true) }

    func plan(_ n: Int, _ placement: [String] = [], controllers: [ControllerMachine],
              other: [MachineID] = [], next: Int = 3) throws -> EnableHAPlan {
        try enableHA(numControllers: n, placement: placement, controllers: controllers,
                     otherMachines: other, nextMachineNumber: next)
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return (error as? EnableHAError)?.message }
        return nil
    }

    func testDefaultFromOneControllerAddsTwo() throws {
        let result = try plan(0, controllers: [ControllerMachine(id: 0, hasVote: true)], next: 1)
        XCTAssertEqual(result.changes, ControllersChanges(maintained: [0], added: [1, 2]))
    }

    func testDefaultRoundsAnEvenCountUp() throws {
        let two = [ControllerMachine(id: 0, hasVote: true), ControllerMachine(id: 2)]
        XCTAssertEqual(try plan(0, controllers: two, next: 3).changes.added, [3])
    }

    func testSatisfiedCountChangesNothing() throws {
        XCTAssertTrue(try plan(0, controllers: three).changes.isEmpty)
        XCTAssertTrue(try plan(3, controllers: three).changes.isEmpty)
        XCTAssertEqual(try plan(3, controllers: three).newMachines, [])
    }

    func testMachinesNotWantingTheVoteOrDyingAreNotCounted() throws {
        var machines = three
        machines[2].life = .dying
        machines[1].wantsVote = false
        XCTAssertEqual(try plan(3, controllers: machines).changes, ControllersChanges(maintained: [0], added: [3, 4]))
    }

    func testTooLargeHasNoPrefix() {
        XCTAssertEqual(message { _ = try plan(9, controllers: three) }, "controller count is too large (allowed 7)")
    }

    func testEvenCountIsRejectedServerSide() {
        XCTAssertEqual(message { _ = try plan(4, controllers: three) }, "number of controllers must be odd and non-negative")
    }

    func testShrinkingIsRefused() {
        XCTAssertEqual(message { _ = try plan(1, controllers: three) },
                       "failed to enable HA with 1 controllers: cannot remove controllers with enable-ha, use remove-machine and chose the controller(s) to remove")
    }

    func testMachinePlacementConvertsAndUnscopedGoesToNewMachines() throws {
        let result = try plan(5, ["machine:4", "zone=a"], controllers: three, other: [4], next: 5)
        XCTAssertEqual(result.changes, ControllersChanges(maintained: [0, 1, 2], added: [5], converted: [4]))
        XCTAssertEqual(result.newMachines, [NewControllerMachine(id: 5, placement: "zone=a")])
    }

    func testConversionsAreTruncatedToWhatIsNeeded() throws {
        let one = [ControllerMachine(id: 0, hasVote: true)]
        let result = try plan(3, ["machine:1", "machine:2", "machine:3"], controllers: one, other: [1, 2, 3], next: 4)
        XCTAssertEqual(result.changes, ControllersChanges(maintained: [0], converted: [1, 2]))
    }

    func testPlacementErrorsArePrefixed() {
        XCTAssertEqual(message { _ = try plan(5, ["machine:8"], controllers: three) },
                       "failed to enable HA with 5 controllers: can't find machine for placement directive \"machine:8\"")
        XCTAssertEqual(message { _ = try plan(5, ["machine:1"], controllers: three) },
                       "failed to enable HA with 5 controllers: machine for placement directive \"machine:1\" is already a controller")
        XCTAssertEqual(message { _ = try plan(5, ["machine:1/lxd/0"], controllers: three) },
                       "failed to enable HA with 5 controllers: container placement directives not supported")
        XCTAssertEqual(message { _ = try plan(5, ["zone:a"], controllers: three) },
                       "failed to enable HA with 5 controllers: unsupported placement directive \"zone:a\"")
    }

    func testRemovingAVoterLeavesTheHighestIDStandingBy() throws {
        var membership = ControllerMembership(controllers: three)
        try membership.removeMachine(1)
        XCTAssertEqual(membership.controllers.map(\.id), [0, 2])
        XCTAssertEqual(membership.controllers.map(\.hasVote), [true, false])
        XCTAssertEqual(membership.controllers.map(haStatus), ["ha-enabled", "ha-pending"])
    }

    func testRemovingUnknownOrLastControllerFails() {
        var membership = ControllerMembership.bootstrapped(instanceID: "i-0")
        XCTAssertEqual(message { try membership.removeMachine(7) }, "machine 7 not found")
        XCTAssertEqual(message { try membership.removeMachine(0) }, "machine 0 is the only controller machine")
    }

    func testMachineIDsAreNeverReused() throws {
        var membership = ControllerMembership(controllers: three)
        try membership.removeMachine(2)
        try membership.enableHA(numControllers: 3)
        XCTAssertEqual(membership.controllers.map(\.id), [0, 1, 3])
    }

    func testDownVoterKeepsItsVoteWhenSettling() {
        var membership = ControllerMembership(controllers: three)
        membership.setAgentDown(true, of: 1)
        membership.settleVotes()
        XCTAssertEqual(membership.controllers.map(\.hasVote), [true, true, true])
        XCTAssertEqual(membership.controllerMachineCounts, ControllerMachineCounts(active: 3, total: 3))
    }
}
