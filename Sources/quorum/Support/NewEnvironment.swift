import Foundation
import HACore
import Simulation

/// A new environment's directory, written by `bootstrap` and `restore-backup`.
struct NewEnvironment {
    let name: String
    let runtime: RuntimeKind
    let clock: ClockMode
    let speed: Double

    /// Writes the environment into a temporary directory and renames it into place, so a
    /// half-created environment never appears.
    func create(directory: String, world: World, trace: Trace, config: WorldConfig, inputs: [WorldInput]) throws {
        let staging = directory + ".bootstrap-\(getpid())"
        try? FileSystem.remove(staging)
        try FileSystem.createDirectory(staging)
        do {
            let files = EnvironmentFiles(directory: staging)
            try FileSystem.writeAtomically(Data(), to: files.lock)
            var snapshot = EnvironmentSnapshot(
                format: EnvironmentSnapshot.currentFormat, name: name, runtime: runtime, clock: clock, speed: speed,
                lastWall: clock == .wall ? Date().timeIntervalSince1970 : 0, journalEntries: 0, journalBytes: 0, traceBytes: 0, world: world)
            let entry = JournalEntry(seq: 1, command: CommandLine.arguments.dropFirst().map { $0 }, bootstrap: config, inputs: inputs)
            try files.save(&snapshot, journal: [entry], trace: trace)
            guard rename(staging, directory) == 0 else { throw Failure("cannot create \(directory): \(String(cString: strerror(errno)))") }
        } catch {
            try? FileSystem.remove(staging)
            throw error
        }
    }
}
