import BSON
import XCTest
@testable import LegacyJuju

final class EnsureAvailabilityWritesTests: XCTestCase {
    private typealias F = EnsureAvailabilityFixtures
    private static let uuid = EnsureAvailabilityFixtures.uuid

    private static func machine120(_ id: String, placement: String? = nil) -> Document {
        var doc: Document = [
            "_id": .string(id), "nonce": "", "series": "trusty", "containertype": "", "principals": [],
            "life": .int32(0), "jobs": [.int32(1), .int32(2)], "novote": false, "hasvote": false,
            "passwordhash": "", "clean": true, "addresses": [], "machineaddresses": [],
            "supportedcontainersknown": false,
        ]
        if let placement { doc.append("placement", .string(placement)) }
        doc.append("instanceid", "")
        return doc
    }

    private static func constraints120(_ key: String) -> Document {
        ["_id": .string(key), "arch": .null, "cpucores": .null, "cpupower": .null, "mem": .null, "rootdisk": .null, "container": .null]
    }

    private static let sequenceBump120 = StateWrite(
        collection: "sequence", id: "machine", operation: .update(["$inc": ["counter": .int32(1)]], upsert: true),
        isTransactional: false)

    func test_addingMachinesBumpsTheSequenceThenInsertsThenUpdatesStateServers() throws {
        let result = try F.run(F.bootstrapped)
        let expected: [StateWrite] = [
            Self.sequenceBump120, Self.sequenceBump120,
            StateWrite(collection: "machines", id: "1", assertion: .documentMissing, operation: .insert(Self.machine120("1"))),
            StateWrite(collection: "constraints", id: "m#1", assertion: .documentMissing, operation: .insert(Self.constraints120("m#1"))),
            StateWrite(collection: "machines", id: "2", assertion: .documentMissing, operation: .insert(Self.machine120("2"))),
            StateWrite(collection: "constraints", id: "m#2", assertion: .documentMissing, operation: .insert(Self.constraints120("m#2"))),
            StateWrite(
                collection: "stateServers", id: "e",
                assertion: .matches(["$and": [["machineids": ["$size": .int32(1)]], ["votingmachineids": ["$size": .int32(1)]]]]),
                operation: .update(["$addToSet": ["machineids": ["$each": ["1", "2"]], "votingmachineids": ["$each": ["1", "2"]]]], upsert: false)),
        ]
        XCTAssertEqual(result.writes, expected)
    }

    func test_newMachineDocumentHas125LayoutWithPrefixedIds() throws {
        let result = try F.run(F.bootstrapped, version: .juju1_25)
        let uuid = Self.uuid
        let machine: Document = [
            "_id": .string("\(uuid):1"), "machineid": "1", "env-uuid": .string(uuid), "nonce": "", "series": "trusty",
            "containertype": "", "principals": [], "life": .int32(0), "jobs": [.int32(1), .int32(2)], "novote": false,
            "hasvote": false, "passwordhash": "", "clean": true, "addresses": [], "machineaddresses": [],
            "supportedcontainersknown": false,
        ]
        let constraints: Document = [
            "_id": .string("\(uuid):m#1"), "env-uuid": .string(uuid), "arch": .null, "cpucores": .null, "cpupower": .null,
            "mem": .null, "rootdisk": .null, "instancetype": .null, "container": .null,
        ]
        let bump = StateWrite(
            collection: "sequence", id: "\(uuid):machine",
            operation: .update(["$set": ["name": "machine", "env-uuid": .string(uuid)], "$inc": ["counter": .int32(1)]], upsert: true),
            isTransactional: false)
        XCTAssertEqual(result.writes[0], bump)
        XCTAssertEqual(result.writes[2], StateWrite(collection: "constraints", id: "\(uuid):m#1", assertion: .documentMissing, operation: .insert(constraints)))
        XCTAssertEqual(result.writes[3], StateWrite(collection: "machines", id: "\(uuid):1", assertion: .documentMissing, operation: .insert(machine)))
        XCTAssertEqual(result.writes.last?.id, "e", "stateServers stays global")
    }

    func test_placementIsStoredOnTheNewMachine() throws {
        let result = try F.run(F.bootstrapped, placement: ["zone=a"], version: JujuVersion(parsing: "1.22.7"))
        XCTAssertEqual(result.writes[2].operation, .insert(Self.machine120("1", placement: "zone=a")))
    }

    func test_demotionSetsNoVoteAndPullsTheVoter() throws {
        let result = try F.run(F.threeVoters(down: ["1"]))
        XCTAssertEqual(Array(result.writes[1...2]), [
            StateWrite(collection: "machines", id: "1", assertion: .matches(["novote": false]),
                       operation: .update(["$set": ["novote": true]], upsert: false)),
            StateWrite(collection: "stateServers", id: "e", operation: .update(["$pull": ["votingmachineids": "1"]], upsert: false)),
        ])
    }

    func test_promotionClearsNoVoteAndAddsTheVoter() throws {
        let machines = [F.stateServer("0"), F.stateServer("1", noVote: true, hasVote: false), F.stateServer("2"), F.stateServer("3", alive: false)]
        let writes = try F.run(F.snapshot(machines)).writes
        XCTAssertEqual(Array(writes[0...1]), [
            StateWrite(collection: "machines", id: "1", assertion: .matches(["novote": true]),
                       operation: .update(["$set": ["novote": false]], upsert: false)),
            StateWrite(collection: "stateServers", id: "e", operation: .update(["$addToSet": ["votingmachineids": "1"]], upsert: false)),
        ])
    }

    func test_removalDropsTheJobAndTheStateServerEntry() throws {
        let machines = [F.stateServer("0"), F.stateServer("1", alive: false, noVote: true, hasVote: false), F.stateServer("2"), F.stateServer("3")]
        let writes = try F.run(F.snapshot(machines), version: .juju1_25).writes
        XCTAssertEqual(writes, [
            StateWrite(collection: "machines", id: "\(Self.uuid):1", assertion: .matches(["novote": true, "hasvote": false]),
                       operation: .update(["$pull": ["jobs": .int32(2)], "$set": ["novote": false]], upsert: false)),
            StateWrite(collection: "stateServers", id: "e", operation: .update(["$pull": ["machineids": "1"]], upsert: false)),
        ])
    }

    func test_conversionAddsTheJobAndBothEntries() throws {
        let snapshot = F.snapshot([F.stateServer("0"), F.unitHost("1"), F.unitHost("2")])
        let writes = try F.run(snapshot, placement: ["#:1", "#:2"], version: .juju1_25).writes
        XCTAssertEqual(writes.count, 4, "conversions add no machines, so no sequence bump and no size-asserting op")
        XCTAssertEqual(Array(writes[0...1]), [
            StateWrite(collection: "machines", id: "\(Self.uuid):1", assertion: .matches(["jobs": ["$nin": [.int32(2)]]]),
                       operation: .update(["$addToSet": ["jobs": .int32(2)], "$set": ["novote": false]], upsert: false)),
            StateWrite(collection: "stateServers", id: "e",
                       operation: .update(["$addToSet": ["votingmachineids": "1", "machineids": "1"]], upsert: false)),
        ])
    }

    func test_stateServersUpdateAssertsTheSizesReadBeforeTheTransaction() throws {
        let write = try XCTUnwrap(try F.run(F.threeVoters(down: ["2"])).writes.last)
        XCTAssertEqual(write.assertion, .matches(["$and": [["machineids": ["$size": .int32(3)]], ["votingmachineids": ["$size": .int32(3)]]]]))
    }

    func test_newMachineConstraintsFallBackOnTheEnvironmentsAndDropContainer() throws {
        var snapshot = F.bootstrapped
        snapshot.environConstraints = try ConstraintsValue(parsing: "cpu-cores=2 mem=1G", version: .juju1_20)
        let requested = try ConstraintsValue(parsing: "mem=4G container=lxc tags=a,b", version: .juju1_20)
        let result = try F.run(snapshot, constraints: requested)
        let expected: Document = [
            "_id": "m#1", "arch": .null, "cpucores": .int64(2), "cpupower": .null, "mem": .int64(4096), "rootdisk": .null,
            "container": .null, "tags": ["a", "b"],
        ]
        XCTAssertEqual(result.writes[3].operation, .insert(expected))
    }

    func test_assertionQueriesAndCommandsAreMongoDocuments() throws {
        let demote = StateWrite(collection: "machines", id: "1", assertion: .matches(["novote": false]),
                                operation: .update(["$set": ["novote": true]], upsert: false))
        XCTAssertEqual(demote.assertionQuery, ["_id": "1", "novote": false])
        XCTAssertEqual(demote.command, [
            "update": "machines",
            "updates": [["q": ["_id": "1"], "u": ["$set": ["novote": true]], "upsert": false]],
            "ordered": true,
        ])
        let insert = StateWrite(collection: "machines", id: "3", assertion: .documentMissing, operation: .insert(["_id": "3"]))
        XCTAssertEqual(insert.assertionQuery, ["_id": "3"])
        XCTAssertEqual(insert.command, ["insert": "machines", "documents": [["_id": "3"]], "ordered": true])
        XCTAssertNil(StateWrite(collection: "stateServers", id: "e", operation: .update([:], upsert: false)).assertionQuery)
    }

    func test_everyWriteEncodesAsBSON() throws {
        let result = try F.run(F.threeVoters(down: ["1"]), n: 5, version: .juju1_25)
        for write in result.writes {
            let command = write.command
            XCTAssertEqual(try Document(bson: command.encode()), command)
            if let query = write.assertionQuery { XCTAssertEqual(try Document(bson: query.encode()), query) }
        }
    }
}
