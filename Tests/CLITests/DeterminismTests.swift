import Foundation
import XCTest
import HACore
import Simulation

final class DeterminismTests: XCTestCase {
    private let script: [[String]] = [
        ["bootstrap", "det", "--seed", "99", "--clock", "virtual"],
        ["advance", "7m"],
        ["wait", "--until", "settled"],
        ["advance", "1h30m"],
    ]

    /// Two separate processes, one with Swift's per-process hash seed fixed and one with it
    /// random, run the same commands and must write byte-identical traces and snapshots.
    func test_traceIsByteIdenticalAcrossProcessesWithDifferentHashSeeds() throws {
        let a = try QuorumCLI(), b = try QuorumCLI()
        defer { a.cleanUp(); b.cleanUp() }
        for command in script {
            XCTAssertEqual(try a.run(command, environment: ["SWIFT_DETERMINISTIC_HASHING": "1"]).code, 0)
            XCTAssertEqual(try b.run(command).code, 0)
        }
        let traceA = try a.read("det/trace.log"), traceB = try b.read("det/trace.log")
        XCTAssertGreaterThan(String(decoding: traceA, as: UTF8.self).split(separator: "\n").count, 500)
        XCTAssertEqual(traceA, traceB)
        XCTAssertEqual(try a.read("det/environment.json"), try b.read("det/environment.json"))
        XCTAssertEqual(try a.read("det/journal.jsonl"), try b.read("det/journal.jsonl"))
    }

    /// The journal alone, replayed from its bootstrap line, rebuilds the saved world.
    func test_replayingTheJournalRebuildsTheSnapshot() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        for command in script { try cli.ok(command) }
        try cli.ok(["advance", "45s"])

        let lines = String(decoding: try cli.read("det/journal.jsonl"), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        let entries = try lines.map { try JSONDecoder().decode(JournalLine.self, from: Data($0.utf8)) }
        XCTAssertEqual(entries.map(\.seq), [1, 2, 3, 4, 5])
        var trace = Trace()
        var world = World(config: try XCTUnwrap(entries[0].bootstrap), trace: &trace)
        for entry in entries { for input in entry.inputs { world.apply(input, trace: &trace) } }

        let saved = try JSONDecoder().decode(SavedWorld.self, from: try cli.read("det/environment.json")).world
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(try encoder.encode(world), try encoder.encode(saved))
        XCTAssertEqual(trace.text, String(decoding: try cli.read("det/trace.log"), as: UTF8.self))
    }

    /// The same with Juju's bootstrap, ensure-availability (database calls through the primary),
    /// a crash and a restart in the journal.
    func test_replayRebuildsALegacyHAEnvironment() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        for command in [["bootstrap", "ha", "--seed", "3", "--clock", "virtual"], ["ensure-availability"], ["wait", "--until", "5m"],
                        ["fail", "1"], ["wait", "--until", "2m"], ["ensure-availability"], ["start", "1"], ["wait", "--until", "3m"]] {
            try cli.ok(command)
        }
        let lines = String(decoding: try cli.read("ha/journal.jsonl"), as: UTF8.self).split(separator: "\n")
        let entries = try lines.map { try JSONDecoder().decode(JournalLine.self, from: Data($0.utf8)) }
        var trace = Trace()
        var world = World(config: try XCTUnwrap(entries[0].bootstrap), trace: &trace)
        for entry in entries { for input in entry.inputs { world.apply(input, trace: &trace) } }
        let saved = try JSONDecoder().decode(SavedWorld.self, from: try cli.read("ha/environment.json")).world
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(try encoder.encode(world), try encoder.encode(saved))
        XCTAssertEqual(world.machines.count, 4)
    }

    private struct JournalLine: Decodable {
        var seq: Int
        var bootstrap: WorldConfig?
        var inputs: [WorldInput]
    }

    private struct SavedWorld: Decodable { var world: World }
}

final class CrashSafetyTests: XCTestCase {
    var cli: QuorumCLI!

    override func setUpWithError() throws { cli = try QuorumCLI() }
    override func tearDown() { cli.cleanUp() }

    /// Concurrent commands on one environment are serialised by its lock: none is lost.
    func test_concurrentCommandsAreSerialisedByTheLock() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "3", "--clock", "virtual"])
        let before = try snapshotNow()
        let group = DispatchGroup()
        let results = ResultBox()
        for _ in 0..<4 {
            DispatchQueue.global().async(group: group) {
                let code = (try? self.cli.run(["advance", "1m"]).code) ?? -1
                results.append(code)
            }
        }
        group.wait()
        XCTAssertEqual(results.codes, [0, 0, 0, 0])
        XCTAssertEqual(try snapshotNow(), before + 240_000_000)
        let journal = String(decoding: try cli.read("alpha/journal.jsonl"), as: UTF8.self)
        XCTAssertEqual(journal.split(separator: "\n").count, 5)
    }

    /// A command that died after appending to the journal but before saving the snapshot
    /// leaves bytes the snapshot does not account for; the next command cuts them away.
    func test_leftoversOfACrashedCommandAreRepairedOnNextWrite() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "3", "--clock", "virtual"])
        let journalPath = cli.path("alpha/journal.jsonl"), tracePath = cli.path("alpha/trace.log")
        let journalBefore = try Data(contentsOf: URL(fileURLWithPath: journalPath))
        for path in [journalPath, tracePath] {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            handle.write(Data("{\"seq\":2,\"half-written".utf8))
            try handle.close()
        }
        XCTAssertTrue(try cli.ok(["status"]).contains("agent-state: started"), "readers ignore the leftovers")
        try cli.ok(["advance", "10s"])
        let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: journalPath)), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: journalPath)).starts(with: journalBefore))
        XCTAssertFalse(String(decoding: try cli.read("alpha/trace.log"), as: UTF8.self).contains("half-written"))
        for line in lines { XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8))) }
    }

    /// In wall-clock mode simulated time follows the wall clock times the speed.
    func test_wallClockModeAdvancesByElapsedWallTimeTimesSpeed() throws {
        try cli.ok(["bootstrap", "alpha", "--seed", "3", "--clock", "wall", "--speed", "100000"])
        let before = try snapshotNow()
        Thread.sleep(forTimeInterval: 0.05)
        try cli.ok(["advance", "0s"])
        XCTAssertGreaterThanOrEqual(try snapshotNow() - before, 5_000_000_000, "at least 0.05 s × 100000")
    }

    private func snapshotNow() throws -> Int64 {
        struct Saved: Decodable { struct W: Decodable { var now: Int64 }; var world: W }
        return try JSONDecoder().decode(Saved.self, from: cli.read("alpha/environment.json")).world.now
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int32] = []
    func append(_ v: Int32) { lock.lock(); values.append(v); lock.unlock() }
    var codes: [Int32] { lock.lock(); defer { lock.unlock() }; return values }
}

final class HelpTests: XCTestCase {
    private let commands = ["bootstrap", "environments", "switch", "destroy-environment", "ensure-availability", "destroy-machine", "enable-ha", "add-unit", "add-machine", "remove-machine", "bind", "controller-config", "controllers", "show-controller", "fail", "start", "partition", "heal", "skew",
                            "status", "db-status", "wait", "advance", "debug-log", "create-backup", "verify-backup", "restore-backup", "migrate-backup", "fixtures", "simulate", "scenario", "version"]

    func test_helpListsExactlyTheWorkingCommands() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let help = try cli.ok(["--help"])
        let listed = help.components(separatedBy: "SUBCOMMANDS:")[1].split(separator: "\n")
            .compactMap { $0.hasPrefix("  ") && !$0.hasPrefix("   ") ? $0.split(separator: " ").first.map(String.init) : nil }
            .filter { $0 != "See" }
        XCTAssertEqual(listed, commands)
    }

    func test_everyCommandHasHelpWithoutPlaceholders() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        for command in commands {
            let text = try cli.ok([command, "--help"]).lowercased()
            XCTAssertTrue(text.contains("usage: quorum \(command)"), command)
            for word in ["placeholder", "not implemented", "todo", "coming soon"] {
                XCTAssertFalse(text.contains(word), "\(command) help mentions \(word)")
            }
        }
    }

    func test_versionAllNamesTheLinkedEngines() throws {
        let cli = try QuorumCLI()
        defer { cli.cleanUp() }
        let lines = try cli.ok(["version", "--all"]).split(separator: "\n")
        XCTAssertEqual(lines.first, "0.1.0")
        XCTAssertTrue(lines.contains { $0.hasPrefix("libbson 1.") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("libdqlite 1.") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("libarchive 3.") })
    }
}
