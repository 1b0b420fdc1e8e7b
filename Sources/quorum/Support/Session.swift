import Foundation
import HACore
import Live
import Simulation

/// An environment opened by one command: loads the snapshot, brings the simulated clock up to
/// date, applies the command's inputs and, for commands that change something, saves.
struct Session {
    let home: QuorumHome
    let name: String
    let files: EnvironmentFiles
    var snapshot: EnvironmentSnapshot
    var trace = Trace()
    private var applied: [WorldInput] = []
    private let lock: FileLock?

    var world: World { snapshot.world }

    /// Opens the selected environment; `writing` takes its lock and repairs a crashed command's leftovers.
    init(environment explicit: String?, writing: Bool) throws {
        home = QuorumHome.resolve()
        name = try home.select(explicit)
        files = EnvironmentFiles(directory: home.directory(of: name))
        if !FileSystem.exists(files.snapshot),
           LiveEnvironment.exists(directory: files.directory) || LiveLegacyEnvironment.exists(directory: files.directory) {
            let command = CommandLine.arguments.dropFirst().first ?? "this command"
            throw Failure("\(command) is not available on the live runtime (environment \"\(name)\")")
        }
        guard FileSystem.exists(files.snapshot) else { throw Failure("environment \"\(name)\" not found") }
        lock = writing ? try FileLock(files.lock, what: "environment \"\(name)\"") : nil
        snapshot = try files.load(name: name)
        if writing { try files.repair(to: snapshot) }
        catchUpWithWallClock()
    }

    /// In wall-clock mode, simulated time first moves by the wall time since the last command.
    private mutating func catchUpWithWallClock() {
        guard snapshot.clock == .wall else { return }
        let wall = Date().timeIntervalSince1970
        let elapsed = max(0, wall - snapshot.lastWall) * snapshot.speed
        snapshot.lastWall = wall
        let step = Interval(microseconds: Int64(elapsed * 1_000_000))
        if step > .zero { apply(.advance(step)) }
    }

    @discardableResult
    mutating func apply(_ input: WorldInput) -> InputOutcome {
        applied.append(input)
        return snapshot.world.apply(input, trace: &trace)
    }

    /// Saves the world with a journal line for this command (as typed, by default).
    mutating func save(command: [String] = Array(CommandLine.arguments.dropFirst())) throws {
        precondition(lock != nil, "save of an environment opened read-only")
        let entry = JournalEntry(seq: snapshot.journalEntries + 1, command: command, bootstrap: nil, inputs: applied)
        try files.save(&snapshot, journal: [entry], trace: trace)
        applied.removeAll()
        trace = Trace()
    }
}
