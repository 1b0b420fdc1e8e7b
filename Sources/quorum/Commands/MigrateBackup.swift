import ArgumentParser
import Foundation
import Migration
import Simulation

/// `quorum migrate-backup IN -o OUT [--to modern|legacy] [--dry-run] [--verify]`: converts a
/// legacy (MongoDB) backup into a modern (format 2) one or back, losslessly (DESIGN §5).
struct MigrateBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-backup",
        abstract: "Convert a backup archive between the legacy (MongoDB) and modern (format 2) formats.",
        discussion: """
        Legacy → modern maps what Juju 4 has tables for (environments, machines, instanceData, statuses, \
        services, units, relations, settings, constraints, stateServers, users), keeps every other field in \
        an extra column and every other collection unchanged under juju-backup/legacy/. Modern → legacy \
        rebuilds the documents with their original field order and types.
        """)

    @Argument(help: "The backup archive to convert.")
    var input: String

    @Option(name: .shortAndLong, help: "The archive to write.")
    var output: String?

    @Option(help: "The format to convert to: modern or legacy (default: the other one).")
    var to: Flavor?

    @Flag(help: "Report what would be mapped, kept aside or refused, and write nothing.")
    var dryRun = false

    @Flag(help: "Convert the result back and compare per-collection counts and digests with the input.")
    var verify = false

    func validate() throws {
        if output == nil && !dryRun { throw ValidationError("missing -o OUT (the archive to write)") }
    }

    func run() throws {
        var options = MigrationOptions()
        options.dryRun = dryRun
        options.verify = verify
        let target = to.map { $0 == .legacy ? BackupFlavor.legacy : BackupFlavor.modern }
        let report: MigrationReport
        do {
            report = try BackupMigration.migrate(input: input, output: output ?? "", to: target, options: options)
        } catch let error as MigrationError {
            throw Failure(error.description)
        }
        var lines: [String] = []
        lines.append(dryRun ? "dry run, \(report.direction): nothing written" : "\(report.direction): \(input) → \(output ?? "")")
        lines.append(report.render())
        let rate = report.seconds > 0 ? Double(report.documents) / report.seconds : 0
        lines.append(String(format: "%d documents, %.1f MB in %.2f s (%.0f documents/s, %.1f MB/s)", report.documents,
                            Double(report.bytes) / 1e6, report.seconds, rate, report.seconds > 0 ? Double(report.bytes) / 1e6 / report.seconds : 0))
        if verify && !dryRun {
            lines.append("verified: \(report.verified.count) \(report.direction.hasPrefix("legacy") ? "collections" : "tables and collections"), counts and digests equal")
        }
        if dryRun, !report.refusals.isEmpty {
            print(lines.joined(separator: "\n"))
            throw Failure("\(report.refusals.count) documents would be refused")
        }
        print(lines.joined(separator: "\n"))
    }
}
