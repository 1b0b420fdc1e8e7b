import BSON
@testable import ReplicaSet
import XCTest

/// Update documents applied to one stored document.
final class DataUpdateOperatorTests: XCTestCase {
    private func apply(_ update: Document, to document: Document, isInsert: Bool = false) throws -> Document {
        try UpdateSpec(update).apply(to: document, isInsert: isInsert)
    }

    private func error(_ update: Document, on document: Document) -> CommandError? {
        do {
            _ = try apply(update, to: document)
            return nil
        } catch {
            return error as? CommandError
        }
    }

    func test_setReplacesInPlaceAndCreatesIntermediateDocumentsOnDottedPaths() throws {
        let result = try apply(["$set": ["a": 2, "x.y.z": "new"]], to: ["_id": 1, "a": 1, "b": 0])
        XCTAssertEqual(result, ["_id": 1, "a": 2, "b": 0, "x": ["y": ["z": "new"]]])
    }

    func test_setIndexesArraysAndPadsThemWithNulls() throws {
        let result = try apply(["$set": ["list.1": "b", "list.3.k": 1]], to: ["_id": 1, "list": ["a"]])
        XCTAssertEqual(result, ["_id": 1, "list": ["a", "b", .null, ["k": 1]]])
    }

    func test_setThroughAScalarIsPathNotViable() {
        XCTAssertEqual(error(["$set": ["a.b": 1]], on: ["_id": 1, "a": 5]), .pathNotViable("Cannot create field 'b' in element {a: 5}"))
    }

    func test_newFieldsAreAddedInFieldNameOrder() throws {
        let result = try apply(["$set": ["z": 1, "m": 1], "$inc": ["a": 1]], to: ["_id": 1])
        XCTAssertEqual(result.keys, ["_id", "a", "m", "z"])
    }

    func test_unsetRemovesFieldsAndNullsArrayElements() throws {
        let result = try apply(["$unset": ["a": "", "b.c": 1, "list.0": 1, "missing.path": 1]],
                               to: ["_id": 1, "a": 1, "b": ["c": 1, "d": 2], "list": [1, 2]])
        XCTAssertEqual(result, ["_id": 1, "b": ["d": 2], "list": [.null, 2]])
    }

    func test_incInt32OverflowPromotesToInt64() throws {
        let result = try apply(["$inc": ["n": 1, "m": 1]], to: ["_id": 1, "n": .int32(Int32.max), "m": .int32(1)])
        XCTAssertEqual(result["n"], .int64(Int64(Int32.max) + 1))
        XCTAssertEqual(result["m"], .int32(2))
    }

    func test_incPromotesToTheWidestOperandType() throws {
        let result = try apply(["$inc": ["i": .int64(1), "d": 1, "x": .double(0.5), "new": .int64(4)]],
                               to: ["_id": 1, "i": .int32(1), "d": .double(1.5), "x": .int32(1)])
        XCTAssertEqual(result["i"], .int64(2))
        XCTAssertEqual(result["d"], .double(2.5))
        XCTAssertEqual(result["x"], .double(1.5))
        XCTAssertEqual(result["new"], .int64(4), "a missing field takes the increment")
    }

    func test_incOfDecimalsIsExactDecimalArithmetic() throws {
        let result = try apply(["$inc": ["d": .decimal128(Decimal128("0.2")!)]], to: ["_id": 1, "d": .decimal128(Decimal128("0.1")!)])
        XCTAssertEqual(result["d"], .decimal128(Decimal128("0.3")!))
        let mixed = try apply(["$inc": ["d": 1]], to: ["_id": 1, "d": .decimal128(Decimal128("2.5")!)])
        XCTAssertEqual(mixed["d"], .decimal128(Decimal128("3.5")!))
        let quantum = try apply(["$inc": ["d": .decimal128(Decimal128("2.0")!)]], to: ["_id": 1, "d": .decimal128(Decimal128("1.0")!)])
        XCTAssertEqual(quantum["d"], .decimal128(Decimal128("3.0")!), "decimal sums keep their trailing zeros")
        let nines = Decimal128(String(repeating: "9", count: 34))!
        let rounded = try apply(["$inc": ["d": 1]], to: ["_id": 1, "d": .decimal128(nines)])
        XCTAssertEqual(rounded["d"], .decimal128(Decimal128("1.000000000000000000000000000000000E+34")!), "rounded to 34 digits")
    }

    func test_incInt64OverflowAndNonNumericValuesFail() {
        XCTAssertEqual(error(["$inc": ["n": 1]], on: ["_id": 1, "n": .int64(Int64.max)]),
                       .badValue("Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) for document {_id: 1}"))
        XCTAssertEqual(error(["$inc": ["s": 1]], on: ["_id": 1, "s": "x"]),
                       .typeMismatch("Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 's' of non-numeric type string"))
        XCTAssertEqual(error(["$inc": ["n": "x"]], on: ["_id": 1]),
                       .typeMismatch("Cannot increment with non-numeric argument: {n: \"x\"}"))
    }

    func test_addToSetAddsOnlyValuesNotAlreadyPresent() throws {
        let result = try apply(["$addToSet": ["tags": ["$each": ["b", "c", "c", .double(1)]], "new": "x"]],
                               to: ["_id": 1, "tags": ["a", "b", 1]])
        XCTAssertEqual(result["tags"], ["a", "b", 1, "c"], "1.0 equals the stored 1")
        XCTAssertEqual(result["new"], ["x"])
        XCTAssertEqual(error(["$addToSet": ["s": 1]], on: ["_id": 1, "s": "x"])?.code, 2)
    }

    func test_pushAppendsAndHonoursEachPositionSortAndSlice() throws {
        XCTAssertEqual(try apply(["$push": ["l": 3]], to: ["_id": 1, "l": [1]])["l"], [1, 3])
        XCTAssertEqual(try apply(["$push": ["l": [1, 2]]], to: ["_id": 1])["l"], [[1, 2]], "a plain array is pushed as one element")
        XCTAssertEqual(try apply(["$push": ["l": ["$each": [8, 9], "$position": 0]]], to: ["_id": 1, "l": [1]])["l"], [8, 9, 1])
        XCTAssertEqual(try apply(["$push": ["l": ["$each": [5, 0], "$sort": -1, "$slice": 3]]], to: ["_id": 1, "l": [3, 7]])["l"],
                       [7, 5, 3])
        XCTAssertEqual(try apply(["$push": ["l": ["$each": [["k": 2]], "$sort": ["k": 1], "$slice": -2]]],
                                 to: ["_id": 1, "l": [["k": 3], ["k": 1]]])["l"],
                       [["k": 2], ["k": 3]])
        XCTAssertEqual(error(["$push": ["s": 1]], on: ["_id": 1, "s": "x"]),
                       .badValue("The field 's' must be an array but is of type string in document {_id: 1}"))
    }

    func test_pullRemovesEqualValuesOrElementsMatchingACondition() throws {
        XCTAssertEqual(try apply(["$pull": ["l": 2]], to: ["_id": 1, "l": [1, 2, .double(2), 3]])["l"], [1, 3])
        XCTAssertEqual(try apply(["$pull": ["l": ["$gte": 5]]], to: ["_id": 1, "l": [1, 5, 9, "x"]])["l"], [1, "x"])
        XCTAssertEqual(try apply(["$pull": ["l": ["name": "b"]]], to: ["_id": 1, "l": [["name": "a"], ["name": "b", "n": 1], "b"]])["l"],
                       [["name": "a"], "b"], "a query removes matching documents, not other values")
        XCTAssertEqual(try apply(["$pull": ["missing": 1]], to: ["_id": 1]), ["_id": 1])
        XCTAssertEqual(error(["$pull": ["s": 1]], on: ["_id": 1, "s": "x"]), .badValue("Cannot apply $pull to a non-array value"))
    }

    func test_minMaxMulPopAndRename() throws {
        let result = try apply([
            "$min": ["lo": 3], "$max": ["hi": 3], "$mul": ["m": .double(1.5), "zero": 4],
            "$pop": ["first": -1, "last": 1], "$rename": ["old": "renamed"],
        ], to: ["_id": 1, "lo": 5, "hi": 5, "m": 2, "first": [1, 2], "last": [1, 2], "old": "v"])
        XCTAssertEqual(result, [
            "_id": 1, "lo": 3, "hi": 5, "m": .double(3), "first": [2], "last": [1], "renamed": "v", "zero": 0,
        ])
    }

    func test_setOnInsertAppliesOnlyWhenInserting() throws {
        let update: Document = ["$set": ["a": 1], "$setOnInsert": ["created": true]]
        XCTAssertEqual(try apply(update, to: ["_id": 1]), ["_id": 1, "a": 1])
        XCTAssertEqual(try apply(update, to: ["_id": 1], isInsert: true), ["_id": 1, "a": 1, "created": true])
    }

    func test_replacementKeepsTheStoredIdFirst() throws {
        XCTAssertEqual(try apply(["b": 2, "a": 1], to: ["_id": 9, "old": true]), ["_id": 9, "b": 2, "a": 1])
        XCTAssertEqual(try apply(["a": 1, "_id": 9], to: ["_id": 9]), ["a": 1, "_id": 9], "a replacement may repeat the same _id")
        XCTAssertEqual(try apply([:], to: ["_id": 9, "x": 1]), ["_id": 9])
    }

    func test_modifyingIdIsImmutableField() {
        let immutable = CommandError.immutableField("Performing an update on the path '_id' would modify the immutable field '_id'")
        XCTAssertEqual(error(["$set": ["_id": 2]], on: ["_id": 1]), immutable)
        XCTAssertEqual(error(["$unset": ["_id": 1]], on: ["_id": 1]), immutable)
        XCTAssertNil(error(["$set": ["_id": 1, "a": 1]], on: ["_id": 1]), "setting the same _id is allowed")
        XCTAssertEqual(error(["_id": 2, "a": 1], on: ["_id": 1])?.code, 66)
    }

    func test_unknownModifierAndMalformedOperandsAreFailedToParse() {
        XCTAssertEqual(error(["$foo": ["a": 1]], on: ["_id": 1]),
                       .failedToParse("Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array"))
        XCTAssertEqual(error(["$set": 1], on: ["_id": 1])?.code, 9)
        XCTAssertEqual(error(["$set": [:]], on: ["_id": 1])?.code, 9)
        XCTAssertEqual(error(["$set": ["a..b": 1]], on: ["_id": 1])?.codeName, "EmptyFieldName")
        XCTAssertEqual(error(["a": ["$bad": 1]], on: ["_id": 1])?.codeName, "DollarPrefixedFieldName")
    }

    func test_updatingAFieldAndItsParentIsAConflict() {
        XCTAssertEqual(error(["$set": ["a.b": 1], "$inc": ["a": 1]], on: ["_id": 1]),
                       .conflictingUpdateOperators("Updating the path 'a.b' would create a conflict at 'a'"))
        XCTAssertNil(error(["$set": ["a.b": 1, "a.c": 1]], on: ["_id": 1]))
    }
}
