import ArgumentParser
import Simulation
import Live

/// `quorum remove-machine [-m controller] ID…` (modern flavor): removes controller machines;
/// their Dqlite nodes hand over and leave the cluster.
struct RemoveMachine: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-machine", abstract: "Remove machines from the controller model (modern flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("m"), help: "Model (only `controller` is emulated).")
    var model: String = "controller"

    @Flag(help: "Remove the machines even when the controller database cannot take their handover.")
    var force = false

    @Argument(help: "Machine ids to remove.")
    var ids: [String]

    func run() throws {
        guard model == "controller" || model == "admin/controller" else { throw Failure("model \"\(model)\" not found") }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            for id in ids { try LiveSupport.run { try live.removeMachine(id, force: force) } }
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .modern else {
            throw Failure("remove-machine is the Dqlite-era command; in a legacy environment use destroy-machine")
        }
        let outcome = session.apply(.removeMachines(ids, force: force))
        if case let .failed(message, hints) = outcome { throw Failure(message, hints: hints) }
        try session.save()
        // juju/cmd's Infof: progress goes to stderr.
        if case let .output(text) = outcome { StandardError.write(text) }
    }
}
