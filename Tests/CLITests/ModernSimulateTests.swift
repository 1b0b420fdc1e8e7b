import XCTest

/// `quorum simulate --flavor modern`: the Raft seed sweep from the command line.
final class ModernSimulateTests: XCTestCase {
    func test_modernSweepReportsSeedsAndExitsZeroWhenClean() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let out = try cli.ok(["simulate", "--flavor", "modern", "--members", "5", "--seeds", "1..2", "--duration", "1m", "-v"])
        XCTAssertTrue(out.hasPrefix("seed 1: ok (events "), out)
        XCTAssertTrue(out.contains("\n2 seeds, 2 passed, 0 failed in "), out)
        let bad = try cli.run(["simulate", "--flavor", "modern", "--members", "4", "--seeds", "1..2"])
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: --members must be 3, 5 or 7"), bad.stderr)
    }

    func test_modernReplayWritesTheSameTraceInTwoProcessesWithDifferentHashSeeds() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let args = ["simulate", "--flavor", "modern", "--members", "3", "--duration", "2m", "--replay", "5", "--trace"]
        let a = try cli.run(args + [cli.path("a.trace")], environment: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        let b = try cli.run(args + [cli.path("b.trace")])
        XCTAssertEqual(a.code, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        let traceA = try cli.read("a.trace"), traceB = try cli.read("b.trace")
        XCTAssertGreaterThan(traceA.count, 100_000)
        XCTAssertTrue(String(decoding: traceA, as: UTF8.self).contains("deliver dqlite EXEC_SQL"))
        XCTAssertEqual(traceA, traceB)
    }
}
