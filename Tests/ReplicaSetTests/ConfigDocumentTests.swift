import BSON
import Foundation
import ReplicaSet
import XCTest

/// The `replSetGetConfig` shape, round trips, and the snapshot (Codable) form.
final class ConfigDocumentTests: XCTestCase {
    private let replicaSetId = ConfigFixture.replicaSetId

    /// One of each kind of member and non-default settings, to exercise every field.
    private var richConfig: ReplSetConfig {
        var settings = ReplSetSettings(replicaSetId: replicaSetId)
        settings.chainingAllowed = false
        settings.electionTimeoutMillis = 5000
        settings.catchUpTimeoutMillis = 60000
        settings.getLastErrorModes = ["multiDC": ["dc": .int32(2)]]
        return ReplSetConfig(
            setName: "rs0", version: 7, term: 3,
            members: [
                MemberConfig(id: 0, host: "a.example:27017", priority: 2, tags: ["dc": "east", "rack": "r1"]),
                MemberConfig(id: 1, host: "b.example:27017", tags: ["dc": "west"]),
                MemberConfig(id: 2, host: "c.example:27017", hidden: true, priority: 0, secondaryDelaySecs: 3600),
                MemberConfig(id: 3, host: "d.example:27017", arbiterOnly: true),
                MemberConfig(id: 4, host: "e.example:27017", buildIndexes: false, priority: 0, votes: 0),
                MemberConfig(id: 5, host: "f.example:27017", newlyAdded: true),
            ],
            settings: settings, writeConcernMajorityJournalDefault: false)
    }

    func test_documentMatchesReplSetGetConfigByteForByte() throws {
        let config = ReplSetConfig(
            setName: "rs0", version: 2, term: 1,
            members: [MemberConfig(id: 0, host: "a.example:27017", tags: ["dc": "east"])],
            settings: ReplSetSettings(replicaSetId: replicaSetId))
        let member: Document = [
            "_id": .int32(0), "host": .string("a.example:27017"), "arbiterOnly": .bool(false),
            "buildIndexes": .bool(true), "hidden": .bool(false), "priority": .double(1),
            "tags": .document(["dc": .string("east")]), "secondaryDelaySecs": .int64(0), "votes": .int32(1),
        ]
        let settings: Document = [
            "chainingAllowed": .bool(true), "heartbeatIntervalMillis": .int32(2000),
            "heartbeatTimeoutSecs": .int32(10), "electionTimeoutMillis": .int32(10000),
            "catchUpTimeoutMillis": .int32(-1), "catchUpTakeoverDelayMillis": .int32(30000),
            "getLastErrorModes": .document([:]),
            "getLastErrorDefaults": .document(["w": .int32(1), "wtimeout": .int32(0)]),
            "replicaSetId": .objectID(replicaSetId),
        ]
        let expected: Document = [
            "_id": .string("rs0"), "version": .int32(2), "term": .int32(1), "members": .array([.document(member)]),
            "protocolVersion": .int64(1), "writeConcernMajorityJournalDefault": .bool(true),
            "settings": .document(settings),
        ]
        XCTAssertEqual(try config.document.encode(), try expected.encode())
    }

    func test_documentFieldOrderFollowsMongod() {
        let document = richConfig.document
        XCTAssertEqual(document.keys, [
            "_id", "version", "term", "members", "protocolVersion", "writeConcernMajorityJournalDefault", "settings",
        ])
        XCTAssertEqual(document["members"]?.arrayValue?[0].documentValue?.keys, [
            "_id", "host", "arbiterOnly", "buildIndexes", "hidden", "priority", "tags", "secondaryDelaySecs", "votes",
        ])
        XCTAssertEqual(document["settings"]?.documentValue?.keys, [
            "chainingAllowed", "heartbeatIntervalMillis", "heartbeatTimeoutSecs", "electionTimeoutMillis",
            "catchUpTimeoutMillis", "catchUpTakeoverDelayMillis", "getLastErrorModes", "getLastErrorDefaults",
            "replicaSetId",
        ])
    }

    func test_tagsKeepTheirOrder() {
        let tags = richConfig.document["members"]?.arrayValue?[0].documentValue?["tags"]?.documentValue
        XCTAssertEqual(tags?.keys, ["dc", "rack"])
        XCTAssertEqual(richConfig.members[0].tags.map { "\($0.key)=\($0.value)" }, ["dc=east", "rack=r1"])
    }

    func test_termIsLeftOutWhileUnset() {
        let config = ConfigFixture.config(ConfigFixture.voters(1), term: ReplSetConfig.uninitializedTerm)
        XCTAssertNil(config.document["term"])
        XCTAssertEqual(config.document.keys[2], "members")
    }

    func test_newlyAddedIsWrittenAfterArbiterOnlyOnlyWhenAsked() {
        let newlyAdded = richConfig.members[5]
        XCTAssertEqual(newlyAdded.document.keys, [
            "_id", "host", "arbiterOnly", "newlyAdded", "buildIndexes", "hidden", "priority", "tags",
            "secondaryDelaySecs", "votes",
        ])
        XCTAssertNil(newlyAdded.document(includeNewlyAdded: false)["newlyAdded"])
        let shown = richConfig.document(includeNewlyAdded: false)
        XCTAssertNil(shown["members"]?.arrayValue?[5].documentValue?["newlyAdded"])
    }

    func test_timingsTooLargeForInt32AreWrittenAsInt64() {
        var config = ConfigFixture.config(ConfigFixture.voters(1))
        config.settings.catchUpTakeoverDelayMillis = 3_000_000_000
        XCTAssertEqual(config.document["settings"]?.documentValue?["catchUpTakeoverDelayMillis"], .int64(3_000_000_000))
    }

    func test_roundTripThroughTheDocument() throws {
        let config = richConfig
        XCTAssertNoThrow(try config.validate())
        let otherId = ObjectID(hex: "ffffffffffffffffffffffff")!
        XCTAssertEqual(try ReplSetConfig(document: config.document, replicaSetId: otherId), config)
    }

    func test_roundTripThroughBSONBytes() throws {
        let bytes = try richConfig.document.encode()
        let decoded = try Document(bson: bytes)
        XCTAssertEqual(try ReplSetConfig(document: decoded, replicaSetId: replicaSetId), richConfig)
    }

    func test_roundTripThroughCodable() throws {
        let data = try JSONEncoder().encode(richConfig)
        XCTAssertEqual(try JSONDecoder().decode(ReplSetConfig.self, from: data), richConfig)
    }

    func test_codableFormStoresReplicaSetIdAsHexAndTagsAsOrderedPairs() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(richConfig), as: UTF8.self)
        XCTAssertTrue(text.contains(#""replicaSetId":"5f1a2b3c4d5e6f7081920a1b""#), text)
        XCTAssertTrue(text.contains(#""tags":[["dc","east"],["rack","r1"]]"#), text)
    }

    func test_codableRefusesABadReplicaSetId() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(ReplSetSettings(replicaSetId: replicaSetId)), as: UTF8.self)
        let broken = text.replacingOccurrences(of: "5f1a2b3c4d5e6f7081920a1b", with: "not-hex")
        XCTAssertThrowsError(try JSONDecoder().decode(ReplSetSettings.self, from: Data(broken.utf8))) { error in
            guard case DecodingError.dataCorrupted = error else { return XCTFail("unexpected \(error)") }
        }
    }
}
