import XCTest
@testable import Backups

final class ArchiveWriterTests: XCTestCase {
    func test_endFileRefusesFewerBytesThanAnnounced() throws {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0)
        try writer.beginFile("short", size: 10)
        try writer.write([1, 2, 3])
        assertArchiveError("archive entry \"short\" was announced as 10 bytes but 3 were written") { try writer.endFile() }
        // The archive is now inconsistent: every later call reports the same failure.
        assertArchiveError("archive entry \"short\" was announced as 10 bytes but 3 were written") { _ = try writer.finish() }
    }

    func test_writeRefusesMoreBytesThanAnnounced() throws {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0)
        try writer.beginFile("long", size: 2)
        assertArchiveError("archive entry \"long\" was announced as 2 bytes but 3 were written") { try writer.write([1, 2, 3]) }
    }

    func test_writerRefusesDuplicateEntries() throws {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0)
        try writer.addFile("a/b", bytes: [])
        assertArchiveError("archive entry \"a/b\" was already written") { try writer.addFile("./a//b", bytes: []) }
        try writer.addDirectory("a")
        assertArchiveError("archive entry \"a\" was already written") { try writer.addDirectory("a/") }
    }

    func test_writerRefusesCallsOutOfOrder() throws {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0)
        assertArchiveError("archive writer: write without an open file entry") { try writer.write([1]) }
        assertArchiveError("archive writer: endFile without an open file entry") { try writer.endFile() }
        try writer.beginFile("open", size: 1)
        assertArchiveError("archive writer: file entry \"open\" is still open") { try writer.addDirectory("d") }
        assertArchiveError("archive writer: file entry \"open\" is still open") { _ = try writer.finish() }
        try writer.write([1])
        try writer.endFile()
        _ = try writer.finish()
        assertArchiveError("archive writer: the archive is already finished") { try writer.addFile("late", bytes: []) }
    }

    func test_writerRefusesNegativeSize() {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0)
        assertArchiveError("archive writer: entry \"n\" announced a negative size") { try writer.beginFile("n", size: -1) }
    }

    func test_writerToMissingDirectoryFails() {
        let scratch = ArchiveScratch()
        let path = scratch.file("missing/out.tar.gz")
        assertArchiveError("cannot open \(path): No such file or directory") {
            _ = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 0)
        }
    }

    func test_abandonedFileWriterLeavesAnArchiveThatReadsAsTruncated() throws {
        let scratch = ArchiveScratch()
        let path = scratch.file("abandoned.tar")
        do {
            let writer = try ArchiveWriter(path: path, compression: .none, modificationTime: 0)
            try writer.addFile("complete", bytes: Array(repeating: 7, count: 20_000))
            try writer.beginFile("partial", size: 50_000)
            try writer.write(Array(repeating: 8, count: 30_000))
        }
        guard case .truncated = archiveError(readingFile: path) else {
            return XCTFail("an abandoned archive must not read as complete")
        }
    }

    func test_fileWriterOutputReadsLikeInMemoryOutput() throws {
        let scratch = ArchiveScratch()
        for compression in [ArchiveCompression.none, .gzip] {
            let path = scratch.file("out-\(compression)")
            let onDisk = try ArchiveWriter(path: path, compression: compression, modificationTime: 9)
            let inMemory = ArchiveWriter(inMemory: compression, modificationTime: 9)
            for writer in [onDisk, inMemory] {
                try writer.addDirectory("d")
                try writer.addFile("d/f", bytes: pseudoRandomBytes(count: 12_345, seed: 5))
            }
            XCTAssertEqual(try onDisk.finish(), [])
            XCTAssertEqual(scratch.read("out-\(compression)"), try inMemory.finish())
        }
    }
}
