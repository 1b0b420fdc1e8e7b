import BSON
import ReplicaSet
import XCTest

/// `replSetReconfig`'s rules (`validateForReconfig`) and the (version, term) order of configs.
final class ConfigReconfigTests: XCTestCase {
    /// Three voters at version 2, written in term 1.
    private let old = ConfigFixture.config(ConfigFixture.voters(3), version: 2, term: 1)

    private func next(_ members: [MemberConfig], version: Int = 3, term: Term = 1) -> ReplSetConfig {
        ConfigFixture.config(members, version: version, term: term)
    }

    private func reconfig(_ new: ReplSetConfig, force: Bool = false) throws {
        try ReplSetConfig.validateForReconfig(old: old, new: new, force: force)
    }

    // MARK: Version and term

    func test_reconfigWithAHigherVersionIsAccepted() {
        XCTAssertNoThrow(try reconfig(next(ConfigFixture.voters(3))))
    }

    func test_reconfigWithTheSameVersionIsRefused() {
        assertConfigError(code: 103, "New replica set configuration version and term must be greater than old, but {version: 2, term: 1} is not greater than {version: 2, term: 1} for replica set rs0") {
            try self.reconfig(self.next(ConfigFixture.voters(3), version: 2))
        }
    }

    func test_reconfigFromAnOlderTermIsRefusedWhateverItsVersion() {
        assertConfigError(code: 103, "New replica set configuration version and term must be greater than old, but {version: 9, term: 0} is not greater than {version: 2, term: 1} for replica set rs0") {
            try self.reconfig(self.next(ConfigFixture.voters(3), version: 9, term: 0))
        }
    }

    func test_reconfigInANewerTermMayKeepTheVersion() {
        XCTAssertNoThrow(try reconfig(next(ConfigFixture.voters(3), version: 2, term: 2)))
    }

    func test_forceReconfigSkipsTheVersionCheck() {
        XCTAssertNoThrow(try reconfig(next(ConfigFixture.voters(3), version: 1, term: -1), force: true))
    }

    func test_unsetTermComparesVersionsOnly() {
        let unsetTerm = ConfigVersionAndTerm(version: 3, term: -1)
        XCTAssertLessThan(ConfigVersionAndTerm(version: 2, term: 7), unsetTerm)
        XCTAssertEqual(ConfigVersionAndTerm(version: 3, term: 7), unsetTerm)
        XCTAssertLessThan(ConfigVersionAndTerm(version: 9, term: 1), ConfigVersionAndTerm(version: 1, term: 2))
        XCTAssertEqual(unsetTerm.description, "{version: 3, term: -1}")
    }

    // MARK: Identity of the set and of its members

    func test_reconfigChangingTheSetNameIsRefused() {
        let renamed = ConfigFixture.config(ConfigFixture.voters(3), version: 3, term: 1, name: "rs1")
        assertConfigError(code: 103, "New and old configurations differ in replica set name; old was rs0, and new is rs1") {
            try self.reconfig(renamed, force: true)
        }
    }

    func test_reconfigChangingTheReplicaSetIdIsRefused() {
        var new = next(ConfigFixture.voters(3))
        new.settings.replicaSetId = ObjectID(hex: "0123456789abcdef01234567")!
        assertConfigError(code: 103, "New and old configurations differ in replica set ID; old was 5f1a2b3c4d5e6f7081920a1b, and new is 0123456789abcdef01234567") {
            try self.reconfig(new, force: true)
        }
    }

    func test_reconfigMovingAHostToAnotherIdIsRefused() {
        let members = [ConfigFixture.member(0), ConfigFixture.member(1), MemberConfig(id: 5, host: ConfigFixture.host(2))]
        assertConfigError(code: 103, "New and old configurations both have members with host of node2.example:37017 but in the new configuration the _id field is 5 and in the old configuration it is 2 for replica set rs0") {
            try self.reconfig(self.next(members), force: true)
        }
    }

    func test_reconfigMovingAMemberToANewHostIsAccepted() {
        let members = [ConfigFixture.member(0), ConfigFixture.member(1), MemberConfig(id: 2, host: "moved.example:37017")]
        XCTAssertNoThrow(try reconfig(next(members)))
    }

    func test_reconfigChangingBuildIndexesIsRefused() {
        let members = ConfigFixture.voters(2) + [
            MemberConfig(id: 2, host: ConfigFixture.host(2), buildIndexes: false, priority: 0),
        ]
        assertConfigError(code: 103, "New and old configurations differ in the setting of the buildIndexes field for member node2.example:37017; to make this change, remove then re-add the member") {
            try self.reconfig(self.next(members), force: true)
        }
    }

    func test_reconfigChangingArbiterOnlyIsRefused() {
        let members = ConfigFixture.voters(2) + [ConfigFixture.arbiter(2)]
        assertConfigError(code: 103, "New and old configurations differ in the setting of the arbiterOnly field for member node2.example:37017; to make this change, remove then re-add the member") {
            try self.reconfig(self.next(members), force: true)
        }
    }

    // MARK: One voter at a time

    func test_reconfigAddingOneVoterIsAccepted() {
        XCTAssertNoThrow(try reconfig(next(ConfigFixture.voters(4))))
    }

    func test_reconfigRemovingOneVoterIsAccepted() {
        XCTAssertNoThrow(try reconfig(next(ConfigFixture.voters(2))))
    }

    func test_reconfigAddingTwoVotersIsRefusedWithoutForce() {
        assertConfigError(code: 93, "Non force replica set reconfig can only add or remove at most 1 voting member.") {
            try self.reconfig(self.next(ConfigFixture.voters(5)))
        }
    }

    func test_reconfigSwappingOneVoterForAnotherIsRefusedWithoutForce() {
        let members = [ConfigFixture.member(0), ConfigFixture.member(1), ConfigFixture.nonVoter(2), ConfigFixture.member(3)]
        assertConfigError(code: 93, "Non force replica set reconfig can only add or remove at most 1 voting member.") {
            try self.reconfig(self.next(members))
        }
    }

    func test_forceReconfigMayAddTwoVoters() {
        XCTAssertNoThrow(try reconfig(next(ConfigFixture.voters(5)), force: true))
    }

    func test_reconfigAddingManyNonVotersIsAccepted() {
        let members = ConfigFixture.voters(3) + (3..<10).map(ConfigFixture.nonVoter)
        XCTAssertNoThrow(try reconfig(next(members)))
    }

    func test_reconfigAddingAnEighthMemberWithoutVoteIsAccepted() throws {
        let seven = ConfigFixture.config(ConfigFixture.voters(7), version: 2, term: 1)
        let eight = ConfigFixture.config(ConfigFixture.voters(7) + [ConfigFixture.nonVoter(7)], version: 3, term: 1)
        XCTAssertNoThrow(try ReplSetConfig.validateForReconfig(old: seven, new: eight, force: false))
    }

    func test_reconfigAddingAnEighthVoterIsRefusedEvenWithForce() {
        let seven = ConfigFixture.config(ConfigFixture.voters(7), version: 2, term: 1)
        let eight = ConfigFixture.config(ConfigFixture.voters(8), version: 3, term: 1)
        assertConfigError(code: 2, "Replica set configuration contains 8 voting members, but must be at least 1 and no more than 7") {
            try ReplSetConfig.validateForReconfig(old: seven, new: eight, force: true)
        }
    }

    func test_forceReconfigStillAppliesTheGeneralRules() {
        assertConfigError(code: 2, "priority must be 0 when non-voting (votes:0)") {
            try self.reconfig(self.next(ConfigFixture.voters(2) + [ConfigFixture.member(2, priority: 1, votes: 0)]), force: true)
        }
    }

    // MARK: PSA safety

    func test_reconfigMakingThePSASecondaryElectableIsRefusedWhenArbitersOutvoteData() {
        let psa = [ConfigFixture.member(0), ConfigFixture.nonVoter(1), ConfigFixture.arbiter(2)]
        let old = ConfigFixture.config(psa, version: 2, term: 1)
        let new = ConfigFixture.config([ConfigFixture.member(0), ConfigFixture.member(1), ConfigFixture.arbiter(2)], version: 3, term: 1)
        assertConfigError(code: 103, "Rejecting reconfig where the new config has a PSA topology and the secondary is electable, but the old config contains only one writable node. Refer to https://docs.mongodb.com/manual/reference/method/rs.reconfigForPSASet/ for next steps on reconfiguring a PSA set.") {
            try ReplSetConfig.validateForReconfig(old: old, new: new, force: false)
        }
    }

    func test_reconfigGivingThePSASecondaryAVoteFirstIsAccepted() {
        let psa = [ConfigFixture.member(0), ConfigFixture.nonVoter(1), ConfigFixture.arbiter(2)]
        let old = ConfigFixture.config(psa, version: 2, term: 1)
        let votingOnly = MemberConfig(id: 1, host: ConfigFixture.host(1), priority: 0, votes: 1)
        let new = ConfigFixture.config([ConfigFixture.member(0), votingOnly, ConfigFixture.arbiter(2)], version: 3, term: 1)
        XCTAssertNoThrow(try ReplSetConfig.validateForReconfig(old: old, new: new, force: false))
    }
}
