import XCTest
@testable import Backups

/// Entries that would write outside the extraction directory are refused by the reader,
/// whatever tool made the archive, and never produced by the writer.
final class ArchivePathSafetyTests: XCTestCase {
    private func assertRefused(_ entries: [RawEntry], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        for gzip in [false, true] {
            XCTAssertEqual(archiveError(reading: rawArchive(entries, gzip: gzip))?.description, message, file: file, line: line)
        }
    }

    func test_readerRefusesEntryNamedDotDot() {
        assertRefused([.file("../x")], "archive entry \"../x\" escapes the archive")
    }

    func test_readerRefusesEntryClimbingOutOfArchive() {
        assertRefused([.file("ok"), .file("a/../../x")], "archive entry \"a/../../x\" escapes the archive")
    }

    func test_readerRefusesDotDotEvenWhenItStaysInside() {
        assertRefused([.file("a/../b")], "archive entry \"a/../b\" escapes the archive")
    }

    func test_readerRefusesAbsolutePath() {
        assertRefused([.file("/etc/passwd")], "archive entry \"/etc/passwd\" has an absolute path")
    }

    func test_readerRefusesSymlinkClimbingOut() {
        assertRefused([RawEntry(path: "a/l", kind: .symlink("../../etc"))],
                      "archive entry \"a/l\" is a link pointing outside the archive (\"../../etc\")")
    }

    func test_readerRefusesSymlinkToAbsolutePath() {
        assertRefused([RawEntry(path: "a/passwd", kind: .symlink("/etc/passwd"))],
                      "archive entry \"a/passwd\" is a link pointing outside the archive (\"/etc/passwd\")")
    }

    func test_readerRefusesHardlinkClimbingOut() {
        assertRefused([RawEntry(path: "h", kind: .hardlink("../x"))],
                      "archive entry \"h\" is a link pointing outside the archive (\"../x\")")
    }

    func test_readerRefusesHardlinkToAbsolutePath() {
        assertRefused([RawEntry(path: "h", kind: .hardlink("/etc/shadow"))],
                      "archive entry \"h\" is a link pointing outside the archive (\"/etc/shadow\")")
    }

    func test_readerResolvesSymlinksFromTheLinkDirectory() throws {
        // "../x" from "a/b/" is "a/x": inside. From the root it would be outside.
        let inside = rawArchive([RawEntry(path: "a/b/l", kind: .symlink("../x"))])
        XCTAssertEqual(try readEntries(try ArchiveReader(bytes: inside)).map(\.0.kind), [.symlink("../x")])
        assertRefused([RawEntry(path: "l", kind: .symlink("../x"))],
                      "archive entry \"l\" is a link pointing outside the archive (\"../x\")")
    }

    func test_readerAcceptsSymlinkStayingInside() throws {
        let archive = rawArchive([
            .file("var/lib/juju/tools/1.20.14-trusty-amd64/jujud"),
            RawEntry(path: "var/lib/juju/tools/machine-0", kind: .symlink("1.20.14-trusty-amd64")),
            RawEntry(path: "var/lib/juju/dot", kind: .symlink(".")),
        ])
        let headers = try readEntries(try ArchiveReader(bytes: archive)).map(\.0)
        XCTAssertEqual(headers.map(\.kind), [.file, .symlink("1.20.14-trusty-amd64"), .symlink(".")])
    }

    func test_readerRefusesCharacterDevice() {
        assertRefused([RawEntry(path: "dev/null", kind: .characterDevice)],
                      "archive entry \"dev/null\" is a character device; backup archives hold only files, directories and links")
    }

    func test_readerRefusesFifo() {
        assertRefused([RawEntry(path: "pipe", kind: .fifo)],
                      "archive entry \"pipe\" is a named pipe; backup archives hold only files, directories and links")
    }

    func test_readerRefusesLinkNamedAsTheRoot() {
        assertRefused([RawEntry(path: ".", kind: .symlink("x"))], "archive entry \".\" names the archive root but is not a directory")
    }

    func test_writerRefusesUnsafePaths() {
        let writer = ArchiveWriter(inMemory: .gzip, modificationTime: 0)
        assertArchiveError("archive entry \"../x\" escapes the archive") { try writer.addFile("../x", bytes: []) }
        assertArchiveError("archive entry \"a/../../x\" escapes the archive") { try writer.addDirectory("a/../../x") }
        assertArchiveError("archive entry \"/etc/passwd\" has an absolute path") { try writer.beginFile("/etc/passwd", size: 1) }
        assertArchiveError("archive entry \"\" has an empty path") { try writer.addFile("", bytes: []) }
        assertArchiveError("archive entry \"./\" names the archive root itself") { try writer.addDirectory("./") }
        // A refused name leaves the writer usable.
        XCTAssertNoThrow(try writer.addFile("fine", bytes: [1]))
        XCTAssertEqual(writer.manifest.entries.map(\.path), ["fine"])
    }

    func test_entryNamesInMessagesAreEscaped() {
        assertRefused([.file("../\"x\"\n")], "archive entry \"../\\\"x\\\"\\n\" escapes the archive")
    }
}
