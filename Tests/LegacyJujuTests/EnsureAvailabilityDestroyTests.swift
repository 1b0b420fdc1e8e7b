import XCTest
@testable import LegacyJuju

final class EnsureAvailabilityDestroyTests: XCTestCase {
    private typealias F = EnsureAvailabilityFixtures

    private func machine(_ id: String, manager: Bool, hasVote: Bool, life: MachineLife = .alive) -> MachineFacts {
        MachineFacts(id: id, jobs: manager ? [.hostUnits, .manageEnviron] : [.hostUnits], hasVote: hasVote,
                     agentAlive: true, series: "trusty", life: life)
    }

    func test_stateServerIsRequiredByTheEnvironment() {
        let server = machine("0", manager: true, hasVote: true)
        XCTAssertEqual(DestroyMachine.refusal(.destroy, of: server)?.description, "machine 0 is required by the environment")
        XCTAssertEqual(DestroyMachine.refusal(.ensureDead, of: server)?.description, "machine 0 is required by the environment")
    }

    func test_machineStillHoldingAVoteIsAVotingReplicaSetMember() {
        let voter = machine("2", manager: false, hasVote: true)
        XCTAssertEqual(DestroyMachine.refusal(.destroy, of: voter)?.description, "machine 2 is a voting replica set member")
    }

    func test_forceDestroyRefusesOnlyStateServers() {
        XCTAssertEqual(DestroyMachine.refusal(.forceDestroy, of: machine("0", manager: true, hasVote: false)),
                       .requiredByEnvironment("0"))
        XCTAssertNil(DestroyMachine.refusal(.forceDestroy, of: machine("2", manager: false, hasVote: true)))
    }

    func test_lifecycleAlreadyPassedIsANoOp() {
        XCTAssertNil(DestroyMachine.refusal(.destroy, of: machine("0", manager: true, hasVote: true, life: .dying)))
        XCTAssertNil(DestroyMachine.refusal(.ensureDead, of: machine("0", manager: true, hasVote: true, life: .dead)))
        XCTAssertEqual(DestroyMachine.refusal(.ensureDead, of: machine("0", manager: true, hasVote: true, life: .dying)),
                       .requiredByEnvironment("0"))
    }

    func test_plainMachineMayBeDestroyed() {
        XCTAssertNil(DestroyMachine.refusal(.destroy, of: machine("4", manager: false, hasVote: false)))
    }

    func test_destroyMachinesJoinsEveryRefusal() {
        let machines = [machine("0", manager: true, hasVote: true), machine("2", manager: false, hasVote: true),
                        machine("4", manager: false, hasVote: false)]
        XCTAssertEqual(DestroyMachine.destroyMachines(["0"], machines: machines, force: false)?.description,
                       "no machines were destroyed: machine 0 is required by the environment")
        XCTAssertEqual(DestroyMachine.destroyMachines(["0", "2", "4", "9"], machines: machines, force: false)?.description,
                       "some machines were not destroyed: machine 0 is required by the environment; machine 2 is a voting replica set member; machine 9 does not exist")
        XCTAssertNil(DestroyMachine.destroyMachines(["4"], machines: machines, force: false))
        XCTAssertEqual(DestroyMachine.destroyMachines(["2"], machines: machines, force: true), nil)
    }
}
