import ArgumentParser
import Foundation

@main
struct Quorum: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "quorum",
        abstract: "Rehearse Juju controller high availability without a cloud.",
        discussion: """
        Quorum emulates Juju's controller HA in both of its eras: Juju 1.20 state servers on a \
        MongoDB-style replica set (legacy flavor) and Dqlite-era controllers (modern flavor). \
        Environments live in $QUORUM_HOME (default ~/.local/share/quorum).
        """,
        version: version,
        subcommands: [
            Bootstrap.self, Environments.self, Switch.self, DestroyEnvironment.self,
            EnsureAvailability.self, DestroyMachine.self, EnableHA.self, AddUnit.self, AddMachine.self, RemoveMachine.self, Bind.self, ControllerConfig.self, Controllers.self, ShowController.self, Fail.self, Start.self, Partition.self, Heal.self, Skew.self,
            Status.self, DBStatus.self, Wait.self, Advance.self, DebugLog.self, CreateBackup.self, VerifyBackup.self, RestoreBackup.self, MigrateBackup.self, Fixtures.self,
            Simulate.self, Scenario.self, Version.self, AgentCommand.self,
        ]
    )

    /// Parses, runs, and turns failures into `error: …` on stderr with DESIGN §3's exit codes.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as Failure {
            StandardError.write("error: \(failure.message)\n")
            for hint in failure.hints { StandardError.write(hint + "\n") }
            Foundation.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 0 || isHelpRequest(error) {
                exit(withError: error)
            }
            StandardError.write("error: \(message(for: error))\n")
            if code == .validationFailure {
                StandardError.write(usageString(for: error))
            }
            Foundation.exit(code == .validationFailure ? Failure.Code.usage.rawValue : code.rawValue)
        }
    }

    private static func isHelpRequest(_ error: Error) -> Bool {
        error is CleanExit || fullMessage(for: error).hasPrefix("OVERVIEW") || fullMessage(for: error).hasPrefix("USAGE")
    }

    private static func usageString(for error: Error) -> String {
        let full = fullMessage(for: error)
        guard let range = full.range(of: "Usage: ") else { return "" }
        return String(full[range.lowerBound...]).trimmingCharacters(in: .newlines) + "\n"
    }
}

/// `-e NAME`: the environment to act on instead of the current one.
struct EnvironmentOption: ParsableArguments {
    @Option(name: [.customShort("e"), .customLong("environment")], help: "Environment to operate in (default: the current one).")
    var environment: String?
}

extension Interval: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

import HACore
