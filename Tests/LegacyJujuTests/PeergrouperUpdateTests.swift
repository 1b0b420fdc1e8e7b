import BSON
import LegacyJuju
import ReplicaSet
import XCTest

/// `updateReplicaset` as a plan (§3.4): votes granted in state before Mongo, withdrawn after.
final class PeergrouperUpdateTests: XCTestCase {
    private typealias N = PeerNotation
    private typealias Step = Peergrouper.UpdateStep

    private func config(_ members: [MemberConfig], version: Int = 3) -> ReplSetConfig {
        ReplSetConfig(
            setName: "juju", version: version, members: members,
            settings: ReplSetSettings(replicaSetId: ObjectID(hex: "5f0000000000000000000002")!))
    }

    /// Machine 13 loses its vote to 14 in one reconfig (a candidate takes a non-candidate's vote).
    private func swapPlan(hasVote: [String: Bool]) throws -> Peergrouper.UpdatePlan {
        let current = N.members("1v 2v 3v 4")
        let desired = try Peergrouper.desiredPeerGroup(
            machines: N.machines("11v 12v 13 14v"), members: current, statuses: N.statuses("1p 2s 3s 4s"))
        return Peergrouper.updateReplicaset(desired: desired, hasVote: hasVote, current: config(current))
    }

    func test_votesAreGrantedBeforeTheReconfigAndWithdrawnAfterIt() throws {
        let plan = try swapPlan(hasVote: ["11": true, "12": true, "13": true, "14": false])
        XCTAssertEqual(plan.added, ["14"])
        XCTAssertEqual(plan.removed, ["13"])
        let reconfig = try XCTUnwrap(plan.reconfig)
        XCTAssertEqual(
            plan.steps,
            [.setHasVote(machineId: "14", hasVote: true), .replSetReconfig(reconfig), .setHasVote(machineId: "13", hasVote: false)])
    }

    func test_reconfig_bumpsTheCurrentVersionAndKeepsTheSetName() throws {
        let reconfig = try XCTUnwrap(try swapPlan(hasVote: [:]).reconfig)
        XCTAssertEqual(reconfig.version, 4)
        XCTAssertEqual(reconfig.setName, "juju")
        XCTAssertEqual(reconfig.members, N.members("1v 2v 3 4v"))
    }

    func test_reconfigCommand_carriesJujusConfigDocument() throws {
        let reconfig = try XCTUnwrap(try swapPlan(hasVote: [:]).reconfig)
        let expected: Document = [
            "replSetReconfig": [
                "_id": "juju", "version": .int32(4),
                "members": .array(N.members("1v 2v 3 4v").map { .document(Peergrouper.memberDocument($0)) }),
            ],
        ]
        XCTAssertEqual(reconfig.command, expected)
    }

    func test_failedReconfig_revertsOnlyTheGrantedVotes() throws {
        let plan = try swapPlan(hasVote: ["11": true, "12": true, "13": true])
        XCTAssertEqual(plan.revertOnReconfigFailure, [.setHasVote(machineId: "14", hasVote: false)])
    }

    func test_unchangedMembers_stillReconcileHasVote() throws {
        // Mongo already has 11 voting and 12 not, but state disagrees on both.
        let current = N.members("1v 2")
        let desired = try Peergrouper.desiredPeerGroup(
            machines: N.machines("11v 12v"), members: current, statuses: N.statuses("1p 2s"))
        let plan = Peergrouper.updateReplicaset(desired: desired, hasVote: ["12": true], current: config(current))
        XCTAssertNil(plan.reconfig)
        XCTAssertEqual(plan.steps, [.setHasVote(machineId: "11", hasVote: true), .setHasVote(machineId: "12", hasVote: false)])
        XCTAssertEqual(plan.revertOnReconfigFailure, [])
    }

    func test_nothingToDo_hasNoSteps() throws {
        let current = N.members("1v")
        let desired = try Peergrouper.desiredPeerGroup(
            machines: N.machines("11v"), members: current, statuses: N.statuses("1p"))
        let plan = Peergrouper.updateReplicaset(desired: desired, hasVote: ["11": true], current: config(current))
        XCTAssertEqual(plan.steps, [])
    }

    func test_stepFailures_onlyTheReconfigIsRetried() throws {
        let plan = try swapPlan(hasVote: ["11": true, "12": true, "13": true])
        XCTAssertEqual(plan.steps.map(\.failure), [.fatal, .replicaSetError, .fatal])
    }

    func test_set_keepsTheIdOfTheMemberAtTheSameHost() {
        let current = [MemberConfig(id: 7, host: "a:1"), MemberConfig(id: 8, host: "b:1")]
        let reconfig = Peergrouper.replicaSetSet(
            current: config(current), members: [MemberConfig(id: 1, host: "b:1"), MemberConfig(id: 2, host: "c:1")])
        XCTAssertEqual(reconfig.members.map(\.id), [8, 2])
        XCTAssertEqual(reconfig.members.map(\.host), ["b:1", "c:1"])
    }

    func test_set_givesNewMembersWithoutAnIdTheNextAboveTheCurrentHighest() {
        let current = [MemberConfig(id: 0, host: "a:1"), MemberConfig(id: 4, host: "b:1")]
        let reconfig = Peergrouper.replicaSetSet(
            current: config(current),
            members: [MemberConfig(id: 0, host: "a:1"), MemberConfig(id: 0, host: "c:1"), MemberConfig(id: -1, host: "d:1")])
        XCTAssertEqual(reconfig.members.map(\.id), [0, 5, 6])
    }
}
