import Foundation
import XCTest

/// SIGKILL at any point of a command never leaves a partial file and never breaks the
/// environment: a backup or a migrated archive appears complete or not at all, and the environment loads and takes
/// the next command. Kill points are spread evenly over a measured run of the same command;
/// `QUORUM_CRASH_ROUNDS` sets how many (`make crash-check` runs 50).
final class KilledCommandTests: XCTestCase {
    var cli: QuorumCLI!

    static var rounds: Int { Int(ProcessInfo.processInfo.environment["QUORUM_CRASH_ROUNDS"] ?? "") ?? 5 }

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    /// Starts `quorum arguments` in the test's home and returns it running.
    private func spawn(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = QuorumCLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = cli.home
        var environment = ProcessInfo.processInfo.environment
        environment["QUORUM_HOME"] = cli.home.path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Wall time of one full run of the command, to spread the kill points over.
    private func measure(_ arguments: [String]) throws -> TimeInterval {
        let start = Date()
        let process = try spawn(arguments)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "quorum \(arguments.joined(separator: " "))")
        return Date().timeIntervalSince(start)
    }

    private func killed(_ arguments: [String], after delay: TimeInterval) throws {
        let process = try spawn(arguments)
        usleep(useconds_t(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Files of the home outside the environments, and every file name anywhere.
    private func allFileNames() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: cli.home.path)
        var names: [String] = []
        while let name = enumerator?.nextObject() as? String { names.append(name) }
        return names.sorted()
    }

    func test_createBackupKilledAnywhereLeavesACompleteArchiveOrNone() throws {
        try cli.ok(["bootstrap", "env", "--seed", "11", "--clock", "virtual", "--agent-version", "1.25.6"])
        try cli.ok(["ensure-availability", "-n", "3"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        let full = try measure(["create-backup", "--filename", "measured.tar.gz"])
        try FileManager.default.removeItem(atPath: cli.path("measured.tar.gz"))
        var published = 0
        for round in 0..<Self.rounds {
            let name = "kill-\(round).tar.gz"
            try killed(["create-backup", "--filename", name], after: full * (Double(round) + 0.5) / Double(Self.rounds))
            let stray = allFileNames().filter { $0.contains(".tmp") || ($0.hasSuffix(".tar.gz") && !$0.hasPrefix("kill-")) }
            XCTAssertEqual(stray, [], "round \(round): partial files")
            if FileManager.default.fileExists(atPath: cli.path(name)) {
                published += 1
                XCTAssertEqual(try cli.run(["verify-backup", cli.path(name)]).code, 0, "round \(round): a published archive is complete")
            }
            XCTAssertEqual(try cli.run(["status"]).code, 0, "round \(round): the environment loads")
        }
        XCTAssertEqual(try cli.run(["create-backup", "--filename", "after.tar.gz"]).code, 0)
        XCTAssertLessThan(published, Self.rounds, "some kill landed before the archive was published")
    }

    func test_migrateBackupKilledAnywhereLeavesACompleteArchiveOrNone() throws {
        try cli.ok(["fixtures", "generate", "--flavor", "legacy", "--agent-version", "1.25.6", "--docs", "20000", "--seed", "3",
                    "-o", "legacy.tar.gz"])
        let full = try measure(["migrate-backup", "legacy.tar.gz", "-o", "measured.tar.gz"])
        try FileManager.default.removeItem(atPath: cli.path("measured.tar.gz"))
        var published = 0
        for round in 0..<Self.rounds {
            let name = "kill-\(round).tar.gz"
            try killed(["migrate-backup", "legacy.tar.gz", "-o", name], after: full * (Double(round) + 0.5) / Double(Self.rounds))
            // The killed run's pivot directory may remain (the next run removes it); nothing else may.
            let stray = allFileNames().filter { !$0.hasPrefix(".quorum-migrate-") && $0 != "legacy.tar.gz" && !$0.hasPrefix("kill-") }
            XCTAssertEqual(stray, [], "round \(round): partial files")
            if FileManager.default.fileExists(atPath: cli.path(name)) {
                published += 1
                let verify = try cli.run(["verify-backup", cli.path(name)])
                XCTAssertEqual(verify.code, 0, "round \(round): a published archive is complete: \(verify.stderr)")
            }
        }
        try cli.ok(["migrate-backup", "legacy.tar.gz", "-o", "after.tar.gz", "--verify"])
        XCTAssertEqual(allFileNames().filter { $0.hasPrefix(".quorum-migrate-") }, [], "the next run removed the killed runs' pivots")
        XCTAssertLessThan(published, Self.rounds, "some kill landed before the archive was published")
    }

    func test_stateChangingCommandKilledAnywhereLeavesALoadableEnvironment() throws {
        try cli.ok(["bootstrap", "env", "--flavor", "modern", "--seed", "12", "--clock", "virtual"])
        try cli.ok(["enable-ha"])
        let full = try measure(["advance", "20m"])
        for round in 0..<Self.rounds {
            try killed(["advance", "20m"], after: full * (Double(round) + 0.5) / Double(Self.rounds))
            XCTAssertEqual(allFileNames().filter { $0.contains(".tmp") }, [], "round \(round): partial files")
            let status = try cli.run(["status", "-m", "controller"])
            XCTAssertEqual(status.code, 0, "round \(round): \(status.stderr)")
            XCTAssertTrue(status.stdout.hasPrefix("Machine  State"), status.stdout)
            XCTAssertEqual(try cli.run(["advance", "1s"]).code, 0, "round \(round): the next command runs")
        }
        let journal = try String(decoding: cli.read("env/journal.jsonl"), as: UTF8.self)
        XCTAssertTrue(journal.hasSuffix("\n"), "no torn journal line")
    }
}
