import ArgumentParser
import Simulation
import Live

/// `quorum add-unit -m controller controller [-n K]` (modern flavor): Juju 4's way to add
/// controllers, one new machine per unit.
struct AddUnit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-unit", abstract: "Add controller units, each on a new machine (modern flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("m"), help: "Model (only `controller` is emulated).")
    var model: String = "controller"

    @Option(name: [.customShort("n"), .customLong("num-units")], help: "Number of units to add.")
    var count: Int = 1

    @Argument(help: "The application (only `controller` is emulated).")
    var application: String

    func run() throws {
        guard model == "controller" || model == "admin/controller" else { throw Failure("model \"\(model)\" not found") }
        guard application == "controller" else { throw Failure("application \"\(application)\" not found") }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            try LiveSupport.run { try live.addUnits(count) }
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .modern else {
            throw Failure("add-unit of the controller application is the Dqlite-era path; in a legacy environment use ensure-availability")
        }
        if case let .failed(message, hints) = session.apply(.addControllerUnits(count)) { throw Failure(message, hints: hints) }
        try session.save()
    }
}
