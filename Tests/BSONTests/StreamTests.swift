import Foundation
import XCTest
@testable import BSON

final class StreamTests: XCTestCase {
    // MARK: Reader

    func test_readerYieldsEveryFixtureDocumentWithItsIndexAndOffset() throws {
        let expected = Fixtures.split(try Fixtures.bytes("types.bson"))
        let reader = try BSONStreamReader(path: Fixtures.directory.appendingPathComponent("types.bson").path)
        var offset = 0
        for (index, bytes) in expected.enumerated() {
            let item = try XCTUnwrap(try reader.nextRaw())
            XCTAssertEqual(item.index, index)
            XCTAssertEqual(item.offset, offset)
            XCTAssertEqual(item.document.bytes, bytes)
            offset += bytes.count
        }
        XCTAssertNil(try reader.nextRaw())
        XCTAssertNil(try reader.nextRaw())
    }

    func test_readerDecodesDocuments() throws {
        let reader = try BSONStreamReader(path: Fixtures.directory.appendingPathComponent("legacy.bson").path)
        var decoded: [Document] = []
        while let item = try reader.next() {
            decoded.append(item.document)
        }
        XCTAssertEqual(decoded, try Fixtures.cases("legacy").map { try Document(bson: $0.bytes) })
    }

    func test_readerOnEmptyFileYieldsNoDocumentsAndNoError() throws {
        let url = try write([], named: "empty.bson")
        let reader = try BSONStreamReader(path: url.path)
        XCTAssertNil(try reader.next())
    }

    func test_readerStopsAtCorruptThirdDocumentWithItsIndexAndOffset() throws {
        let good: [[UInt8]] = [try (["a": 1] as Document).encode(), try (["b": "two"] as Document).encode()]
        let corrupt = Bytes.document {
            $0.element(0x14, "a")
            $0.int32(1)
        }
        let after = try (["d": 4] as Document).encode()
        let url = try write(good[0] + good[1] + corrupt + after, named: "corrupt.bson")
        let reader = try BSONStreamReader(path: url.path)
        XCTAssertEqual(try reader.nextRaw()?.document.bytes, good[0])
        XCTAssertEqual(try reader.nextRaw()?.document.bytes, good[1])
        let offset = good[0].count + good[1].count
        let expected = BSONError.inStream(index: 2, offset: offset, error: .invalidType(byte: 0x14, path: "a", offset: 4))
        XCTAssertThrowsBSONError(expected, try reader.nextRaw())
        XCTAssertEqual(expected.description, "document 2 at byte 28: bad type byte 0x14 for key \"a\" at offset 4")
        XCTAssertThrowsBSONError(expected, try reader.next(), "the failure is sticky")
    }

    func test_readerReportsTruncatedFinalDocument() throws {
        let documents = Fixtures.split(try Fixtures.bytes("types.bson"))
        let offset = documents[0..<5].reduce(0) { $0 + $1.count }
        let url = try write(Array(documents[0..<5].joined()) + documents[5].prefix(10), named: "truncated.bson")
        let reader = try BSONStreamReader(path: url.path)
        for _ in 0..<5 {
            XCTAssertNotNil(try reader.nextRaw())
        }
        XCTAssertThrowsBSONError(
            .inStream(index: 5, offset: offset,
                      error: .truncated(declared: documents[5].count, available: 10, path: "", offset: 0)),
            try reader.nextRaw())
    }

    func test_readerReportsTrailingBytesShorterThanALengthPrefix() throws {
        let document = try (["a": 1] as Document).encode()
        let url = try write(document + [1, 2], named: "trailing.bson")
        let reader = try BSONStreamReader(path: url.path)
        XCTAssertNotNil(try reader.next())
        XCTAssertThrowsBSONError(.inStream(index: 1, offset: document.count, error: .truncatedLengthPrefix(available: 2)),
                                 try reader.next())
    }

    func test_readerReportsDeclaredLengthBelowMinimum() throws {
        let url = try write([0, 0, 0, 0, 0, 0], named: "zero.bson")
        XCTAssertThrowsBSONError(.inStream(index: 0, offset: 0, error: .invalidLength(declared: 0, path: "", offset: 0)),
                                 try BSONStreamReader(path: url.path).nextRaw())
    }

    func test_readerRejectsDeclaredLengthAboveItsLimitWithoutAllocatingIt() throws {
        var bytes = Bytes()
        bytes.int32(.max)
        let url = try write(bytes.bytes + [0], named: "huge.bson")
        let reader = try BSONStreamReader(path: url.path, maxDocumentSize: 1000)
        XCTAssertThrowsBSONError(
            .inStream(index: 0, offset: 0, error: .documentTooLarge(declared: Int(Int32.max), limit: 1000)),
            try reader.nextRaw())
        XCTAssertEqual(reader.bufferCapacity, BSONStreamReader.defaultChunkSize)
    }

    func test_readerGrowsForADocumentLargerThanAChunkThenShrinksBack() throws {
        let expected = Fixtures.split(try Fixtures.bytes("types.bson"))
        let reader = try BSONStreamReader(path: Fixtures.directory.appendingPathComponent("types.bson").path,
                                          chunkSize: 64)
        var largest = 0
        var read: [[UInt8]] = []
        while let item = try reader.nextRaw() {
            read.append(item.document.bytes)
            largest = max(largest, reader.bufferCapacity)
        }
        XCTAssertEqual(read, expected)
        XCTAssertEqual(largest, expected.map(\.count).max())
        XCTAssertEqual(reader.bufferCapacity, 64)
    }

    func test_readerGivesTheSameDocumentsWhateverTheChunkSize() throws {
        let path = Fixtures.directory.appendingPathComponent("types.bson").path
        let expected = try readAll(BSONStreamReader(path: path))
        for chunkSize in [1, 7, 100, 4096] {
            XCTAssertEqual(try readAll(BSONStreamReader(path: path, chunkSize: chunkSize)), expected, "\(chunkSize)")
        }
    }

    func test_readerReadsFromAFileHandleAndADescriptor() throws {
        let path = Fixtures.directory.appendingPathComponent("legacy.bson").path
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        XCTAssertEqual(try readAll(BSONStreamReader(fileHandle: handle)).count, 3)
        let descriptor = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        let reader = BSONStreamReader(fileDescriptor: descriptor, closeWhenDone: true)
        XCTAssertEqual(try readAll(reader).count, 3)
        reader.close()
        XCTAssertEqual(fcntl(descriptor, F_GETFD), -1, "closeWhenDone closes the descriptor")
    }

    func test_readerOnMissingFileThrowsAnIOErrorNamingThePath() {
        let path = "/nonexistent/dump.bson"
        XCTAssertThrowsBSONError(.io(operation: "open", path: path, message: "No such file or directory"),
                                 try BSONStreamReader(path: path))
    }

    /// 200,000 documents (about 30 MB) stream through a buffer that never exceeds one chunk,
    /// and the process's resident memory does not grow with the file.
    func test_readerStreams200000DocumentsInBoundedMemory() throws {
        let count = 200_000
        let url = try temporaryDirectory(self).appendingPathComponent("many.bson")
        let writer = try BSONStreamWriter(path: url.path)
        let padding = Value.string(String(repeating: "x", count: 100))
        for index in 0..<count {
            try writer.write(["i": .int32(Int32(index)), "name": .string("machine-\(index)"), "pad": padding])
        }
        try writer.close()
        let fileSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        XCTAssertGreaterThan(fileSize, 25_000_000)

        #if os(Linux)
        let residentBefore = residentBytes()
        XCTAssertGreaterThan(residentBefore, 0, "resident memory is readable from /proc")
        #endif
        let reader = try BSONStreamReader(path: url.path)
        var seen = 0
        var misnumbered = 0
        var largestBuffer = 0
        while let item = try reader.nextRaw() {
            let number = try item.document.value(forKey: "i")
            if item.index != seen || number != .int32(Int32(seen)) {
                misnumbered += 1
            }
            seen += 1
            largestBuffer = max(largestBuffer, reader.bufferCapacity)
        }
        XCTAssertEqual(seen, count)
        XCTAssertEqual(misnumbered, 0)
        XCTAssertEqual(largestBuffer, BSONStreamReader.defaultChunkSize)
        #if os(Linux)
        let growth = residentBytes() - residentBefore
        XCTAssertLessThan(growth, fileSize / 4, "resident memory grew by \(growth) bytes")
        #endif
    }

    // MARK: Writer

    func test_writerCopiesRawDocumentsByteForByte() throws {
        let source = Fixtures.directory.appendingPathComponent("types.bson")
        let copy = try temporaryDirectory(self).appendingPathComponent("copy.bson")
        let reader = try BSONStreamReader(path: source.path)
        let writer = try BSONStreamWriter(path: copy.path, bufferSize: 100)
        while let item = try reader.nextRaw() {
            try writer.write(item.document)
        }
        try writer.close()
        let original = try Fixtures.bytes("types.bson")
        XCTAssertEqual([UInt8](try Data(contentsOf: copy)), original)
        XCTAssertEqual(writer.documentsWritten, 22)
        XCTAssertEqual(writer.bytesWritten, original.count)
    }

    func test_writerEncodesDocumentsThatTheReaderDecodes() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("docs.bson")
        let documents: [Document] = [["a": 1], [:], ["b": ["c": [1, 2]], "d": .timestamp(Timestamp(seconds: 1, increment: 2))]]
        let writer = try BSONStreamWriter(path: url.path)
        try documents.forEach(writer.write)
        try writer.close()
        XCTAssertEqual(try readAll(BSONStreamReader(path: url.path)), try documents.map { try $0.encode() })
    }

    func test_writerInAppendModeKeepsExistingDocuments() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("append.bson")
        for value in 1...3 {
            let writer = try BSONStreamWriter(path: url.path, append: value > 1)
            try writer.write(["n": .int32(Int32(value))])
            try writer.close()
        }
        let reader = try BSONStreamReader(path: url.path)
        var values: [Value?] = []
        while let item = try reader.next() {
            values.append(item.document["n"])
        }
        XCTAssertEqual(values, [.int32(1), .int32(2), .int32(3)])
    }

    func test_writerWithoutAppendTruncatesTheFile() throws {
        let url = try write([UInt8](repeating: 7, count: 1000), named: "old.bson")
        let writer = try BSONStreamWriter(path: url.path)
        try writer.write(["a": 1])
        try writer.close()
        XCTAssertEqual([UInt8](try Data(contentsOf: url)), try (["a": 1] as Document).encode())
    }

    func test_writerToAFileHandle() throws {
        let url = try write([], named: "handle.bson")
        let handle = try FileHandle(forWritingTo: url)
        let writer = BSONStreamWriter(fileHandle: handle)
        try writer.write(["h": true])
        try writer.close()
        try handle.close()
        XCTAssertEqual([UInt8](try Data(contentsOf: url)), try (["h": true] as Document).encode())
    }

    func test_writeAfterCloseThrows() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("closed.bson")
        let writer = try BSONStreamWriter(path: url.path)
        try writer.close()
        XCTAssertThrowsBSONError(.io(operation: "write to", path: url.path, message: "the writer is closed"),
                                 try writer.write(["a": 1]))
    }

    func test_writerReportsAnUnencodableDocumentAndWritesNothingForIt() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("bad.bson")
        let writer = try BSONStreamWriter(path: url.path)
        XCTAssertThrowsError(try writer.write(["a\u{0}": 1]))
        try writer.write(["ok": 1])
        try writer.close()
        XCTAssertEqual(writer.documentsWritten, 1)
        XCTAssertEqual([UInt8](try Data(contentsOf: url)), try (["ok": 1] as Document).encode())
    }

    // MARK: Helpers

    private func write(_ bytes: [UInt8], named name: String) throws -> URL {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func readAll(_ reader: BSONStreamReader) throws -> [[UInt8]] {
        var documents: [[UInt8]] = []
        while let item = try reader.nextRaw() {
            documents.append(item.document.bytes)
        }
        return documents
    }

    /// The process's resident set size, from /proc/self/statm (Linux only); 0 if unreadable.
    private func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = status.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
