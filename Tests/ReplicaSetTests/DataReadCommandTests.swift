import BSON
@testable import ReplicaSet
import XCTest

/// `find`, `getMore`, `killCursors` and `count`: sorting, paging and cursor bookkeeping.
final class DataReadCommandTests: XCTestCase {
    private var cursors = CursorTable(firstID: 500)

    /// `_id` 1…count with `group = _id % 3` and a descending `rank`.
    private func numbered(_ count: Int) throws -> DataStore {
        try DataFixture.store("c", (1...count).map { ["_id": .int32(Int32($0)), "group": .int32(Int32($0 % 3)), "rank": .int32(Int32(count - $0))] })
    }

    private func ints(_ values: [Value]) -> [Int64] {
        DataFixture.ids(values).compactMap(\.int64Value)
    }

    func test_findWithoutSortReturnsIdOrderAndTheReplyShape() throws {
        let store = try DataFixture.store("c", [["_id": 3], ["_id": 1], ["_id": 2]])
        let reply = try DataFixture.read(["find": "c"], on: store, cursors: &cursors)
        XCTAssertEqual(reply, [
            "cursor": ["firstBatch": [["_id": 1], ["_id": 2], ["_id": 3]], "id": .int64(0), "ns": "test.c"],
            "ok": .double(1),
        ])
    }

    func test_sortByIdAscendingAndDescending() throws {
        let store = try numbered(5)
        let ascending = try DataFixture.read(["find": "c", "sort": ["_id": 1]], on: store, cursors: &cursors)
        let descending = try DataFixture.read(["find": "c", "sort": ["_id": -1]], on: store, cursors: &cursors)
        XCTAssertEqual(ints(DataFixture.batch(ascending).documents), [1, 2, 3, 4, 5])
        XCTAssertEqual(ints(DataFixture.batch(descending).documents), [5, 4, 3, 2, 1])
    }

    func test_sortByCompoundKeysBreaksTiesWithTheNextKey() throws {
        let store = try numbered(7)
        let reply = try DataFixture.read(["find": "c", "sort": ["group": 1, "rank": -1]], on: store, cursors: &cursors)
        // group 0: 3, 6; group 1: 1, 4, 7; group 2: 2, 5 — rank descending means _id ascending.
        XCTAssertEqual(ints(DataFixture.batch(reply).documents), [3, 6, 1, 4, 7, 2, 5])
    }

    func test_sortUsesSmallestArrayElementAscendingAndMissingSortsAsNull() throws {
        let store = try DataFixture.store("c", [["_id": 1, "v": [5, 0]], ["_id": 2, "v": 3], ["_id": 3], ["_id": 4, "v": "s"]])
        let ascending = try DataFixture.read(["find": "c", "sort": ["v": 1]], on: store, cursors: &cursors)
        XCTAssertEqual(ints(DataFixture.batch(ascending).documents), [3, 1, 2, 4])
        let descending = try DataFixture.read(["find": "c", "sort": ["v": -1]], on: store, cursors: &cursors)
        XCTAssertEqual(ints(DataFixture.batch(descending).documents), [4, 1, 2, 3], "largest element 5 sorts above 3")
    }

    func test_findAppliesFilterSortSkipLimitThenProjection() throws {
        let store = try numbered(10)
        let reply = try DataFixture.read([
            "find": "c", "filter": ["group": ["$ne": 0]], "sort": ["_id": -1], "skip": 1, "limit": .int64(3),
            "projection": ["rank": 1, "_id": 0],
        ], on: store, cursors: &cursors)
        // Matches 10, 8, 7, 5, 4, 2, 1; skip 10; take 8, 7, 5.
        XCTAssertEqual(DataFixture.batch(reply).documents, [["rank": 2], ["rank": 3], ["rank": 5]])
        XCTAssertEqual(DataFixture.batch(reply).id, 0)
    }

    func test_defaultFirstBatchHolds101DocumentsAndGetMoreReturnsTheRest() throws {
        let store = try numbered(150)
        let first = DataFixture.batch(try DataFixture.read(["find": "c"], on: store, cursors: &cursors))
        XCTAssertEqual(first.documents.count, 101)
        XCTAssertEqual(first.id, 500, "cursor ids start at the table's seed")
        let more = try DataFixture.read(["getMore": .int64(500), "collection": "c"], on: store, cursors: &cursors)
        XCTAssertEqual(ints(DataFixture.batch(more).documents), Array(102...150))
        XCTAssertEqual(DataFixture.batch(more).id, 0)
        XCTAssertEqual(more["cursor"]?.documentValue?.keys, ["nextBatch", "id", "ns"])
        XCTAssertTrue(cursors.cursors.isEmpty, "an exhausted cursor is closed")
    }

    func test_batchSizeAndLimitSplitResultsAcrossGetMores() throws {
        let store = try numbered(10)
        let first = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 3, "limit": 8], on: store, cursors: &cursors))
        XCTAssertEqual(ints(first.documents), [1, 2, 3])
        let id = try XCTUnwrap(first.id)
        var seen = ints(first.documents)
        var batches = 1
        var cursorID = id
        while cursorID != 0 {
            let more = DataFixture.batch(try DataFixture.read(["getMore": .int64(id), "collection": "c", "batchSize": 3],
                                                             on: store, cursors: &cursors))
            seen += ints(more.documents)
            cursorID = try XCTUnwrap(more.id)
            batches += 1
        }
        XCTAssertEqual(seen, Array(1...8))
        XCTAssertEqual(batches, 3)
        XCTAssertEqual(DataFixture.readError(["getMore": .int64(id), "collection": "c"], on: store, cursors: &cursors),
                       .cursorNotFound("cursor id \(id) not found"))
    }

    func test_batchSizeZeroReturnsAnEmptyFirstBatchAndAnOpenCursor() throws {
        let store = try numbered(2)
        let first = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 0], on: store, cursors: &cursors))
        XCTAssertEqual(first.documents, [])
        XCTAssertEqual(first.id, 500)
    }

    func test_singleBatchClosesTheCursorAfterTheFirstBatch() throws {
        let store = try numbered(5)
        let first = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 2, "singleBatch": true], on: store, cursors: &cursors))
        XCTAssertEqual(ints(first.documents), [1, 2])
        XCTAssertEqual(first.id, 0)
        XCTAssertTrue(cursors.cursors.isEmpty)
    }

    func test_cursorKeepsItsResultWhateverIsWrittenAfterwards() throws {
        var store = try numbered(4)
        let first = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 1], on: store, cursors: &cursors))
        var ids = DataFixture.idSource()
        try DataFixture.run(["delete": "c", "deletes": [["q": [:], "limit": 0]]], on: &store, ids: &ids)
        let rest = try DataFixture.read(["getMore": .int64(first.id!), "collection": "c"], on: store, cursors: &cursors)
        XCTAssertEqual(ints(DataFixture.batch(rest).documents), [2, 3, 4])
    }

    func test_getMoreOnAnotherCollectionIsUnauthorized() throws {
        let store = try numbered(3)
        let first = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 1], on: store, cursors: &cursors))
        let error = DataFixture.readError(["getMore": .int64(first.id!), "collection": "other"], on: store, cursors: &cursors)
        XCTAssertEqual(error?.code, 13)
        XCTAssertEqual(error?.errmsg, "Requested getMore on namespace 'test.other', but cursor belongs to a different namespace test.c")
    }

    func test_killCursorsReportsKilledAndNotFoundIds() throws {
        let store = try numbered(5)
        let a = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 1], on: store, cursors: &cursors)).id!
        let b = DataFixture.batch(try DataFixture.read(["find": "c", "batchSize": 2], on: store, cursors: &cursors)).id!
        XCTAssertEqual([a, b], [500, 501])
        let reply = try DataFixture.read(["killCursors": "c", "cursors": [.int64(a), .int64(99)]], on: store, cursors: &cursors)
        XCTAssertEqual(reply, [
            "cursorsKilled": [.int64(a)], "cursorsNotFound": [.int64(99)], "cursorsAlive": [], "cursorsUnknown": [], "ok": .double(1),
        ])
        XCTAssertNil(cursors.cursor(a))
        XCTAssertNotNil(cursors.cursor(b))
    }

    func test_countHonoursQuerySkipAndLimit() throws {
        let store = try numbered(10)
        XCTAssertEqual(try DataFixture.read(["count": "c"], on: store, cursors: &cursors), ["n": .int32(10), "ok": .double(1)])
        XCTAssertEqual(try DataFixture.read(["count": "c", "query": ["group": 1]], on: store, cursors: &cursors)["n"], .int32(4))
        XCTAssertEqual(try DataFixture.read(["count": "c", "skip": 8, "limit": 5], on: store, cursors: &cursors)["n"], .int32(2))
        XCTAssertEqual(try DataFixture.read(["count": "missing"], on: store, cursors: &cursors)["n"], .int32(0))
    }

    func test_findOnAMissingCollectionReturnsAnEmptyExhaustedCursor() throws {
        let reply = try DataFixture.read(["find": "nothing"], on: DataStore(), cursors: &cursors)
        XCTAssertEqual(DataFixture.batch(reply).documents, [])
        XCTAssertEqual(DataFixture.batch(reply).id, 0)
    }

    func test_readCommandsRejectWrongTypesAndBadValues() throws {
        let store = try numbered(2)
        XCTAssertEqual(DataFixture.readError(["find": "c", "limit": "x"], on: store, cursors: &cursors),
                       .typeMismatch("BSON field 'find.limit' is the wrong type 'string', expected type 'long'"))
        XCTAssertEqual(DataFixture.readError(["find": "c", "filter": 1], on: store, cursors: &cursors),
                       .typeMismatch("BSON field 'find.filter' is the wrong type 'int', expected type 'object'"))
        XCTAssertEqual(DataFixture.readError(["find": "c", "skip": -1], on: store, cursors: &cursors)?.codeName, "BadValue")
        XCTAssertEqual(DataFixture.readError(["find": "c", "sort": ["a": 2]], on: store, cursors: &cursors)?.codeName, "BadValue")
        XCTAssertEqual(DataFixture.readError(["find": "c", "filter": ["a": ["$bad": 1]]], on: store, cursors: &cursors),
                       .badValue("unknown operator: $bad"))
        XCTAssertEqual(DataFixture.readError(["getMore": 5, "collection": "c"], on: store, cursors: &cursors),
                       .typeMismatch("BSON field 'getMore.getMore' is the wrong type 'int', expected type 'long'"))
        XCTAssertEqual(DataFixture.readError(["find": 5], on: store, cursors: &cursors)?.codeName, "InvalidNamespace")
        XCTAssertEqual(DataFixture.readError(["findAndModify": "c"], on: store, cursors: &cursors)?.codeName, "CommandNotFound")
    }

    func test_cursorTableSurvivesACodableRoundTrip() throws {
        let store = try DataFixture.store("c", [["_id": 1, "x": .int64(1)], ["_id": 2, "x": .double(2)]])
        _ = try DataFixture.read(["find": "c", "batchSize": 1], on: store, cursors: &cursors)
        let decoded = try JSONDecoder().decode(CursorTable.self, from: JSONEncoder().encode(cursors))
        XCTAssertEqual(decoded, cursors)
        XCTAssertEqual(decoded.cursor(500)?.remaining, [["_id": 2, "x": .double(2)]])
    }
}
