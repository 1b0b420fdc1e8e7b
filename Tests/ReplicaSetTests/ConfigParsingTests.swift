import BSON
import ReplicaSet
import XCTest

/// Reading config documents: defaults, accepted spellings, and the type errors mongod gives.
final class ConfigParsingTests: XCTestCase {
    private func parse(_ document: Document) throws -> ReplSetConfig {
        try ReplSetConfig(document: document, replicaSetId: ConfigFixture.replicaSetId)
    }

    private func parseMember(_ member: Document) throws -> MemberConfig {
        let config = try parse(["_id": "rs0", "version": 1, "members": [.document(member)]])
        return config.members[0]
    }

    // MARK: Defaults

    func test_minimalDocumentGetsMongoDefaults() throws {
        let config = try parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a.example:27017"]]])
        XCTAssertEqual(config.setName, "rs0")
        XCTAssertEqual(config.version, 1)
        XCTAssertEqual(config.term, -1)
        XCTAssertEqual(config.protocolVersion, 1)
        XCTAssertTrue(config.writeConcernMajorityJournalDefault)
        let member = config.members[0]
        XCTAssertEqual(member.id, 0)
        XCTAssertEqual(member.host, "a.example:27017")
        XCTAssertFalse(member.arbiterOnly)
        XCTAssertTrue(member.buildIndexes)
        XCTAssertFalse(member.hidden)
        XCTAssertEqual(member.priority, 1)
        XCTAssertTrue(member.tags.isEmpty)
        XCTAssertEqual(member.secondaryDelaySecs, 0)
        XCTAssertEqual(member.votes, 1)
        XCTAssertNil(member.newlyAdded)
    }

    func test_missingSettingsGetMongoDefaults() throws {
        let settings = try parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]]]).settings
        XCTAssertTrue(settings.chainingAllowed)
        XCTAssertEqual(settings.heartbeatIntervalMillis, 2000)
        XCTAssertEqual(settings.heartbeatTimeoutSecs, 10)
        XCTAssertEqual(settings.electionTimeoutMillis, 10000)
        XCTAssertEqual(settings.catchUpTimeoutMillis, -1)
        XCTAssertEqual(settings.catchUpTakeoverDelayMillis, 30000)
        XCTAssertEqual(settings.getLastErrorModes, [:])
        XCTAssertEqual(settings.getLastErrorDefaults, ["w": .int32(1), "wtimeout": .int32(0)])
        XCTAssertEqual(settings.replicaSetId, ConfigFixture.replicaSetId)
        XCTAssertFalse(settings.hasCustomizedGetLastErrorDefaults)
    }

    func test_swiftInitialisersUseTheSameDefaults() throws {
        let parsed = try parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]]])
        let built = ReplSetConfig(
            setName: "rs0", members: [MemberConfig(id: 0, host: "a:1")],
            settings: ReplSetSettings(replicaSetId: ConfigFixture.replicaSetId))
        XCTAssertEqual(parsed, built)
    }

    func test_replicaSetIdInTheDocumentWinsOverTheSuppliedOne() throws {
        let own = ObjectID(hex: "0123456789abcdef01234567")!
        let config = try parse([
            "_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]], "settings": ["replicaSetId": .objectID(own)],
        ])
        XCTAssertEqual(config.settings.replicaSetId, own)
    }

    func test_arbiterPriorityDefaultsToZero() throws {
        XCTAssertEqual(try parseMember(["_id": 0, "host": "a:1", "arbiterOnly": true]).priority, 0)
        XCTAssertEqual(try parseMember(["_id": 0, "host": "a:1", "arbiterOnly": true, "priority": 1]).priority, 0)
        XCTAssertEqual(MemberConfig(id: 0, host: "a:1", arbiterOnly: true).priority, 0)
    }

    func test_legacySlaveDelayIsReadAsSecondaryDelaySecs() throws {
        let member = try parseMember(["_id": 0, "host": "a:1", "priority": 0, "hidden": true, "slaveDelay": 3600])
        XCTAssertEqual(member.secondaryDelaySecs, 3600)
    }

    func test_slaveDelayTogetherWithSecondaryDelaySecsIsRefused() {
        assertConfigError(code: 2, "Cannot specify both secondaryDelaySecs and slaveDelay in a replica set member configuration") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "priority": 0, "slaveDelay": 5, "secondaryDelaySecs": 5])
        }
    }

    func test_hostWithoutPortGetsTheDefaultPort() throws {
        XCTAssertEqual(try parseMember(["_id": 0, "host": "a.example"]).host, "a.example:27017")
        XCTAssertEqual(try parseMember(["_id": 0, "host": " a.example:37017 "]).host, "a.example:37017")
        XCTAssertEqual(try parseMember(["_id": 0, "host": "[::1]"]).host, "[::1]:27017")
    }

    func test_hostWithEmptyHostNameIsRefused() {
        assertConfigError(code: 9, "Empty host component parsing HostAndPort from \":27017\"") {
            _ = try self.parseMember(["_id": 0, "host": ":27017"])
        }
    }

    func test_hostWithPortOutOfRangeIsRefused() {
        assertConfigError(code: 9, "Port number 70000 out of range parsing HostAndPort from \"a:70000\"") {
            _ = try self.parseMember(["_id": 0, "host": "a:70000"])
        }
    }

    func test_hostWithNonNumericPortIsRefused() {
        assertConfigError(code: 9, "Port number \"db\" is not a number parsing HostAndPort from \"a:db\"") {
            _ = try self.parseMember(["_id": 0, "host": "a:db"])
        }
    }

    func test_anyNumericTypeIsAcceptedForNumbers() throws {
        let config = try parse([
            "_id": "rs0", "version": .double(3), "term": .int64(2),
            "members": [["_id": .double(4), "host": "a:1", "priority": .int32(2), "votes": .int64(1)]],
            "protocolVersion": .double(1), "settings": ["electionTimeoutMillis": .int64(5000)],
        ])
        XCTAssertEqual(config.version, 3)
        XCTAssertEqual(config.term, 2)
        XCTAssertEqual(config.members[0].id, 4)
        XCTAssertEqual(config.members[0].priority, 2)
        XCTAssertEqual(config.settings.electionTimeoutMillis, 5000)
    }

    func test_numbersAreAcceptedForBooleans() throws {
        let member = try parseMember(["_id": 0, "host": "a:1", "buildIndexes": 1, "arbiterOnly": .double(0)])
        XCTAssertTrue(member.buildIndexes)
        XCTAssertFalse(member.arbiterOnly)
    }

    func test_fractionalVersionIsRefused() {
        assertConfigError(code: 2, "Expected field \"version\" to have a value exactly representable as a 64-bit integer, but found version: 1.5") {
            _ = try self.parse(["_id": "rs0", "version": 1.5, "members": [["_id": 0, "host": "a:1"]]])
        }
    }

    func test_fractionalVotesAreRefused() {
        assertConfigError(code: 2, "Expected field \"votes\" to have a value exactly representable as a 64-bit integer, but found votes: 0.5") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "votes": 0.5])
        }
    }

    // MARK: Type errors

    func test_setNameOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'ReplSetConfig._id' is the wrong type 'int', expected type 'string'") {
            _ = try self.parse(["_id": 5, "version": 1, "members": [["_id": 0, "host": "a:1"]]])
        }
    }

    func test_versionOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "Expected a number, got value of type string for field version") {
            _ = try self.parse(["_id": "rs0", "version": "1", "members": [["_id": 0, "host": "a:1"]]])
        }
    }

    func test_membersOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'ReplSetConfig.members' is the wrong type 'object', expected type 'array'") {
            _ = try self.parse(["_id": "rs0", "version": 1, "members": ["_id": 0]])
        }
    }

    func test_memberThatIsNotADocumentIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'ReplSetConfig.members.1' is the wrong type 'string', expected type 'object'") {
            _ = try self.parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"], "b:1"]])
        }
    }

    func test_memberIdOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'MemberConfig._id' is the wrong type 'string', expected types '[long, int, decimal, double]'") {
            _ = try self.parseMember(["_id": "0", "host": "a:1"])
        }
    }

    func test_hostOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'MemberConfig.host' is the wrong type 'array', expected type 'string'") {
            _ = try self.parseMember(["_id": 0, "host": ["a:1"]])
        }
    }

    func test_priorityOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'MemberConfig.priority' is the wrong type 'string', expected types '[long, int, decimal, double]'") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "priority": "high"])
        }
    }

    func test_hiddenOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'MemberConfig.hidden' is the wrong type 'string', expected types '[bool, long, int, decimal, double]'") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "hidden": "yes"])
        }
    }

    func test_newlyAddedMustBeAStrictBoolean() {
        assertConfigError(code: 14, "BSON field 'MemberConfig.newlyAdded' is the wrong type 'int', expected type 'bool'") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "newlyAdded": 1])
        }
    }

    func test_tagsOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'MemberConfig.tags' is the wrong type 'array', expected type 'object'") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "tags": ["dc"]])
        }
    }

    func test_nonStringTagValueIsTypeMismatch() {
        assertConfigError(code: 14, "tags.rack field has non-string value of type int") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "tags": ["dc": "east", "rack": 3]])
        }
    }

    func test_settingOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "Expected a number, got value of type bool for field heartbeatIntervalMillis") {
            _ = try self.parse([
                "_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]],
                "settings": ["heartbeatIntervalMillis": true],
            ])
        }
    }

    func test_replicaSetIdOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'ReplSetConfig.settings.replicaSetId' is the wrong type 'string', expected type 'objectId'") {
            _ = try self.parse([
                "_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]],
                "settings": ["replicaSetId": "5f1a2b3c4d5e6f7081920a1b"],
            ])
        }
    }

    func test_settingsOfWrongTypeIsTypeMismatch() {
        assertConfigError(code: 14, "BSON field 'ReplSetConfig.settings' is the wrong type 'array', expected type 'object'") {
            _ = try self.parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]], "settings": []])
        }
    }

    func test_getLastErrorModeThatIsNotADocumentIsTypeMismatch() {
        assertConfigError(code: 14, "Expected getLastErrorModes.multiDC to be an Object, not int") {
            _ = try self.parse([
                "_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]],
                "settings": ["getLastErrorModes": ["multiDC": 2]],
            ])
        }
    }

    func test_getLastErrorModeCountMustBeANumber() {
        assertConfigError(code: 14, "Expected getLastErrorModes.multiDC.dc to be a number, not string") {
            _ = try self.parse([
                "_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]],
                "settings": ["getLastErrorModes": ["multiDC": ["dc": "two"]]],
            ])
        }
    }

    // MARK: Missing and unknown fields

    func test_missingSetNameIsRefused() {
        assertConfigError(code: 40414, "BSON field 'ReplSetConfig._id' is missing but a required field") {
            _ = try self.parse(["version": 1, "members": [["_id": 0, "host": "a:1"]]])
        }
    }

    func test_missingVersionIsRefused() {
        assertConfigError(code: 40414, "BSON field 'ReplSetConfig.version' is missing but a required field") {
            _ = try self.parse(["_id": "rs0", "members": [["_id": 0, "host": "a:1"]]])
        }
    }

    func test_missingMembersIsRefused() {
        assertConfigError(code: 40414, "BSON field 'ReplSetConfig.members' is missing but a required field") {
            _ = try self.parse(["_id": "rs0", "version": 1])
        }
    }

    func test_memberWithoutHostIsRefused() {
        assertConfigError(code: 40414, "BSON field 'MemberConfig.host' is missing but a required field") {
            _ = try self.parseMember(["_id": 0])
        }
    }

    func test_memberWithoutIdIsRefused() {
        assertConfigError(code: 40414, "BSON field 'MemberConfig._id' is missing but a required field") {
            _ = try self.parseMember(["host": "a:1"])
        }
    }

    func test_unknownTopLevelFieldIsRefused() {
        assertConfigError(code: 2, "Unexpected field chaining in replica set configuration") {
            _ = try self.parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]], "chaining": false])
        }
    }

    func test_unknownMemberFieldIsRefused() {
        assertConfigError(code: 2, "Unexpected field slavedelay in replica set member configuration") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "slavedelay": 0])
        }
    }

    func test_unknownSettingIsIgnoredAsMongodDoes() throws {
        let config = try parse([
            "_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]], "settings": ["futureSetting": 1],
        ])
        XCTAssertEqual(config.settings, ReplSetSettings(replicaSetId: ConfigFixture.replicaSetId))
    }

    func test_configServerConfigIsRefused() {
        assertConfigError(code: 2, "Nodes being used for config servers must be started with the --configsvr flag") {
            _ = try self.parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]], "configsvr": true])
        }
    }

    // MARK: Rules applied while reading

    func test_readingAppliesTheMemberRules() {
        assertConfigError(code: 2, "priority must be 0 when non-voting (votes:0)") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "votes": 0])
        }
    }

    func test_readingAppliesTheValueRanges() {
        assertConfigError(code: 2, "BSON field 'MemberConfig.votes' value must be <= 1, actual value '2'") {
            _ = try self.parseMember(["_id": 0, "host": "a:1", "votes": 2])
        }
        assertConfigError(code: 2, "BSON field 'ReplSetConfig.protocolVersion' value must be >= 1, actual value '0'") {
            _ = try self.parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"]], "protocolVersion": 0])
        }
    }

    func test_readingLeavesSetWideRulesToValidate() throws {
        // Two voters sharing an _id parse (as in mongod) and are refused by validate().
        let config = try parse(["_id": "rs0", "version": 1, "members": [["_id": 0, "host": "a:1"], ["_id": 0, "host": "b:1"]]])
        assertConfigError(code: 2, "Found two member configurations with same _id field, members.0._id == members.1._id == 0") {
            try config.validate()
        }
    }
}

// MARK: - Shared fixtures for the Config*Tests files

enum ConfigFixture {
    static let replicaSetId = ObjectID(hex: "5f1a2b3c4d5e6f7081920a1b")!

    static func host(_ id: Int) -> String { "node\(id).example:37017" }

    /// A voting, electable member `id` at `node<id>.example:37017`.
    static func member(_ id: Int, priority: Double? = nil, votes: Int = 1) -> MemberConfig {
        MemberConfig(id: id, host: host(id), priority: priority, votes: votes)
    }

    static func nonVoter(_ id: Int) -> MemberConfig {
        MemberConfig(id: id, host: host(id), priority: 0, votes: 0)
    }

    static func arbiter(_ id: Int) -> MemberConfig {
        MemberConfig(id: id, host: host(id), arbiterOnly: true)
    }

    static func voters(_ count: Int) -> [MemberConfig] {
        (0..<count).map { member($0) }
    }

    static func config(_ members: [MemberConfig], version: Int = 1, term: Term = 1, name: String = "rs0") -> ReplSetConfig {
        ReplSetConfig(
            setName: name, version: version, term: term, members: members,
            settings: ReplSetSettings(replicaSetId: replicaSetId))
    }
}

/// Runs `body` and checks it fails with a `CommandError` of `code` and exactly `message`.
func assertConfigError(
    code: Int32, _ message: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
) {
    do {
        try body()
        XCTFail("expected error \(code): \(message)", file: file, line: line)
    } catch let error as CommandError {
        XCTAssertEqual(error.code, code, "code of \(error)", file: file, line: line)
        XCTAssertEqual(error.errmsg, message, file: file, line: line)
    } catch {
        XCTFail("expected a CommandError, got \(error)", file: file, line: line)
    }
}
