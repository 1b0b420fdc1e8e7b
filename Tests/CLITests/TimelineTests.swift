import Foundation
import XCTest

/// `--timeline out.svg`: the members over simulated time as a picture a person can open.
final class TimelineTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    private var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scenarios/replset")
    }

    private func svg(_ name: String) throws -> String { String(decoding: try cli.read(name), as: UTF8.self) }

    /// The failover scenario: machine 0 primary in term 1 until it is killed, machine 2
    /// primary in term 2 after the election, each drawn where the transcript says.
    func test_scenarioTimelineShowsTheCrashedPrimaryAndItsSuccessor() throws {
        let file = fixtures.appendingPathComponent("02-primary-crash-failover.txt").path
        XCTAssertEqual(try cli.ok(["scenario", "run", file, "--timeline", cli.path("failover.svg")]), "\(file): ok\n")
        let picture = try svg("failover.svg")
        XCTAssertTrue(picture.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(picture.hasSuffix("</svg>\n"))
        XCTAssertTrue(picture.contains("<title>machine 0 primary 00:00:46.927886 – 00:00:49.090366</title>"), picture)
        XCTAssertTrue(picture.contains("<title>00:00:49.090366 fault machine 0: crash</title>"), picture)
        XCTAssertTrue(picture.contains("<title>00:00:59.495033 election machine 2: term 2</title>"), picture)
        XCTAssertTrue(picture.contains("<title>machine 2 primary 00:00:59.495033 – 00:01:04.092901</title>"), picture)
        XCTAssertTrue(picture.contains("<title>machine 0 down 00:00:49.090366 – 00:01:04.092901</title>"), picture)
    }

    /// A modern replay draws one lane per controller with Dqlite roles, and the same seed
    /// gives the same bytes.
    func test_replayTimelineDrawsEveryControllerAndIsByteStable() throws {
        let args = ["simulate", "--flavor", "modern", "--members", "5", "--replay", "7", "--duration", "5m"]
        try cli.ok(args + ["--timeline", cli.path("a.svg")])
        try cli.ok(args + ["--timeline", cli.path("b.svg")])
        let picture = try svg("a.svg")
        XCTAssertEqual(try cli.read("a.svg"), try cli.read("b.svg"))
        for machine in 0..<5 { XCTAssertTrue(picture.contains(">machine \(machine)</text>"), "lane \(machine)") }
        for state in ["leader", "voter", "stand-by"] {
            XCTAssertTrue(picture.contains(" \(state) 00:"), "a \(state) segment")
        }
        XCTAssertTrue(picture.contains(" fault machine "), "the nemesis's faults are marked")
    }

    func test_timelineNeedsOneScenarioOrAReplay() throws {
        let file = fixtures.appendingPathComponent("01-initiate-three.txt").path
        let two = try cli.run(["scenario", "run", file, file, "--timeline", cli.path("x.svg")])
        XCTAssertEqual(two.code, 2)
        XCTAssertTrue(two.stderr.contains("--timeline draws one scenario; give one file"), two.stderr)
        let sweep = try cli.run(["simulate", "--seeds", "0..1", "--timeline", cli.path("x.svg")])
        XCTAssertEqual(sweep.code, 2)
        XCTAssertTrue(sweep.stderr.contains("--timeline goes with --replay"), sweep.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.path("x.svg")))
    }
}
