import Foundation
import XCTest
@testable import Simulation

/// Every script under Fixtures/scenarios must reproduce its own recorded transcript.
final class ScenarioTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/scenarios")

    func scripts(_ folder: String) throws -> [URL] {
        let dir = Self.root.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func test_replicaSetScenariosMatchTheirGoldenTranscripts() throws {
        let files = try scripts("replset")
        XCTAssertGreaterThanOrEqual(files.count, 6)
        for file in files {
            let script = try String(contentsOf: file, encoding: .utf8)
            XCTAssertEqual(ScenarioRunner.transcript(of: script), script, file.lastPathComponent)
            XCTAssertFalse(script.contains("# invariant violations"), file.lastPathComponent)
        }
    }

    func test_transcriptReplacesStaleOutputAndKeepsComments() {
        let stale = "# comment\n> cluster members=3 seed=11\nold output\n> states\n"
        let fresh = ScenarioRunner.transcript(of: stale)
        XCTAssertTrue(fresh.hasPrefix("# comment\n> cluster members=3 seed=11\nmachines 0..2 started"))
        XCTAssertFalse(fresh.contains("old output"))
        XCTAssertTrue(fresh.contains("machine-0 STARTUP term 0 oplog 0"), "no config before replSetInitiate")
    }

    func test_commandBeforeAClusterIsAnError() {
        XCTAssertEqual(ScenarioRunner.transcript(of: "> states\n"), "> states\nerror: no cluster yet; start with `cluster members=N`\n")
    }
}
