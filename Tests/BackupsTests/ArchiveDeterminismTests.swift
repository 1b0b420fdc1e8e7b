import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import Backups

final class ArchiveDeterminismTests: XCTestCase {
    private func writeSample(to path: String, modificationTime: Int64) throws {
        let writer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: modificationTime)
        try writer.addDirectory("juju-backup")
        try writer.addFile("juju-backup/metadata.json", bytes: Array("{}".utf8))
        try writer.addFile("juju-backup/dump/juju/machines.bson", bytes: pseudoRandomBytes(count: 50_000, seed: 9))
        _ = try writer.finish()
    }

    func test_sameContentAndModificationTimeGiveIdenticalBytesAtDifferentRealTimes() throws {
        let scratch = ArchiveScratch()
        try writeSample(to: scratch.file("first.tar.gz"), modificationTime: 1_700_000_000)
        // gzip's header time has one-second resolution: cross a second boundary for certain.
        usleep(1_100_000)
        try writeSample(to: scratch.file("second.tar.gz"), modificationTime: 1_700_000_000)
        let first = scratch.read("first.tar.gz")
        XCTAssertFalse(first.isEmpty)
        XCTAssertEqual(first, scratch.read("second.tar.gz"))
    }

    func test_modificationTimeIsWhatChangesTheBytes() throws {
        let scratch = ArchiveScratch()
        try writeSample(to: scratch.file("a.tar.gz"), modificationTime: 1)
        try writeSample(to: scratch.file("b.tar.gz"), modificationTime: 2)
        XCTAssertNotEqual(scratch.read("a.tar.gz"), scratch.read("b.tar.gz"))
    }

    func test_gzipHeaderCarriesNoTimestampAndNoFileName() throws {
        let scratch = ArchiveScratch()
        try writeSample(to: scratch.file("a.tar.gz"), modificationTime: 1)
        let header = Array(scratch.read("a.tar.gz").prefix(10))
        XCTAssertEqual(Array(header[0...2]), [0x1f, 0x8b, 0x08], "gzip magic, deflate")
        XCTAssertEqual(header[3], 0, "FLG: no FNAME, no FCOMMENT, no FEXTRA")
        XCTAssertEqual(Array(header[4...7]), [0, 0, 0, 0], "MTIME unset")
    }

    func test_headersSayRootOwnerFixedModesAndTheGivenTime() throws {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0o1234567)
        try writer.addDirectory("d")
        try writer.addFile("d/f", bytes: [1])
        let tar = try writer.finish()
        // ustar header fields (octal text): mode at 100, uid 108, gid 116, mtime 136, uname 265.
        func field(_ header: Int, _ offset: Int, _ length: Int) -> String {
            String(decoding: tar[(header + offset)..<(header + offset + length)].prefix { $0 != 0 }, as: UTF8.self)
        }
        XCTAssertEqual(field(0, 0, 100), "d/")
        XCTAssertEqual(field(0, 100, 8), "000755 ")
        XCTAssertEqual(field(512, 100, 8), "000644 ")
        for header in [0, 512] {
            XCTAssertEqual(field(header, 108, 8), "000000 ")
            XCTAssertEqual(field(header, 116, 8), "000000 ")
            XCTAssertEqual(field(header, 136, 12), "00001234567 ")
            XCTAssertEqual(field(header, 265, 32), "root")
            XCTAssertEqual(field(header, 297, 32), "root")
        }
    }
}
