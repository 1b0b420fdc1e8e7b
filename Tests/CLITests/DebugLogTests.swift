import Foundation
import XCTest

/// Seed 003's logging, legacy flavor: agents send their lines to a state server, which stores
/// them in the replicated `logs` database; `debug-log` reads them from any live state server.
final class DebugLogTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "env", "--seed", "7", "--clock", "virtual"])
        try cli.ok(["ensure-availability"])
        try cli.ok(["wait", "--until", "5m"])
    }

    override func tearDown() { cli.cleanUp() }

    private func entities(_ output: String) -> Set<String> {
        Set(output.split(separator: "\n").map { String($0.prefix { $0 != ":" }) })
    }

    func test_linesOfAllMachinesSurviveTheCrashOfTheStateServerThatReceivedThem() throws {
        let before = try cli.ok(["debug-log", "--replay"])
        XCTAssertEqual(entities(before), ["machine-0", "machine-1", "machine-2"])
        XCTAssertTrue(before.contains("machine-0: 2014-06-05 20:27:33 INFO juju.provisioner provisioner_task.go:512 started machine 1 as instance "),
                      before)
        XCTAssertTrue(before.contains("machine-1: 2014-06-05 20:28:21 INFO juju.cmd.jujud machine.go:419 machine agent machine-1 start (1.20.14-trusty-amd64 [gc])"),
                      before)

        try cli.ok(["fail", "0"])
        try cli.ok(["wait", "--until", "2m"])
        let after = try cli.ok(["debug-log", "--replay"])
        XCTAssertTrue(after.hasPrefix(before), "every line stored before machine 0 crashed is still there")
        XCTAssertTrue(after.contains("this machine is now the master"), "the new master says so")
    }

    func test_linesFlagKeepsTheMostRecent() throws {
        let all = try cli.ok(["debug-log", "--replay"]).split(separator: "\n")
        let last = try cli.ok(["debug-log", "-n", "2"]).split(separator: "\n")
        XCTAssertEqual(last, Array(all.suffix(2)))
        XCTAssertEqual(try cli.ok(["debug-log"]).split(separator: "\n"), Array(all.suffix(10)), "Juju shows 10 lines by default")
    }

    func test_includeAndExcludeSelectEntities() throws {
        XCTAssertEqual(entities(try cli.ok(["debug-log", "--replay", "--include", "machine-1"])), ["machine-1"])
        XCTAssertEqual(entities(try cli.ok(["debug-log", "--replay", "--include", "2"])), ["machine-2"], "a machine id names its agent")
        XCTAssertEqual(entities(try cli.ok(["debug-log", "--replay", "--exclude", "machine-0"])), ["machine-1", "machine-2"])
    }

    func test_levelFiltersAndRefusesUnknownLevels() throws {
        try cli.ok(["fail", "0"])
        try cli.ok(["start", "0"])
        try cli.ok(["wait", "--until", "2m"])
        let warnings = try cli.ok(["debug-log", "--replay", "--level", "WARNING"])
        XCTAssertFalse(warnings.contains(" INFO "), warnings)
        let bad = try cli.run(["debug-log", "--level", "LOUD"])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertTrue(bad.stderr.contains("level value \"LOUD\" is not one of"), bad.stderr)
    }

    func test_backupCarriesTheLogs() throws {
        try cli.ok(["create-backup", "--filename", "b.tgz"])
        let report = try cli.ok(["verify-backup", "b.tgz"])
        XCTAssertTrue(report.contains("  logs.logs: "), report)
    }
}

/// The same for the modern flavor: lines go to the `log_line` table through the Dqlite leader.
final class ModernDebugLogTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws {
        cli = try QuorumCLI()
        try cli.ok(["bootstrap", "ctl", "--flavor", "modern", "--seed", "3", "--clock", "virtual"])
        try cli.ok(["enable-ha"])
        try cli.ok(["wait", "--until", "settled", "--timeout", "10m"])
        try cli.ok(["advance", "1m"])
    }

    override func tearDown() { cli.cleanUp() }

    func test_linesOfAllControllersSurviveTheCrashOfTheLeader() throws {
        let before = try cli.ok(["debug-log", "--replay"])
        XCTAssertEqual(Set(before.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }),
                       ["machine-0", "machine-1", "machine-2", "unit-controller-0", "unit-controller-1", "unit-controller-2"])
        XCTAssertTrue(before.contains("juju.worker.dbaccessor worker.go:612 rebinding Dqlite node to 127.0.0.10:17666"), before)
        try cli.ok(["fail", "0"])
        try cli.ok(["advance", "2m"])
        let after = try cli.ok(["debug-log", "--replay"])
        XCTAssertTrue(after.hasPrefix(before), "lines stored before the leader crashed are read from the others")
        XCTAssertTrue(after.contains("this controller now runs the singular workers"), after)
    }
}
