import ArgumentParser
import Migration
import Simulation

/// `quorum fixtures generate`: realistic, deterministic backup archives of any size, for tests
/// and benchmarks.
struct Fixtures: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate backup archives for tests and benchmarks.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic legacy or modern backup archive of the given size.")

        @Option(help: "legacy (Juju 1.20/1.25, MongoDB) or modern (format 2).")
        var flavor: Flavor

        @Option(help: "Machines (the first three are state servers / controllers).")
        var machines = 3

        @Option(help: "Units, spread over the applications.")
        var units = 6

        @Option(help: "Documents (rows, for modern) in all; log entries fill what the environment does not.")
        var docs = 1000

        @Option(help: "Seed of every generated name and value: the same arguments give the same bytes.")
        var seed: UInt64

        @Option(help: "Legacy only: 1.20.x (plain ids, no metadata.json) or 1.25.x (environment-prefixed ids, logs database).")
        var agentVersion = "1.20.14"

        @Option(name: .shortAndLong, help: "The archive to write.")
        var output: String

        func validate() throws {
            if machines < 1 { throw ValidationError("--machines must be at least 1") }
            if units < 0 || docs < 0 { throw ValidationError("--units and --docs cannot be negative") }
            if flavor == .legacy, !agentVersion.hasPrefix("1.20"), !agentVersion.hasPrefix("1.25") {
                throw ValidationError("--agent-version must be 1.20.x or 1.25.x")
            }
        }

        func run() throws {
            let spec = FixtureSpec(flavor: flavor == .legacy ? .legacy : .modern, machines: machines, units: units,
                                   documents: docs, seed: seed, agentVersion: agentVersion)
            let summary: FixtureGenerator.Summary
            do {
                summary = try FixtureGenerator.generate(spec, to: output)
            } catch let error as MigrationError {
                throw Failure(error.description)
            } catch {
                throw Failure("\(error)")
            }
            print("wrote \(output): \(flavor.rawValue), \(machines) machines, \(units) units, \(summary.documents) documents")
        }
    }
}
