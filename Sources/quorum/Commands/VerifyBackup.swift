import ArgumentParser
import Backups

/// `quorum verify-backup FILE`: reads the whole archive as a restore would and says what it
/// holds, or exactly what is wrong with it.
struct VerifyBackup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify-backup", abstract: "Check a backup archive's structure, manifest, checksums and contents.")

    @Argument(help: "The backup archive.")
    var file: String

    func run() throws {
        let contents: BackupContents
        let report: BackupReadReport
        do {
            (contents, report) = try BackupReader.read(path: file)
        } catch {
            throw Failure(error.description)
        }
        var lines = ["backup: \(file)", "format: \(contents.formatName)"]
        lines.append(report.manifestChecked
            ? "manifest: \(report.fileEntries - 1) entries, sizes and SHA-256 match"
            : "manifest: none (not written by Quorum); structure and contents checked, checksums not")
        switch contents {
        case .legacy(let backup):
            if let metadata = backup.metadata {
                lines += ["environment: \(metadata.environment)", "juju version: \(metadata.version)", "machine: \(metadata.machine)"]
            }
            lines.append("collections: \(backup.collections.count), documents: \(backup.documentCount)")
            for dump in backup.collections {
                lines.append("  \(dump.namespace): \(dump.documents.count)")
            }
            if let oplog = backup.oplog { lines.append("oplog: \(oplog.count) entries") }
            lines.append("root.tar: \(backup.rootFiles.count) files")
        case .modern(let backup):
            lines += ["model: \(backup.metadata.modelUUID)", "controller: \(backup.metadata.controllerUUID)",
                      "juju version: \(backup.metadata.version)", "HA nodes: \(backup.metadata.haNodes)"]
            let rows = backup.controller.tables.reduce(0) { $0 + $1.rows.count }
            lines.append("tables: \(backup.controller.tables.count), rows: \(rows)")
            for table in backup.controller.tables where !table.rows.isEmpty {
                lines.append("  \(table.name): \(table.rows.count)")
            }
            for model in backup.models { lines.append("model \(model.name): \(model.machines.count) machines") }
            lines.append("root.tar: \(backup.rootFiles.count) files")
        }
        lines.append("OK")
        print(lines.joined(separator: "\n"))
    }
}
