import XCTest
@testable import Backups

final class ArchiveManifestTests: XCTestCase {
    private let abc = ManifestEntry(
        path: "juju-backup/a", size: 3,
        sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    private let empty = ManifestEntry(
        path: "juju-backup/dump/juju/empty.bson", size: 0,
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    func test_writerRecordsSizeAndSHA256OfEachFile() throws {
        let writer = ArchiveWriter(inMemory: .gzip, modificationTime: 0)
        try writer.addDirectory("juju-backup")
        try writer.addFile("juju-backup/a", bytes: Array("abc".utf8))
        try writer.addFile("juju-backup/dump/juju/empty.bson", bytes: [])
        XCTAssertEqual(writer.manifest.entries, [abc, empty])
    }

    func test_manifestDoesNotListItself() throws {
        let writer = ArchiveWriter(inMemory: .gzip, modificationTime: 0)
        try writer.addFile("juju-backup/a", bytes: Array("abc".utf8))
        try writer.addFile(Manifest.archivePath, bytes: writer.manifest.jsonBytes())
        XCTAssertEqual(writer.manifest.entries, [abc])
        let reader = try ArchiveReader(bytes: try writer.finish())
        _ = try readEntries(reader)
        XCTAssertEqual(writer.manifest.verify(against: reader.observedManifest), [])
    }

    func test_jsonIsStableSortedAndOneEntryPerLine() {
        let text = String(decoding: Manifest(entries: [abc, empty]).jsonBytes(), as: UTF8.self)
        XCTAssertEqual(text, """
            {
              "entries": [
                {"path": "juju-backup/a", "sha256": "\(abc.sha256)", "size": 3},
                {"path": "juju-backup/dump/juju/empty.bson", "sha256": "\(empty.sha256)", "size": 0}
              ]
            }

            """)
        XCTAssertEqual(String(decoding: Manifest().jsonBytes(), as: UTF8.self), "{\n  \"entries\": []\n}\n")
    }

    func test_jsonRoundTripsIncludingNamesNeedingEscapes() throws {
        let odd = ManifestEntry(path: "notes/\"quoted\" \\ été\u{1}", size: 1, sha256: abc.sha256)
        for manifest in [Manifest(), Manifest(entries: [abc, empty, odd])] {
            XCTAssertEqual(try Manifest(jsonBytes: manifest.jsonBytes()), manifest)
        }
    }

    func test_malformedManifestsAreRefusedWithTheReason() {
        let prefix = "invalid manifest juju-backup/manifest.json: "
        let cases: [(String, String)] = [
            ("{", "not the expected JSON (malformed JSON)"),
            ("{}", "not the expected JSON (missing key \"entries\")"),
            (#"{"entries": [{"path": "a", "size": "3", "sha256": "x"}]}"#, "not the expected JSON (wrong type at .entries[0].size)"),
            (entryJSON(path: "a", size: -1, sha: abc.sha256), "path \"a\" has a negative size"),
            (entryJSON(path: "a", size: 1, sha: "ABC"), "path \"a\" has a malformed sha256 \"ABC\""),
            (entryJSON(path: "a", size: 1, sha: abc.sha256.uppercased()), "path \"a\" has a malformed sha256 \"\(abc.sha256.uppercased())\""),
            (entryJSON(path: "../x", size: 1, sha: abc.sha256), "archive entry \"../x\" escapes the archive"),
            (entryJSON(path: "/etc/x", size: 1, sha: abc.sha256), "archive entry \"/etc/x\" has an absolute path"),
            (entryJSON(path: "./a", size: 1, sha: abc.sha256), "path \"./a\" is not a normalised entry path"),
        ]
        for (json, reason) in cases {
            assertArchiveError(prefix + reason) { _ = try Manifest(jsonBytes: Array(json.utf8)) }
        }
        let twice = #"{"entries": [\#(entryObject("a")), \#(entryObject("a"))]}"#
        assertArchiveError(prefix + "path \"a\" is listed twice") { _ = try Manifest(jsonBytes: Array(twice.utf8)) }
    }

    func test_verifyIsEmptyWhenEverythingMatches() {
        XCTAssertEqual(Manifest(entries: [abc, empty]).verify(against: [empty, abc]), [])
    }

    func test_verifyReportsSizeMismatch() {
        var changed = abc
        changed.size = 4
        XCTAssertEqual(Manifest(entries: [abc]).verify(against: [changed]), [
            "size mismatch for \"juju-backup/a\": manifest says 3 bytes, archive has 4",
        ])
    }

    func test_verifyReportsChecksumMismatchNamingThePath() {
        var changed = abc
        changed.sha256 = empty.sha256
        XCTAssertEqual(Manifest(entries: [abc]).verify(against: [changed]), [
            "checksum mismatch for \"juju-backup/a\": manifest says sha256 \(abc.sha256), archive has \(empty.sha256)",
        ])
    }

    func test_verifyReportsMissingAndUnexpectedEntries() {
        let extra = ManifestEntry(path: "juju-backup/extra", size: 1, sha256: abc.sha256)
        XCTAssertEqual(Manifest(entries: [abc, empty]).verify(against: [extra, abc]), [
            "missing entry \"juju-backup/dump/juju/empty.bson\": listed in the manifest but not in the archive",
            "unexpected entry \"juju-backup/extra\": in the archive but not listed in the manifest",
        ])
    }

    func test_verifyReportsDuplicateEntriesAndIgnoresTheManifestFile() {
        let manifestFile = ManifestEntry(path: Manifest.archivePath, size: 10, sha256: abc.sha256)
        XCTAssertEqual(Manifest(entries: [abc]).verify(against: [abc, manifestFile, abc]), [
            "duplicate entry \"juju-backup/a\" in the archive",
        ])
    }

    func test_tamperedArchiveFailsVerificationAgainstItsManifest() throws {
        let writer = ArchiveWriter(inMemory: .none, modificationTime: 0)
        try writer.addFile("data", bytes: Array(repeating: 0x41, count: 600))
        var tar = try writer.finish()
        tar[512 + 100] = 0x42  // inside the file's data, which no tar checksum covers
        let reader = try ArchiveReader(bytes: tar)
        _ = try readEntries(reader)
        let problems = writer.manifest.verify(against: reader.observedManifest)
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].hasPrefix("checksum mismatch for \"data\""), problems[0])
    }

    private func entryObject(_ path: String) -> String {
        #"{"path": "\#(path)", "size": 1, "sha256": "\#(abc.sha256)"}"#
    }

    private func entryJSON(path: String, size: Int, sha: String) -> String {
        #"{"entries": [{"path": "\#(path)", "size": \#(size), "sha256": "\#(sha)"}]}"#
    }
}
