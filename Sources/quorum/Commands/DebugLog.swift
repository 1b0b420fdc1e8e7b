import ArgumentParser
import LegacyJuju
import Simulation

/// `quorum debug-log`: the agents' log lines as a live state server's database holds them, in
/// Juju's line format. Unlike Juju's, it prints what is stored and returns instead of following.
struct DebugLog: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug-log", abstract: "Show the machine agents' log lines stored by the controllers.")

    @OptionGroup var env: EnvironmentOption

    @Option(name: [.customShort("n"), .customLong("lines")], help: "Show this many of the most recent lines (default 10).")
    var lines: Int = 10

    @Flag(help: "Show the whole log from its start (ignores -n).")
    var replay = false

    @Option(help: "Only lines of these entities (e.g. machine-1); repeatable.")
    var include: [String] = []

    @Option(help: "Leave out lines of these entities; repeatable.")
    var exclude: [String] = []

    @Option(help: "Lowest level shown: TRACE, DEBUG, INFO, WARNING or ERROR.")
    var level: String?

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("-n must not be negative") }
        if let level, LogLine.Level(name: level) == nil {
            throw ValidationError("level value \"\(level)\" is not one of \"TRACE\", \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\"")
        }
    }

    func run() throws {
        let session = try Session(environment: env.environment, writing: false)
        guard let stored = session.world.storedLogLines() else { throw Failure("no reachable servers") }
        let minimum = level.flatMap(LogLine.Level.init(name:)) ?? .trace
        var shown = stored.filter { line in
            line.level.rawValue >= minimum.rawValue && (include.isEmpty || include.contains { matches(line.entity, $0) })
                && !exclude.contains { matches(line.entity, $0) }
        }
        if !replay { shown = Array(shown.suffix(lines)) }
        for line in shown { print(line.formatted) }
    }

    /// Juju matches entity tags, and accepts a machine's id (`1`) for `machine-1`.
    private func matches(_ entity: String, _ pattern: String) -> Bool {
        entity == pattern || entity == "machine-\(pattern)"
    }
}
