import ArchiveFixtures
import Backups
import Foundation
import XCTest

/// `quorum fixtures generate` and `quorum migrate-backup` end to end, through the built binary.
final class MigrateBackupTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    private func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cli.path("")).sorted()
    }

    func test_fixturesAreDeterministicPerSeed() throws {
        for flavor in ["legacy", "modern"] {
            try cli.ok(["fixtures", "generate", "--flavor", flavor, "--machines", "4", "--units", "7", "--docs", "300", "--seed", "9", "-o", "a.tar.gz"])
            try cli.ok(["fixtures", "generate", "--flavor", flavor, "--machines", "4", "--units", "7", "--docs", "300", "--seed", "9", "-o", "b.tar.gz"])
            try cli.ok(["fixtures", "generate", "--flavor", flavor, "--machines", "4", "--units", "7", "--docs", "300", "--seed", "10", "-o", "c.tar.gz"])
            XCTAssertEqual(try cli.read("a.tar.gz"), try cli.read("b.tar.gz"), flavor)
            XCTAssertNotEqual(try cli.read("a.tar.gz"), try cli.read("c.tar.gz"), flavor)
            let verified = try cli.ok(["verify-backup", "a.tar.gz"])
            XCTAssertTrue(verified.hasSuffix("OK\n"), verified)
            for name in ["a.tar.gz", "b.tar.gz", "c.tar.gz"] { try FileManager.default.removeItem(atPath: cli.path(name)) }
        }
    }

    func test_legacyToModernAndBackWithVerify() throws {
        let generated = try cli.ok(["fixtures", "generate", "--flavor", "legacy", "--agent-version", "1.25.6", "--machines", "5", "--units", "9",
                                    "--docs", "2000", "--seed", "3", "-o", "legacy.tar.gz"])
        XCTAssertEqual(generated, "wrote legacy.tar.gz: legacy, 5 machines, 9 units, 2000 documents\n")
        let forward = try cli.ok(["migrate-backup", "legacy.tar.gz", "-o", "modern.tar.gz", "--verify"])
        XCTAssertTrue(forward.hasPrefix("legacy → modern: legacy.tar.gz → modern.tar.gz\n"), forward)
        XCTAssertTrue(forward.contains("  juju.machines: 5 documents: 5 → machine\n"), forward)
        XCTAssertTrue(forward.contains("  logs.logs: "), forward)
        XCTAssertTrue(forward.contains("verified: 15 collections, counts and digests equal"), forward)
        let modern = try cli.ok(["verify-backup", "modern.tar.gz"])
        XCTAssertTrue(modern.contains("format: modern (format 2)"), modern)
        XCTAssertTrue(modern.contains("  machine: 5\n"), modern)
        XCTAssertTrue(modern.contains("  unit: 9\n"), modern)
        let back = try cli.ok(["migrate-backup", "modern.tar.gz", "-o", "back.tar.gz", "--to", "legacy", "--verify"])
        XCTAssertTrue(back.hasPrefix("modern → legacy: modern.tar.gz → back.tar.gz\n"), back)
        let before = try cli.ok(["verify-backup", "legacy.tar.gz"]).split(separator: "\n").dropFirst()
        let after = try cli.ok(["verify-backup", "back.tar.gz"]).split(separator: "\n").dropFirst()
        XCTAssertEqual(Array(before), Array(after))
        XCTAssertEqual(try files(), ["back.tar.gz", "legacy.tar.gz", "modern.tar.gz"], "no pivot left behind")
    }

    func test_dryRunReportsAndWritesNothing() throws {
        try cli.ok(["fixtures", "generate", "--flavor", "legacy", "--docs", "100", "--seed", "1", "-o", "legacy.tar.gz"])
        let out = try cli.ok(["migrate-backup", "legacy.tar.gz", "-o", "modern.tar.gz", "--dry-run"])
        XCTAssertTrue(out.hasPrefix("dry run, legacy → modern: nothing written\n"), out)
        XCTAssertTrue(out.contains("  juju.stateServers: 3 documents: 1 → controller, 3 → controller_api_address, 3 → controller_node, 3 kept as they are\n"), out)
        XCTAssertEqual(try files(), ["legacy.tar.gz"])
    }

    func test_badInputStopsWithCollectionDocumentAndReasonAndLeavesNoFile() throws {
        try cli.ok(["fixtures", "generate", "--flavor", "legacy", "--docs", "100", "--seed", "1", "-o", "legacy.tar.gz"])
        // A unit document cut in the middle of the collection.
        let reader = try ArchiveReader(path: cli.path("legacy.tar.gz"))
        var entries: [RawEntry] = []
        while let header = try reader.next() {
            guard header.kind == .file, header.path != Manifest.archivePath else { continue }
            var bytes = try reader.readAll()
            if header.path == BackupLayout.collectionBSON("juju", "units") {
                let documents = try MongoDumpFiles.documents(in: bytes, entry: header.path).map { try $0.encode() }
                var broken = documents[1]
                broken[broken.count - 1] = 0x07
                bytes = documents[0] + broken + documents[2...].flatMap { $0 }
            }
            entries.append(RawEntry(path: header.path, kind: .file(bytes)))
        }
        try Data(rawArchive(entries, gzip: true)).write(to: URL(fileURLWithPath: cli.path("bad.tar.gz")))
        let result = try cli.run(["migrate-backup", "bad.tar.gz", "-o", "out.tar.gz"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.hasPrefix("error: juju.units: document 1: missing terminator"), result.stderr)
        let wrong = try cli.run(["migrate-backup", "legacy.tar.gz", "-o", "out.tar.gz", "--to", "legacy"])
        XCTAssertEqual(wrong.code, 1)
        XCTAssertTrue(wrong.stderr.hasPrefix("error: legacy.tar.gz is already a legacy (MongoDB) backup"), wrong.stderr)
        XCTAssertEqual(try files(), ["bad.tar.gz", "legacy.tar.gz"])
    }

    func test_migratedBackupRestoresIntoAModernController() throws {
        try cli.ok(["fixtures", "generate", "--flavor", "legacy", "--machines", "5", "--units", "8", "--docs", "300", "--seed", "2", "-o", "legacy.tar.gz"])
        try cli.ok(["migrate-backup", "legacy.tar.gz", "-o", "modern.tar.gz"])
        let restored = try cli.ok(["restore-backup", "modern.tar.gz", "--into", "restored", "--clock", "virtual", "--seed", "1"])
        XCTAssertEqual(restored, "restore from \"modern.tar.gz\" completed\n")
        let show = try cli.ok(["show-controller"])
        guard case .modern(let backup) = try BackupReader.read(path: cli.path("modern.tar.gz")).0 else { return XCTFail("not modern") }
        XCTAssertTrue(show.contains("model-uuid: \(backup.metadata.modelUUID)"), show)
        XCTAssertTrue(show.contains("agent-version: 4.0.0"), show)
        XCTAssertTrue(show.contains("machine-count: 3"), show)
        let status = try cli.ok(["status", "-m", "controller"]).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(status.dropFirst().map { $0[0] }, ["0", "3", "4"], "the new controller and the migrated machines that host units")
        XCTAssertEqual(status.dropFirst().map { $0[1] }, ["started", "started", "started"])
        XCTAssertEqual(status[1].last, "voter*")
        XCTAssertEqual(status[2][3], "juju-\(backup.metadata.modelUUID.prefix(6))-machine-3", "the instance the legacy environment recorded")
        // New machines are numbered after the migrated ones.
        XCTAssertEqual(try cli.ok(["enable-ha", "-n", "3"]), "maintaining machines: 0\nadding machines: 5, 6\n")
        // The restored controller's database holds the migrated rows: a backup of it shows them.
        try cli.ok(["create-backup", "--filename", "after.tar.gz"])
        guard case .modern(let after) = try BackupReader.read(path: cli.path("after.tar.gz")).0 else { return XCTFail("not modern") }
        func column(_ table: String, _ name: String) -> [String] {
            guard let t = after.controller.table(table), let i = t.columns.firstIndex(of: name) else { return [] }
            return t.sqlRows.compactMap { if case .text(let v) = $0[i] { return v } else { return nil } }
        }
        XCTAssertEqual(Set(column("machine", "name")), ["0", "3", "4"], "the restored controller and the migrated non-controller machines")
        XCTAssertEqual(column("application", "name").count, 3)
        XCTAssertEqual(column("unit", "name").count, 8)
        XCTAssertEqual(column("controller_node", "controller_id"), ["0"])
        XCTAssertEqual(column("user", "name"), ["admin", "alice", "bob"])
    }
}
