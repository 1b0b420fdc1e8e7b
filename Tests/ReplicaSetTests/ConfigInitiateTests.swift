import BSON
import ReplicaSet
import XCTest

/// `replSetInitiate`'s rules (`validateForInitiate`).
final class ConfigInitiateTests: XCTestCase {
    private let selfHost = ConfigFixture.host(0)

    private func initiate(_ members: [MemberConfig], version: Int = 1, term: Term = ReplSetConfig.uninitializedTerm) -> ReplSetConfig {
        ConfigFixture.config(members, version: version, term: term)
    }

    func test_initiateAcceptsVersionOneWithSelfElectableAndReturnsItsIndex() throws {
        let config = initiate([ConfigFixture.member(2), ConfigFixture.member(0), ConfigFixture.member(1)])
        XCTAssertEqual(try ReplSetConfig.validateForInitiate(config, selfHost: selfHost), 1)
    }

    func test_initiateAcceptsTheInitialTerm() {
        XCTAssertNoThrow(try ReplSetConfig.validateForInitiate(initiate(ConfigFixture.voters(1), term: 0), selfHost: selfHost))
    }

    func test_initiateRequiresVersionOne() {
        assertConfigError(code: 103, "Configuration used to initiate a replica set must have version 1, but found 2") {
            try ReplSetConfig.validateForInitiate(self.initiate(ConfigFixture.voters(1), version: 2), selfHost: self.selfHost)
        }
    }

    func test_initiateRefusesALaterTerm() {
        assertConfigError(code: 103, "Configuration used to initiate a replica set must have term 0, but found 4") {
            try ReplSetConfig.validateForInitiate(self.initiate(ConfigFixture.voters(1), term: 4), selfHost: self.selfHost)
        }
    }

    func test_initiateRefusesNewlyAddedMembers() {
        let members = [ConfigFixture.member(0), MemberConfig(id: 1, host: ConfigFixture.host(1), newlyAdded: true)]
        assertConfigError(code: 93, "Member node1.example:37017, with _id 1, has a newlyAdded field, which is not valid for initial configuration of a replica set.") {
            try ReplSetConfig.validateForInitiate(self.initiate(members), selfHost: self.selfHost)
        }
    }

    func test_initiateRequiresThisNodeInTheConfig() {
        assertConfigError(code: 74, "No host described in new configuration with {version: 1, term: -1} for replica set rs0 maps to this node") {
            try ReplSetConfig.validateForInitiate(self.initiate([ConfigFixture.member(1)]), selfHost: self.selfHost)
        }
    }

    func test_initiateFindsThisNodeWhateverThePortSpelling() throws {
        let config = initiate([MemberConfig(id: 0, host: "a.example:27017")])
        XCTAssertEqual(try ReplSetConfig.validateForInitiate(config, selfHost: "a.example"), 0)
    }

    func test_initiateRequiresThisNodeElectable() {
        let members = [ConfigFixture.member(0, priority: 0), ConfigFixture.member(1)]
        assertConfigError(code: 104, "This node, node0.example:37017, with _id 0 is not electable under the new configuration with {version: 1, term: -1} for replica set rs0") {
            try ReplSetConfig.validateForInitiate(self.initiate(members), selfHost: self.selfHost)
        }
    }

    func test_initiateRefusesAnArbiterWithPriority() {
        let members = [ConfigFixture.member(0), MemberConfig(id: 1, host: ConfigFixture.host(1), arbiterOnly: true, priority: 3)]
        assertConfigError(code: 93, "Member node1.example:37017 is an arbiter but has priority 3. Arbiter priority must be 0.") {
            try ReplSetConfig.validateForInitiate(self.initiate(members), selfHost: self.selfHost)
        }
    }

    func test_initiateRefusesCustomizedGetLastErrorDefaults() {
        var config = initiate(ConfigFixture.voters(1))
        config.settings.getLastErrorDefaults = ["w": "majority", "wtimeout": .int32(0)]
        assertConfigError(code: 93, "Failed to initiate: Replica set config contains customized getLastErrorDefaults, which has been deprecated and is now ignored. Use setDefaultRWConcern instead to set a cluster-wide default writeConcern.") {
            try ReplSetConfig.validateForInitiate(config, selfHost: self.selfHost)
        }
    }

    func test_initiateAcceptsDefaultGetLastErrorDefaultsOfAnyNumericType() {
        var config = initiate(ConfigFixture.voters(1))
        config.settings.getLastErrorDefaults = ["w": .double(1), "wtimeout": .int64(0)]
        XCTAssertNoThrow(try ReplSetConfig.validateForInitiate(config, selfHost: selfHost))
    }

    func test_initiateAppliesTheGeneralRules() {
        assertConfigError(code: 2, "Replica set configuration contains 8 voting members, but must be at least 1 and no more than 7") {
            try ReplSetConfig.validateForInitiate(self.initiate(ConfigFixture.voters(8)), selfHost: self.selfHost)
        }
    }
}
