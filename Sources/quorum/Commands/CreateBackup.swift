import ArgumentParser
import Backups
import BSON
import HACore
import LegacyJuju
import Simulation
import Live
import Foundation
import RaftCluster

/// `quorum create-backup`: dumps every database through the primary and writes the archive in
/// the layout of the environment's Juju version (1.20 plugin, or 1.21+ with metadata.json).
struct CreateBackup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-backup", abstract: "Back up the environment's state servers to an archive.")

    @OptionGroup var env: EnvironmentOption

    @Option(help: "File to write (default: juju-backup-<date>-<time>.tar.gz, .tgz under 1.20).")
    var filename: String?

    @Option(help: "Notes stored in the backup's metadata (1.21+).")
    var notes: String = ""

    func run() throws {
        if let live = try LiveSupport.open(env.environment) { return try writeLive(live) }
        var session = try Session(environment: env.environment, writing: true)
        let outcome = session.apply(.createBackup)
        if case let .controllerBackup(dump) = outcome {
            return try writeModern(dump, session: &session)
        }
        guard case let .backup(dump) = outcome else {
            if case let .failed(message, hints) = outcome { throw Failure(message, hints: hints) }
            throw Failure("create-backup produced no backup")
        }
        let backup = LegacyBackupComposer(world: session.world, dump: dump, notes: notes).backup
        let name = filename ?? LegacyBackupComposer.defaultFileName(format: backup.format, started: dump.started)
        let written: WrittenArchive
        do {
            written = try LegacyArchiveWriter.write(backup, to: name, modificationTime: dump.started / 1_000_000)
        } catch let error as ArchiveError {
            throw Failure(error.description)
        }
        try session.save()
        print(LegacyBackupComposer.report(backup: backup, dump: dump, written: written, fileName: name), terminator: "")
    }
}

extension CreateBackup {
    /// Format 2: the controller database as YAML, read from the Dqlite leader.
    private func writeModern(_ dump: ControllerDump, session: inout Session) throws {
        let backup = ModernBackupComposer(world: session.world, dump: dump, notes: notes).backup
        let stamp = CivilTime(unixMicroseconds: dump.started).compactStamp
        let name = filename ?? "juju-backup-\(stamp).tar.gz"
        do {
            _ = try ModernArchiveWriter.write(backup, to: name, modificationTime: dump.started / 1_000_000)
        } catch let error as ArchiveError {
            throw Failure(error.description)
        }
        try session.save()
        print("Backup \(stamp).\(backup.metadata.modelUUID) created\nDownloaded to \(name)")
    }
}

extension CreateBackup {
    /// Format 2 from a live controller: its tables read through the real Dqlite leader.
    private func writeLive(_ env: LiveEnvironment) throws {
        let started = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let tables: [LiveTable]
        do {
            tables = try env.dumpController()
        } catch let error as LiveError {
            throw Failure("cannot create backup: \(error.message)", hints: error.hints)
        }
        let origin = env.backupOrigin?.id ?? 0
        let instance = env.instanceID(of: origin)
        let state = env.state
        var metadata = ModernBackupMetadata(started: started, modelUUID: state.modelUUID, machine: String(origin),
                                            hostname: instance, version: state.agentVersion, base: "ubuntu@24.04",
                                            controllerUUID: state.controllerUUID, haNodes: env.activeMachines.count,
                                            controllerMachineID: String(origin), controllerMachineInstanceID: instance)
        metadata.notes = notes
        let machines = env.activeMachines.map { ModelExport.Machine(id: String($0.id), instanceID: env.instanceID(of: $0.id), isController: true) }
        let tag = "machine-\(origin)"
        let rootFiles = [
            BackupFile(path: "var/lib/juju/agents/\(tag)/agent.conf", text: """
                # format 2.0
                tag: \(tag)
                datadir: /var/lib/juju
                logdir: /var/log/juju
                upgradedToVersion: \(state.agentVersion)
                controller: controller-\(state.controllerUUID)
                model: model-\(state.modelUUID)
                apiaddresses:
                \(env.activeMachines.map { "- \($0.ip):17070" }.joined(separator: "\n"))
                apiport: 17070

                """),
            BackupFile(path: "var/lib/juju/nonce.txt", text: "user-admin:bootstrap\n"),
        ]
        let backup = ModernBackupContents(
            metadata: metadata, controller: ControllerExport(tables: tables.map { ExportedTable(name: $0.name, columns: $0.columns, rows: $0.rows) }),
            models: [ModelExport(uuid: state.modelUUID, name: "controller", machines: machines)], rootFiles: rootFiles)
        let stamp = CivilTime(unixMicroseconds: started).compactStamp
        let name = filename ?? "juju-backup-\(stamp).tar.gz"
        do {
            _ = try ModernArchiveWriter.write(backup, to: name, modificationTime: started / 1_000_000)
        } catch let error as ArchiveError {
            throw Failure(error.description)
        }
        print("Backup \(stamp).\(state.modelUUID) created\nDownloaded to \(name)")
    }
}

/// A modern controller's backup as Juju 4 writes it (spec §6.1).
struct ModernBackupComposer {
    let world: World
    let dump: ControllerDump
    let notes: String

    var backup: ModernBackupContents {
        let origin = dump.origin
        let instance = world.machine(origin)?.instanceID ?? world.instanceID(for: origin)
        var metadata = ModernBackupMetadata(started: dump.started, modelUUID: world.environmentUUID, machine: origin.description,
                                            hostname: instance, version: world.config.agentVersion, base: "ubuntu@22.04",
                                            controllerUUID: world.controllerUUID, haNodes: dump.controllers.count,
                                            controllerMachineID: origin.description, controllerMachineInstanceID: instance)
        metadata.notes = notes
        let tables = dump.tables.map { ExportedTable(name: $0.name, columns: $0.columns, rows: $0.rows) }
        let machines = world.machines.map {
            ModelExport.Machine(id: $0.id.description, instanceID: $0.instanceID ?? "", isController: $0.isController)
        }
        let model = ModelExport(uuid: world.environmentUUID, name: "controller", machines: machines)
        return ModernBackupContents(metadata: metadata, controller: ControllerExport(tables: tables), models: [model], rootFiles: rootFiles)
    }

    /// `core/backups/files.go`: the agent directory and identity files, paths without `/`.
    private var rootFiles: [BackupFile] {
        let tag = dump.origin.tag
        return [
            BackupFile(path: "var/lib/juju/agents/\(tag)/agent.conf", text: """
                # format 2.0
                tag: \(tag)
                datadir: /var/lib/juju
                logdir: /var/log/juju
                upgradedToVersion: \(world.config.agentVersion)
                controller: controller-\(world.controllerUUID)
                model: model-\(world.environmentUUID)
                apiaddresses:
                \(world.controllers.map { "- \($0.address):17070" }.joined(separator: "\n"))
                apiport: 17070

                """),
            BackupFile(path: "var/lib/juju/nonce.txt", text: "user-admin:bootstrap\n"),
            BackupFile(path: "var/lib/juju/system-identity", text: world.caCertificate),
            BackupFile(path: "home/ubuntu/.ssh/authorized_keys", text: "ssh-ed25519 \(world.controllerUUID) juju-system-key\n"),
        ]
    }
}

/// Turns what the world dumped into the archive's contents, as the Juju version would write it.
struct LegacyBackupComposer {
    let world: World
    let dump: DatabaseDump
    let notes: String

    var version: JujuVersion { world.jujuVersion }

    var backup: LegacyBackup {
        let format: LegacyBackupFormat = version.writesBackupMetadata ? .v0 : .juju120
        let collections = dump.collections.map {
            CollectionDump(database: $0.database, collection: $0.collection, options: $0.options, documents: $0.documents)
        }
        var metadata: LegacyBackupMetadata?
        if format != .juju120 {
            var m = LegacyBackupMetadata(environment: world.environmentUUID, machine: dump.origin.description,
                                         hostname: dump.hostname, version: version.description, started: dump.started)
            m.notes = notes
            metadata = m
        }
        return LegacyBackup(format: format, metadata: metadata, collections: collections,
                            oplog: format == .juju120 ? nil : dump.oplog, rootFiles: rootFiles, environConfig: format == .juju120 ? environConfig : nil)
    }

    /// The origin machine's files, with the logs as its disk would hold them.
    private var rootFiles: [BackupFile] {
        let lines = dump.collections.first { $0.database == "logs" && $0.collection == "logs" }?.documents.compactMap(LogLine.init(document:)) ?? []
        let all = lines.map { $0.formatted + "\n" }.joined()
        let own = lines.filter { $0.entity == dump.origin.tag }.map { $0.formatted + "\n" }.joined()
        let apiAddresses = world.controllers.map { "\($0.address):17070" }
        let files = AgentFiles(parameters: world.legacyBootstrapParameters, machine: dump.origin.description,
                               address: dump.origin.address, apiAddresses: apiAddresses)
        return files.files(allMachinesLog: all, machineLog: own).map { BackupFile(path: $0.path, text: $0.text) }
    }

    /// 1.20's `mongoexport --collection settings`: one JSON document per line.
    private var environConfig: String {
        let settings = dump.collections.first { $0.database == "juju" && $0.collection == "settings" }?.documents ?? []
        return settings.compactMap { try? $0.relaxedExtendedJSON }.map { $0 + "\n" }.joined()
    }

    static func defaultFileName(format: LegacyBackupFormat, started: Int64) -> String {
        let time = CivilTime(unixMicroseconds: started)
        guard format == .juju120 else { return "juju-backup-\(time.compactStamp).tar.gz" }
        return "juju-backup-\(time.compactStamp.dropLast(2)).tgz"
    }

    /// What Juju prints: the 1.20 plugin's step banners, or 1.21+'s metadata block, the backup
    /// id and the download line.
    static func report(backup: LegacyBackup, dump: DatabaseDump, written: WrittenArchive, fileName: String) -> String {
        guard let metadata = backup.metadata else {
            return ["Preparing to perform backup", "Backing up mongo database", "Copying Juju configuration", "Creating tarball"]
                .map { "\($0).....SUCCESS\n" }.joined() + "Juju backup finished.\n"
        }
        let id = "\(CivilTime(unixMicroseconds: dump.started).compactStamp).\(metadata.environment)"
        let time = { (micros: Int64) in CivilTime(unixMicroseconds: micros).goString }
        return """
        backup ID:       "\(id)"
        checksum:        "\(written.checksum)"
        checksum format: "SHA-1, base64 encoded"
        size (B):        \(written.size)
        stored:          \(time(dump.finished))
        started:         \(time(dump.started))
        finished:        \(time(dump.finished))
        notes:           \(jsonString(metadata.notes))
        environment ID:  "\(metadata.environment)"
        machine ID:      "\(metadata.machine)"
        created on host: "\(metadata.hostname)"
        juju version:    \(metadata.version)
        \(id)
        downloading to \(fileName)

        """
    }
}
