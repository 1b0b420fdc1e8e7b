import BSON
@testable import ReplicaSet
import XCTest

/// `planWrite`: the oplog operations and the reply of insert, update and delete.
final class DataWriteCommandTests: XCTestCase {
    private var ids = DataFixture.idSource()

    private func plan(_ command: Document, on store: DataStore) throws -> WritePlan {
        try DataFixture.plan(command, on: store, ids: &ids)
    }

    // MARK: insert

    func test_insertIntoANewCollectionLogsCreateThenTheInserts() throws {
        let plan = try plan(["insert": "c", "documents": [["_id": 1, "a": 1], ["_id": 2]]], on: DataStore())
        XCTAssertEqual(plan.operations, [
            OplogOperation(op: .command, ns: "test.$cmd", o: ["create": "c"]),
            OplogOperation(op: .insert, ns: "test.c", o: ["_id": 1, "a": 1]),
            OplogOperation(op: .insert, ns: "test.c", o: ["_id": 2]),
        ])
        XCTAssertEqual(plan.reply, ["n": .int32(2), "ok": .double(1)])
    }

    func test_insertWithoutIdGetsOneFromTheCallersGeneratorPlacedFirst() throws {
        let store = try DataFixture.store("c", [["_id": 0]])
        var expected = DataFixture.idSource()
        let plan = try plan(["insert": "c", "documents": [["a": 1], ["b": 2, "_id": 7]]], on: store)
        XCTAssertEqual(plan.operations.map(\.o), [
            ["_id": .objectID(expected.next(seconds: 1_700_000_000)), "a": 1],
            ["_id": 7, "b": 2],
        ])
    }

    func test_duplicateIdInOrderedInsertStopsAtFirstError() throws {
        let store = try DataFixture.store("c", [["_id": 1]])
        let plan = try plan(["insert": "c", "documents": [["_id": 0], ["_id": 1], ["_id": 2]]], on: store)
        XCTAssertEqual(plan.operations.map(\.o), [["_id": 0]])
        XCTAssertEqual(plan.reply, [
            "n": .int32(1),
            "writeErrors": [[
                "index": .int32(1), "code": .int32(11000),
                "errmsg": "E11000 duplicate key error collection: test.c index: _id_ dup key: { _id: 1 }",
            ]],
            "ok": .double(1),
        ])
    }

    func test_unorderedInsertContinuesPastDuplicates() throws {
        let store = try DataFixture.store("c", [["_id": "a"]])
        let plan = try plan(["insert": "c", "ordered": false, "documents": [["_id": "a"], ["_id": "b"], ["_id": .objectID(ObjectID(hex: "0000000000000000000000ff")!)], ["_id": "b"]]], on: store)
        XCTAssertEqual(plan.n, 2)
        XCTAssertEqual(plan.writeErrors.map(\.index), [0, 3])
        XCTAssertEqual(plan.writeErrors.last?.error.errmsg,
                       "E11000 duplicate key error collection: test.c index: _id_ dup key: { _id: \"b\" }")
    }

    func test_planWriteSeesItsOwnEarlierOperations() throws {
        // The second document repeats the first's _id (1.0 is the same key as 1).
        let plan = try plan(["insert": "c", "documents": [["_id": 1], ["_id": .double(1)]]], on: DataStore())
        XCTAssertEqual(plan.n, 1)
        XCTAssertEqual(plan.writeErrors.first?.error.code, 11000)
        XCTAssertEqual(plan.writeErrors.first?.error.errmsg, "E11000 duplicate key error collection: test.c index: _id_ dup key: { _id: 1.0 }")
        let updates = try self.plan(["update": "c", "updates": [
            ["q": ["_id": 5], "u": ["$set": ["v": 1]], "upsert": true],
            ["q": ["_id": 5], "u": ["$inc": ["v": 1]]],
        ]], on: DataStore())
        XCTAssertEqual(updates.operations.last?.o, ["_id": 5, "v": 2], "the second statement updates the upserted document")
    }

    func test_planWriteDoesNotMutateTheStore() throws {
        let store = try DataFixture.store("c", [["_id": 1, "a": 1], ["_id": 2, "a": 2]])
        let before = store
        _ = try plan(["insert": "c", "documents": [["_id": 3]]], on: store)
        _ = try plan(["update": "c", "updates": [["q": [:], "u": ["$set": ["a": 0]], "multi": true]]], on: store)
        _ = try plan(["delete": "c", "deletes": [["q": [:], "limit": 0]]], on: store)
        _ = try plan(["insert": "new", "documents": [["_id": 3]]], on: store)
        XCTAssertEqual(store, before)
        XCTAssertEqual(store.digest, before.digest)
        XCTAssertEqual(store.namespaces, ["test.c"])
    }

    func test_insertRejectsArrayIdsAndDollarFieldNamesAsWriteErrors() throws {
        let plan = try plan(["insert": "c", "ordered": false, "documents": [["_id": [1]], ["$x": 1], ["ok": 1]]], on: DataStore())
        XCTAssertEqual(plan.writeErrors.map(\.error.codeName), ["BadValue", "DollarPrefixedFieldName"])
        XCTAssertEqual(plan.n, 1)
    }

    // MARK: update

    func test_updateCountsMatchedAndModifiedSeparately() throws {
        let store = try DataFixture.store("c", [["_id": 1, "a": 1], ["_id": 2, "a": 2], ["_id": 3, "a": 1]])
        let plan = try plan(["update": "c", "updates": [["q": ["a": ["$lte": 2]], "u": ["$set": ["a": 2]], "multi": true]]], on: store)
        XCTAssertEqual(plan.reply, ["n": .int32(3), "nModified": .int32(2), "ok": .double(1)])
        XCTAssertEqual(plan.operations.count, 2, "an unchanged document is not logged")
    }

    func test_setToTheSameValueMatchesWithoutModifying() throws {
        let store = try DataFixture.store("c", [["_id": 1, "a": 1]])
        let plan = try plan(["update": "c", "updates": [["q": ["_id": 1], "u": ["$set": ["a": 1]]]]], on: store)
        XCTAssertEqual(plan.n, 1)
        XCTAssertEqual(plan.nModified, 0)
        XCTAssertEqual(plan.operations, [])
        let retyped = try self.plan(["update": "c", "updates": [["q": ["_id": 1], "u": ["$set": ["a": .int64(1)]]]]], on: store)
        XCTAssertEqual(retyped.nModified, 1, "a different numeric type is a modification")
    }

    func test_updateWithoutMultiChangesOnlyTheFirstMatchInIdOrder() throws {
        let store = try DataFixture.store("c", [["_id": 2, "a": 1], ["_id": 1, "a": 1]])
        let plan = try plan(["update": "c", "updates": [["q": ["a": 1], "u": ["$set": ["b": true]]]]], on: store)
        XCTAssertEqual(plan.operations, [.update(id: 1, postImage: ["_id": 1, "a": 1, "b": true], in: "test.c")])
    }

    func test_updateIsLoggedAsTheFullPostImage() throws {
        let store = try DataFixture.store("c", [["_id": 1, "a": 1, "keep": "x"]])
        let plan = try plan(["update": "c", "updates": [["q": ["_id": 1], "u": ["$inc": ["a": 1]]]]], on: store)
        let operation = try XCTUnwrap(plan.operations.first)
        XCTAssertEqual(operation.op, .update)
        XCTAssertEqual(operation.o2, ["_id": 1])
        XCTAssertEqual(operation.o, ["_id": 1, "a": 2, "keep": "x"])
    }

    func test_upsertBuildsTheDocumentFromTheQuerysEqualityFields() throws {
        let store = try DataFixture.store("c", [["_id": 0]])
        var expected = DataFixture.idSource()
        let plan = try plan(["update": "c", "updates": [
            ["q": ["a": 1, "b.c": ["$eq": 2], "n": ["$gt": 5], "$and": [["d": "x"]]], "u": ["$set": ["e": true]], "upsert": true],
        ]], on: store)
        let id = Value.objectID(expected.next(seconds: 1_700_000_000))
        XCTAssertEqual(plan.operations, [.insert(["_id": id, "a": 1, "b": ["c": 2], "d": "x", "e": true], into: "test.c")])
        XCTAssertEqual(plan.reply, [
            "n": .int32(1), "nModified": .int32(0), "upserted": [["index": .int32(0), "_id": id]], "ok": .double(1),
        ])
    }

    func test_upsertWithReplacementTakesOnlyIdFromTheQuery() throws {
        let plan = try plan(["update": "c", "updates": [
            ["q": ["_id": 4, "a": 1], "u": ["b": 2], "upsert": true],
        ]], on: DataStore())
        XCTAssertEqual(plan.operations.last?.o, ["_id": 4, "b": 2])
        XCTAssertEqual(plan.upserted, [WritePlan.Upserted(index: 0, id: 4)])
    }

    func test_updateErrorsAreWriteErrorsAndOrderedStops() throws {
        let store = try DataFixture.store("c", [["_id": 1, "a": 1]])
        let statements: Value = [
            ["q": ["_id": 1], "u": ["$set": ["_id": 2]]],
            ["q": ["a": ["$bogus": 1]], "u": ["$set": ["a": 3]]],
            ["q": ["_id": 1], "u": ["$set": ["a": 4]]],
        ]
        let ordered = try plan(["update": "c", "updates": statements], on: store)
        XCTAssertEqual(ordered.writeErrors.map(\.error.code), [66])
        XCTAssertEqual(ordered.operations, [])
        let unordered = try plan(["update": "c", "updates": statements, "ordered": false], on: store)
        XCTAssertEqual(unordered.writeErrors.map(\.index), [0, 1])
        XCTAssertEqual(unordered.writeErrors.map(\.error.code), [66, 2])
        XCTAssertEqual(unordered.reply["n"], .int32(1))
        XCTAssertEqual(unordered.reply["nModified"], .int32(1))
    }

    func test_multiReplacementIsRejected() throws {
        let plan = try plan(["update": "c", "updates": [["q": [:], "u": ["a": 1], "multi": true]]], on: DataStore())
        XCTAssertEqual(plan.writeErrors.first?.error.codeName, "FailedToParse")
    }

    // MARK: delete

    func test_deleteLimitOneRemovesTheFirstMatchAndZeroRemovesAll() throws {
        let store = try DataFixture.store("c", [["_id": 1, "a": 1], ["_id": 2, "a": 1], ["_id": 3, "a": 2]])
        let one = try plan(["delete": "c", "deletes": [["q": ["a": 1], "limit": 1]]], on: store)
        XCTAssertEqual(one.operations, [.delete(id: 1, from: "test.c")])
        XCTAssertEqual(one.reply, ["n": .int32(1), "ok": .double(1)])
        let all = try plan(["delete": "c", "deletes": [["q": ["a": 1], "limit": 0], ["q": ["a": 1], "limit": 0]]], on: store)
        XCTAssertEqual(all.operations.map(\.o), [["_id": 1], ["_id": 2]])
        XCTAssertEqual(all.n, 2, "the second statement finds nothing left")
    }

    // MARK: malformed commands

    func test_malformedWriteCommandsFailAsAWhole() {
        XCTAssertEqual(DataFixture.planError(["insert": "c"]), .location(40414, "BSON field 'insert.documents' is missing but a required field"))
        XCTAssertEqual(DataFixture.planError(["insert": "c", "documents": "x"]),
                       .typeMismatch("BSON field 'insert.documents' is the wrong type 'string', expected type 'array'"))
        XCTAssertEqual(DataFixture.planError(["insert": "c", "documents": [1]]),
                       .typeMismatch("BSON field 'insert.documents.0' is the wrong type 'int', expected type 'object'"))
        XCTAssertEqual(DataFixture.planError(["insert": "c", "documents": []])?.codeName, "InvalidLength")
        XCTAssertEqual(DataFixture.planError(["update": "c", "updates": [["q": [:], "u": [["$set": ["a": 1]]]]]]),
                       .typeMismatch("BSON field 'update.updates.u' is the wrong type 'array', expected type 'object'"))
        XCTAssertEqual(DataFixture.planError(["delete": "c", "deletes": [["q": [:], "limit": 2]]]),
                       .failedToParse("The limit field in delete objects must be 0 or 1. Got 2"))
        XCTAssertEqual(DataFixture.planError(["insert": 1, "documents": [[:]]]), .invalidNamespace("collection name has invalid type int"))
        XCTAssertEqual(DataFixture.planError(["documents": [[:]], "insert": "c"])?.codeName, "CommandNotFound",
                       "the command is named by its first key")
    }
}
