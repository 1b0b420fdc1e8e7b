import ArgumentParser
import HACore
import Simulation
import Live

extension FaultMode: ExpressibleByArgument {}

/// `quorum fail ID`: breaks a machine's agent (and, with it, its mongod).
struct Fail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inject a fault into a machine: crash, stop, pause or disk-loss.")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machine id.")
    var id: String

    @Option(help: "crash (SIGKILL), stop (SIGTERM), pause (SIGSTOP) or disk-loss (crash and wipe its data).")
    var mode: FaultMode = .crash

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment, writing: true) {
            let machine = try LiveSupport.legacyMachineID(id, in: legacy)
            try LiveSupport.run { try legacy.fail(machine, mode: mode.rawValue) }
            return
        }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            let machine = try LiveSupport.machineID(id, in: live)
            try LiveSupport.run { try live.fail(machine, mode: mode.rawValue) }
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        let machine = try session.world.existingMachine(id)
        session.apply(.fault(machine, mode))
        try session.save()
    }
}

/// `quorum start ID`: resumes a paused machine or restarts a stopped or crashed one.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume or restart a machine's agent.")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machine id.")
    var id: String

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment, writing: true) {
            let machine = try LiveSupport.legacyMachineID(id, in: legacy)
            try LiveSupport.run { try legacy.start(machine) }
            return
        }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            let machine = try LiveSupport.machineID(id, in: live)
            try LiveSupport.run { try live.start(machine) }
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        let machine = try session.world.existingMachine(id)
        session.apply(.start(machine))
        try session.save()
    }
}

extension World {
    /// The machine with Juju id `text`, or Juju's `machine N not found`.
    func existingMachine(_ text: String) throws -> MachineID {
        guard let id = MachineID(parsing: text) else { throw Failure("invalid machine id \"\(text)\"") }
        guard machine(id) != nil else { throw Failure("machine \(id) not found") }
        return id
    }
}

/// `quorum partition IDS [--from IDS] [--one-way]`: cuts the links between machines.
struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cut network links between machines.")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machines on one side, comma-separated (e.g. 0,1).")
    var ids: String

    @Option(help: "Machines on the other side (default: every other machine).")
    var from: String?

    @Flag(help: "Cut only the direction from IDS to the others.")
    var oneWay = false

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment, writing: true) {
            guard !oneWay else { throw Failure("--one-way is emulated on the sim runtime only") }
            let group = try ids.split(separator: ",").map { try LiveSupport.legacyMachineID(String($0), in: legacy) }
            let others = try from.map { try $0.split(separator: ",").map { try LiveSupport.legacyMachineID(String($0), in: legacy) } }
                ?? legacy.machines.map(\.id).filter { !group.contains($0) }
            guard !others.isEmpty else { throw Failure("nothing to partition \(ids) from") }
            legacy.partition(group, from: others)
            return
        }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            let group = try LiveSupport.machineList(ids, in: live)
            let others = try from.map { try LiveSupport.machineList($0, in: live) } ?? live.activeMachines.map(\.id).filter { !group.contains($0) }
            guard !others.isEmpty else { throw Failure("nothing to partition \(ids) from") }
            try LiveSupport.run { try live.partition(group, from: others, oneWay: oneWay) }
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        let group = try session.world.machineList(ids)
        let others = try from.map { try session.world.machineList($0) } ?? session.world.machines.map(\.id).filter { !group.contains($0) }
        guard !others.isEmpty else { throw Failure("nothing to partition \(ids) from") }
        session.apply(.partition(group, from: others, oneWay: oneWay))
        try session.save()
    }
}

/// `quorum heal [IDS] [--all]`: restores cut links.
struct Heal: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restore network links (of some machines, or all).")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machines whose links are restored, comma-separated.")
    var ids: String?

    @Flag(help: "Restore every link.")
    var all = false

    func validate() throws {
        guard (ids == nil) != !all else { throw ValidationError("give machine ids or --all") }
    }

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment, writing: true) {
            legacy.heal()
            return
        }
        if let live = try LiveSupport.open(env.environment, writing: true) {
            let machines = try ids.map { try LiveSupport.machineList($0, in: live) }
            try LiveSupport.run { try live.heal(machines) }
            return
        }
        var session = try Session(environment: env.environment, writing: true)
        let machines = try ids.map { try session.world.machineList($0) }
        session.apply(.heal(machines))
        try session.save()
    }
}

/// `quorum skew ID DURATION`: sets a machine's clock offset.
struct Skew: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Skew a machine's clock by a duration (e.g. 30s, -2m).")

    @OptionGroup var env: EnvironmentOption

    @Argument(help: "Machine id.")
    var id: String

    @Argument(help: "Offset from true time, Go duration syntax; put -- before a negative one: skew 1 -- -30s.")
    var offset: String

    func run() throws {
        guard let interval = Interval(parsing: offset) else { throw Failure("invalid duration \"\(offset)\"", code: .usage) }
        var session = try Session(environment: env.environment, writing: true)
        let machine = try session.world.existingMachine(id)
        session.apply(.skew(machine, interval))
        try session.save()
    }
}

extension World {
    /// Comma-separated machine ids, each of which must exist.
    func machineList(_ text: String) throws -> [MachineID] {
        let ids = try text.split(separator: ",").map { try existingMachine(String($0)) }
        guard !ids.isEmpty else { throw Failure("no machines given") }
        return ids
    }
}
