import BSON
import LegacyJuju
import ReplicaSet
import XCTest

/// Members and configs in the shape Juju 1.20's `replicaset` package sends them (§4.2).
final class PeergrouperMemberEncodingTests: XCTestCase {
    private let objectId = ObjectID(hex: "5f0000000000000000000001")!

    func test_votingMember_leavesVotesAndPriorityOut() {
        let member = JujuReplicaSet.member(id: 1, machineId: "0", host: "10.0.0.1:37017")
        let expected: Document = [
            "_id": .int32(1), "host": "10.0.0.1:37017", "tags": ["juju-machine-id": "0"],
        ]
        XCTAssertEqual(Peergrouper.memberDocument(member), expected)
    }

    func test_nonVotingMember_sendsZeroPriorityAndZeroVotes() {
        let member = JujuReplicaSet.member(id: 2, machineId: "1", host: "10.0.0.2:37017", voting: false)
        let expected: Document = [
            "_id": .int32(2), "host": "10.0.0.2:37017", "priority": .double(0),
            "tags": ["juju-machine-id": "1"], "votes": .int32(0),
        ]
        XCTAssertEqual(Peergrouper.memberDocument(member), expected)
    }

    func test_nonDefaultFields_appearInGoStructOrder() {
        let member = MemberConfig(
            id: 4, host: "h:1", buildIndexes: false, hidden: true, priority: 0, tags: ["dc": "x"],
            secondaryDelaySecs: 30, votes: 0)
        XCTAssertEqual(
            Peergrouper.memberDocument(member).keys,
            ["_id", "host", "buildIndexes", "hidden", "priority", "tags", "slaveDelay", "votes"])
    }

    func test_configDocument_isNameVersionAndMembersOnly() {
        let members = [JujuReplicaSet.member(id: 1, machineId: "0", host: "a:37017")]
        let document = Peergrouper.configDocument(setName: "juju", version: 4, members: members)
        XCTAssertEqual(document.keys, ["_id", "version", "members"])
        XCTAssertEqual(document["_id"], "juju")
        XCTAssertEqual(document["version"], .int32(4))
        XCTAssertEqual(document["members"], .array([.document(Peergrouper.memberDocument(members[0]))]))
    }

    func test_mongodReadsTheWireFormBackAsTheSameMember() throws {
        for voting in [true, false] {
            let member = JujuReplicaSet.member(id: 3, machineId: "2", host: "10.0.0.3:37017", voting: voting)
            XCTAssertEqual(try MemberConfig(document: Peergrouper.memberDocument(member)), member)
        }
    }

    func test_sentConfig_isAcceptedByTheConfigParser() throws {
        let members = [
            JujuReplicaSet.member(id: 1, machineId: "0", host: "a:37017"),
            JujuReplicaSet.member(id: 2, machineId: "1", host: "b:37017", voting: false),
        ]
        let document = Peergrouper.configDocument(setName: "juju", version: 2, members: members)
        let config = try ReplSetConfig(document: document, replicaSetId: objectId)
        XCTAssertEqual(config.members, members)
        XCTAssertEqual(config.version, 2)
    }

    func test_goSyntax_printsUnsetPointersAsNil() {
        let member = MemberConfig(id: 2, host: "0.1.2.12:1234")
        XCTAssertEqual(
            Peergrouper.goSyntax(member),
            #"replicaset.Member{Id:2, Address:"0.1.2.12:1234", Arbiter:(*bool)(nil), BuildIndexes:(*bool)(nil), "#
                + #"Hidden:(*bool)(nil), Priority:(*float64)(nil), Tags:map[string]string(nil), "#
                + #"SlaveDelay:(*time.Duration)(nil), Votes:(*int)(nil)}"#)
    }

    func test_goSyntax_printsSetValuesAndSortedTags() {
        let member = MemberConfig(id: 5, host: "a\"b", priority: 0.5, tags: ["z": "1", "a": "2"], votes: 0)
        XCTAssertEqual(
            Peergrouper.goSyntax(member),
            #"replicaset.Member{Id:5, Address:"a\"b", Arbiter:(*bool)(nil), BuildIndexes:(*bool)(nil), "#
                + #"Hidden:(*bool)(nil), Priority:(*float64)(0.5), Tags:map[string]string{"a":"2", "z":"1"}, "#
                + #"SlaveDelay:(*time.Duration)(nil), Votes:(*int)(0)}"#)
    }

    func test_errorDescriptions_areJujus() {
        XCTAssertEqual(Peergrouper.PeerGroupError.emptyMemberSet.description, "current member set is empty")
        let extra = MemberConfig(id: 2, host: "h:1")
        XCTAssertEqual(
            Peergrouper.PeerGroupError.votingNonMachineMember(extra).description,
            "voting non-machine member \(Peergrouper.goSyntax(extra)) found in peer group")
    }
}
