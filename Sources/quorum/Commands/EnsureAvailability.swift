import ArgumentParser
import Simulation
import Live

/// `quorum ensure-availability` (legacy flavor): Juju 1.x's command, its flags read by Juju's own
/// rules so that every message and output matches.
struct EnsureAvailability: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensure-availability", abstract: "Ensure the availability of Juju state servers (legacy flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("n"), parsing: .unconditional, help: "Number of state servers to make available (odd, at most 7; 0 keeps the current number, at least 3).")
    var count: String?

    @Option(help: "The machine(s) to become state servers (1.21+), bypasses constraints.")
    var to: String?

    @Option(help: "The series of new state servers (default: that of the first voting state server).")
    var series: String?

    @Option(help: "Additional machine constraints.")
    var constraints: String?

    @Option(help: "Output format: simple, yaml or json.")
    var format: String?

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var extra: [String] = []

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment, writing: true) {
            let output = try LiveSupport.run { try legacy.ensureAvailability(jujuArguments) }
            print(output, terminator: "")
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .legacy else {
            throw Failure("ensure-availability is a Juju 1.x command; this is a modern environment, use enable-ha")
        }
        let outcome = session.apply(.ensureAvailability(jujuArguments))
        if case let .failed(message, hints) = outcome {
            // The environment is not saved: a failed command leaves it exactly as it was.
            throw Failure(message, hints: hints)
        }
        try session.save()
        if case let .output(text) = outcome { print(text, terminator: "") }
    }

    /// The arguments as Juju's flag parser sees them (it gives Juju's own error texts).
    private var jujuArguments: [String] {
        var args: [String] = []
        if let count { args += ["-n", count] }
        if let to { args += ["--to", to] }
        if let series { args += ["--series", series] }
        if let constraints { args += ["--constraints", constraints] }
        if let format { args += ["--format", format] }
        return args + extra
    }
}
