import Backups
import BSON
import Foundation
import XCTest

/// Seed 000's way back from quorum loss, end to end through the built binary: back up a
/// 3-server environment, lose two servers, see ensure-availability refused, restore into a new
/// environment and grow it back to 3 — with every backed-up document still there.
final class BackupRestoreTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    private func votes() throws -> [String] {
        try cli.ok(["status"]).split(separator: "\n").filter { $0.contains("state-server-member-status") }
            .map { String($0.split(separator: ":").last!.dropFirst()) }
    }

    private func legacyBackup(_ file: String) throws -> LegacyBackup {
        let contents = try BackupReader.read(path: cli.path(file)).0
        guard case .legacy(let backup) = contents else { throw BackupError.wrongFlavor("\(file) is \(contents.formatName)") }
        return backup
    }

    /// `(namespace, _id)` of every backed-up document that is missing or different in `after`.
    private func changedDocuments(from before: LegacyBackup, to after: LegacyBackup) -> [String] {
        var changed: [String] = []
        for dump in before.collections {
            let current = after.collection(dump.database, dump.collection)?.documents ?? []
            for document in dump.documents {
                let id = document["_id"]?.stringValue.map { "\"\($0)\"" } ?? "?"
                let match = current.first { $0["_id"] == document["_id"] }
                if match == nil { changed.append("\(dump.namespace) \(id) missing") } else if match != document { changed.append("\(dump.namespace) \(id) changed") }
            }
        }
        return changed
    }

    private func threeStateServers(_ extra: [String] = []) throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"] + extra)
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"])
    }

    /// Seed 000: "If fewer than half of the original state servers are still running, you cannot
    /// recover through the ensure-availability command … you must restore from a previous
    /// backup", and "The only way to decrease the number of machines is to create a backup of
    /// your environment and then restore the backup to a new environment, which will start you
    /// with a single state server".
    func test_seed000_quorumLossIsRecoveredOnlyByRestoringABackup() throws {
        try threeStateServers()
        let banners = "Preparing to perform backup.....SUCCESS\nBacking up mongo database.....SUCCESS\n"
            + "Copying Juju configuration.....SUCCESS\nCreating tarball.....SUCCESS\nJuju backup finished.\n"
        XCTAssertEqual(try cli.ok(["create-backup", "--filename", "before.tgz"]), banners)

        try cli.ok(["fail", "1"])
        try cli.ok(["fail", "2"])
        try cli.ok(["wait", "--until", "2m"])
        let refused = try cli.run(["ensure-availability"])
        XCTAssertEqual(refused.code, 1)
        XCTAssertEqual(refused.stderr, """
            error: no reachable servers
            quorum lost: 1 of 3 voting state servers are up, 2 are needed to elect a primary
            only restoring a backup into a new environment (restore-backup) recovers from this

            """)

        let restored = try cli.run(["restore-backup", "before.tgz", "--into", "restored", "--seed", "6", "--clock", "virtual"])
        XCTAssertEqual(restored.code, 0, restored.stderr)
        XCTAssertEqual(restored.stdout, """
            extracted credentials from backup file
            re-bootstrapping environment
            connecting to newly bootstrapped instance
            restoring bootstrap machine
            copying backup file to bootstrap host
            updating bootstrap machine
            restored bootstrap machine
            opening state
            updating all machines

            """)
        XCTAssertEqual(try votes(), ["has-vote"], "the restore starts with a single state server")
        XCTAssertEqual(try cli.ok(["ensure-availability", "-n", "3"]), "maintaining machines: 0\nadding machines: 3, 4\n\n",
                       "new machine ids continue from the restored sequence")
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"])

        try cli.ok(["create-backup", "--filename", "after.tgz"])
        let before = try legacyBackup("before.tgz"), after = try legacyBackup("after.tgz")
        XCTAssertEqual(changedDocuments(from: before, to: after), [
            "juju.instanceData \"0\" changed", // the new instance
            "juju.machines \"0\" changed", // the new instance
            "juju.machines \"1\" missing", // had a vote: removed by the restore
            "juju.machines \"2\" missing",
            "juju.sequence \"machine\" changed", // machines 3 and 4
            "juju.stateServers \"apiHostPorts\" changed", // published for 0, 3, 4
            "juju.stateServers \"e\" changed", // machine 0, then 3 and 4
        ])
        let machine0 = { (backup: LegacyBackup) in backup.collection("juju", "machines")!.documents.first { $0["_id"] == "0" }! }
        var expected = machine0(before)
        expected["instanceid"] = machine0(after)["instanceid"]
        XCTAssertEqual(machine0(after), expected, "only machine 0's instance id differs")
    }

    /// The same story under 1.25, whose backups carry metadata.json and print their metadata.
    func test_seed000_restoreUnderJuju125() throws {
        try threeStateServers(["--agent-version", "1.25.6"])
        let created = try cli.ok(["create-backup", "--filename", "before.tar.gz", "--notes", "before the outage"])
        let lines = created.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.map { $0.prefix(17) }, [
            "backup ID:       ", "checksum:        ", "checksum format: ", "size (B):        ", "stored:          ",
            "started:         ", "finished:        ", "notes:           ", "environment ID:  ", "machine ID:      ",
            "created on host: ", "juju version:    ", Substring(lines[12].prefix(17)), "downloading to be", "",
        ])
        XCTAssertEqual(lines[2], "checksum format: \"SHA-1, base64 encoded\"")
        XCTAssertEqual(lines[7], "notes:           \"before the outage\"")
        XCTAssertEqual(lines[9], "machine ID:      \"0\"")
        XCTAssertEqual(lines[11], "juju version:    1.25.6")
        XCTAssertEqual(lines[13], "downloading to before.tar.gz")
        XCTAssertTrue(lines[0].hasSuffix("\(lines[12])\""), "the id line repeats the backup ID")

        try cli.ok(["fail", "0"])
        try cli.ok(["fail", "1"])
        try cli.ok(["wait", "--until", "2m"])
        XCTAssertEqual(try cli.run(["ensure-availability"]).code, 1)
        XCTAssertEqual(try cli.ok(["restore-backup", "before.tar.gz", "--into", "restored", "--seed", "6", "--clock", "virtual"]),
                       "restore from \"before.tar.gz\" completed\n")
        XCTAssertEqual(try cli.ok(["ensure-availability"]), "maintaining machines: 0\nadding machines: 3, 4\n\n")
        try cli.ok(["wait", "--until", "5m"])
        XCTAssertEqual(try votes(), ["has-vote", "has-vote", "has-vote"])
    }

    func test_backupNeedsAPrimary() throws {
        try threeStateServers()
        try cli.ok(["fail", "0"])
        try cli.ok(["fail", "1"])
        try cli.ok(["wait", "--until", "1m"])
        let result = try cli.run(["create-backup", "--filename", "b.tgz"])
        XCTAssertEqual(result.code, 1)
        XCTAssertTrue(result.stderr.hasPrefix("error: HA not ready; try again later: timed out after 60 seconds\n"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("b.tgz")), "no archive is left behind")
    }

    func test_backupsAreByteStableForTheSameSeedAndCommands() throws {
        for name in ["a", "b"] {
            try cli.ok(["bootstrap", "env", "--seed", "11", "--clock", "virtual"])
            try cli.ok(["ensure-availability"])
            try cli.ok(["wait", "--until", "5m"])
            try cli.ok(["create-backup", "--filename", "\(name).tgz"])
            try cli.ok(["destroy-environment", "env", "-y"])
        }
        XCTAssertEqual(try cli.read("a.tgz"), try cli.read("b.tgz"))
    }

    func test_defaultFileNameCarriesTheSimulatedTime() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual"])
        try cli.ok(["create-backup"])
        let names = try FileManager.default.contentsOfDirectory(atPath: cli.path("")).filter { $0.hasPrefix("juju-backup-") }
        XCTAssertEqual(names.count, 1)
        XCTAssertTrue(names[0].hasPrefix("juju-backup-20140605-"), names[0])
        XCTAssertTrue(names[0].hasSuffix(".tgz"), "1.20's plugin names its archives .tgz")
    }

    func test_verifyBackupListsWhatTheArchiveHolds() throws {
        try cli.ok(["bootstrap", "env", "--seed", "5", "--clock", "virtual", "--agent-version", "1.25.6"])
        try cli.ok(["create-backup", "--filename", "b.tar.gz"])
        let report = try cli.ok(["verify-backup", "b.tar.gz"])
        XCTAssertTrue(report.hasPrefix("backup: b.tar.gz\nformat: legacy (metadata format 0)\nmanifest: "), report)
        XCTAssertTrue(report.contains("  juju.machines: 1\n"), report)
        XCTAssertTrue(report.contains("  logs.logs: "), report)
        XCTAssertTrue(report.hasSuffix("OK\n"))
    }
}
