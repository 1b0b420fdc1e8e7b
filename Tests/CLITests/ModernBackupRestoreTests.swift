import Backups
import Foundation
import RaftCluster
import XCTest

/// Seed 003's "you must restore from backups in the unfortunate case where there are an
/// insufficient number of working controllers present", modern flavor, end to end.
final class ModernBackupRestoreTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "1m"])
    }

    override func tearDown() { cli.cleanUp() }

    private func modernBackup(_ file: String) throws -> ModernBackupContents {
        let contents = try BackupReader.read(path: cli.path(file)).0
        guard case .modern(let backup) = contents else { throw BackupError.wrongFlavor("\(file) is \(contents.formatName)") }
        return backup
    }

    func test_seed003_restoreIsTheWayBackWhenTooFewControllersRemain() throws {
        let created = try cli.ok(["create-backup", "--filename", "before.tar.gz"])
        XCTAssertTrue(created.hasPrefix("Backup 20140605-"), created)
        XCTAssertTrue(created.hasSuffix("\nDownloaded to before.tar.gz\n"), created)

        try cli.ok(["fail", "1"])
        try cli.ok(["fail", "2"])
        try cli.ok(["advance", "1m"])
        let refused = try cli.run(["enable-ha", "-n", "5"])
        XCTAssertEqual(refused.code, 1)
        XCTAssertTrue(refused.stderr.contains("quorum lost: 1 of 3 Dqlite voters are up, 2 are needed to elect a leader"), refused.stderr)

        XCTAssertEqual(try cli.ok(["restore-backup", "before.tar.gz", "--into", "restored", "--seed", "4", "--clock", "virtual"]),
                       "restore from \"before.tar.gz\" completed\n")
        XCTAssertEqual(try cli.ok(["enable-ha"]), "maintaining machines: 0\nadding machines: 1, 2\n")
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        let roles = try cli.ok(["db-status"]).split(separator: "\n").filter { $0.contains("role: ") }
        XCTAssertEqual(roles.filter { $0.contains("voter") }.count, 3)

        try cli.ok(["create-backup", "--filename", "after.tar.gz"])
        let before = try modernBackup("before.tar.gz"), after = try modernBackup("after.tar.gz")
        XCTAssertEqual(after.metadata.controllerUUID, before.metadata.controllerUUID, "the restored controller keeps its identity")
        XCTAssertEqual(after.metadata.modelUUID, before.metadata.modelUUID)
        var missing: [String] = []
        for table in before.controller.tables {
            let now = after.controller.table(table.name)?.rows ?? []
            for row in table.rows where !now.contains(row) { missing.append(table.name) }
        }
        // Leases belonged to the old processes; the old controllers' machine rows and machine 0's
        // old instance are replaced; machines 1 and 2 are new controllers with new node ids.
        XCTAssertEqual(Set(missing), ["lease", "machine", "controller_node"], "\(missing)")
        let keptLogs = before.controller.table("log_line")!.rows
        XCTAssertTrue(keptLogs.allSatisfy { after.controller.table("log_line")!.rows.contains($0) }, "every log line is still there")
        XCTAssertEqual(after.controller.table("controller")?.rows, before.controller.table("controller")?.rows)
        XCTAssertEqual(after.controller.table("model")?.rows, before.controller.table("model")?.rows)
    }

    func test_verifyBackupDescribesAFormatTwoArchive() throws {
        try cli.ok(["create-backup", "--filename", "b.tar.gz"])
        let report = try cli.ok(["verify-backup", "b.tar.gz"])
        XCTAssertTrue(report.hasPrefix("backup: b.tar.gz\nformat: modern (format 2)\nmanifest: 4 entries, sizes and SHA-256 match\n"), report)
        XCTAssertTrue(report.contains("HA nodes: 3\n"), report)
        XCTAssertTrue(report.contains("  controller_node: 3\n"), report)
    }

    func test_aModernArchiveGivenToALegacyRestoreIsRefused() throws {
        try cli.ok(["create-backup", "--filename", "b.tar.gz"])
        let result = try cli.run(["restore-backup", "b.tar.gz", "--into", "x", "--flavor", "legacy"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: b.tar.gz is a modern (format 2) backup; a legacy environment restores MongoDB backups only\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("x")))
    }

    func test_modernBackupsAreByteStable() throws {
        try cli.ok(["create-backup", "--filename", "a.tar.gz"])
        try cli.ok(["destroy-environment", "ctl", "-y"])
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "1m"])
        try cli.ok(["create-backup", "--filename", "b.tar.gz"])
        XCTAssertEqual(try cli.read("a.tar.gz"), try cli.read("b.tar.gz"))
    }
}
