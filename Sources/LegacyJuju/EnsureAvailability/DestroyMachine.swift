/// The lifecycle changes `destroy-machine` asks of a machine.
public enum MachineLifecycleChange: Sendable, Equatable {
    /// `Machine.Destroy`: Alive → Dying.
    case destroy
    /// `Machine.EnsureDead`: → Dead.
    case ensureDead
    /// `Machine.ForceDestroy` (`destroy-machine --force`).
    case forceDestroy
}

/// Why the state layer refuses to destroy a machine (§2.5).
public enum DestroyMachineError: Error, Equatable, CustomStringConvertible {
    case requiredByEnvironment(String)
    case votingReplicaSetMember(String)
    case doesNotExist(String)

    public var description: String {
        switch self {
        case let .requiredByEnvironment(id): return "machine \(id) is required by the environment"
        case let .votingReplicaSetMember(id): return "machine \(id) is a voting replica set member"
        case let .doesNotExist(id): return "machine \(id) does not exist"
        }
    }
}

/// The API's answer to `destroy-machine` over several ids: every refusal joined by `; `.
public struct DestroyMachinesError: Error, Equatable, CustomStringConvertible {
    public var refusals: [String]
    public var requestedCount: Int

    public var description: String {
        let summary = refusals.count == requestedCount ? "no machines were destroyed" : "some machines were not destroyed"
        return "\(summary): \(refusals.joined(separator: "; "))"
    }
}

public enum DestroyMachine {
    /// Whether the state layer refuses `change` for `machine`: a state server is required by the
    /// environment until `ensure-availability` has removed its job, and a machine that still
    /// holds a vote must lose it first. A change the machine's life already passed is a no-op.
    public static func refusal(_ change: MachineLifecycleChange, of machine: MachineFacts) -> DestroyMachineError? {
        switch change {
        case .forceDestroy:
            return machine.isManager ? .requiredByEnvironment(machine.id) : nil
        case .destroy where machine.life != .alive, .ensureDead where machine.life == .dead:
            return nil
        case .destroy, .ensureDead:
            if machine.isManager { return .requiredByEnvironment(machine.id) }
            return machine.hasVote ? .votingReplicaSetMember(machine.id) : nil
        }
    }

    /// `destroy-machine ids…` through the API: unknown ids and refusals are collected, machines
    /// already on their way out are skipped, and the rest are destroyed.
    public static func destroyMachines(_ ids: [String], machines: [MachineFacts], force: Bool) -> DestroyMachinesError? {
        var refusals: [String] = []
        for id in ids {
            guard let machine = machines.first(where: { $0.id == id }) else {
                refusals.append(DestroyMachineError.doesNotExist(id).description)
                continue
            }
            if let refusal = refusal(force ? .forceDestroy : .destroy, of: machine) {
                refusals.append(refusal.description)
            }
        }
        return refusals.isEmpty ? nil : DestroyMachinesError(refusals: refusals, requestedCount: ids.count)
    }
}
