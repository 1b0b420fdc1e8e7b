import Foundation
import XCTest

final class EnvironmentCommandTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    func test_legacyBootstrapThenStatusShowsStateServerStartedWithVote() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "42", "--clock", "virtual"])
        XCTAssertEqual(try cli.ok(["status"]), """
        environment: alpha
        machines:
          "0":
            agent-state: started
            agent-version: 1.20.14
            dns-name: 127.0.0.10
            instance-id: juju-5885fe-machine-0
            instance-state: running
            series: trusty
            hardware: arch=amd64 cpu-cores=1 cpu-power=100 mem=1740M root-disk=8192M
            state-server-member-status: has-vote
        services: {}

        """)
    }

    func test_legacyStatusJSONUsesGoFieldOrder() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "42", "--clock", "virtual", "--agent-version", "1.25.6"])
        XCTAssertEqual(try cli.ok(["status", "--format", "json"]),
            #"{"environment":"alpha","machines":{"0":{"agent-state":"started","agent-version":"1.25.6","dns-name":"127.0.0.10","instance-id":"juju-5885fe-machine-0","instance-state":"running","series":"trusty","hardware":"arch=amd64 cpu-cores=1 cpu-power=100 mem=1740M root-disk=8192M","state-server-member-status":"has-vote"}},"services":{}}"# + "\n")
    }

    func test_modernBootstrapThenStatusShowsControllerTable() throws {
        try cli.ok(["bootstrap", "beta", "--flavor", "modern", "--seed", "1", "--clock", "virtual"])
        XCTAssertEqual(try cli.ok(["status", "-m", "controller"]), """
        Machine  State    DNS         Inst id                Series  AZ  Message  Dqlite
        0        started  127.0.0.10  juju-6b0f9f-machine-0  jammy       running  voter*

        """)
    }

    func test_bootstrapPrintsJujuProgressAndTheSeedOnStderr() throws {
        let result = try cli.run(["bootstrap", "alpha", "--seed", "42", "--clock", "virtual"])
        XCTAssertEqual(result.code, 0)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("Bootstrapping environment \"alpha\""))
        XCTAssertTrue(result.stderr.contains(" - juju-5885fe-machine-0"))
        XCTAssertTrue(result.stderr.contains("seed 42"))
    }

    func test_duplicateBootstrapFailsAndChangesNothing() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        let before = try cli.contents()
        let result = try cli.run(["bootstrap", "alpha", "--seed", "2"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: environment \"alpha\" already exists\n")
        XCTAssertEqual(try cli.contents(), before)
    }

    func test_missingEnvironmentIsAClearError() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        let result = try cli.run(["status", "-e", "nope"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: environment \"nope\" not found\n")
        XCTAssertEqual(result.stdout, "")
    }

    func test_noCurrentEnvironmentIsAClearError() throws {
        let result = try cli.run(["advance", "1m"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: no environment selected; bootstrap one or run `quorum switch NAME`\n")
    }

    func test_corruptedEnvironmentFileIsReportedAndLeftAlone() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        let snapshot = cli.path("alpha/environment.json")
        let original = try String(contentsOfFile: snapshot, encoding: .utf8)
        try String(original.prefix(original.count / 2)).write(toFile: snapshot, atomically: true, encoding: .utf8)
        let before = try cli.contents()
        for command in [["status"], ["advance", "1m"], ["wait"]] {
            let result = try cli.run(command)
            XCTAssertEqual(result.code, 1, command.joined(separator: " "))
            XCTAssertTrue(result.stderr.hasPrefix("error: environment \"alpha\" is corrupted: invalid JSON"), result.stderr)
            XCTAssertEqual(try cli.contents(), before, "\(command) changed files")
        }
    }

    func test_commandOfTheWrongFlavorIsRefused() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        let result = try cli.run(["status", "-m", "controller"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: option -m is not available in a legacy (Juju 1.20.14) environment; it has no models\n")
        try cli.ok(["bootstrap", "beta", "--flavor", "modern", "--seed", "1", "--clock", "virtual"])
        let other = try cli.run(["status", "-m", "default"])
        XCTAssertEqual(other.stderr, "error: model \"default\" not found\n")
    }

    func test_invalidNamesVersionsAndDurationsAreRefused() throws {
        let cases: [([String], Int32, String)] = [
            (["bootstrap", "bad/name"], 1, "error: environment name \"bad/name\" not valid\n"),
            (["bootstrap", "a", "--agent-version", "2.9.1"], 1, "error: agent version 2.9.1 is not a legacy Juju version (1.20.x–1.25.x)\n"),
            (["bootstrap", "a", "--flavor", "modern", "--agent-version", "1.25.6"], 1, "error: agent version 1.25.6 is not a Dqlite-era Juju version (3.x or 4.x)\n"),
            (["bootstrap", "a", "--agent-version", "one"], 1, "error: invalid version \"one\"\n"),
        ]
        for (arguments, code, stderr) in cases {
            let result = try cli.run(arguments)
            XCTAssertEqual(result.code, code, arguments.joined(separator: " "))
            XCTAssertEqual(result.stderr, stderr)
        }
        XCTAssertTrue(try cli.contents().isEmpty, "a refused bootstrap leaves nothing behind")
        let usage = try cli.run(["advance", "soon"])
        XCTAssertEqual(usage.code, 2)
        XCTAssertTrue(usage.stderr.hasPrefix("error: "), usage.stderr)
        let flavor = try cli.run(["bootstrap", "a", "--flavor", "ancient"])
        XCTAssertEqual(flavor.code, 2)
    }

    func test_environmentsListsAllWithTheCurrentStarred() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        try cli.ok(["bootstrap", "beta", "--flavor", "modern", "--seed", "2", "--clock", "virtual"])
        XCTAssertEqual(try cli.ok(["environments"]), """
        Environment  Flavor  Runtime  Version  Machines  Clock
        alpha        legacy  sim      1.20.14         1  virtual
        beta*        modern  sim      4.0.0           1  virtual

        """)
        XCTAssertEqual(try cli.ok(["switch", "alpha"]), "beta -> alpha\n")
        XCTAssertTrue(try cli.ok(["environments"]).contains("alpha*"))
        XCTAssertTrue(try cli.ok(["status"]).hasPrefix("environment: alpha\n"))
        XCTAssertTrue(try cli.ok(["status", "-e", "beta"]).hasPrefix("Machine  State"))
    }

    func test_switchToAMissingEnvironmentFails() throws {
        let result = try cli.run(["switch", "ghost"])
        XCTAssertEqual(result.code, 1)
        XCTAssertEqual(result.stderr, "error: environment \"ghost\" not found\n")
    }

    func test_destroyAsksForConfirmationAndRemovesOnlyOnYes() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        let declined = try cli.run(["destroy-environment", "alpha"], stdin: "n\n")
        XCTAssertEqual(declined.code, 1)
        XCTAssertTrue(declined.stderr.contains("Continue [y/N]? "))
        XCTAssertTrue(declined.stderr.hasSuffix("error: environment destruction aborted\n"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.path("alpha/environment.json")))

        let accepted = try cli.run(["destroy-environment", "alpha"], stdin: "y\n")
        XCTAssertEqual(accepted.code, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("alpha")))
        XCTAssertEqual(try cli.run(["status"]).stderr, "error: no environment selected; bootstrap one or run `quorum switch NAME`\n")
    }

    func test_waitReportsSettledAndTimesOutWithExitCode4() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "1", "--clock", "virtual"])
        XCTAssertEqual(try cli.ok(["wait"]), "settled after 0s\n")
        try cli.ok(["wait", "--until", "90s"])
        XCTAssertEqual(try cli.ok(["wait", "--until", "primary"]), "primary after 0s\n")
        XCTAssertEqual(try cli.ok(["wait", "--until", "quorum"]), "quorum after 0s\n")
        let bad = try cli.run(["wait", "--until", "majority"])
        XCTAssertEqual(bad.code, 2)
        XCTAssertEqual(bad.stderr, "error: unknown condition \"majority\"; expected settled, primary, quorum or a duration\n")
    }
}

final class ScenarioCommandTests: XCTestCase {
    func test_scenarioRunPassesOnItsOwnTranscriptAndFailsWithExitThreeOnADifference() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let file = cli.path("s.txt")
        try "> cluster members=3 seed=4\n> initiate\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try cli.ok(["scenario", "run", "--rewrite", file]), "\(file): written\n")
        XCTAssertEqual(try cli.ok(["scenario", "run", file]), "\(file): ok\n")
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "\nok\n", with: "\nnot ok\n")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try cli.run(["scenario", "run", file])
        XCTAssertEqual(result.code, 3)
        XCTAssertTrue(result.stdout.contains("expected: not ok"))
        XCTAssertEqual(result.stderr, "error: 1 scenario did not match\n")
    }

    func test_simulateReportsSeedsAndExitsZeroWhenClean() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let out = try cli.ok(["simulate", "--members", "3", "--seeds", "1..2", "--duration", "1m"])
        XCTAssertTrue(out.hasPrefix("2 seeds, 2 passed, 0 failed in "), out)
        let bad = try cli.run(["simulate", "--members", "4", "--seeds", "1..2"])
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: --members must be 3, 5 or 7"), bad.stderr)
    }

    func test_replayWritesTheSameTraceInTwoProcessesWithDifferentHashSeeds() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let args = ["simulate", "--members", "3", "--duration", "2m", "--replay", "5", "--trace"]
        let a = try cli.run(args + [cli.path("a.trace")], environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        let b = try cli.run(args + [cli.path("b.trace")])
        XCTAssertEqual(a.code, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        let traceA = try cli.read("a.trace"), traceB = try cli.read("b.trace")
        XCTAssertGreaterThan(traceA.count, 100_000)
        XCTAssertEqual(traceA, traceB)
    }
}
