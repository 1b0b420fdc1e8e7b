import BSON
@testable import ReplicaSet
import XCTest

/// Query filters: equality (with MongoDB's array and dotted-path rules) and the operators.
final class DataMatcherTests: XCTestCase {
    private func matches(_ filter: Document, _ document: Document, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        do {
            return try Matcher(filter).matches(document)
        } catch {
            XCTFail("filter \(filter) failed to parse: \(error)", file: file, line: line)
            return false
        }
    }

    private func parseError(_ filter: Document) -> CommandError? {
        do {
            _ = try Matcher(filter)
            return nil
        } catch {
            return error
        }
    }

    func test_equalityMatchesTopLevelAndDottedPaths() {
        let document: Document = ["_id": 1, "a": ["b": ["c": "deep"]], "n": 5]
        XCTAssertTrue(matches(["n": 5], document))
        XCTAssertTrue(matches(["a.b.c": "deep"], document))
        XCTAssertFalse(matches(["a.b.c": "other"], document))
        XCTAssertFalse(matches(["a.x.c": "deep"], document))
        XCTAssertTrue(matches(["n": 5, "a.b.c": "deep"], document), "fields are ANDed")
        XCTAssertFalse(matches(["n": 5, "a.b.c": "nope"], document))
    }

    func test_numericEqualityIgnoresNumericType() {
        XCTAssertTrue(matches(["n": .double(5)], ["n": .int64(5)]))
        XCTAssertTrue(matches(["n": .decimal128(Decimal128("5.0")!)], ["n": .int32(5)]))
        XCTAssertFalse(matches(["n": "5"], ["n": 5]))
    }

    func test_equalityOnArrayFieldMatchesAnyElementOrTheWholeArray() {
        let document: Document = ["tags": ["x", "y"]]
        XCTAssertTrue(matches(["tags": "x"], document))
        XCTAssertTrue(matches(["tags": "y"], document))
        XCTAssertFalse(matches(["tags": "z"], document))
        XCTAssertTrue(matches(["tags": ["x", "y"]], document))
        XCTAssertFalse(matches(["tags": ["y", "x"]], document), "whole-array equality is ordered")
        XCTAssertTrue(matches(["m": [1, 2]], ["m": [[1, 2], [3]]]), "an element may itself be the array")
    }

    func test_dottedPathTraversesArraysOfDocuments() {
        let document: Document = ["items": [["sku": "a", "qty": 1], ["sku": "b", "qty": 7]]]
        XCTAssertTrue(matches(["items.sku": "b"], document))
        XCTAssertTrue(matches(["items.qty": ["$gt": 5]], document))
        XCTAssertFalse(matches(["items.sku": "c"], document))
        XCTAssertTrue(matches(["items.1.sku": "b"], document), "a numeric component selects an element")
        XCTAssertFalse(matches(["items.0.sku": "b"], document))
    }

    func test_documentEqualityIsExactAndFieldOrderSensitive() {
        let document: Document = ["a": ["x": 1, "y": 2]]
        XCTAssertTrue(matches(["a": ["x": 1, "y": 2]], document))
        XCTAssertFalse(matches(["a": ["y": 2, "x": 1]], document))
        XCTAssertFalse(matches(["a": ["x": 1]], document))
    }

    func test_nullEqualityMatchesNullAndMissingFields() {
        XCTAssertTrue(matches(["a": .null], ["a": .null]))
        XCTAssertTrue(matches(["a": .null], ["b": 1]))
        XCTAssertFalse(matches(["a": .null], ["a": 0]))
        XCTAssertTrue(matches(["a.b": .null], ["a": [["b": 1], ["c": 2]]]), "one element lacks b")
    }

    func test_inOperatorMatchesAnyListedValue() {
        XCTAssertTrue(matches(["a": ["$in": [1, "two", 3]]], ["a": "two"]))
        XCTAssertTrue(matches(["a": ["$in": [.double(3)]]], ["a": 3]))
        XCTAssertTrue(matches(["a": ["$in": [9, 2]]], ["a": [1, 2]]), "any element of an array field")
        XCTAssertFalse(matches(["a": ["$in": [4, 5]]], ["a": 3]))
        XCTAssertTrue(matches(["a": ["$in": [.null]]], ["b": 1]), "null in the list matches a missing field")
        XCTAssertFalse(matches(["a": ["$in": []]], ["a": 1]))
    }

    func test_ninOperatorExcludesListedValuesAndMatchesMissingFields() {
        XCTAssertFalse(matches(["a": ["$nin": [1, 2]]], ["a": 2]))
        XCTAssertTrue(matches(["a": ["$nin": [1, 2]]], ["a": 3]))
        XCTAssertTrue(matches(["a": ["$nin": [1, 2]]], ["b": 3]))
        XCTAssertFalse(matches(["a": ["$nin": [1]]], ["a": [3, 1]]))
    }

    func test_neMatchesOtherValuesAndMissingFieldsButNoArrayContainingTheValue() {
        XCTAssertTrue(matches(["a": ["$ne": 1]], ["a": 2]))
        XCTAssertTrue(matches(["a": ["$ne": 1]], ["b": 1]))
        XCTAssertFalse(matches(["a": ["$ne": 1]], ["a": .double(1)]))
        XCTAssertFalse(matches(["a": ["$ne": 1]], ["a": [0, 1]]))
        XCTAssertFalse(matches(["a": ["$ne": .null]], ["b": 1]))
    }

    func test_existsDistinguishesMissingFromNull() {
        XCTAssertTrue(matches(["a": ["$exists": true]], ["a": .null]))
        XCTAssertFalse(matches(["a": ["$exists": true]], ["b": 1]))
        XCTAssertTrue(matches(["a": ["$exists": false]], ["b": 1]))
        XCTAssertTrue(matches(["a.b": ["$exists": 1]], ["a": [["c": 1], ["b": 2]]]))
        XCTAssertFalse(matches(["a.b": ["$exists": 0]], ["a": [["c": 1], ["b": 2]]]))
    }

    func test_comparisonOperatorsCompareWithinTheOperandsTypeBracket() {
        let document: Document = ["n": 5, "s": "m"]
        XCTAssertTrue(matches(["n": ["$gt": 4]], document))
        XCTAssertFalse(matches(["n": ["$gt": 5]], document))
        XCTAssertTrue(matches(["n": ["$gte": .double(5)]], document))
        XCTAssertTrue(matches(["n": ["$lt": .int64(6)]], document))
        XCTAssertTrue(matches(["n": ["$lte": 5]], document))
        XCTAssertTrue(matches(["n": ["$gt": 1, "$lt": 9]], document), "operators on one field are ANDed")
        XCTAssertFalse(matches(["n": ["$gt": 1, "$lt": 5]], document))
        // 5 sorts below every string, but $lt only looks at strings when given a string.
        XCTAssertFalse(matches(["n": ["$lt": "a"]], document))
        XCTAssertTrue(matches(["s": ["$gt": "a"]], document))
        XCTAssertFalse(matches(["s": ["$gt": 100]], document))
        XCTAssertTrue(matches(["n": ["$gt": .minKey]], document), "MinKey bounds every bracket")
        XCTAssertFalse(matches(["missing": ["$gt": 0]], document))
        XCTAssertTrue(matches(["a": ["$gt": 2]], ["a": [1, 3]]), "any element of an array")
    }

    func test_andOrNorCombineClauses() {
        let document: Document = ["a": 1, "b": 2]
        XCTAssertTrue(matches(["$or": [["a": 9], ["b": 2]]], document))
        XCTAssertFalse(matches(["$or": [["a": 9], ["b": 9]]], document))
        XCTAssertTrue(matches(["$and": [["a": 1], ["b": ["$gte": 2]]]], document))
        XCTAssertFalse(matches(["$and": [["a": 1], ["b": 3]]], document))
        XCTAssertTrue(matches(["$nor": [["a": 9], ["b": 9]]], document))
        XCTAssertFalse(matches(["$nor": [["a": 1]]], document))
        XCTAssertTrue(matches(["a": 1, "$or": [["b": 2], ["c": 3]]], document))
    }

    func test_sizeAllAndNotOperators() {
        let document: Document = ["tags": ["a", "b", "c"], "n": 4]
        XCTAssertTrue(matches(["tags": ["$size": 3]], document))
        XCTAssertFalse(matches(["tags": ["$size": 2]], document))
        XCTAssertTrue(matches(["tags": ["$all": ["c", "a"]]], document))
        XCTAssertFalse(matches(["tags": ["$all": ["c", "z"]]], document))
        XCTAssertTrue(matches(["n": ["$not": ["$gt": 5]]], document))
        XCTAssertFalse(matches(["n": ["$not": ["$gt": 3]]], document))
    }

    func test_unknownOperatorIsBadValueWithMongodsText() {
        XCTAssertEqual(parseError(["a": ["$foo": 1]]), .badValue("unknown operator: $foo"))
        XCTAssertEqual(parseError(["$foo": [["a": 1]]]), .badValue("unknown top level operator: $foo"))
        XCTAssertEqual(parseError(["a": ["$in": 1]]), .badValue("$in needs an array"))
        XCTAssertEqual(parseError(["$or": []]), .badValue("$or must be a nonempty array"))
        XCTAssertEqual(parseError(["a": ["$foo": 1]])?.code, 2)
    }

    func test_idFilterIsAnsweredByLookupWithTheSameResultAsAScan() throws {
        var store = DataStore()
        var ids = DataFixture.idSource()
        try DataFixture.run(["insert": "c", "documents": [["_id": 1, "x": 1], ["_id": 2, "x": 2], ["_id": 3, "x": 3]]],
                            on: &store, ids: &ids)
        let collection = try XCTUnwrap(store.collection("test.c"))
        let lookup = try Matcher(["_id": ["$in": [3, .double(1), 7]], "x": ["$lt": 3]])
        XCTAssertNotNil(lookup.idCandidates)
        XCTAssertEqual(DataFixture.ids(collection.matching(lookup)), [1])
        XCTAssertEqual(DataFixture.ids(collection.matching(try Matcher(["_id": .int64(2)]))), [2])
    }
}
