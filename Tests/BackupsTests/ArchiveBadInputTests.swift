import XCTest
@testable import Backups

/// Damaged and foreign inputs: each must give a clear error, never a crash and never a
/// silently shorter archive.
final class ArchiveBadInputTests: XCTestCase {
    private func sampleArchive(compression: ArchiveCompression) throws -> [UInt8] {
        let writer = ArchiveWriter(inMemory: compression, modificationTime: 0)
        try writer.addDirectory("juju-backup")
        for index in 0..<4 {
            try writer.addFile("juju-backup/dump/juju/c\(index).bson", bytes: pseudoRandomBytes(count: 30_000, seed: UInt64(index + 1)))
        }
        return try writer.finish()
    }

    private func assertTruncated(_ error: ArchiveError?, file: StaticString = #filePath, line: UInt = #line) {
        guard case .truncated = error else {
            return XCTFail("expected a truncation error, got \(String(describing: error))", file: file, line: line)
        }
        XCTAssertTrue(error!.description.hasPrefix("truncated archive: "), file: file, line: line)
    }

    func test_readerRefusesGzipCutInTheMiddle() throws {
        let archive = try sampleArchive(compression: .gzip)
        let error = archiveError(reading: Array(archive.prefix(archive.count / 2)))
        assertTruncated(error)
        XCTAssertEqual(error?.description, "truncated archive: truncated gzip input")
    }

    func test_readerRefusesGzipCutInsideItsTrailer() throws {
        // libarchive 3.6 fails here without a message; the reader supplies one.
        let archive = try sampleArchive(compression: .gzip)
        for cut in [1, 4, 8] {
            XCTAssertEqual(archiveError(reading: Array(archive.dropLast(cut)))?.description,
                           "truncated archive: gzip stream ends before its trailer", "cut \(cut)")
        }
    }

    func test_readerRefusesTarCutInsideAnEntry() throws {
        let archive = try sampleArchive(compression: .none)
        assertTruncated(archiveError(reading: Array(archive.prefix(512 + 512 + 10_000))))
        assertTruncated(archiveError(reading: Array(archive.prefix(512 + 100))))  // inside a header
    }

    func test_readerRefusesTarCutExactlyBetweenEntries() throws {
        let archive = try sampleArchive(compression: .none)
        // directory header + first file's header and 30000 bytes padded to 30208
        let boundary = 512 + 512 + 30_208
        XCTAssertEqual(archiveError(reading: Array(archive.prefix(boundary)))?.description,
                       "truncated archive: the tar stream ends without an end-of-archive marker after entry \"juju-backup/dump/juju/c0.bson\"")
    }

    func test_readerRefusesAnyTruncationWithoutCrashing() throws {
        for compression in [ArchiveCompression.gzip, .none] {
            let archive = try sampleArchive(compression: compression)
            let valid = compression == .none ? archive.count - 10240 + 1024 : archive.count
            for length in stride(from: 1, to: valid, by: 997) {
                XCTAssertNotNil(archiveError(reading: Array(archive.prefix(length))), "\(compression) cut at \(length)")
            }
        }
    }

    func test_readerRefusesGarbage() {
        XCTAssertEqual(archiveError(reading: Array("this is not an archive, just some words".utf8))?.description,
                       "not a backup archive (not a tar or tar.gz file): Unrecognized archive format")
    }

    func test_readerRefusesRandomBytes() {
        for seed in 1...20 {
            let error = archiveError(reading: pseudoRandomBytes(count: 4096, seed: UInt64(seed)))
            XCTAssertEqual(error?.description, "not a backup archive (not a tar or tar.gz file): Unrecognized archive format")
        }
    }

    func test_readerRefusesGzipOfSomethingOtherThanTar() {
        let error = archiveError(reading: gzipOnly(Array(String(repeating: "{\"not\": \"a tar\"}\n", count: 500).utf8)))
        XCTAssertEqual(error?.description, "not a backup archive (not a tar or tar.gz file): Unrecognized archive format")
    }

    func test_readerRefusesCorruptedHeaderChecksum() throws {
        var archive = try sampleArchive(compression: .none)
        archive[512 + 5] ^= 0x20  // a name byte of the second header
        let error = archiveError(reading: archive)
        XCTAssertEqual(error?.description, "corrupted archive: Damaged tar archive")
        archive = try sampleArchive(compression: .none)
        archive[3] ^= 0x20  // the very first header: nothing recognisable is left
        XCTAssertEqual(archiveError(reading: archive)?.description,
                       "not a backup archive (not a tar or tar.gz file): Unrecognized archive format")
    }

    func test_readerRefusesCorruptedHeaderInsideGzip() throws {
        let tar = try sampleArchive(compression: .none)
        var damaged = tar
        damaged[512 + 512 + 30_208 + 7] ^= 0x01  // third header's name
        let reader = try ArchiveReader(bytes: gzipOnly(damaged))
        XCTAssertThrowsError(try readEntries(reader)) { error in
            XCTAssertEqual((error as? ArchiveError)?.description, "corrupted archive: Damaged tar archive")
        }
    }

    func test_readerRefusesEmptyFile() {
        let scratch = ArchiveScratch()
        let path = scratch.write("empty.tar.gz", [])
        assertArchiveError("\(path) is empty") { _ = try ArchiveReader(path: path) }
    }

    func test_readerRefusesDirectoryInsteadOfFile() {
        let scratch = ArchiveScratch()
        assertArchiveError("\(scratch.path) is a directory, not a backup archive") { _ = try ArchiveReader(path: scratch.path) }
    }

    func test_readerRefusesMissingFile() {
        let scratch = ArchiveScratch()
        let path = scratch.file("nope.tar.gz")
        assertArchiveError("no such file: \(path)") { _ = try ArchiveReader(path: path) }
        assertArchiveError("no such file: \(path)/inner") { _ = try ArchiveReader(path: path + "/inner") }
    }

    func test_readerRefusesEmptyMemoryArchive() {
        assertArchiveError("not a backup archive (not a tar or tar.gz file): the archive data is empty") {
            _ = try ArchiveReader(bytes: [])
        }
    }

    func test_readerRefusesTruncatedFileOnDisk() throws {
        let scratch = ArchiveScratch()
        let archive = try sampleArchive(compression: .gzip)
        let path = scratch.write("cut.tar.gz", Array(archive.prefix(archive.count - 2000)))
        XCTAssertEqual(archiveError(readingFile: path)?.description, "truncated archive: truncated gzip input")
    }

    func test_readerKeepsFailingAfterAnError() throws {
        let archive = try sampleArchive(compression: .none)
        let reader = try ArchiveReader(bytes: Array(archive.prefix(40_000)))
        XCTAssertThrowsError(try readEntries(reader)) { error in
            guard case .truncated(let detail) = error as? ArchiveError else { return XCTFail("\(error)") }
            assertArchiveError("truncated archive: \(detail)") { _ = try reader.next() }
            assertArchiveError("truncated archive: \(detail)") { _ = try reader.readChunk() }
            assertArchiveError("truncated archive: \(detail)") { _ = try reader.readAll() }
        }
    }

    func test_readerSurvivesRandomCorruption() throws {
        // Whatever the damage, the reader returns entries or an ArchiveError; it never traps.
        for compression in [ArchiveCompression.gzip, .none] {
            let archive = try sampleArchive(compression: compression)
            let noise = pseudoRandomBytes(count: 600, seed: 99)
            for round in 0..<150 {
                var damaged = archive
                for flip in 0..<4 {
                    let position = Int(noise[round * 4 + flip]) * 251 * (round + 1) % min(archive.count, 40_000)
                    damaged[position] ^= noise[(round * 4 + flip + 1) % noise.count] | 1
                }
                _ = archiveError(reading: damaged)
            }
        }
    }

    #if os(Linux)
    func test_readersAndWritersCloseTheirFiles() throws {
        let scratch = ArchiveScratch()
        let good = scratch.write("good.tar.gz", try sampleArchive(compression: .gzip))
        let cut = scratch.write("cut.tar.gz", Array(try sampleArchive(compression: .gzip).prefix(5000)))
        let before = openDescriptorCount()
        for _ in 0..<20 {
            _ = archiveError(readingFile: good)
            _ = archiveError(readingFile: cut)
            _ = try ArchiveReader(path: good).next()
            let writer = try ArchiveWriter(path: scratch.file("w.tar.gz"), compression: .gzip, modificationTime: 0)
            try writer.beginFile("abandoned", size: 10)
        }
        XCTAssertEqual(openDescriptorCount(), before)
    }

    private func openDescriptorCount() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return count
    }
    #endif

    func test_emptyTarWithEndMarkerReadsAsNoEntries() throws {
        let reader = try ArchiveReader(bytes: [UInt8](repeating: 0, count: 1024))
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.observedManifest, [])
    }
}
