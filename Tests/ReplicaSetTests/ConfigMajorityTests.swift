import BSON
import ReplicaSet
import XCTest

/// Election and write majorities (spec §1.3), checked against hand-worked tables.
final class ConfigMajorityTests: XCTestCase {
    private struct Expected {
        let voters: Int, majority: Int, writable: Int, writeMajority: Int, defaultIsMajority: Bool
    }

    private func assertMajorities(
        _ config: ReplSetConfig, _ expected: Expected, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(config.votingMembersCount, expected.voters, "votingMembersCount", file: file, line: line)
        XCTAssertEqual(config.majorityVoteCount, expected.majority, "majorityVoteCount", file: file, line: line)
        XCTAssertEqual(config.writableVotingMembersCount, expected.writable, "writableVotingMembersCount", file: file, line: line)
        XCTAssertEqual(config.writeMajorityCount, expected.writeMajority, "writeMajorityCount", file: file, line: line)
        XCTAssertEqual(
            config.isImplicitDefaultWriteConcernMajority, expected.defaultIsMajority,
            "isImplicitDefaultWriteConcernMajority", file: file, line: line)
    }

    func test_majoritiesForOneToSevenDataBearingVoters() {
        let table: [Int: Expected] = [
            1: Expected(voters: 1, majority: 1, writable: 1, writeMajority: 1, defaultIsMajority: true),
            2: Expected(voters: 2, majority: 2, writable: 2, writeMajority: 2, defaultIsMajority: true),
            3: Expected(voters: 3, majority: 2, writable: 3, writeMajority: 2, defaultIsMajority: true),
            4: Expected(voters: 4, majority: 3, writable: 4, writeMajority: 3, defaultIsMajority: true),
            5: Expected(voters: 5, majority: 3, writable: 5, writeMajority: 3, defaultIsMajority: true),
            6: Expected(voters: 6, majority: 4, writable: 6, writeMajority: 4, defaultIsMajority: true),
            7: Expected(voters: 7, majority: 4, writable: 7, writeMajority: 4, defaultIsMajority: true),
        ]
        for count in 1...7 {
            assertMajorities(ConfigFixture.config(ConfigFixture.voters(count)), table[count]!)
        }
    }

    func test_majoritiesForTwoToSevenVotersOneOfThemAnArbiter() {
        let table: [Int: Expected] = [
            2: Expected(voters: 2, majority: 2, writable: 1, writeMajority: 1, defaultIsMajority: false),
            3: Expected(voters: 3, majority: 2, writable: 2, writeMajority: 2, defaultIsMajority: false),
            4: Expected(voters: 4, majority: 3, writable: 3, writeMajority: 3, defaultIsMajority: false),
            5: Expected(voters: 5, majority: 3, writable: 4, writeMajority: 3, defaultIsMajority: true),
            6: Expected(voters: 6, majority: 4, writable: 5, writeMajority: 4, defaultIsMajority: true),
            7: Expected(voters: 7, majority: 4, writable: 6, writeMajority: 4, defaultIsMajority: true),
        ]
        for count in 2...7 {
            let members = ConfigFixture.voters(count - 1) + [ConfigFixture.arbiter(count - 1)]
            assertMajorities(ConfigFixture.config(members), table[count]!)
        }
    }

    func test_primarySecondaryArbiterWritesToTwoAndDefaultsToW1() {
        let psa = ConfigFixture.config([ConfigFixture.member(0), ConfigFixture.member(1), ConfigFixture.arbiter(2)])
        XCTAssertTrue(psa.isPSASet)
        XCTAssertEqual(psa.writeMajorityCount, 2)
        XCTAssertFalse(psa.isImplicitDefaultWriteConcernMajority)
    }

    func test_twoArbitersAmongFiveVotersKeepTheDefaultAtW1() {
        let members = ConfigFixture.voters(3) + [ConfigFixture.arbiter(3), ConfigFixture.arbiter(4)]
        assertMajorities(
            ConfigFixture.config(members),
            Expected(voters: 5, majority: 3, writable: 3, writeMajority: 3, defaultIsMajority: false))
    }

    func test_nonVotingMembersNeverCount() {
        let members = ConfigFixture.voters(3) + (3..<7).map(ConfigFixture.nonVoter)
        assertMajorities(
            ConfigFixture.config(members),
            Expected(voters: 3, majority: 2, writable: 3, writeMajority: 2, defaultIsMajority: true))
    }

    func test_newlyAddedMembersDoNotCountUntilTheirInitialSyncEnds() {
        let newlyAdded = MemberConfig(id: 3, host: ConfigFixture.host(3), newlyAdded: true)
        let config = ConfigFixture.config(ConfigFixture.voters(3) + [newlyAdded])
        XCTAssertEqual(config.votingMembersCount, 3)
        XCTAssertEqual(config.majorityVoteCount, 2)
    }

    func test_threeDataBearingMembersAreNotPSA() {
        XCTAssertFalse(ConfigFixture.config(ConfigFixture.voters(3)).isPSASet)
    }

    func test_twoDataBearingMembersWithTwoArbitersAreNotPSA() {
        let members = ConfigFixture.voters(2) + [ConfigFixture.arbiter(2), ConfigFixture.arbiter(3)]
        XCTAssertFalse(ConfigFixture.config(members).isPSASet)
    }
}
