import BSON
import ReplicaSet
import XCTest

/// The general rules of a config (`validate()`), one rule per test.
final class ConfigValidationTests: XCTestCase {
    private func config(_ members: [MemberConfig]) -> ReplSetConfig {
        ConfigFixture.config(members)
    }

    private func single(_ member: MemberConfig) -> ReplSetConfig {
        config([ConfigFixture.member(0), member])
    }

    func test_threeVotersWithDefaultsAreValid() {
        XCTAssertNoThrow(try config(ConfigFixture.voters(3)).validate())
    }

    // MARK: Member and voter counts

    func test_configWithoutMembersIsRefused() {
        assertConfigError(code: 2, "Replica set configuration contains 0 members, but must have at least 1 and no more than 50") {
            try self.config([]).validate()
        }
    }

    func test_fiftyOneMembersAreRefused() {
        let members = ConfigFixture.voters(7) + (7..<51).map(ConfigFixture.nonVoter)
        assertConfigError(code: 2, "Replica set configuration contains 51 members, but must have at least 1 and no more than 50") {
            try self.config(members).validate()
        }
    }

    func test_fiftyMembersWithSevenVotersAreValid() {
        let members = ConfigFixture.voters(7) + (7..<50).map(ConfigFixture.nonVoter)
        XCTAssertNoThrow(try config(members).validate())
    }

    func test_eighthVoterIsRefused() {
        assertConfigError(code: 2, "Replica set configuration contains 8 voting members, but must be at least 1 and no more than 7") {
            try self.config(ConfigFixture.voters(8)).validate()
        }
    }

    func test_eighthMemberWithoutVoteIsAccepted() {
        XCTAssertNoThrow(try config(ConfigFixture.voters(7) + [ConfigFixture.nonVoter(7)]).validate())
    }

    func test_newlyAddedMemberDoesNotCountAsVoter() {
        let newlyAdded = MemberConfig(id: 7, host: ConfigFixture.host(7), newlyAdded: true)
        XCTAssertNoThrow(try config(ConfigFixture.voters(7) + [newlyAdded]).validate())
    }

    func test_configWithoutVotersIsRefused() {
        let members = [ConfigFixture.nonVoter(0), ConfigFixture.nonVoter(1)]
        assertConfigError(code: 2, "Replica set configuration contains 0 voting members, but must be at least 1 and no more than 7") {
            try self.config(members).validate()
        }
    }

    // MARK: Votes and priority ranges

    func test_votesAboveOneAreRefused() {
        assertConfigError(code: 2, "BSON field 'MemberConfig.votes' value must be <= 1, actual value '2'") {
            try self.single(ConfigFixture.member(1, votes: 2)).validate()
        }
    }

    func test_negativeVotesAreRefused() {
        assertConfigError(code: 2, "BSON field 'MemberConfig.votes' value must be >= 0, actual value '-1'") {
            try self.single(ConfigFixture.member(1, priority: 0, votes: -1)).validate()
        }
    }

    func test_priorityAboveOneThousandIsRefused() {
        assertConfigError(code: 2, "BSON field 'MemberConfig.priority' value must be <= 1000, actual value '1000.5'") {
            try self.single(ConfigFixture.member(1, priority: 1000.5)).validate()
        }
    }

    func test_negativePriorityIsRefused() {
        assertConfigError(code: 2, "BSON field 'MemberConfig.priority' value must be >= 0, actual value '-1'") {
            try self.single(ConfigFixture.member(1, priority: -1)).validate()
        }
    }

    func test_priorityOfOneThousandIsAccepted() {
        XCTAssertNoThrow(try single(ConfigFixture.member(1, priority: 1000)).validate())
    }

    // MARK: What a member that may become primary needs

    func test_priorityAboveZeroRequiresVotes() {
        assertConfigError(code: 2, "priority must be 0 when non-voting (votes:0)") {
            try self.single(ConfigFixture.member(1, priority: 1, votes: 0)).validate()
        }
    }

    func test_priorityAboveZeroRequiresNotHidden() {
        assertConfigError(code: 2, "priority must be 0 when hidden=true") {
            try self.single(MemberConfig(id: 1, host: ConfigFixture.host(1), hidden: true)).validate()
        }
    }

    func test_priorityAboveZeroRequiresNoSecondaryDelay() {
        assertConfigError(code: 2, "priority must be 0 when secondaryDelaySecs is used") {
            try self.single(MemberConfig(id: 1, host: ConfigFixture.host(1), secondaryDelaySecs: 60)).validate()
        }
    }

    func test_priorityAboveZeroRequiresBuildIndexes() {
        assertConfigError(code: 2, "priority must be 0 when buildIndexes=false") {
            try self.single(MemberConfig(id: 1, host: ConfigFixture.host(1), buildIndexes: false)).validate()
        }
    }

    func test_hiddenDelayedNonVotingMemberWithPriorityZeroIsValid() {
        let member = MemberConfig(
            id: 1, host: ConfigFixture.host(1), buildIndexes: false, hidden: true, priority: 0,
            secondaryDelaySecs: 3600, votes: 0)
        XCTAssertNoThrow(try single(member).validate())
    }

    func test_secondaryDelayAboveOneYearIsRefused() {
        let member = MemberConfig(id: 1, host: ConfigFixture.host(1), priority: 0, secondaryDelaySecs: 31_622_401)
        assertConfigError(code: 2, "BSON field 'MemberConfig.secondaryDelaySecs' value must be <= 31622400, actual value '31622401'") {
            try self.single(member).validate()
        }
    }

    func test_newlyAddedFalseIsRefused() {
        let member = MemberConfig(id: 1, host: ConfigFixture.host(1), newlyAdded: false)
        assertConfigError(code: 93, "Value must be true if specified") {
            try self.single(member).validate()
        }
    }

    func test_configNeedsAnElectableMember() {
        let members = [ConfigFixture.member(0, priority: 0), ConfigFixture.arbiter(1)]
        assertConfigError(code: 2, "Replica set configuration must contain at least one non-arbiter member with priority > 0") {
            try self.config(members).validate()
        }
    }

    // MARK: Arbiters

    func test_arbiterWithPriorityIsRefused() {
        let arbiter = MemberConfig(id: 1, host: ConfigFixture.host(1), arbiterOnly: true, priority: 2)
        assertConfigError(code: 93, "Member node1.example:37017 is an arbiter but has priority 2. Arbiter priority must be 0.") {
            try self.single(arbiter).validate()
        }
    }

    func test_arbiterMustVote() {
        let arbiter = MemberConfig(id: 1, host: ConfigFixture.host(1), arbiterOnly: true, votes: 0)
        assertConfigError(code: 2, "Arbiter must vote (cannot have 0 votes)") {
            try self.single(arbiter).validate()
        }
    }

    func test_arbiterCannotHaveTags() {
        let arbiter = MemberConfig(id: 1, host: ConfigFixture.host(1), arbiterOnly: true, tags: ["dc": "east"])
        assertConfigError(code: 2, "Cannot set tags on arbiters.") {
            try self.single(arbiter).validate()
        }
    }

    func test_arbiterCannotBeNewlyAdded() {
        let arbiter = MemberConfig(id: 1, host: ConfigFixture.host(1), arbiterOnly: true, newlyAdded: true)
        assertConfigError(code: 2, "Arbiter cannot have newlyAdded field set") {
            try self.single(arbiter).validate()
        }
    }

    // MARK: Identity of members

    func test_duplicateMemberIdsAreRefused() {
        let members = [ConfigFixture.member(0), ConfigFixture.member(1), MemberConfig(id: 1, host: "other.example:37017")]
        assertConfigError(code: 2, "Found two member configurations with same _id field, members.1._id == members.2._id == 1") {
            try self.config(members).validate()
        }
    }

    func test_duplicateHostsAreRefused() {
        let members = [MemberConfig(id: 0, host: "a.example"), MemberConfig(id: 1, host: "a.example:27017")]
        assertConfigError(code: 2, "Found two member configurations with same host field, members.0.host == members.1.host == a.example") {
            try self.config(members).validate()
        }
    }

    func test_negativeMemberIdIsRefused() {
        assertConfigError(code: 2, "BSON field 'MemberConfig._id' value must be >= 0, actual value '-1'") {
            try self.single(MemberConfig(id: -1, host: ConfigFixture.host(1))).validate()
        }
    }

    func test_unparsableHostIsRefused() {
        assertConfigError(code: 9, "Empty host component parsing HostAndPort from \"\"") {
            try self.single(MemberConfig(id: 1, host: "")).validate()
        }
    }

    func test_mixingLocalhostAndRemoteHostsIsRefused() {
        let members = [MemberConfig(id: 0, host: "localhost:27017"), ConfigFixture.member(1), ConfigFixture.member(2)]
        assertConfigError(code: 2, "Either all host names in a replica set configuration must be localhost references, or none must be; found 1 out of 3") {
            try self.config(members).validate()
        }
    }

    func test_allLocalhostMembersAreValid() {
        let members = [
            MemberConfig(id: 0, host: "localhost:27017"), MemberConfig(id: 1, host: "127.0.0.1:27018"),
            MemberConfig(id: 2, host: "[::1]:27019"),
        ]
        XCTAssertNoThrow(try config(members).validate())
    }

    // MARK: Top-level fields and settings

    func test_emptySetNameIsRefused() {
        assertConfigError(code: 2, "ReplSetConfig represented an invalid replica set ConnectionString") {
            try ConfigFixture.config(ConfigFixture.voters(1), name: "").validate()
        }
    }

    func test_protocolVersionZeroIsRefused() {
        var config = config(ConfigFixture.voters(1))
        config.protocolVersion = 0
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.protocolVersion' value must be >= 1, actual value '0'") {
            try config.validate()
        }
    }

    func test_protocolVersionTwoIsRefused() {
        var config = config(ConfigFixture.voters(1))
        config.protocolVersion = 2
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.protocolVersion' value must be <= 1, actual value '2'") {
            try config.validate()
        }
    }

    func test_versionZeroIsRefused() {
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.version' value must be > 0, actual value '0'") {
            try ConfigFixture.config(ConfigFixture.voters(1), version: 0).validate()
        }
    }

    func test_versionBeyondInt32IsRefused() {
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.version' value must be <= 2147483647, actual value '2147483648'") {
            try ConfigFixture.config(ConfigFixture.voters(1), version: 2_147_483_648).validate()
        }
    }

    func test_termBelowMinusOneIsRefused() {
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.term' value must be >= -1, actual value '-2'") {
            try ConfigFixture.config(ConfigFixture.voters(1), term: -2).validate()
        }
    }

    func test_heartbeatIntervalMustBePositive() {
        var config = config(ConfigFixture.voters(1))
        config.settings.heartbeatIntervalMillis = 0
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.settings.heartbeatIntervalMillis' value must be > 0, actual value '0'") {
            try config.validate()
        }
    }

    func test_heartbeatTimeoutMustBePositive() {
        var config = config(ConfigFixture.voters(1))
        config.settings.heartbeatTimeoutSecs = -5
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.settings.heartbeatTimeoutSecs' value must be > 0, actual value '-5'") {
            try config.validate()
        }
    }

    func test_electionTimeoutMustBePositive() {
        var config = config(ConfigFixture.voters(1))
        config.settings.electionTimeoutMillis = 0
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.settings.electionTimeoutMillis' value must be > 0, actual value '0'") {
            try config.validate()
        }
    }

    func test_catchUpTimeoutBelowMinusOneIsRefused() {
        var config = config(ConfigFixture.voters(1))
        config.settings.catchUpTimeoutMillis = -2
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.settings.catchUpTimeoutMillis' value must be >= -1, actual value '-2'") {
            try config.validate()
        }
    }

    func test_catchUpTakeoverDelayBelowMinusOneIsRefused() {
        var config = config(ConfigFixture.voters(1))
        config.settings.catchUpTakeoverDelayMillis = -2
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.settings.catchUpTakeoverDelayMillis' value must be >= -1, actual value '-2'") {
            try config.validate()
        }
    }

    func test_catchUpSettingsAcceptMinusOneAndZero() {
        var config = config(ConfigFixture.voters(1))
        config.settings.catchUpTimeoutMillis = 0
        config.settings.catchUpTakeoverDelayMillis = -1
        XCTAssertNoThrow(try config.validate())
    }

    func test_getLastErrorModeCountMustBePositive() {
        var config = config(ConfigFixture.voters(1))
        config.settings.getLastErrorModes = ["multiDC": ["dc": .int32(0)]]
        assertConfigError(code: 2, "Value of getLastErrorModes.multiDC.dc must be positive, but found 0") {
            try config.validate()
        }
    }

    func test_nullReplicaSetIdIsRefused() {
        var config = config(ConfigFixture.voters(1))
        config.settings.replicaSetId = ObjectID(hex: "000000000000000000000000")!
        assertConfigError(code: 2, "replicaSetId field value cannot be null") {
            try config.validate()
        }
    }
}
