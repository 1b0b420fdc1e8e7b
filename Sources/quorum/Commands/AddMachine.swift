import ArgumentParser
import Simulation

/// `quorum add-machine [-n N]` (modern flavor): workload machines in the controller model.
/// Their agents reach the controllers through the addresses in their agent.conf, in random
/// order, so they rehearse what happens to agents when a controller dies.
struct AddMachine: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-machine", abstract: "Add workload machines to the controller model (modern flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("m"), help: "Model (only `controller` is emulated).")
    var model: String = "controller"

    @Option(name: [.customShort("n"), .customLong("num-machines")], help: "Number of machines to add.")
    var count: Int = 1

    func run() throws {
        guard model == "controller" || model == "admin/controller" else { throw Failure("model \"\(model)\" not found") }
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .modern else {
            throw Failure("add-machine is emulated for modern environments; in a legacy one ensure-availability adds state servers")
        }
        let outcome = session.apply(.addMachines(count))
        if case let .failed(message, hints) = outcome { throw Failure(message, hints: hints) }
        try session.save()
        // juju/cmd's Infof: `created machine N` goes to stderr.
        if case let .output(text) = outcome { StandardError.write(text) }
    }
}
