import Foundation
import HACore
import Live
import Simulation

/// How an environment's simulated clock moves between commands (DESIGN §3).
enum ClockMode: String, Codable, CaseIterable {
    /// Before each command, advance by the wall time since the previous one × speed.
    case wall
    /// Advance only through `wait` and `advance` (tests and scripts).
    case virtual
}

enum RuntimeKind: String, Codable, CaseIterable {
    case sim
    /// Real agent processes on loopback addresses (modern flavor: real libdqlite nodes).
    case live
}

/// One line of an environment's journal: the command as typed and the world inputs it applied.
struct JournalEntry: Codable, Equatable {
    var seq: Int
    var command: [String]
    /// Present only on the first line: how the world was bootstrapped.
    var bootstrap: WorldConfig?
    var inputs: [WorldInput]
}

/// The saved state of an environment: the world and what is needed to resume it.
struct EnvironmentSnapshot: Codable {
    static let currentFormat = 1

    var format: Int
    var name: String
    var runtime: RuntimeKind
    var clock: ClockMode
    var speed: Double
    /// Wall time (seconds since 1970) at which the world's clock was last brought up to date;
    /// 0 with a virtual clock, whose snapshots must not depend on when commands ran.
    var lastWall: Double
    /// Journal entries and the journal's and trace's byte sizes that belong to this snapshot;
    /// bytes beyond them were left by a command that died before it saved, and are cut away.
    var journalEntries: Int
    var journalBytes: Int
    var traceBytes: Int
    var world: World
}

/// `$QUORUM_HOME` (default `~/.local/share/quorum`): one directory per environment plus the
/// name of the current one.
struct QuorumHome {
    let path: String

    static func resolve() -> QuorumHome {
        let env = ProcessInfo.processInfo.environment
        if let home = env["QUORUM_HOME"], !home.isEmpty { return QuorumHome(path: home) }
        let user = env["HOME"] ?? NSHomeDirectory()
        return QuorumHome(path: user + "/.local/share/quorum")
    }

    func directory(of name: String) -> String { path + "/" + name }
    var currentFile: String { path + "/current-environment" }
    var lockFile: String { path + "/.lock" }

    /// Environment names as Juju accepts controller names.
    static func validate(name: String) throws {
        let valid = name.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
        guard valid else { throw Failure("environment name \"\(name)\" not valid") }
    }

    func environmentNames() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.filter {
            FileSystem.exists(directory(of: $0) + "/" + EnvironmentFiles.snapshotName) || LiveEnvironment.exists(directory: directory(of: $0))
                || LiveLegacyEnvironment.exists(directory: directory(of: $0))
        }.sorted()
    }

    var current: String? {
        guard let data = FileManager.default.contents(atPath: currentFile),
              let name = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !name.isEmpty else { return nil }
        return name
    }

    func setCurrent(_ name: String?) throws {
        try FileSystem.createDirectory(path)
        if let name {
            try FileSystem.writeAtomically(Data((name + "\n").utf8), to: currentFile)
        } else {
            try FileSystem.remove(currentFile)
        }
    }

    /// The environment a command works on: `-e NAME`, else the current one.
    func select(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        guard let current else {
            throw Failure("no environment selected; bootstrap one or run `quorum switch NAME`")
        }
        return current
    }
}

/// The files of one environment directory.
struct EnvironmentFiles {
    static let snapshotName = "environment.json"
    let directory: String

    var snapshot: String { directory + "/" + EnvironmentFiles.snapshotName }
    var journal: String { directory + "/journal.jsonl" }
    var trace: String { directory + "/trace.log" }
    var lock: String { directory + "/.lock" }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    func load(name: String) throws -> EnvironmentSnapshot {
        guard FileSystem.exists(snapshot) else { throw Failure("environment \"\(name)\" not found") }
        let data = try FileSystem.read(snapshot)
        let loaded: EnvironmentSnapshot
        do {
            loaded = try JSONDecoder().decode(EnvironmentSnapshot.self, from: data)
        } catch {
            throw Failure("environment \"\(name)\" is corrupted: \(EnvironmentFiles.describe(error)) in \(snapshot)")
        }
        guard loaded.format == EnvironmentSnapshot.currentFormat else {
            throw Failure("environment \"\(name)\" has format \(loaded.format); this quorum reads format \(EnvironmentSnapshot.currentFormat)")
        }
        return loaded
    }

    /// Cuts the journal and trace back to what the snapshot accounts for.
    func repair(to snapshot: EnvironmentSnapshot) throws {
        if FileSystem.size(journal) > snapshot.journalBytes { try FileSystem.truncate(journal, to: snapshot.journalBytes) }
        if FileSystem.size(trace) > snapshot.traceBytes { try FileSystem.truncate(trace, to: snapshot.traceBytes) }
    }

    /// Appends journal and trace first, then commits by renaming the new snapshot into place.
    func save(_ snapshot: inout EnvironmentSnapshot, journal entries: [JournalEntry], trace: Trace) throws {
        var journalData = Data()
        for entry in entries {
            journalData.append(try EnvironmentFiles.encoder.encode(entry))
            journalData.append(0x0A)
        }
        if !journalData.isEmpty { snapshot.journalBytes = try FileSystem.append(journalData, to: journal) }
        snapshot.journalEntries += entries.count
        if !trace.lines.isEmpty { snapshot.traceBytes = try FileSystem.append(Data(trace.text.utf8), to: self.trace) }
        try FileSystem.writeAtomically(try EnvironmentFiles.encoder.encode(snapshot), to: self.snapshot)
    }

    func readJournal() throws -> [JournalEntry] {
        let text = String(decoding: try FileSystem.read(journal), as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(JournalEntry.self, from: Data($0.utf8)) }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            return "invalid JSON (\(context.debugDescription))"
        case DecodingError.keyNotFound(let key, _):
            return "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "unexpected value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }
}
