import ArgumentParser
import Simulation

/// `quorum controller-config [juju-mgmt-space[=SPACE]]` (modern flavor): the one controller
/// setting Quorum emulates, the space agents reach the controllers in.
struct ControllerConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controller-config",
                                                    abstract: "Show or set juju-mgmt-space, the space agents use to reach controllers (modern flavor).")

    static let managementSpaceKey = "juju-mgmt-space"

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "`juju-mgmt-space` to show it, `juju-mgmt-space=SPACE` to set it (empty unsets).")
    var settings: [String] = []

    func run() throws {
        var session = try Session(environment: env.environment, writing: !settings.isEmpty && settings.allSatisfy { $0.contains("=") })
        guard session.world.config.flavor == .modern else {
            throw Failure("controller-config is a Dqlite-era command; a legacy environment has no controller config")
        }
        guard !settings.isEmpty else {
            print("Attribute        Value")
            print("\(Self.managementSpaceKey)  \(session.world.config.managementSpace ?? "")".trimmingTrailingSpaces())
            return
        }
        if settings.count == 1, !settings[0].contains("=") {
            guard settings[0] == Self.managementSpaceKey else { throw Failure("key \"\(settings[0])\" not found in controller config") }
            print(session.world.config.managementSpace ?? "")
            return
        }
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw Failure("cannot mix reading and writing controller config: \"\(setting)\"") }
            guard parts[0] == Self.managementSpaceKey else {
                throw Failure("controller config \"\(parts[0])\" is not emulated; only \(Self.managementSpaceKey) can be set")
            }
            _ = session.apply(.setManagementSpace(parts[1]))
        }
        try session.save()
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
