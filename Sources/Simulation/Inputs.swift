import HACore

/// What a command does to the world, as recorded in the environment's journal. Replaying the
/// journal from the bootstrap configuration rebuilds the same world, because every input is
/// data and every decision comes from the world's own seeded streams.
public enum WorldInput: Codable, Sendable, Equatable {
    /// Let simulated time pass (`advance`, or the wall clock's share before a command).
    case advance(Interval)
    /// Run until a condition holds, or until `timeout` passes.
    case wait(WaitCondition, timeout: Interval)
    case fault(MachineID, FaultMode)
    case start(MachineID)
    case partition([MachineID], from: [MachineID], oneWay: Bool)
    /// Heal the links of some machines, or all links when `nil`.
    case heal([MachineID]?)
    case skew(MachineID, Interval)
    /// Juju's bootstrap agent writes the `juju` database once the replica set has a primary.
    case bootstrapJuju
    /// `juju ensure-availability` with its command-line arguments, as Juju's flag parser reads them.
    case ensureAvailability([String])
    /// `juju destroy-machine [--force] ids…`.
    case destroyMachines([String], force: Bool)
    /// `create-backup`: dump every database through the primary.
    case createBackup
    /// `restore-backup` into this (freshly bootstrapped) environment.
    case restoreLegacy(LegacyRestoreInput)
    /// `juju enable-ha` with its command-line arguments (modern flavor).
    case enableHA([String])
    /// `juju remove-machine -m controller [--force] ids…` (modern flavor).
    case removeMachines([String], force: Bool)
    /// `juju add-unit -m controller controller -n K` (modern flavor).
    case addControllerUnits(Int)
    /// Modern bootstrap writes the controller's rows once its Dqlite node leads.
    case bootstrapController
    /// `restore-backup` of a format-2 backup into this freshly bootstrapped controller.
    case restoreModern(ModernRestoreInput)
    /// `juju bind controller ENDPOINT=SPACE` (modern flavor).
    case bindController(endpoint: String, space: String)
    /// `juju controller-config juju-mgmt-space=SPACE` (modern flavor; empty unsets it).
    case setManagementSpace(String)
    /// `juju add-machine -n K` (modern flavor): machines for workloads in the controller model.
    case addMachines(Int)
}

/// Conditions `wait --until` understands.
public enum WaitCondition: String, Codable, Sendable, CaseIterable {
    /// Every machine that should be running is started and seen alive, and none is still pending.
    case settled
    /// The database cluster has a primary that accepts writes (legacy), or a Dqlite leader (modern).
    case primary
    /// A majority of the database cluster's voters is up.
    case quorum
}

/// The outcome of applying an input.
public enum InputOutcome: Equatable, Sendable {
    case done
    /// A wait reached its condition after this much simulated time.
    case reached(WaitCondition, after: Interval)
    /// A wait gave up at its timeout.
    case timedOut(WaitCondition, after: Interval)
    /// What the command prints on stdout.
    case output(String)
    /// The command failed as Juju reports it; `hints` are Quorum's additions for stderr.
    case failed(String, hints: [String])
    /// What `create-backup` read, for the CLI to write as an archive.
    case backup(DatabaseDump)
    /// What `create-backup` read from a modern controller's database.
    case controllerBackup(ControllerDump)
}

extension World {
    @discardableResult
    public mutating func apply(_ input: WorldInput, trace: inout Trace) -> InputOutcome {
        switch input {
        case .advance(let d):
            run(until: now + d, trace: &trace)
        case let .wait(condition, timeout):
            let start = now
            let reached = run(until: { $0.holds(condition) }, limit: start + timeout, trace: &trace)
            return reached ? .reached(condition, after: now - start) : .timedOut(condition, after: now - start)
        case let .fault(id, mode):
            inject(mode, into: id, trace: &trace)
        case .start(let id):
            start(id, trace: &trace)
        case let .partition(group, others, oneWay):
            partition(group, from: others, oneWay: oneWay, trace: &trace)
        case .heal(let ids):
            heal(ids, trace: &trace)
        case let .skew(id, offset):
            skew(id, by: offset, trace: &trace)
        case .bootstrapJuju:
            return bootstrapJujuDatabase(trace: &trace)
        case .ensureAvailability(let arguments):
            return ensureAvailability(arguments, trace: &trace)
        case let .destroyMachines(ids, force):
            return destroyMachines(ids, force: force, trace: &trace)
        case .createBackup:
            return config.flavor == .legacy ? createLegacyBackup(trace: &trace) : createModernBackup(trace: &trace)
        case .restoreLegacy(let restore):
            return restoreLegacy(restore, trace: &trace)
        case .enableHA(let arguments):
            return enableHA(arguments, trace: &trace)
        case let .removeMachines(ids, force):
            return removeMachines(ids, force: force, trace: &trace)
        case .addControllerUnits(let count):
            return addControllerUnits(count, trace: &trace)
        case .bootstrapController:
            return bootstrapControllerDatabase(trace: &trace)
        case let .bindController(endpoint, space):
            return bindControllerEndpoint(endpoint, space: space, trace: &trace)
        case .setManagementSpace(let space):
            return setManagementSpace(space, trace: &trace)
        case .addMachines(let count):
            return addWorkloadMachines(count, trace: &trace)
        case .restoreModern(let input):
            return restoreModern(input, trace: &trace)
        }
        return .done
    }

    public func holds(_ condition: WaitCondition) -> Bool {
        switch condition {
        case .primary:
            return config.flavor == .legacy ? primaryMachine != nil : dqliteLeaderMachine != nil
        case .quorum:
            return (config.flavor == .legacy ? quorumSummary : dqliteQuorumSummary)?.hasQuorum ?? false
        case .settled:
            let databaseSettled = config.flavor == .legacy
                ? members.allSatisfy { $0.member?.config == nil } || replicaSetSettled
                : dqliteSettled
            return databaseSettled && machines.allSatisfy { m in
                switch m.process {
                case .none: return false
                case .running: return agentAlive(m.id)
                case .paused, .stopped, .crashed: return true
                }
            }
        }
    }
}

extension World {
    /// A Dqlite leader exists, every running node's app has finished joining, and every
    /// running node in the configuration has applied what the leader committed.
    var dqliteSettled: Bool {
        guard let leader = dqliteLeaderHosted?.node else { return false }
        return dqliteNodes.allSatisfy { hosted in
            guard let node = hosted.node else { return true }
            guard hosted.ready else { return false }
            guard leader.configuration.contains(node.id), leader.configuration.role(of: node.id) != .spare else { return true }
            return node.appliedIndex >= leader.commitIndex
        }
    }

    /// A writable primary exists and every running member has caught up with it.
    var replicaSetSettled: Bool {
        let running = members.compactMap(\.member)
        guard let primary = running.first(where: \.isWritablePrimary) else { return false }
        return running.allSatisfy { $0.lastApplied == primary.lastApplied || $0.config == nil }
    }
}
