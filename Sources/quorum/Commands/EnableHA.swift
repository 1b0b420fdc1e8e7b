import ArgumentParser
import Simulation
import Live

/// `quorum enable-ha` (modern flavor): Juju 3.x's command, its flags read by Juju's rules.
struct EnableHA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable-ha", abstract: "Ensure that sufficient controllers exist to provide redundancy (modern flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("n"), parsing: .unconditional, help: "Number of controllers to make available (odd; 0 keeps an odd count, at least 3).")
    var count: String?

    @Option(help: "The machine(s) to become controllers, bypasses constraints.")
    var to: String?

    @Option(help: "Additional machine constraints.")
    var constraints: String?

    @Option(help: "Output format: simple, yaml or json.")
    var format: String?

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var extra: [String] = []

    func run() throws {
        var args: [String] = []
        if let count { args += ["-n", count] }
        if let to { args += ["--to", to] }
        if let constraints { args += ["--constraints", constraints] }
        if let format { args += ["--format", format] }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            let text = try LiveSupport.run { try live.enableHA(args + extra) }
            print(text, terminator: "")
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .modern else {
            throw Failure("enable-ha is the Dqlite-era command; this is a legacy environment, use ensure-availability")
        }
        let outcome = session.apply(.enableHA(args + extra))
        if case let .failed(message, hints) = outcome { throw Failure(message, hints: hints) }
        try session.save()
        if case let .output(text) = outcome { print(text, terminator: "") }
    }
}
