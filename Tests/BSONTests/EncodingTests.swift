import XCTest
@testable import BSON

final class EncodingTests: XCTestCase {
    func test_encodeProducesTheBytesTheSpecificationDescribes() throws {
        let document: Document = ["a": 1, "s": "hi"]
        let expected = Bytes.document {
            $0.element(0x10, "a")
            $0.int32(1)
            $0.element(0x02, "s")
            $0.string("hi")
        }
        XCTAssertEqual(try document.encode(), expected)
        XCTAssertEqual(try Document().encode(), [5, 0, 0, 0, 0])
    }

    func test_everyValueKindSurvivesEncodeThenDecode() throws {
        let id = ObjectID(hex: "0123456789abcdef01234567")!
        let document: Document = [
            "double": .double(-0.0), "string": "naïve\u{0}", "document": ["inner": .null],
            "array": [1, "two", [3.0], .regex(RegularExpression(pattern: "in", options: "x")),
                      ["deep": .javascriptWithScope(code: "h()", scope: ["r": .regex(RegularExpression(pattern: "s"))])]],
            "binary": .binary(Binary(subtype: 0x80, data: [1, 2])),
            "undefined": .undefined, "oid": .objectID(id), "bool": true, "date": .datetime(-1),
            "null": .null, "regex": .regex(RegularExpression(pattern: "^a", options: "mi")),
            "dbpointer": .dbPointer(DBPointer(namespace: "db.c", id: id)), "code": .javascript("f()"),
            "symbol": .symbol("sym"), "scoped": .javascriptWithScope(code: "g()", scope: ["x": 1]),
            "int32": .int32(-5), "timestamp": .timestamp(Timestamp(seconds: 9, increment: 1)),
            "int64": .int64(.min), "decimal": .decimal128(Decimal128("-1.5E+3")!),
            "min": .minKey, "max": .maxKey,
        ]
        let bytes = try document.encode()
        XCTAssertEqual(try Document(bson: bytes), document)
        XCTAssertEqual(try Document(bson: bytes).encode(), bytes)
    }

    func test_regexOptionsKeepTheirOrderAlthoughLibbsonWouldSortThem() throws {
        let bytes = Bytes.document {
            $0.element(0x0B, "r")
            $0.cString("a+")
            $0.cString("xiq")
        }
        let document = try Document(bson: bytes)
        XCTAssertEqual(document["r"], .regex(RegularExpression(pattern: "a+", options: "xiq")))
        XCTAssertEqual(try document.encode(), bytes)
    }

    func test_codeAndDBPointerKeepStringsContainingNul() throws {
        let id = ObjectID(hex: "5f1d7a2b9c8e4a3b2c1d0e0f")!
        let document: Document = [
            "code": .javascript("a\u{0}b"),
            "scoped": .javascriptWithScope(code: "c\u{0}d", scope: ["k": "v"]),
            "pointer": .dbPointer(DBPointer(namespace: "db\u{0}x", id: id)),
            "symbol": .symbol("s\u{0}t"),
        ]
        XCTAssertEqual(try Document(bson: document.encode()), document)
    }

    func test_codeWithEmptyScopeStaysCodeWithScope() throws {
        let bytes = try (["c": .javascriptWithScope(code: "f()", scope: [:])] as Document).encode()
        XCTAssertEqual(bytes[4], 0x0F)
        XCTAssertEqual(try Document(bson: bytes)["c"], .javascriptWithScope(code: "f()", scope: [:]))
    }

    func test_oldBinarySubtypeIsWrittenWithItsInnerLength() throws {
        let document: Document = ["d": .binary(Binary(subtype: Binary.Subtype.oldBinary, data: [9, 8, 7]))]
        let expected = Bytes.document {
            $0.element(0x05, "d")
            $0.int32(7)
            $0.raw([2])
            $0.int32(3)
            $0.raw([9, 8, 7])
        }
        XCTAssertEqual(try document.encode(), expected)
    }

    func test_encodeRejectsKeyContainingNul() {
        let document: Document = ["ok": ["a\u{0}b": 1]]
        XCTAssertThrowsBSONError(
            .unencodable(path: "ok.a\u{0}b", reason: "the key contains U+0000, which BSON keys cannot hold"),
            try document.encode())
    }

    func test_encodeRejectsRegexContainingNul() {
        let document: Document = ["list": [.regex(RegularExpression(pattern: "a\u{0}", options: ""))]]
        XCTAssertThrowsBSONError(
            .unencodable(path: "list.0", reason: "a regular expression containing U+0000"), try document.encode())
    }

    func test_encodeRejectsNestingBeyondTheDecodersLimit() {
        var document: Document = ["leaf": 1]
        for _ in 1..<Document.maxNestingDepth {
            document = ["a": .document(document)]
        }
        XCTAssertNoThrow(try document.encode())
        document = ["a": .document(document)]
        let path = Array(repeating: "a", count: Document.maxNestingDepth).joined(separator: ".")
        XCTAssertThrowsBSONError(
            .unencodable(path: path, reason: "nested deeper than 100 levels, which decoding rejects"),
            try document.encode())
    }
}
