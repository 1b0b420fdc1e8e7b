import BSON
import LegacyJuju
import ReplicaSet
import XCTest

/// `desiredPeerGroup`: one test per row of the §3.5 table (Juju 1.20 `desired_test.go`), then
/// the rules the table does not isolate.
final class PeergrouperDesiredTests: XCTestCase {
    private typealias N = PeerNotation

    // MARK: - §3.5 table

    func test_noMembers_isAnError() {
        assertError(machines: [], members: [], statuses: [:], "current member set is empty")
    }

    func test_oneMachineTwoMoreProposed_addsTwoNonVotingMembers() {
        assertDesired(
            machines: N.machines("10v 11v 12v"), members: N.members("0v"), statuses: N.statuses("0p"),
            expect: N.members("0v 1 2"), voting: [true, false, false])
    }

    func test_singleMachine_noChange() {
        assertDesired(
            machines: N.machines("11v"), members: N.members("1v"), statuses: N.statuses("1p"),
            expect: nil, voting: [true])
    }

    func test_extraMemberWithNilVote_isAnError() {
        assertError(
            machines: N.machines("11v"), members: N.members("1v 2vT"), statuses: N.statuses("1p 2s"),
            #"voting non-machine member replicaset.Member\{Id:2, .*\} found in peer group"#)
    }

    func test_extraMemberWithMoreThanOneVote_isAnError() {
        let extra = MemberConfig(id: 2, host: "0.1.2.12:1234", votes: 2)
        assertError(
            machines: N.machines("11v"), members: N.members("1v") + [extra], statuses: N.statuses("1p 2s"),
            #"voting non-machine member .*Votes:\(\*int\)\(2\)\} found in peer group"#)
    }

    func test_newMachineWithNoMember_joinsAsNonVoter() {
        assertDesired(
            machines: N.machines("11v 12v"), members: N.members("1v"), statuses: N.statuses("1p"),
            expect: N.members("1v 2"), voting: [true, false])
    }

    func test_oneMachineReadyToVote_waitsForAPartner() {
        assertDesired(
            machines: N.machines("11v 12v"), members: N.members("1v 2"), statuses: N.statuses("1p 2s"),
            expect: nil, voting: [true, false])
    }

    func test_twoMachinesReadyToVote_bothGetVotes() {
        assertDesired(
            machines: N.machines("11v 12v 13v"), members: N.members("1v 2 3"), statuses: N.statuses("1p 2s 3s"),
            expect: N.members("1v 2v 3v"), voting: [true, true, true])
    }

    func test_twoMachinesReadyButOneUnhealthy_noChange() {
        assertDesired(
            machines: N.machines("11v 12v 13v"), members: N.members("1v 2 3"), statuses: N.statuses("1p 2s 3sH"),
            expect: nil, voting: [true, false, false])
    }

    func test_threeMachinesReadyToVote_twoGetVotes() {
        assertDesired(
            machines: N.machines("11v 12v 13v 14v"), members: N.members("1v 2 3 4"),
            statuses: N.statuses("1p 2s 3s 4s"),
            expect: N.members("1v 2v 3v 4"), voting: [true, true, true, false])
    }

    func test_oneMachineToLoseVoteAlone_noChange() {
        assertDesired(
            machines: N.machines("11"), members: N.members("1v"), statuses: N.statuses("1p"),
            expect: nil, voting: [true])
    }

    func test_twoMachinesToLoseVote_bothLoseIt() {
        assertDesired(
            machines: N.machines("11 12v 13"), members: N.members("1v 2v 3v"), statuses: N.statuses("1p 2p 3p"),
            expect: N.members("1 2v 3"), voting: [false, true, false])
    }

    func test_machinesRemovedAsStateServers_areDroppedFromMembers() {
        assertDesired(
            machines: N.machines("11v"), members: N.members("1v 2 3"), statuses: N.statuses("1p 2s 3s"),
            expect: N.members("1v"), voting: [true])
    }

    func test_candidateTakesTheVoteOfANonCandidate() {
        assertDesired(
            machines: N.machines("11v 12v 13 14v"), members: N.members("1v 2v 3v 4"),
            statuses: N.statuses("1p 2s 3s 4s"),
            expect: N.members("1v 2v 3 4v"), voting: [true, true, false, true])
    }

    func test_severalCandidatesTakeNonCandidatesVotes() {
        assertDesired(
            machines: N.machines("11v 12v 13 14 15 16v 17v 18v"), members: N.members("1v 2v 3v 4v 5v 6 7 8"),
            statuses: N.statuses("1p 2s 3s 4s 5s 6s 7s 8s"),
            expect: N.members("1v 2v 3 4 5 6v 7v 8v"), voting: [true, true, false, false, false, true, true, true])
    }

    func test_changedMachineAddress_propagatesToItsMember() {
        let moved = Peergrouper.Machine(id: "13", wantsVote: true, peerHostPort: "0.1.99.13:1234")
        let expected = N.members("1v 2v") + [MemberConfig(id: 3, host: "0.1.99.13:1234", tags: ["juju-machine-id": "13"])]
        assertDesired(
            machines: N.machines("11v 12v") + [moved], members: N.members("1v 2v 3v"), statuses: N.statuses("1s 2p 3p"),
            expect: expected, voting: [true, true, true])
    }

    func test_addressThatBecomesEmpty_isIgnored() {
        let addressless = Peergrouper.Machine(id: "13", wantsVote: true, peerHostPort: "")
        assertDesired(
            machines: N.machines("11v 12v") + [addressless], members: N.members("1v 2v 3v"),
            statuses: N.statuses("1s 2p 3p"),
            expect: nil, voting: [true, true, true])
    }

    // MARK: - Rules the table does not isolate

    func test_machineWithoutAddress_getsNoMemberYet() {
        let addressless = Peergrouper.Machine(id: "12", wantsVote: true, peerHostPort: "")
        assertDesired(
            machines: N.machines("11v") + [addressless], members: N.members("1v"), statuses: N.statuses("1p"),
            expect: nil, voting: [true, false])
    }

    func test_newMemberIds_followTheHighestIdIncludingDroppedExtras() throws {
        // Member 5 belongs to machine 15, no longer a state server: dropped, but its id stays used.
        let group = try Peergrouper.desiredPeerGroup(
            machines: N.machines("11v 12v"), members: N.members("1v 5"), statuses: N.statuses("1p 5s"))
        let joined = JujuReplicaSet.member(id: 6, machineId: "12", host: N.address(machine: 12), voting: false)
        XCTAssertEqual(group.members, N.members("1v") + [joined])
    }

    func test_votingMemberTaggedWithAnUntrackedMachine_isAnError() {
        assertError(
            machines: N.machines("11v"), members: N.members("1v 9v"), statuses: N.statuses("1p 9s"),
            #"voting non-machine member replicaset.Member\{Id:9, Address:"0.1.2.19:1234", .*"juju-machine-id":"19"\}.*"#)
    }

    func test_candidatesAreChosenInMachineIdStringOrder() throws {
        // Go's byId compares strings, so "20" < "3" < "9": with three ready, "20" and "3" win.
        let machines = ["100", "20", "3", "9"].map { Peergrouper.Machine(id: $0, wantsVote: true, peerHostPort: "h\($0):1") }
        let members = [juju(1, machine: "100", voting: true)]
            + [juju(2, machine: "20", voting: false), juju(3, machine: "3", voting: false), juju(4, machine: "9", voting: false)]
        let statuses = N.statuses("1p 2s 3s 4s")
        let classes = Peergrouper.possiblePeerGroupChanges(machines: machines, members: members, statuses: statuses)
        XCTAssertEqual(classes.toAddVote, ["20", "3", "9"])
        let group = try Peergrouper.desiredPeerGroup(machines: machines, members: members, statuses: statuses)
        XCTAssertEqual(group.voting.map(\.machineId), ["100", "20", "3", "9"])
        XCTAssertEqual(group.voting.map(\.voting), [true, true, true, false])
    }

    func test_inputOrder_doesNotChangeTheResult() throws {
        let machines = N.machines("11v 12v 13 14 15 16v 17v 18v")
        let members = N.members("1v 2v 3v 4v 5v 6 7 8")
        let statuses = N.statuses("1p 2s 3s 4s 5s 6s 7s 8s")
        let forward = try Peergrouper.desiredPeerGroup(machines: machines, members: members, statuses: statuses)
        let backward = try Peergrouper.desiredPeerGroup(
            machines: machines.reversed(), members: members.reversed(), statuses: statuses)
        XCTAssertEqual(forward, backward)
    }

    func test_healthyRecoveringMember_isNotReadyForAVote() {
        var statuses = N.statuses("1p 2s")
        statuses[3] = .init(healthy: true, state: .recovering)
        assertDesired(
            machines: N.machines("11v 12v 13v"), members: N.members("1v 2 3"), statuses: statuses,
            expect: nil, voting: [true, false, false])
    }

    func test_memberWithNoStatus_isNotReadyForAVote() {
        assertDesired(
            machines: N.machines("11v 12v 13v"), members: N.members("1v 2 3"), statuses: N.statuses("1p 2s"),
            expect: nil, voting: [true, false, false])
    }

    func test_classification_sortsMachinesIntoRemoveAddAndKeep() {
        let classes = Peergrouper.possiblePeerGroupChanges(
            machines: N.machines("11v 12v 13 14 15v"), members: N.members("1v 2 3v 4"),
            statuses: N.statuses("1p 2s 3s 4s"))
        XCTAssertEqual(classes, .init(toRemoveVote: ["13"], toAddVote: ["12"], toKeep: ["11", "14", "15"]))
    }

    func test_resentMembers_dropTheNewlyAddedFlag() throws {
        var members = N.members("1v 2 3")
        members[1].newlyAdded = true
        let group = try Peergrouper.desiredPeerGroup(
            machines: N.machines("11v 12v 13v"), members: members, statuses: N.statuses("1p 2s 3s"))
        XCTAssertEqual(group.members, N.members("1v 2v 3v"))
        XCTAssertEqual(group.members?.map(\.newlyAdded), [nil, nil, nil])
    }

    func test_isVoting_answersPerMachineAndNilForStrangers() throws {
        let group = try Peergrouper.desiredPeerGroup(
            machines: N.machines("11v 12v"), members: N.members("1v 2"), statuses: N.statuses("1p 2s"))
        XCTAssertEqual(group.isVoting("11"), true)
        XCTAssertEqual(group.isVoting("12"), false)
        XCTAssertNil(group.isVoting("13"))
    }

    func test_memberStatuses_areReadFromReplSetGetStatus() {
        let reply: Document = [
            "set": "juju",
            "members": [
                ["_id": .int32(1), "name": "a:37017", "health": .double(1), "state": .int32(1)],
                ["_id": .int32(2), "name": "b:37017", "health": .double(0), "state": .int32(8)],
                ["_id": .int32(3), "name": "c:37017", "health": .bool(true), "state": .int32(2)],
            ],
            "ok": .double(1),
        ]
        XCTAssertEqual(
            Peergrouper.memberStatuses(replSetGetStatus: reply),
            [
                1: .init(healthy: true, state: .primary), 2: .init(healthy: false, state: .down),
                3: .init(healthy: true, state: .secondary),
            ])
    }

    // MARK: - Helpers

    private func juju(_ id: Int, machine: String, voting: Bool) -> MemberConfig {
        JujuReplicaSet.member(id: id, machineId: machine, host: "h\(machine):1", voting: voting)
    }

    /// The result, then the invariants Juju's test also checks: an odd number of voters, and
    /// that applying the result leaves nothing more to change.
    private func assertDesired(
        machines: [Peergrouper.Machine], members: [MemberConfig], statuses: [Int: Peergrouper.MemberStatus],
        expect: [MemberConfig]?, voting: [Bool], file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let group = try Peergrouper.desiredPeerGroup(machines: machines, members: members, statuses: statuses)
            XCTAssertEqual(group.members, expect, "members", file: file, line: line)
            assertVoting(group, machines: machines, voting, file: file, line: line)
            guard let changed = group.members else { return }
            XCTAssertEqual(changed.count { $0.votes > 0 } % 2, 1, "voters must stay odd", file: file, line: line)
            let again = try Peergrouper.desiredPeerGroup(machines: machines, members: changed, statuses: statuses)
            XCTAssertNil(again.members, "a second pass must change nothing", file: file, line: line)
            assertVoting(again, machines: machines, voting, file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    private func assertVoting(
        _ group: Peergrouper.PeerGroup, machines: [Peergrouper.Machine], _ voting: [Bool],
        file: StaticString, line: UInt
    ) {
        XCTAssertEqual(group.voting.count, machines.count, "one entry per machine", file: file, line: line)
        for (machine, expected) in zip(machines, voting) {
            XCTAssertEqual(group.isVoting(machine.id), expected, "machine \(machine.id)", file: file, line: line)
        }
    }

    private func assertError(
        machines: [Peergrouper.Machine], members: [MemberConfig], statuses: [Int: Peergrouper.MemberStatus],
        _ pattern: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let group = try Peergrouper.desiredPeerGroup(machines: machines, members: members, statuses: statuses)
            XCTFail("expected an error, got \(group)", file: file, line: line)
        } catch {
            let text = error.description
            let matches = text.range(of: "^" + pattern + "$", options: .regularExpression) != nil
            XCTAssertTrue(matches, "\(text) does not match \(pattern)", file: file, line: line)
        }
    }
}
