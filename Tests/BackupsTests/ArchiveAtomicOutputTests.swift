import Foundation
import XCTest
@testable import Backups

final class ArchiveAtomicOutputTests: XCTestCase {
    private struct Boom: Error {}

    func test_successLeavesExactlyTheTarget() throws {
        let scratch = ArchiveScratch()
        let target = scratch.file("backup.tar.gz")
        var temporary = ""
        try AtomicOutput.write(to: target) { path in
            temporary = path
            let writer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 0)
            try writer.addFile("a", bytes: [1, 2, 3])
            _ = try writer.finish()
        }
        #if os(Linux)
        XCTAssertTrue(temporary.hasPrefix("/proc/self/fd/"), "an unnamed file: \(temporary)")
        #else
        XCTAssertEqual(temporary, scratch.file(".backup.tar.gz.tmp-\(getpid())"))
        #endif
        XCTAssertEqual(scratch.listing(), ["backup.tar.gz"])
        let entries = try readEntries(try ArchiveReader(path: target))
        XCTAssertEqual(entries.map(\.1), [[1, 2, 3]])
    }

    /// What SIGKILL in the middle of a write would leave: on Linux, nothing with a name.
    func test_nothingHasANameWhileTheOutputIsWritten() throws {
        let scratch = ArchiveScratch()
        var during: [String] = []
        try AtomicOutput.write(to: scratch.file("backup.tar.gz")) { path in
            let writer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 0)
            try writer.addFile("a", bytes: pseudoRandomBytes(count: 100_000, seed: 2))
            during = scratch.listing()
            _ = try writer.finish()
        }
        #if os(Linux)
        XCTAssertEqual(during, [])
        #endif
        XCTAssertEqual(scratch.listing(), ["backup.tar.gz"])
    }

    func test_errorLeavesNeitherTemporaryNorTarget() {
        let scratch = ArchiveScratch()
        XCTAssertThrowsError(try AtomicOutput.write(to: scratch.file("backup.tar.gz")) { path in
            let writer = try ArchiveWriter(path: path, compression: .gzip, modificationTime: 0)
            try writer.addFile("a", bytes: pseudoRandomBytes(count: 100_000, seed: 1))
            throw Boom()
        }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(scratch.listing(), [])
    }

    func test_errorKeepsAnExistingTargetUnchanged() throws {
        let scratch = ArchiveScratch()
        let target = scratch.write("backup.tar.gz", [42])
        XCTAssertThrowsError(try AtomicOutput.write(to: target) { path in
            try Data([1, 2]).write(to: URL(fileURLWithPath: path))
            throw Boom()
        })
        XCTAssertEqual(scratch.listing(), ["backup.tar.gz"])
        XCTAssertEqual(scratch.read("backup.tar.gz"), [42])
    }

    func test_successReplacesAnExistingTarget() throws {
        let scratch = ArchiveScratch()
        let target = scratch.write("out", [1])
        try AtomicOutput.write(to: target) { path in try Data([2, 3]).write(to: URL(fileURLWithPath: path)) }
        XCTAssertEqual(scratch.listing(), ["out"])
        XCTAssertEqual(scratch.read("out"), [2, 3])
    }

    func test_bodyThatWritesNothingPublishesAnEmptyFileOrFails() {
        let scratch = ArchiveScratch()
        let target = scratch.file("out")
        #if os(Linux)
        // The unnamed file exists from the start, so writing nothing means an empty output.
        XCTAssertNoThrow(try AtomicOutput.write(to: target) { _ in })
        XCTAssertEqual(scratch.listing(), ["out"])
        XCTAssertEqual(scratch.read("out"), [])
        #else
        XCTAssertThrowsError(try AtomicOutput.write(to: target) { _ in }) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot write \(target): "), "\(error)")
        }
        XCTAssertEqual(scratch.listing(), [])
        #endif
    }

    func test_refusesADirectoryAsTarget() {
        let scratch = ArchiveScratch()
        var ran = false
        assertArchiveError("\(scratch.path) is a directory") { try AtomicOutput.write(to: scratch.path) { _ in ran = true } }
        XCTAssertFalse(ran)
    }

    func test_refusesATargetWhoseDirectoryIsMissing() {
        let scratch = ArchiveScratch()
        let target = scratch.file("missing/out.tar.gz")
        assertArchiveError("cannot write \(target): directory \(scratch.file("missing")) does not exist") {
            try AtomicOutput.write(to: target) { _ in }
        }
    }
}
