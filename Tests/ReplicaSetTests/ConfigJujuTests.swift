import BSON
import ReplicaSet
import XCTest

/// Juju 1.20's shape of the replica set (legacy-juju-ha.md §3.8, §4).
final class ConfigJujuTests: XCTestCase {
    func test_jujuConstants() {
        XCTAssertEqual(JujuReplicaSet.replicaSetName, "juju")
        XCTAssertEqual(JujuReplicaSet.statePort, 37017)
        XCTAssertEqual(JujuReplicaSet.maxPeers, ReplSetConfig.maxVotingMembers)
        XCTAssertEqual(JujuReplicaSet.machineTag, "juju-machine-id")
    }

    func test_jujuHostPortUsesTheStatePort() {
        XCTAssertEqual(JujuReplicaSet.hostPort("10.0.0.5"), "10.0.0.5:37017")
        XCTAssertEqual(JujuReplicaSet.hostPort("fd00::5"), "[fd00::5]:37017")
    }

    func test_jujuVotingMemberIsTaggedWithItsMachine() {
        let member = JujuReplicaSet.member(id: 2, machineId: "11", host: "10.0.0.11:37017")
        XCTAssertEqual(member.tags, ["juju-machine-id": "11"])
        XCTAssertEqual(member.votes, 1)
        XCTAssertEqual(member.priority, 1)
        XCTAssertEqual(JujuReplicaSet.machineId(of: member), "11")
    }

    func test_jujuNonVotingMemberHasNoVoteAndNoPriority() throws {
        let member = JujuReplicaSet.member(id: 3, machineId: "12", host: "10.0.0.12:37017", voting: false)
        XCTAssertEqual(member.votes, 0)
        XCTAssertEqual(member.priority, 0)
        let voter = JujuReplicaSet.member(id: 1, machineId: "0", host: "10.0.0.1:37017")
        XCTAssertNoThrow(try ConfigFixture.config([voter, member], name: JujuReplicaSet.replicaSetName).validate())
    }

    func test_jujuBootstrapDocumentInitiatesTheSet() throws {
        let document = JujuReplicaSet.initiateDocument(host: "10.0.0.1:37017")
        let config = try ReplSetConfig(document: document, replicaSetId: ConfigFixture.replicaSetId)
        XCTAssertEqual(try ReplSetConfig.validateForInitiate(config, selfHost: "10.0.0.1:37017"), 0)
        XCTAssertEqual(config.setName, "juju")
        XCTAssertEqual(config.members[0].id, 1)
        XCTAssertEqual(JujuReplicaSet.machineId(of: config.members[0]), "0")
    }

    func test_jujuSevenVotingStateServersAreValidAndAnEighthIsNot() {
        let seven = (0..<7).map { JujuReplicaSet.member(id: $0 + 1, machineId: "\($0)", host: "10.0.0.\($0):37017") }
        XCTAssertNoThrow(try ConfigFixture.config(seven, name: "juju").validate())
        let eighth = JujuReplicaSet.member(id: 8, machineId: "7", host: "10.0.0.7:37017")
        assertConfigError(code: 2, "Replica set configuration contains 8 voting members, but must be at least 1 and no more than 7") {
            try ConfigFixture.config(seven + [eighth], name: "juju").validate()
        }
    }
}
