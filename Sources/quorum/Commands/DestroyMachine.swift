import ArgumentParser
import Simulation

/// `quorum destroy-machine ID…` (legacy flavor): Juju 1.x refuses state servers and voters.
struct DestroyMachine: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "destroy-machine", abstract: "Destroy machines (legacy flavor).")

    @OptionGroup var env: EnvironmentOption

    @Flag(help: "Destroy even if the machine has units or containers (state servers are still refused).")
    var force = false

    @Argument(help: "Machine ids.")
    var ids: [String]

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("no machines specified") }
    }

    func run() throws {
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .legacy else {
            throw Failure("destroy-machine is a Juju 1.x command; this is a modern environment, use remove-machine")
        }
        if case let .failed(message, hints) = session.apply(.destroyMachines(ids, force: force)) {
            throw Failure(message, hints: hints)
        }
        try session.save()
    }
}
