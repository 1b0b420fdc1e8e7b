import ArchiveFixtures
import Backups
import Foundation
import XCTest

/// DESIGN §6 and issue 6's matrix: every broken or hostile archive gets a clear error, a non-zero
/// exit, and leaves no environment (nor file) behind.
final class BackupBadInputTests: XCTestCase {
    var cli: QuorumCLI!
    private var good: [(String, [UInt8])] = []
    private var goodBytes: [UInt8] = []

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual", "--agent-version", "1.25.6"])
        try cli.ok(["create-backup", "--filename", "good.tar.gz"])
        goodBytes = [UInt8](try cli.read("good.tar.gz"))
        let reader = try ArchiveReader(bytes: goodBytes)
        while let header = try reader.next() {
            good.append((header.path, header.kind == .file ? try reader.readAll() : []))
        }
    }

    override func tearDown() { cli.cleanUp() }

    /// The good archive's entries, changed by `transform`, written raw (no safety checks).
    private func rewritten(manifest keep: Bool = true, _ transform: ([(String, [UInt8])]) -> [RawEntry]) -> [UInt8] {
        let entries = good.filter { keep || $0.0 != Manifest.archivePath }
        return rawArchive(transform(entries), gzip: true)
    }

    private func files(_ entries: [(String, [UInt8])]) -> [RawEntry] {
        entries.map { RawEntry(path: $0.0, kind: .file($0.1)) }
    }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: cli.path(name)))
        return name
    }

    /// restore-backup and verify-backup both refuse `file` with `message`; nothing is created.
    private func assertRefused(_ file: String, _ message: String, restoreArguments: [String] = [],
                               file sourceFile: StaticString = #filePath, line: UInt = #line) throws {
        let restore = try cli.run(["restore-backup", file, "--into", "restored", "--clock", "virtual"] + restoreArguments)
        XCTAssertEqual(restore.code, 1, file: sourceFile, line: line)
        XCTAssertEqual(restore.stdout, "", file: sourceFile, line: line)
        XCTAssertTrue(restore.stderr.hasPrefix("error: \(message)"), "restore said: \(restore.stderr)", file: sourceFile, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("restored")), "no environment left behind", file: sourceFile, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.path("")).filter { $0.contains("restored") }
        XCTAssertEqual(leftovers, [], file: sourceFile, line: line)
        guard restoreArguments.isEmpty else { return }
        let verify = try cli.run(["verify-backup", file])
        XCTAssertEqual(verify.code, 1, file: sourceFile, line: line)
        XCTAssertTrue(verify.stderr.hasPrefix("error: \(message)"), "verify said: \(verify.stderr)", file: sourceFile, line: line)
    }

    func test_truncatedGzip() throws {
        try assertRefused(try write("t.tar.gz", Array(goodBytes.prefix(goodBytes.count / 2))), "truncated archive: ")
    }

    func test_truncatedTar() throws {
        let tar = rawArchive(files(good.filter { $0.0 != BackupLayout.root && $0.0 != BackupLayout.dump }), gzip: false)
        try assertRefused(try write("t.tar", Array(tar.prefix(tar.count - 1_500))), "truncated archive: ")
    }

    func test_corruptedBSONWithoutAManifest() throws {
        let bytes = rewritten(manifest: false) { entries in
            files(entries.map { entry in
                guard entry.0 == "juju-backup/dump/juju/machines.bson" else { return entry }
                var corrupted = entry.1
                corrupted[4] = 0x7F
                return (entry.0, corrupted)
            })
        }
        try assertRefused(try write("c.tar.gz", bytes), "juju-backup/dump/juju/machines.bson: invalid BSON: document 0 at offset 0")
    }

    func test_manifestChecksumMismatch() throws {
        let bytes = rewritten { entries in
            files(entries.map { entry in
                guard entry.0 == "juju-backup/dump/juju/settings.bson" else { return entry }
                var changed = entry.1
                changed[changed.count - 2] ^= 0x01
                return (entry.0, changed)
            })
        }
        try assertRefused(try write("m.tar.gz", bytes), "corrupted archive: the manifest does not match: ")
    }

    func test_entryClimbingOutOfTheArchive() throws {
        try assertRefused(try write("p.tar.gz", rewritten { files($0) + [RawEntry.file("juju-backup/../x")] }), "archive entry \"juju-backup/../x\" escapes the archive")
        try assertRefused(try write("q.tar.gz", rewritten { [RawEntry.file("../x")] + files($0) }), "archive entry \"../x\" escapes the archive")
    }

    func test_absolutePath() throws {
        try assertRefused(try write("a.tar.gz", rewritten { [RawEntry.file("/etc/passwd")] + files($0) }), "archive entry \"/etc/passwd\" has an absolute path")
    }

    func test_symlinkEscapingTheTarget() throws {
        let bytes = rewritten { files($0) + [RawEntry(path: "juju-backup/l", kind: .symlink("../../etc"))] }
        try assertRefused(try write("s.tar.gz", bytes), "archive entry \"juju-backup/l\" is a link pointing outside the archive (\"../../etc\")")
    }

    func test_hardLinkEscapingTheTarget() throws {
        let bytes = rewritten { files($0) + [RawEntry(path: "juju-backup/h", kind: .hardlink("../x"))] }
        try assertRefused(try write("h.tar.gz", bytes), "archive entry \"juju-backup/h\" is a link pointing outside the archive (\"../x\")")
    }

    func test_unknownFormatVersion() throws {
        let bytes = rewritten(manifest: false) { entries in
            files(entries.map { $0.0 == BackupLayout.metadata ? ($0.0, Array(#"{"FormatVersion": 3}"#.utf8)) : $0 })
        }
        try assertRefused(try write("f.tar.gz", bytes), "backup format 3 not supported")
    }

    func test_missingMetadataField() throws {
        let bytes = rewritten(manifest: false) { entries in
            files(entries.map { entry in
                guard entry.0 == BackupLayout.metadata else { return entry }
                let text = String(decoding: entry.1, as: UTF8.self).replacingOccurrences(of: "\"Machine\":\"0\",", with: "")
                return (entry.0, Array(text.utf8))
            })
        }
        try assertRefused(try write("n.tar.gz", bytes), "metadata.json: missing field \"Machine\"")
    }

    func test_legacyArchiveGivenToAModernRestore() throws {
        try assertRefused("good.tar.gz", "good.tar.gz is a legacy (MongoDB) backup; a modern controller restores format 2 backups only",
                          restoreArguments: ["--flavor", "modern"])
    }

    func test_emptyFile() throws {
        try assertRefused(try write("empty.tar.gz", []), "empty.tar.gz is empty")
    }

    func test_directoryInsteadOfAFile() throws {
        try FileManager.default.createDirectory(atPath: cli.path("dir.tar.gz"), withIntermediateDirectories: false)
        try assertRefused("dir.tar.gz", "dir.tar.gz is a directory, not a backup archive")
    }

    func test_missingFile() throws {
        try assertRefused("nothing.tar.gz", "no such file: nothing.tar.gz")
    }

    func test_garbage() throws {
        try assertRefused(try write("g.tar.gz", Array(repeating: 0x5A, count: 4_096)), "not a backup archive (not a tar or tar.gz file)")
    }

    func test_createBackupRefusesADirectoryAsItsFile() throws {
        try FileManager.default.createDirectory(atPath: cli.path("out"), withIntermediateDirectories: false)
        let result = try cli.run(["create-backup", "--filename", "out"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: out is a directory\n")
    }
}
