import XCTest
@testable import BSON

/// Documents encoded by pymongo (scripts/gen-bson-fixtures.py), an encoder independent of libbson.
final class FixtureTests: XCTestCase {
    func test_fixtureSetsAreConsistentAndCoverEveryType() throws {
        let cases = try Fixtures.allCases()
        XCTAssertEqual(cases.count, 25)
        var typeBytes = Set<UInt8>()
        for fixture in cases {
            collectTypes(try Document(bson: fixture.bytes), into: &typeBytes)
        }
        let everyType: Set<UInt8> = Set(0x01...0x13).union([0x7F, 0xFF])
        XCTAssertEqual(typeBytes, everyType)
    }

    func test_decodeThenEncodeReproducesEveryFixtureByteForByte() throws {
        for fixture in try Fixtures.allCases() {
            let document = try Document(bson: fixture.bytes)
            XCTAssertEqual(try document.encode(), fixture.bytes, "\(fixture.set)/\(fixture.name)")
        }
    }

    func test_rawDocumentOfEveryFixtureDecodesToTheSameDocument() throws {
        for fixture in try Fixtures.allCases() {
            let raw = try RawDocument(bytes: fixture.bytes)
            XCTAssertEqual(try raw.decode(), try Document(bson: fixture.bytes), fixture.name)
        }
    }

    func test_decodePreservesFieldOrder() throws {
        let document = try Document(bson: Fixtures.typeCase("field-order").bytes)
        XCTAssertEqual(document.keys, ["z", "a", "m", "b"])
        XCTAssertEqual(document["m"], .int32(3))
    }

    func test_decodesEmptyDocument() throws {
        let fixture = try Fixtures.typeCase("empty")
        XCTAssertEqual(fixture.bytes, [5, 0, 0, 0, 0])
        XCTAssertTrue(try Document(bson: fixture.bytes).isEmpty)
    }

    func test_decodesDoublesBitForBit() throws {
        let document = try Document(bson: Fixtures.typeCase("double").bytes)
        XCTAssertEqual(document["negzero"]?.doubleValue?.bitPattern, (-0.0 as Double).bitPattern)
        XCTAssertNotEqual(document["negzero"], .double(0.0))
        XCTAssertEqual(document["nan"]?.doubleValue?.isNaN, true)
        XCTAssertEqual(document["inf"], .double(.infinity))
        XCTAssertEqual(document["ninf"], .double(-.infinity))
        XCTAssertEqual(document["tiny"], .double(.leastNonzeroMagnitude))
        XCTAssertEqual(document["max"], .double(.greatestFiniteMagnitude))
    }

    func test_decodesIntegerExtremes() throws {
        let int32s = try Document(bson: Fixtures.typeCase("int32").bytes)
        XCTAssertEqual(int32s["min"], .int32(.min))
        XCTAssertEqual(int32s["max"], .int32(.max))
        let int64s = try Document(bson: Fixtures.typeCase("int64").bytes)
        XCTAssertEqual(int64s["min"], .int64(.min))
        XCTAssertEqual(int64s["max"], .int64(.max))
        XCTAssertEqual(int64s["above-int32"], .int64(2_147_483_648))
        XCTAssertEqual(int64s["zero"], .int64(0))
    }

    func test_decodesStringsAndUnicodeKeys() throws {
        let strings = try Document(bson: Fixtures.typeCase("string").bytes)
        XCTAssertEqual(strings["emoji"], "🎉👍🏽")
        XCTAssertEqual(strings["nul"], "a\u{0}b")
        XCTAssertEqual(strings["empty"], "")
        let keys = try Document(bson: Fixtures.typeCase("unicode-keys").bytes)
        XCTAssertEqual(keys.keys, ["ключ", "日本", "🎉", "", "a.b", "$dollar", "ü"])
        XCTAssertEqual(keys["ключ"], "значение")
        XCTAssertEqual(keys[""], "empty key")
    }

    func test_decodesBinarySubtypes() throws {
        let document = try Document(bson: Fixtures.typeCase("binary").bytes)
        XCTAssertEqual(document["generic"], .binary(Binary(subtype: 0, data: [0, 1, 2, 0xFF])))
        XCTAssertEqual(document["old"], .binary(Binary(subtype: 2, data: Array("old binary".utf8))))
        XCTAssertEqual(document["uuid"], .binary(Binary(subtype: 4, data: [
            0x0D, 0x7C, 0x7D, 0x3E, 0x6B, 0x7E, 0x4C, 0x1A, 0x9F, 0x3B, 0x2A, 0x1E, 0x5D, 0x4C, 0x3B, 0x2A,
        ])))
        XCTAssertEqual(document["user"], .binary(Binary(subtype: 0x80, data: Array("custom payload".utf8))))
        XCTAssertEqual(document["user-ff"], .binary(Binary(subtype: 0xFF, data: [0xFF])))
        XCTAssertEqual(document["empty"], .binary(Binary(subtype: 0, data: [])))
    }

    func test_decodesDatetimesBeforeEpochAndFarFuture() throws {
        let document = try Document(bson: Fixtures.typeCase("datetime").bytes)
        XCTAssertEqual(document["moon"], .datetime(-14_182_940_000))
        XCTAssertEqual(document["before-1970"], .datetime(-1))
        XCTAssertEqual(document["far-future"], .datetime(253_402_300_800_001))
        XCTAssertEqual(document["min"], .datetime(.min))
        XCTAssertEqual(document["max"], .datetime(.max))
    }

    func test_decodesTimestampsWithSecondsAndIncrementInMongoOrder() throws {
        let document = try Document(bson: Fixtures.typeCase("timestamp").bytes)
        XCTAssertEqual(document["typical"], .timestamp(Timestamp(seconds: 1_700_000_000, increment: 7)))
        XCTAssertEqual(document["max"], .timestamp(Timestamp(seconds: .max, increment: .max)))
    }

    func test_decodesDecimal128AndPrintsItWithLibbson() throws {
        let document = try Document(bson: Fixtures.typeCase("decimal128").bytes)
        guard case let .decimal128(simple)? = document["simple"] else { return XCTFail("not a decimal128") }
        XCTAssertEqual(simple.description, "1.23")
        XCTAssertEqual(simple, Decimal128("1.23"))
        guard case let .decimal128(max)? = document["max"] else { return XCTFail("not a decimal128") }
        XCTAssertEqual(max.description, "9.999999999999999999999999999999999E+6144")
    }

    func test_decodesRegexObjectIDMinMaxAndCode() throws {
        let regex = try Document(bson: Fixtures.typeCase("regex").bytes)
        XCTAssertEqual(regex["all"], .regex(RegularExpression(pattern: "x.*y", options: "ilmsux")))
        XCTAssertEqual(regex["slash"], .regex(RegularExpression(pattern: "a/b\\d+", options: "m")))
        let ids = try Document(bson: Fixtures.typeCase("objectid").bytes)
        XCTAssertEqual(ids["_id"], .objectID(ObjectID(hex: "5f1d7a2b9c8e4a3b2c1d0e0f")!))
        let keys = try Document(bson: Fixtures.typeCase("minmax").bytes)
        XCTAssertEqual(Array(keys.values), [.minKey, .maxKey])
        let code = try Document(bson: Fixtures.typeCase("code").bytes)
        XCTAssertEqual(code["code"], .javascript("function() { return 1; }"))
        XCTAssertEqual(code["scoped"], .javascriptWithScope(
            code: "function() { return x; }", scope: ["x": 1, "y": ["z": "w"]]))
        XCTAssertEqual(code["empty-scope"], .javascriptWithScope(code: "f()", scope: [:]))
    }

    func test_decodesLegacyTypes() throws {
        let legacy = try Fixtures.cases("legacy")
        XCTAssertEqual(try Document(bson: legacy[0].bytes)["u"], .undefined)
        XCTAssertEqual(try Document(bson: legacy[1].bytes)["s"], .symbol("sym"))
        XCTAssertEqual(try Document(bson: legacy[2].bytes)["p"], .dbPointer(
            DBPointer(namespace: "db.machines", id: ObjectID(hex: "5f1d7a2b9c8e4a3b2c1d0e0f")!)))
    }

    func test_decodesNestingUpToTheDepthLimit() throws {
        var document = try Document(bson: Fixtures.typeCase("deep-max").bytes)
        var levels = 1
        while case let .document(child)? = document["child"] {
            document = child
            levels += 1
        }
        XCTAssertEqual(levels, Document.maxNestingDepth)
        XCTAssertEqual(document["leaf"], "bottom")
    }

    func test_decodesBigDocument() throws {
        let fixture = try Fixtures.typeCase("big")
        XCTAssertGreaterThan(fixture.bytes.count, 50_000)
        let document = try Document(bson: fixture.bytes)
        XCTAssertEqual(document.count, 2500)
        XCTAssertEqual(document["s0000"], "value-0")
        XCTAssertEqual(document["a2499"], [2499, "2499", ["n": 2499]])
    }

    /// Our canonical output (libbson) against pymongo's, compared after parsing; see JSONTree for why.
    func test_canonicalExtendedJSONMatchesPymongoAfterNormalisingFormatting() throws {
        for fixture in try Fixtures.allCases() {
            let ours = try Document(bson: fixture.bytes).canonicalExtendedJSON
            XCTAssertEqual(try JSONTree.parse(ours).normalised, try JSONTree.parse(fixture.canonicalJSON).normalised,
                           "\(fixture.set)/\(fixture.name)")
        }
    }

    private func collectTypes(_ document: Document, into types: inout Set<UInt8>) {
        for (_, value) in document {
            collectTypes(value, into: &types)
        }
    }

    private func collectTypes(_ value: Value, into types: inout Set<UInt8>) {
        types.insert(value.typeByte)
        switch value {
        case let .document(child): collectTypes(child, into: &types)
        case let .array(values): values.forEach { collectTypes($0, into: &types) }
        case let .javascriptWithScope(_, scope): collectTypes(scope, into: &types)
        default: break
        }
    }
}
