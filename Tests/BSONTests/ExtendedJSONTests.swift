import XCTest
@testable import BSON

final class ExtendedJSONTests: XCTestCase {
    /// libbson's parser turns pymongo's canonical text back into pymongo's exact bytes.
    func test_parsingPymongoCanonicalJSONReproducesTheFixtureBytes() throws {
        for fixture in try Fixtures.allCases() where fixture.name != "deep-max" {
            let document = try Document(extendedJSON: fixture.canonicalJSON)
            XCTAssertEqual(try document.encode(), fixture.bytes, "\(fixture.set)/\(fixture.name)")
        }
    }

    /// A libbson quirk: its JSON reader accepts at most 99 nested JSON objects, and the wrappers
    /// of typed values (`{"$numberInt": …}`) count too, so documents near the 100-level limit the
    /// BSON decoder accepts cannot come from extended JSON.
    func test_parsingRejectsJSONNestedDeeperThanLibbsonsReaderAllows() throws {
        func nestedJSON(_ levels: Int) -> String {
            String(repeating: #"{"a": "#, count: levels - 1) + "{}" + String(repeating: "}", count: levels - 1)
        }
        XCTAssertEqual(try Document(extendedJSON: nestedJSON(99)).encode().count, 5 + 98 * 8)
        for text in [nestedJSON(100), try Fixtures.typeCase("deep-max").canonicalJSON] {
            XCTAssertThrowsError(try Document(extendedJSON: text)) { error in
                guard case .invalidExtendedJSON(let message)? = error as? BSONError else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertTrue(message.contains("LEVELS_EXCEEDED"), message)
            }
        }
    }

    func test_canonicalOutputUsesLibbsonFormatting() throws {
        let document: Document = ["a": 1, "b": .int64(2), "c": 1.5, "d": [.datetime(0)]]
        XCTAssertEqual(try document.canonicalExtendedJSON,
                       #"{ "a" : { "$numberInt" : "1" }, "b" : { "$numberLong" : "2" }, "#
                       + #""c" : { "$numberDouble" : "1.5" }, "d" : [ { "$date" : { "$numberLong" : "0" } } ] }"#)
    }

    func test_relaxedOutputWritesPlainNumbersAndISODates() throws {
        let document: Document = ["a": 1, "b": .int64(2), "c": 1.5, "d": .datetime(0)]
        XCTAssertEqual(try document.relaxedExtendedJSON,
                       #"{ "a" : 1, "b" : 2, "c" : 1.5, "d" : { "$date" : "1970-01-01T00:00:00Z" } }"#)
    }

    func test_relaxedOutputParsesBackToTheSameTypesWhereItIsUnambiguous() throws {
        let document: Document = ["s": "x", "n": 1, "big": .int64(1 << 40), "f": 2.5, "list": [true, .null]]
        XCTAssertEqual(try Document(extendedJSON: document.relaxedExtendedJSON), document)
    }

    /// Pins a libbson quirk (see `relaxedExtendedJSON`): dates after 9999 come out in a form
    /// libbson cannot read back, while canonical output round-trips them.
    func test_relaxedOutputOfDatesAfterYear9999IsUnreadableButCanonicalRoundTrips() throws {
        let document: Document = ["d": .datetime(253_402_300_800_001)]
        XCTAssertEqual(try document.relaxedExtendedJSON, #"{ "d" : { "$date" : "10000-01-01T00:00:00.001Z" } }"#)
        XCTAssertThrowsError(try Document(extendedJSON: document.relaxedExtendedJSON))
        XCTAssertEqual(try Document(extendedJSON: document.canonicalExtendedJSON), document)
    }

    func test_parsingKeepsKeyOrderAndDuplicateKeys() throws {
        let document = try Document(extendedJSON: #"{"b": 1, "a": {"$numberLong": "2"}, "b": "three"}"#)
        XCTAssertEqual(document.keys, ["b", "a", "b"])
        XCTAssertEqual(document.values, [.int32(1), .int64(2), .string("three")])
    }

    func test_parsingRejectsMalformedJSONWithLibbsonsMessage() {
        for text in [#"{"a": "#, #"{"a": {"$numberLong": "x"}}"#, "", "nonsense"] {
            XCTAssertThrowsError(try Document(extendedJSON: text), text) { error in
                guard case .invalidExtendedJSON(let message)? = error as? BSONError else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertFalse(message.isEmpty)
            }
        }
    }

    func test_unencodableDocumentHasNoExtendedJSON() {
        let document: Document = ["a\u{0}": 1]
        XCTAssertThrowsError(try document.canonicalExtendedJSON)
        XCTAssertTrue(document.description.hasPrefix("<unencodable document: cannot encode"))
    }
}
