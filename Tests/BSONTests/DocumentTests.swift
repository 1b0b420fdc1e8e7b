import XCTest
@testable import BSON

final class DocumentTests: XCTestCase {
    func test_dictionaryLiteralKeepsSourceOrderAndDuplicates() {
        let document: Document = ["b": 1, "a": "two", "b": true]
        XCTAssertEqual(document.keys, ["b", "a", "b"])
        XCTAssertEqual(document.values, [.int32(1), .string("two"), .bool(true)])
        XCTAssertEqual(document.count, 3)
    }

    func test_subscriptReturnsTheFirstOfDuplicateKeys() {
        let document: Document = ["k": 1, "k": 2]
        XCTAssertEqual(document["k"], .int32(1))
        XCTAssertEqual(document.values(forKey: "k"), [.int32(1), .int32(2)])
        XCTAssertNil(document["missing"])
    }

    func test_subscriptSetterReplacesFirstMatchAppendsOrRemovesAll() {
        var document: Document = ["a": 1, "b": 2, "a": 3]
        document["a"] = "replaced"
        XCTAssertEqual(document.values, ["replaced", .int32(2), .int32(3)])
        document["c"] = .null
        XCTAssertEqual(document.keys, ["a", "b", "a", "c"])
        document["a"] = nil
        XCTAssertEqual(document.keys, ["b", "c"])
    }

    func test_appendAddsAtTheEndEvenForExistingKeys() {
        var document = Document()
        XCTAssertTrue(document.isEmpty)
        document.append("x", .int64(1))
        document.append("x", .int64(2))
        XCTAssertEqual(document.keys, ["x", "x"])
    }

    func test_iterationYieldsPairsInOrder() {
        let document: Document = ["z": 1, "y": 2]
        XCTAssertEqual(document.map(\.key), ["z", "y"])
        XCTAssertEqual(document.map(\.value), [.int32(1), .int32(2)])
    }

    func test_equalityIsOrderSensitive() {
        let ab: Document = ["a": 1, "b": 2]
        let ba: Document = ["b": 2, "a": 1]
        XCTAssertNotEqual(ab, ba)
        XCTAssertEqual(ab, ["a": 1, "b": 2])
        XCTAssertNotEqual(ab, ["a": 1])
    }

    func test_valueEqualityComparesDoublesByBitPattern() {
        XCTAssertEqual(Value.double(.nan), .double(.nan))
        XCTAssertNotEqual(Value.double(-0.0), .double(0.0))
        XCTAssertNotEqual(Value.int32(1), .int64(1))
        XCTAssertEqual(Set<Value>([.double(.nan), .double(.nan), .double(0.0), .double(-0.0)]).count, 3)
    }

    func test_equalDocumentsHashEqually() {
        let first: Document = ["a": [1, 2.5, "x"], "b": ["c": .null]]
        let second: Document = ["a": [1, 2.5, "x"], "b": ["c": .null]]
        XCTAssertEqual(first.hashValue, second.hashValue)
        XCTAssertEqual(Set([first, second]).count, 1)
    }

    func test_integerLiteralsAreInt32WhenTheyFitElseInt64() {
        let small: Value = 2_147_483_647
        let large: Value = 2_147_483_648
        XCTAssertEqual(small, .int32(.max))
        XCTAssertEqual(large, .int64(2_147_483_648))
    }

    func test_stringBooleanFloatAndInterpolatedLiteralsMakeTheirValues() {
        let number = 7
        let document: Document = ["s": "plain", "i": "machine-\(number)", "b": false, "f": 0.5]
        XCTAssertEqual(document.values, [.string("plain"), .string("machine-7"), .bool(false), .double(0.5)])
    }

    func test_accessorsReturnPayloadOnlyForTheirCase() {
        let id = ObjectID()
        XCTAssertEqual(Value.string("s").stringValue, "s")
        XCTAssertNil(Value.int32(1).stringValue)
        XCTAssertEqual(Value.int32(7).int64Value, 7)
        XCTAssertEqual(Value.int64(-7).int64Value, -7)
        XCTAssertNil(Value.double(7).int64Value)
        XCTAssertEqual(Value.double(1.5).doubleValue, 1.5)
        XCTAssertEqual(Value.bool(false).boolValue, false)
        XCTAssertEqual(Value.objectID(id).objectIDValue, id)
        XCTAssertEqual(Value.array([1]).arrayValue, [.int32(1)])
        XCTAssertEqual(Value.document(["a": 1]).documentValue, ["a": 1])
    }

    func test_duplicateKeysSurviveADecodeEncodeRoundTrip() throws {
        let bytes = Bytes.document {
            $0.element(0x10, "k")
            $0.int32(1)
            $0.element(0x02, "k")
            $0.string("second")
        }
        let document = try Document(bson: bytes)
        XCTAssertEqual(document.keys, ["k", "k"])
        XCTAssertEqual(document["k"], .int32(1))
        XCTAssertEqual(try document.encode(), bytes)
    }

    func test_descriptionIsRelaxedExtendedJSON() {
        let document: Document = ["a": 1, "b": "x"]
        XCTAssertEqual(document.description, #"{ "a" : 1, "b" : "x" }"#)
    }

    func test_rawDocumentValidatesOnCreation() {
        XCTAssertThrowsBSONError(.invalidBoolean(byte: 9, path: "b", offset: 7),
                                 try RawDocument(bytes: Bytes.document { $0.element(0x08, "b"); $0.raw([9]) }))
    }

    func test_rawDocumentDecodesASingleValueByKey() throws {
        let document: Document = ["_id": .objectID(ObjectID(hex: "5f1d7a2b9c8e4a3b2c1d0e0f")!),
                                  "nested": ["x": [1, 2]], "dup": 1, "dup": 2]
        let raw = try RawDocument(document)
        XCTAssertEqual(raw.count, try document.encode().count)
        XCTAssertEqual(try raw.value(forKey: "nested"), ["x": [1, 2]])
        XCTAssertEqual(try raw.value(forKey: "_id"), document["_id"])
        XCTAssertEqual(try raw.value(forKey: "dup"), .int32(1))
        XCTAssertNil(try raw.value(forKey: "nest"))
        XCTAssertNil(try raw.value(forKey: "absent"))
    }
}

final class CodableTests: XCTestCase {
    func test_documentSurvivesJSONCodableByteForByte() throws {
        let doc: Document = ["_id": .objectID(ObjectID(hex: "7fffffff0000000000000001")!), "n": .int64(5),
                             "ts": .timestamp(Timestamp(seconds: 9, increment: 2)), "d": .double(-0.0)]
        let copy = try JSONDecoder().decode(Document.self, from: JSONEncoder().encode(doc))
        XCTAssertEqual(try copy.encode(), try doc.encode())
    }

    func test_timestampAndObjectIDCodableForms() throws {
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(Timestamp(seconds: 3, increment: 4)), as: UTF8.self), "[3,4]")
        let id = ObjectID(hex: "0123456789abcdef01234567")!
        XCTAssertEqual(try JSONDecoder().decode(ObjectID.self, from: JSONEncoder().encode(id)), id)
        XCTAssertThrowsError(try JSONDecoder().decode(ObjectID.self, from: Data("\"xyz\"".utf8)))
    }
}
