import ArgumentParser
import Simulation

/// `quorum bind [-m controller] controller ENDPOINT=SPACE` (modern flavor): binds the
/// controller application's `dbcluster` endpoint to a space, which is how an operator gives
/// controllers with several addresses a unique DB bind address.
struct Bind: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Change the space an endpoint of the controller application is bound to (modern flavor).")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("m"), help: "Model (only `controller` is emulated).")
    var model: String = "controller"

    @Flag(help: "Accepted for Juju's syntax; every machine has an address in every space here.")
    var force = false

    @Argument(help: "The application (only `controller` is emulated).")
    var application: String

    @Argument(help: "ENDPOINT=SPACE bindings (only `dbcluster` is emulated).")
    var bindings: [String] = []

    func run() throws {
        guard model == "controller" || model == "admin/controller" else { throw Failure("model \"\(model)\" not found") }
        guard application == "controller" else { throw Failure("application \"\(application)\" not found") }
        let pairs = try bindings.map { binding -> (String, String) in
            let parts = binding.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw Failure("invalid binding \"\(binding)\": expected ENDPOINT=SPACE")
            }
            return (parts[0], parts[1])
        }
        guard !pairs.isEmpty else { throw Failure("no endpoint bindings specified; use ENDPOINT=SPACE, e.g. dbcluster=internal") }
        var session = try Session(environment: env.environment, writing: true)
        guard session.world.config.flavor == .modern else {
            throw Failure("bind of the controller application is a Dqlite-era command; a legacy environment has no dbcluster endpoint")
        }
        for (endpoint, space) in pairs {
            if case let .failed(message, hints) = session.apply(.bindController(endpoint: endpoint, space: space)) {
                throw Failure(message, hints: hints)
            }
        }
        try session.save()
    }
}
