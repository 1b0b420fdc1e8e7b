import ArgumentParser
import Live
import Backups
import BSON
import DqliteStore
import HACore
import LegacyJuju
import Simulation

/// `quorum restore-backup FILE --into NEWENV`: a legacy archive becomes a new environment with a
/// single state server, as the 1.20 restore plugin leaves it (spec §5.4); `ensure-availability`
/// rebuilds HA afterwards.
struct RestoreBackup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore-backup", abstract: "Restore a backup archive into a new environment.")

    @Argument(help: "The backup archive.")
    var file: String

    @Option(help: "Name of the environment to create.")
    var into: String

    @Option(help: "The flavor the archive must be (refuses an archive of the other era).")
    var flavor: Flavor?

    @Option(help: "Where the machines run.")
    var runtime: RuntimeKind = .sim

    @Option(name: .customLong("live-port"), help: .hidden)
    var livePort: Int = 17666

    @Option(name: .customLong("live-address-base"), help: .hidden)
    var liveAddressBase: Int = 10

    @Option(name: .customLong("roles-interval"), help: .hidden)
    var rolesInterval: Double = 30

    @Option(help: "Root seed of the new environment's random decisions (default: drawn at random and printed).")
    var seed: UInt64?

    @Option(help: "wall or virtual, as for bootstrap.")
    var clock: ClockMode = .wall

    @Option(help: "With --clock wall, how many simulated seconds pass per wall second.")
    var speed: Double = 1

    func run() throws {
        try QuorumHome.validate(name: into)
        let home = QuorumHome.resolve()
        guard !FileSystem.exists(home.directory(of: into)) else { throw Failure("environment \"\(into)\" already exists") }
        let contents: BackupContents
        do {
            contents = try BackupReader.read(path: file).0
        } catch {
            throw Failure(error.description)
        }
        switch contents {
        case .legacy(let backup):
            if flavor == .modern {
                throw Failure("\(file) is a legacy (MongoDB) backup; a modern controller restores format 2 backups only (convert it with migrate-backup)")
            }
            try restoreLegacy(backup, home: home)
        case .modern(let backup):
            if flavor == .legacy {
                throw Failure("\(file) is a modern (format 2) backup; a legacy environment restores MongoDB backups only")
            }
            try restoreModern(backup, home: home)
        }
    }

    /// Format 2 into a new controller: bootstrap a single controller with the backed-up
    /// identity, then replace its database's contents with the backup's through the leader.
    private func restoreModern(_ backup: ModernBackupContents, home: QuorumHome) throws {
        let version = try AgentVersion.check(backup.metadata.version, for: .modern)
        if runtime == .live { return try restoreLive(backup, version: version, home: home) }
        let tables = backup.controller.tables.map { TableExport(name: $0.name, columns: $0.columns, rows: $0.sqlRows) }
        let config = WorldConfig(name: into, flavor: .modern, seed: Seed(seed ?? UInt64.random(in: 0...UInt64(Int64.max))),
                                 agentVersion: version, environmentUUID: backup.metadata.modelUUID, agentLogging: true,
                                 controllerUUID: backup.metadata.controllerUUID)
        let inputs: [WorldInput] = [.wait(.settled, timeout: .minutes(10)), .wait(.primary, timeout: .minutes(2)), .bootstrapController,
                                    .restoreModern(ModernRestoreInput(tables: tables)), .wait(.settled, timeout: .minutes(10))]
        try create(config: config, inputs: inputs, home: home)
        print("restore from \"\(file)\" completed")
        StandardError.write("seed \(config.seed.value) (replay with --seed \(config.seed.value))\n")
    }

    /// Format 2 into a new live controller: a real machine 0 bootstrapped with the backed-up
    /// identity, whose database contents are replaced through its Dqlite leader.
    private func restoreLive(_ backup: ModernBackupContents, version: String, home: QuorumHome) throws {
        try FileSystem.createDirectory(home.path)
        let lock = try FileLock(home.lockFile, what: "quorum home \(home.path)")
        let directory = home.directory(of: into)
        guard !FileSystem.exists(directory) else { throw Failure("environment \"\(into)\" already exists") }
        let tables = backup.controller.tables.map { LiveTable(name: $0.name, columns: $0.columns, rows: $0.sqlRows) }
        try LiveSupport.run {
            let env = try LiveEnvironment.bootstrap(directory: directory, name: into, agentVersion: version, port: livePort,
                                                    addressBase: liveAddressBase, rolesInterval: rolesInterval,
                                                    controllerUUID: backup.metadata.controllerUUID, modelUUID: backup.metadata.modelUUID)
            do {
                try env.restore(tables)
            } catch {
                env.destroy()
                throw error
            }
        }
        try home.setCurrent(into)
        withExtendedLifetime(lock) {}
        print("restore from \"\(file)\" completed")
    }

    /// Runs the new environment's first inputs and writes it, or leaves nothing behind.
    @discardableResult
    private func create(config: WorldConfig, inputs: [WorldInput], home: QuorumHome) throws -> World {
        try FileSystem.createDirectory(home.path)
        let lock = try FileLock(home.lockFile, what: "quorum home \(home.path)")
        let directory = home.directory(of: into)
        guard !FileSystem.exists(directory) else { throw Failure("environment \"\(into)\" already exists") }
        var trace = Trace()
        var world = World(config: config, trace: &trace)
        for input in inputs {
            switch world.apply(input, trace: &trace) {
            case .timedOut(let condition, let after): throw Failure("restore: the new controller did not reach \(condition.rawValue) within \(after)")
            case let .failed(message, hints): throw Failure(message, hints: hints)
            default: break
            }
        }
        try NewEnvironment(name: into, runtime: runtime, clock: clock, speed: speed)
            .create(directory: directory, world: world, trace: trace, config: config, inputs: inputs)
        try home.setCurrent(into)
        withExtendedLifetime(lock) {}
        return world
    }

    private func restoreLegacy(_ backup: LegacyBackup, home: QuorumHome) throws {
        guard runtime == .sim else { throw Failure("the live runtime hosts the modern flavor only; restore a legacy backup with --runtime sim") }
        let plan = try LegacyRestorePlan(backup: backup)
        let version = try AgentVersion.check(plan.version, for: .legacy)
        let rootSeed = seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        let config = WorldConfig(name: into, flavor: .legacy, seed: Seed(rootSeed), agentVersion: version,
                                 environmentUUID: plan.environmentUUID, agentLogging: true)
        // Re-bootstrap: a fresh machine 0 with its own juju database, which the restore replaces.
        let inputs: [WorldInput] = [.wait(.settled, timeout: .minutes(10)), .wait(.primary, timeout: .minutes(2)), .bootstrapJuju,
                                    .restoreLegacy(plan.input), .wait(.settled, timeout: .minutes(10))]
        let world = try create(config: config, inputs: inputs, home: home)
        print(plan.progress(restored: world, file: file), terminator: "")
        StandardError.write("seed \(rootSeed) (replay with --seed \(rootSeed))\n")
    }
}

/// What a legacy archive says about the environment to restore, checked as Juju's restore
/// checks it before it touches anything.
struct LegacyRestorePlan {
    let backup: LegacyBackup
    let credentials: AgentCredentials
    let version: String
    let environmentUUID: String

    init(backup: LegacyBackup) throws {
        self.backup = backup
        // The 1.20 plugin reads machine 0's agent.conf; 1.21+ that of the machine that took the backup.
        let machine = backup.metadata?.machine ?? "0"
        guard let agentConf = backup.rootFile(AgentFiles.agentConfPath(machine: machine.isEmpty ? "0" : machine)) else {
            throw Failure("agent password not found in configuration")
        }
        do {
            credentials = try AgentCredentials(agentConf: agentConf.text)
        } catch {
            throw Failure(error.description)
        }
        let settings = backup.collection("juju", "settings")?.documents ?? []
        let environSettings = settings.first { ($0["_id"]?.stringValue ?? "").hasSuffix("e") && $0["agent-version"] != nil }
        guard let version = backup.metadata?.version ?? environSettings?["agent-version"]?.stringValue else {
            throw Failure("backup names no Juju version (no metadata.json and no agent-version setting)")
        }
        self.version = version
        let environments = backup.collection("juju", "environments")?.documents ?? []
        guard let uuid = backup.metadata?.environment ?? environments.first?["_id"]?.stringValue, !uuid.isEmpty else {
            throw Failure("backup names no environment (no metadata.json and no environments document)")
        }
        environmentUUID = uuid
    }

    var input: LegacyRestoreInput {
        LegacyRestoreInput(
            collections: backup.collections.map {
                DumpedCollection(database: $0.database, collection: $0.collection, options: $0.options, documents: $0.documents)
            },
            oplog: backup.format == .juju120 ? [] : backup.oplog ?? [])
    }

    /// The restore plugin's progress lines (1.20), or 1.21+'s completion line.
    func progress(restored world: World, file: String) -> String {
        guard backup.format == .juju120 else { return "restore from \"\(file)\" completed\n" }
        var lines = ["extracted credentials from backup file", "re-bootstrapping environment", "connecting to newly bootstrapped instance",
                     "restoring bootstrap machine", "copying backup file to bootstrap host", "updating bootstrap machine",
                     "restored bootstrap machine", "opening state", "updating all machines"]
        for machine in world.machines where machine.id != 0 {
            lines += ["updating machine: \(machine.id)", "updated machine \(machine.id)"]
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
