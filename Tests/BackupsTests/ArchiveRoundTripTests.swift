import XCTest
@testable import Backups

final class ArchiveRoundTripTests: XCTestCase {
    func test_filesAndDirectoriesRoundTripThroughAGzipFile() throws {
        let scratch = ArchiveScratch()
        let path = scratch.file("backup.tar.gz")
        let writer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 1_700_000_000)
        try writer.addDirectory("juju-backup")
        try writer.addDirectory("juju-backup/dump/")
        try writer.addFile("juju-backup/metadata.json", bytes: Array("{\"FormatVersion\": 1}".utf8))
        try writer.addFile("juju-backup/empty", bytes: [])
        XCTAssertEqual(try writer.finish(), [])

        let entries = try readEntries(try ArchiveReader(path: path))
        XCTAssertEqual(entries.map(\.0), [
            ArchiveEntryHeader(path: "juju-backup", kind: .directory, size: 0),
            ArchiveEntryHeader(path: "juju-backup/dump", kind: .directory, size: 0),
            ArchiveEntryHeader(path: "juju-backup/metadata.json", kind: .file, size: 20),
            ArchiveEntryHeader(path: "juju-backup/empty", kind: .file, size: 0),
        ])
        XCTAssertEqual(entries[2].1, Array("{\"FormatVersion\": 1}".utf8))
        XCTAssertEqual(entries[3].1, [])
    }

    func test_streamedLargeEntryReadsBackInChunksWithMatchingHash() throws {
        let scratch = ArchiveScratch()
        let path = scratch.file("large.tar.gz")
        let piece = pseudoRandomBytes(count: 1 << 20, seed: 7)
        let pieces = 20
        let writer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 0)
        try writer.beginFile("dump/juju/machines.bson", size: piece.count * pieces)
        var expected = EntryDigest()
        for index in 0..<pieces {
            var variant = piece
            variant[0] = UInt8(index)  // each megabyte differs, so misplaced chunks would show
            try writer.write(variant)
            variant.withUnsafeBytes { expected.update($0) }
        }
        try writer.endFile()
        _ = try writer.finish()
        let expectedEntry = expected.entry(path: "dump/juju/machines.bson")
        XCTAssertEqual(writer.manifest.entries, [expectedEntry])

        let reader = try ArchiveReader(path: path)
        let header = try XCTUnwrap(try reader.next())
        XCTAssertEqual(header.size, piece.count * pieces)
        var digest = EntryDigest()
        var chunks = 0
        while let chunk = try reader.readChunk(maxBytes: 300_007) {
            XCTAssertLessThanOrEqual(chunk.count, 300_007)
            chunk.withUnsafeBytes { digest.update($0) }
            chunks += 1
        }
        XCTAssertNil(try reader.next())
        XCTAssertGreaterThan(chunks, 60)
        XCTAssertEqual(digest.entry(path: header.path), expectedEntry)
        XCTAssertEqual(reader.observedManifest, [expectedEntry])
    }

    func test_streamingFromARawBufferMatchesAddFile() throws {
        let bytes = pseudoRandomBytes(count: 100_000, seed: 3)
        let streamed = ArchiveWriter(inMemory: .none, modificationTime: 5)
        try streamed.beginFile("f", size: bytes.count)
        try bytes.withUnsafeBytes { buffer in
            try streamed.write(UnsafeRawBufferPointer(rebasing: buffer[..<40_000]))
            try streamed.write(UnsafeRawBufferPointer(rebasing: buffer[40_000...]))
        }
        try streamed.endFile()
        let whole = ArchiveWriter(inMemory: .none, modificationTime: 5)
        try whole.addFile("f", bytes: bytes)
        XCTAssertEqual(try streamed.finish(), try whole.finish())
        XCTAssertEqual(streamed.manifest, whole.manifest)
    }

    func test_inMemoryTarNestsInsideAGzipArchive() throws {
        let inner = ArchiveWriter(inMemory: .none, modificationTime: 1)
        try inner.addDirectory("var/lib/juju")
        try inner.addFile("var/lib/juju/server.pem", bytes: Array("-----BEGIN".utf8))
        let rootTar = try inner.finish()
        XCTAssertEqual(rootTar.count % 10240, 0, "uncompressed tar is padded to whole records, like GNU tar")

        let scratch = ArchiveScratch()
        let path = scratch.file("b.tar.gz")
        let outer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 1)
        try outer.addFile("juju-backup/root.tar", bytes: rootTar)
        _ = try outer.finish()

        let reader = try ArchiveReader(path: path)
        XCTAssertEqual(try reader.next()?.path, "juju-backup/root.tar")
        let nested = try ArchiveReader(bytes: try reader.readAll())
        let entries = try readEntries(nested)
        XCTAssertEqual(entries.map(\.0.path), ["var/lib/juju", "var/lib/juju/server.pem"])
        XCTAssertEqual(entries[1].1, Array("-----BEGIN".utf8))
    }

    func test_readAllReturnsTheRestAfterAChunk() throws {
        let bytes = pseudoRandomBytes(count: 70_000, seed: 11)
        let writer = ArchiveWriter(inMemory: .gzip, modificationTime: 0)
        try writer.addFile("a", bytes: bytes)
        let reader = try ArchiveReader(bytes: try writer.finish())
        _ = try reader.next()
        let head = try XCTUnwrap(try reader.readChunk(maxBytes: 1000))
        let tail = try reader.readAll()
        XCTAssertEqual(head + tail, bytes)
        XCTAssertEqual(try reader.readAll(), [])
        XCTAssertNil(try reader.readChunk())
        XCTAssertEqual(reader.observedManifest, [ManifestEntry(path: "a", size: bytes.count, sha256: sha256Hex(bytes))])
    }

    func test_entriesSkippedWithoutReadingAreStillHashed() throws {
        let first = pseudoRandomBytes(count: 200_000, seed: 1)
        let second = Array("second".utf8)
        let writer = ArchiveWriter(inMemory: .gzip, modificationTime: 0)
        try writer.addFile("one", bytes: first)
        try writer.addDirectory("d")
        try writer.addFile("d/two", bytes: second)
        let reader = try ArchiveReader(bytes: try writer.finish())
        _ = try reader.next()
        _ = try reader.readChunk(maxBytes: 10)  // partly read, then abandoned
        while try reader.next() != nil {}
        XCTAssertEqual(reader.observedManifest, writer.manifest.entries)
        XCTAssertEqual(writer.manifest.entries, [
            ManifestEntry(path: "one", size: first.count, sha256: sha256Hex(first)),
            ManifestEntry(path: "d/two", size: second.count, sha256: sha256Hex(second)),
        ])
    }

    func test_readerNormalisesLeadingDotSlashAndReadsTheRootEntry() throws {
        let archive = rawArchive([
            RawEntry(path: "./", kind: .directory),
            RawEntry(path: "./juju-backup/", kind: .directory),
            .file("./juju-backup//metadata.json", "{}"),
        ])
        let entries = try readEntries(try ArchiveReader(bytes: archive))
        XCTAssertEqual(entries.map(\.0.path), [".", "juju-backup", "juju-backup/metadata.json"])
    }

    func test_nonASCIIAndLongNamesRoundTrip() throws {
        let long = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 150) + ".bson"
        let names = ["notes/été-ü-日本.txt", long]
        let writer = ArchiveWriter(inMemory: .gzip, modificationTime: 0)
        for name in names { try writer.addFile(name, bytes: Array(name.utf8)) }
        let entries = try readEntries(try ArchiveReader(bytes: try writer.finish()))
        XCTAssertEqual(entries.map(\.0.path), names)
        XCTAssertEqual(entries.map(\.1), names.map { Array($0.utf8) })
    }

    func test_insideLinksAreReturnedForTheCallerToDecide() throws {
        let archive = rawArchive([
            .file("a/file"),
            RawEntry(path: "a/b/link", kind: .symlink("../file")),
            RawEntry(path: "a/hard", kind: .hardlink("./a/file")),
        ])
        let entries = try readEntries(try ArchiveReader(bytes: archive))
        XCTAssertEqual(entries.map(\.0.kind), [.file, .symlink("../file"), .hardlink("a/file")])
    }
}
