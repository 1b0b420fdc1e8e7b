import BSON
import HACore
@testable import ReplicaSet
import XCTest

/// Oplog entries as documents, and applying them to a store: idempotent and replayable.
final class DataOplogTests: XCTestCase {
    private let stamp = OpTime(ts: Timestamp(seconds: 1_700_000_000, increment: 3), t: 2)

    func test_oplogDocumentHasMongodsFieldsInOrderAndRoundTrips() throws {
        let entry = OplogEntry(.update(id: 1, postImage: ["_id": 1, "a": 2], in: "test.c"), opTime: stamp, wall: 1_700_000_000_123)
        XCTAssertEqual(entry.document, [
            "ts": .timestamp(stamp.ts), "t": .int64(2), "v": .int32(2), "op": "u", "ns": "test.c",
            "o2": ["_id": 1], "o": ["_id": 1, "a": 2], "wall": .datetime(1_700_000_000_123),
        ])
        XCTAssertEqual(try OplogEntry(document: entry.document), entry)
        XCTAssertEqual(entry.opTime, stamp)
        let bytes = try entry.document.encode()
        XCTAssertEqual(try OplogEntry(document: Document(bson: bytes)), entry)
    }

    func test_oplogDocumentWithoutTermOrWallReadsAsTermMinusOne() throws {
        let entry = try OplogEntry(document: ["ts": .timestamp(stamp.ts), "op": "n", "ns": "", "o": ["msg": "initiating set"]])
        XCTAssertEqual(entry.t, -1)
        XCTAssertEqual(entry.wall, 0)
        XCTAssertEqual(entry.op, .noop)
    }

    func test_malformedOplogDocumentsAreRejected() {
        XCTAssertThrowsError(try OplogEntry(document: ["ts": 1, "op": "i", "ns": "a.b", "o": [:]]))
        XCTAssertThrowsError(try OplogEntry(document: ["ts": .timestamp(stamp.ts), "op": "x", "ns": "a.b", "o": [:]]))
        XCTAssertThrowsError(try OplogEntry(document: ["ts": .timestamp(stamp.ts), "op": "i", "ns": "a.b"]))
    }

    func test_oplogEntryCodableRoundTrip() throws {
        let entry = OplogEntry(.insert(["_id": .int64(1), "d": .double(1)], into: "test.c"), opTime: stamp, wall: 5)
        let decoded = try JSONDecoder().decode(OplogEntry.self, from: JSONEncoder().encode(entry))
        XCTAssertEqual(decoded, entry)
        XCTAssertEqual(decoded.o["_id"], .int64(1))
    }

    func test_applyingEachKindOfEntryTwiceLeavesTheSameStore() throws {
        let operations: [OplogOperation] = [
            .createCollection(Namespace(database: "test", collection: "c")),
            .insert(["_id": 1, "a": 1], into: "test.c"),
            .insert(["_id": 2], into: "test.c"),
            .update(id: 1, postImage: ["_id": 1, "a": 2], in: "test.c"),
            .delete(id: 2, from: "test.c"),
            .noop(["msg": "new primary"]),
            .insert(["_id": 1], into: "test.gone"),
            .dropCollection(Namespace(database: "test", collection: "gone")),
        ]
        var store = DataStore()
        for entry in DataFixture.stamp(operations) {
            try store.apply(entry)
            let once = store
            try store.apply(entry)
            XCTAssertEqual(store, once, "applying \(entry.op) again changed the store")
        }
        XCTAssertEqual(store.namespaces, ["test.c"])
        XCTAssertEqual(store.documents(in: "test.c"), [["_id": 1, "a": 2]])
    }

    func test_createAndDropCommandsManageCollections() throws {
        var store = DataStore()
        try store.apply(.createCollection(Namespace(database: "b", collection: "x"), options: ["capped": true, "size": 4096]))
        try store.apply(.createCollection(Namespace(database: "a", collection: "y")))
        try store.apply(.insert(["_id": 1], into: "a.z"))
        XCTAssertEqual(store.namespaces, ["a.y", "a.z", "b.x"])
        XCTAssertEqual(store.databaseNames, ["a", "b"])
        XCTAssertEqual(store.collection("b.x")?.options, ["capped": true, "size": 4096])
        try store.apply(.dropCollection(Namespace(database: "a", collection: "y")))
        XCTAssertEqual(store.namespaces, ["a.z", "b.x"])
        try store.apply(.dropDatabase("a"))
        XCTAssertEqual(store.namespaces, ["b.x"])
        XCTAssertThrowsError(try store.apply(OplogOperation(op: .command, ns: "a.$cmd", o: ["renameCollection": "a.b"])))
    }

    func test_modifierStyleUpdateEntriesAreAppliedToTheStoredDocument() throws {
        var store = DataStore()
        try store.apply(.insert(["_id": 1, "a": 1], into: "t.c"))
        try store.apply(OplogOperation(op: .update, ns: "t.c", o: ["$v": 1, "$set": ["b": 2]], o2: ["_id": 1]))
        XCTAssertEqual(store.documents(in: "t.c"), [["_id": 1, "a": 1, "b": 2]])
    }

    /// Random commands against one store give an oplog; replaying it on an empty store, and then
    /// applying it a second time, both give the primary's store.
    func test_replayingARandomHistoryGivesEqualStoresAndReplayingItTwiceChangesNothing() throws {
        var random = SplitMix64(seed: 20_140_601)
        var primary = DataStore()
        var ids = DataFixture.idSource()
        var oplog: [OplogEntry] = []
        for _ in 0..<300 {
            let plan = try DataFixture.plan(randomCommand(&random), on: primary, ids: &ids)
            let entries = DataFixture.stamp(plan.operations, after: oplog.count)
            try primary.apply(contentsOf: entries)
            oplog += entries
        }
        XCTAssertGreaterThan(oplog.count, 100)
        var secondary = DataStore()
        try secondary.apply(contentsOf: oplog)
        XCTAssertEqual(secondary, primary)
        XCTAssertEqual(secondary.digest, primary.digest)
        try secondary.apply(contentsOf: oplog)
        XCTAssertEqual(secondary, primary)
    }

    private func randomCommand(_ random: inout SplitMix64) -> Document {
        let collection = Value.string(["a", "b", "c"][Int(random.next() % 3)])
        let key = Value.int32(Int32(random.next() % 12))
        switch random.next() % 6 {
        case 0, 1:
            return ["insert": collection, "ordered": .bool(random.next() % 2 == 0),
                    "documents": [["_id": key, "n": 0], ["v": .int64(Int64(random.next() % 5))]]]
        case 2:
            return ["update": collection, "updates": [["q": ["_id": key], "u": ["$inc": ["n": 1], "$push": ["log": key]], "upsert": true]]]
        case 3:
            return ["update": collection, "updates": [["q": ["n": ["$gte": 1]], "u": ["$set": ["seen": true]], "multi": true]]]
        case 4:
            return ["delete": collection, "deletes": [["q": ["_id": ["$lt": key]], "limit": .int32(Int32(random.next() % 2))]]]
        default:
            return ["update": collection, "updates": [["q": ["_id": key], "u": ["replaced": key]]]]
        }
    }

    func test_storeSurvivesACodableRoundTripWithTypesAndFieldOrder() throws {
        var store = try DataFixture.store("c", [["_id": 1, "z": .int64(1), "a": .int32(1), "d": .decimal128(Decimal128("1.50")!)]])
        try store.apply(.createCollection(Namespace(database: "admin", collection: "x"), options: ["capped": true]))
        let decoded = try JSONDecoder().decode(DataStore.self, from: JSONEncoder().encode(store))
        XCTAssertEqual(decoded, store)
        XCTAssertEqual(decoded.documents(in: "test.c").first?.keys, ["_id", "z", "a", "d"])
    }

    func test_digestTellsApartStoresThatDifferOnlyInATypeOrOrder() throws {
        let int32 = try DataFixture.store("c", [["_id": 1, "a": .int32(1), "b": 2]])
        let int64 = try DataFixture.store("c", [["_id": 1, "a": .int64(1), "b": 2]])
        let reordered = try DataFixture.store("c", [["_id": 1, "b": 2, "a": .int32(1)]])
        let same = try DataFixture.store("c", [["_id": 1, "a": .int32(1), "b": 2]])
        XCTAssertNotEqual(int32.digest, int64.digest)
        XCTAssertNotEqual(int32.digest, reordered.digest)
        XCTAssertEqual(int32.digest, same.digest)
        XCTAssertNotEqual(int32, int64)
    }

    func test_documentsAreKeptInIdOrderAcrossTypes() throws {
        let store = try DataFixture.store("c", [["_id": "s"], ["_id": .double(2.5)], ["_id": .null], ["_id": 1], ["_id": ["k": 1]]])
        XCTAssertEqual(DataFixture.ids(store.documents(in: "test.c")), [.null, 1, .double(2.5), "s", ["k": 1]])
    }
}
