import Foundation
import XCTest
@testable import BSON

/// Fixture files live in <repo>/Fixtures/bson; found from this file's path (…/Tests/BSONTests/X.swift)
/// rather than through resources, so the tests run unchanged in any package that links this directory.
enum Fixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bson")

    /// One fixture document: its case name, bytes, and pymongo's canonical extended JSON.
    struct Case {
        let set: String
        let name: String
        let bytes: [UInt8]
        let canonicalJSON: String
    }

    /// The cases of fixture set `set` ("types" or "legacy"), split on their length prefixes.
    static func cases(_ set: String) throws -> [Case] {
        let stream = try bytes(set + ".bson")
        let names = try lines(set + ".names.txt")
        let json = try lines(set + ".canonical.jsonl")
        let documents = split(stream)
        guard names.count == documents.count, json.count == documents.count else {
            throw FixtureError.inconsistent(set, names.count, json.count, documents.count)
        }
        return documents.indices.map {
            Case(set: set, name: names[$0], bytes: documents[$0], canonicalJSON: json[$0])
        }
    }

    /// Every case of every set.
    static func allCases() throws -> [Case] {
        try cases("types") + cases("legacy")
    }

    /// The case named `name` in the "types" set.
    static func typeCase(_ name: String) throws -> Case {
        guard let found = try cases("types").first(where: { $0.name == name }) else {
            throw FixtureError.missing(name)
        }
        return found
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
    }

    static func lines(_ file: String) throws -> [String] {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Splits concatenated documents by their length prefixes, independently of the reader under test.
    static func split(_ stream: [UInt8]) -> [[UInt8]] {
        var documents: [[UInt8]] = []
        var offset = 0
        while offset + 4 <= stream.count {
            let length = Int(stream[offset]) | Int(stream[offset + 1]) << 8
                | Int(stream[offset + 2]) << 16 | Int(stream[offset + 3]) << 24
            guard length >= 5, offset + length <= stream.count else { break }
            documents.append(Array(stream[offset..<(offset + length)]))
            offset += length
        }
        return documents
    }

    enum FixtureError: Error {
        case inconsistent(String, Int, Int, Int)
        case missing(String)
    }
}

/// Hand-assembled BSON bytes for the malformed-input tests.
struct Bytes {
    private(set) var bytes: [UInt8] = []

    init(_ bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    mutating func int32(_ value: Int32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ more: [UInt8]) {
        bytes.append(contentsOf: more)
    }

    mutating func cString(_ text: String) {
        bytes.append(contentsOf: Array(text.utf8) + [0])
    }

    /// A BSON string: length including the NUL, bytes, NUL.
    mutating func string(_ text: String) {
        int32(Int32(text.utf8.count + 1))
        cString(text)
    }

    /// An element header: type byte and key.
    mutating func element(_ type: UInt8, _ key: String) {
        bytes.append(type)
        cString(key)
    }

    /// Wraps `body` in a length prefix and terminator, as a BSON document.
    static func document(_ body: (inout Bytes) -> Void) -> [UInt8] {
        var content = Bytes()
        body(&content)
        var whole = Bytes()
        whole.int32(Int32(4 + content.bytes.count + 1))
        whole.raw(content.bytes)
        whole.raw([0])
        return whole.bytes
    }
}

/// Asserts that `body` throws exactly `expected`.
func XCTAssertThrowsBSONError<T>(_ expected: BSONError, _ body: @autoclosure () throws -> T,
                                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), message, file: file, line: line) { error in
        XCTAssertEqual(error as? BSONError, expected, message, file: file, line: line)
    }
}

/// A scratch directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("BSONTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
}
