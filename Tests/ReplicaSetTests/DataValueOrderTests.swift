import BSON
@testable import ReplicaSet
import XCTest

/// MongoDB's comparison order: type brackets first, then values within a bracket.
final class DataValueOrderTests: XCTestCase {
    private func assertAscending(_ values: [Value], file: StaticString = #filePath, line: UInt = #line) {
        for (left, right) in zip(values, values.dropFirst()) {
            XCTAssertLessThan(ValueOrder.compare(left, right), 0, "\(left) should sort before \(right)", file: file, line: line)
            XCTAssertGreaterThan(ValueOrder.compare(right, left), 0, "\(right) should sort after \(left)", file: file, line: line)
        }
    }

    func test_typeBracketsSortMinKeyNullNumbersStringsObjectsArraysBinDataObjectIdBoolDateTimestampRegexMaxKey() {
        let id = ObjectID(hex: "000000000000000000000001")!
        // Each value is the "largest" of its kind against the next bracket's "smallest".
        assertAscending([
            .minKey,
            .null,
            .double(-.infinity), .int64(Int64.max),
            .string(""), .string("zzz"),
            .document([:]), .document(["z": .maxKey]),
            .array([]), .array([.maxKey]),
            .binary(Binary(data: [])), .binary(Binary(data: [0xFF, 0xFF])),
            .objectID(id),
            .bool(false), .bool(true),
            .datetime(Int64.min), .datetime(Int64.max),
            .timestamp(Timestamp(seconds: 0, increment: 0)), .timestamp(Timestamp(seconds: .max, increment: .max)),
            .regex(RegularExpression(pattern: "a")),
            .maxKey,
        ])
    }

    func test_nullAndUndefinedShareABracketAndAreEqual() {
        XCTAssertEqual(ValueOrder.compare(.null, .undefined), 0)
        XCTAssertLessThan(ValueOrder.compare(.undefined, .int32(Int32.min)), 0)
    }

    func test_numbersCompareByValueWhateverTheirType() {
        let one: [Value] = [.int32(1), .int64(1), .double(1.0), .decimal128(Decimal128("1.000")!)]
        for a in one {
            for b in one { XCTAssertTrue(ValueOrder.equal(a, b), "\(a) == \(b)") }
        }
        assertAscending([.int32(-3), .decimal128(Decimal128("-2.5")!), .double(-0.5), .int64(0), .double(1.5), .int32(2)])
        XCTAssertEqual(ValueOrder.compare(.double(-0.0), .int32(0)), 0)
    }

    func test_int64AndDoubleCompareExactlyBeyondTwoToThe53() {
        let big = Int64(1) << 53
        XCTAssertGreaterThan(ValueOrder.compare(.int64(big + 1), .double(Double(big))), 0)
        XCTAssertLessThan(ValueOrder.compare(.int64(Int64.max), .double(9_223_372_036_854_775_808.0)), 0)
        XCTAssertLessThan(ValueOrder.compare(.int64(2), .double(2.5)), 0)
        XCTAssertGreaterThan(ValueOrder.compare(.int64(-2), .double(-2.5)), 0)
    }

    func test_decimalComparesExactlyWithDoubles() {
        // The double nearest 0.1 is slightly above one tenth; the decimal is exactly one tenth.
        XCTAssertLessThan(ValueOrder.compare(.decimal128(Decimal128("0.1")!), .double(0.1)), 0)
        XCTAssertEqual(ValueOrder.compare(.decimal128(Decimal128("0.5")!), .double(0.5)), 0)
        XCTAssertEqual(ValueOrder.compare(.decimal128(Decimal128("Infinity")!), .double(.infinity)), 0)
        XCTAssertGreaterThan(ValueOrder.compare(.decimal128(Decimal128("1E+400")!), .double(.greatestFiniteMagnitude)), 0)
    }

    func test_nanSortsBelowEveryOtherNumberAndEqualsItself() {
        assertAscending([.double(.nan), .double(-.infinity), .int64(Int64.min)])
        XCTAssertEqual(ValueOrder.compare(.double(.nan), .double(.nan)), 0)
        XCTAssertEqual(ValueOrder.compare(.decimal128(Decimal128("NaN")!), .double(.nan)), 0)
        XCTAssertGreaterThan(ValueOrder.compare(.double(.nan), .null), 0)
    }

    func test_stringsCompareByUTF8BytesNotUnicodeCollation() {
        assertAscending([.string("Z"), .string("a"), .symbol("ab"), .string("b")])
        // Swift's String == calls these canonically equal; BSON order compares their bytes.
        let composed = Value.string("\u{E9}"), decomposed = Value.string("e\u{301}")
        XCTAssertLessThan(ValueOrder.compare(decomposed, composed), 0)
        XCTAssertEqual(ValueOrder.compare(.symbol("x"), .string("x")), 0)
    }

    func test_documentsCompareFieldByFieldTypeThenNameThenValue() {
        assertAscending([.document(["a": 1]), .document(["a": 2]), .document(["a": 2, "b": 0])])
        // The value's bracket decides before the field name does.
        XCTAssertLessThan(ValueOrder.compare(.document(["z": 1]), .document(["a": "x"])), 0)
        XCTAssertLessThan(ValueOrder.compare(.document(["a": 1]), .document(["b": 1])), 0)
        XCTAssertEqual(ValueOrder.compare(.document(["a": 1]), .document(["a": .double(1)])), 0)
        XCTAssertNotEqual(ValueOrder.compare(.document(["a": 1, "b": 2]), .document(["b": 2, "a": 1])), 0)
    }

    func test_arraysCompareElementWiseShorterFirst() {
        assertAscending([.array([1]), .array([1, 2]), .array([2]), .array(["a"])])
    }

    func test_binDataComparesLengthThenSubtypeThenBytes() {
        assertAscending([
            .binary(Binary(subtype: 5, data: [9])),
            .binary(Binary(subtype: 0, data: [1, 1])),
            .binary(Binary(subtype: 0, data: [1, 2])),
            .binary(Binary(subtype: 4, data: [0, 0])),
        ])
    }

    func test_objectIdsBoolsDatesAndTimestampsCompareByValue() {
        assertAscending([.objectID(ObjectID(hex: "00000000000000000000000a")!), .objectID(ObjectID(hex: "0000000000000000000000ff")!)])
        assertAscending([.datetime(-5), .datetime(3)])
        assertAscending([.timestamp(Timestamp(seconds: 1, increment: 9)), .timestamp(Timestamp(seconds: 2, increment: 0))])
    }
}
