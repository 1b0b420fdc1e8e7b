import BSON
@testable import ReplicaSet
import XCTest

/// `find` projections: inclusion, exclusion, `_id`, and the mixing errors.
final class DataProjectionTests: XCTestCase {
    private let stored: Document = [
        "_id": 7, "z": 1, "a": "x",
        "b": ["c": 1, "d": 2],
        "list": [["c": 1, "d": 2], ["d": 3], 4],
    ]

    private func project(_ spec: Document) throws -> Document {
        try Projection(spec).apply(to: stored)
    }

    func test_inclusionProjectionKeepsIdAndTheStoredFieldOrder() throws {
        XCTAssertEqual(try project(["a": 1, "z": true]), ["_id": 7, "z": 1, "a": "x"])
    }

    func test_inclusionOfDottedPathKeepsOnlyThatSubfieldInDocumentsAndArrays() throws {
        XCTAssertEqual(try project(["b.c": 1, "list.c": 1]), [
            "_id": 7, "b": ["c": 1], "list": [["c": 1], [:]],
        ])
    }

    func test_idZeroDropsIdFromAnInclusionProjection() throws {
        XCTAssertEqual(try project(["_id": 0, "a": 1]), ["a": "x"])
        XCTAssertEqual(try project(["_id": 1]), ["_id": 7], "_id alone includes only _id")
    }

    func test_exclusionProjectionRemovesOnlyTheNamedFields() throws {
        XCTAssertEqual(try project(["z": 0, "b.c": 0, "list.d": false]), [
            "_id": 7, "a": "x", "b": ["d": 2], "list": [["c": 1], [:], 4],
        ])
        XCTAssertEqual(try project(["_id": 0]).keys, ["z", "a", "b", "list"])
    }

    func test_emptyProjectionReturnsTheDocumentUnchanged() throws {
        XCTAssertEqual(try project([:]), stored)
    }

    func test_mixingInclusionAndExclusionFailsWithMongodsCodes() {
        XCTAssertThrowsError(try Projection(["a": 1, "b": 0])) { error in
            XCTAssertEqual(error as? CommandError, .location(31254, "Cannot do exclusion on field b in inclusion projection"))
        }
        XCTAssertThrowsError(try Projection(["a": 0, "b": 1])) { error in
            XCTAssertEqual(error as? CommandError, .location(31253, "Cannot do inclusion on field b in exclusion projection"))
        }
        XCTAssertNoThrow(try Projection(["_id": 0, "a": 1]), "_id may be excluded from an inclusion projection")
    }

    func test_projectionOfOperatorsOrLiteralsIsRejected() {
        XCTAssertThrowsError(try Projection(["a": ["$slice": 1]])) { error in
            XCTAssertEqual((error as? CommandError)?.codeName, "BadValue")
        }
    }
}
