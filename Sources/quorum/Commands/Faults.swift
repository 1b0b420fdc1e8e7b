import ArgumentParser
import HACore
import Simulation

extension FaultMode: ExpressibleByArgument {}

/// `quorum fail ID`: breaks a machine's agent (and, with it, its mongod).
struct Fail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inject a fault into a machine: crash, stop, pause or disk-loss.")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machine id.")
    var id: String

    @Option(help: "crash (SIGKILL), stop (SIGTERM), pause (SIGSTOP) or disk-loss (crash and wipe its data).")
    var mode: FaultMode = .crash

    func run() throws {
        var session = try Session(environment: env.environment, writing: true)
        let machine = try session.world.existingMachine(id)
        session.apply(.fault(machine, mode))
        try session.save(command: CommandLine.arguments.dropFirst().map { $0 })
    }
}

/// `quorum start ID`: resumes a paused machine or restarts a stopped or crashed one.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume or restart a machine's agent.")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machine id.")
    var id: String

    func run() throws {
        var session = try Session(environment: env.environment, writing: true)
        let machine = try session.world.existingMachine(id)
        session.apply(.start(machine))
        try session.save(command: CommandLine.arguments.dropFirst().map { $0 })
    }
}

extension World {
    /// The machine with Juju id `text`, or Juju's `machine N not found`.
    func existingMachine(_ text: String) throws -> MachineID {
        guard let id = MachineID(parsing: text) else { throw Failure("invalid machine id \"\(text)\"") }
        guard machine(id) != nil else { throw Failure("machine \(id) not found") }
        return id
    }
}
