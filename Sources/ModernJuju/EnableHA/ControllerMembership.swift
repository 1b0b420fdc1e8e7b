import HACore

/// Juju-level HA membership of the modern flavor (DESIGN §4): which controller machines want
/// and hold a vote. Dqlite roles are a separate matter and not modelled here.
public struct ControllerMembership: Equatable, Sendable {
    /// Kept sorted by id so every output is ordered without relying on hashing.
    public private(set) var controllers: [ControllerMachine]
    /// Non-controller machines of the controller model, candidates for `--to N`.
    public private(set) var otherMachines: [MachineID]
    /// Juju never reuses machine ids, so this only grows.
    public private(set) var nextMachineNumber: Int

    public init(controllers: [ControllerMachine], otherMachines: [MachineID] = [], nextMachineNumber: Int? = nil) {
        self.controllers = controllers.sorted { $0.id < $1.id }
        self.otherMachines = otherMachines.sorted()
        let highest = (controllers.map(\.id) + otherMachines).map(\.number).max() ?? -1
        self.nextMachineNumber = max(nextMachineNumber ?? 0, highest + 1)
    }

    /// A freshly bootstrapped controller: machine 0, voting.
    public static func bootstrapped(instanceID: String) -> ControllerMembership {
        ControllerMembership(controllers: [ControllerMachine(id: 0, instanceID: instanceID, hasVote: true)])
    }

    public func controller(_ id: MachineID) -> ControllerMachine? { controllers.first { $0.id == id } }

    /// Runs enable-ha and records its outcome: new and converted machines want the vote but
    /// get it only when `settleVotes` runs (the peergrouper's next pass).
    @discardableResult
    public mutating func enableHA(numControllers: Int, placement: [String] = []) throws -> EnableHAPlan {
        let plan = try ModernJuju.enableHA(numControllers: numControllers, placement: placement,
                                           controllers: controllers, otherMachines: otherMachines,
                                           nextMachineNumber: nextMachineNumber)
        for id in plan.changes.converted {
            otherMachines.removeAll { $0 == id }
            insert(ControllerMachine(id: id))
        }
        for machine in plan.newMachines { insert(ControllerMachine(id: machine.id)) }
        nextMachineNumber += plan.newMachines.count
        return plan
    }

    /// `remove-machine -m controller ID` once the machine is gone. With an even number left,
    /// one controller becomes the hot stand-by (`ha-pending`) so the voters stay odd.
    public mutating func removeMachine(_ id: MachineID) throws {
        if otherMachines.contains(id) {
            otherMachines.removeAll { $0 == id }
            return
        }
        guard controller(id) != nil else { throw EnableHAError("machine \(id) not found") }
        guard controllers.count > 1 else { throw EnableHAError("machine \(id) is the only controller machine") }
        controllers.removeAll { $0.id == id }
        settleVotes()
    }

    public mutating func setInstanceID(_ instanceID: String, of id: MachineID) {
        update(id) { $0.instanceID = instanceID }
    }

    /// Presence only: a down controller keeps its vote until it is removed (seed 003).
    public mutating func setAgentDown(_ down: Bool, of id: MachineID) {
        update(id) { $0.agentDown = down }
    }

    /// The peergrouper's outcome once it has seen every agent: the voters are as many of the
    /// vote-wanting controllers as still leave an odd number. A down machine can neither gain
    /// nor lose a vote (the peergrouper cannot reach it and Juju keeps its membership), so only
    /// up machines move. When one must stand by, it is the up controller with the highest id:
    /// the newest machine, so the longest-serving voters keep their votes and the choice is
    /// reproducible.
    public mutating func settleVotes() {
        let wanting = controllers.filter(\.isVotingIntent)
        let up = wanting.filter { !$0.agentDown }.map(\.id)
        let downVoters = wanting.filter { $0.agentDown && $0.hasVote }.count
        let standBy = (downVoters + up.count) % 2 == 0 ? up.max() : nil
        for id in up { update(id) { $0.hasVote = ($0.id != standBy) } }
        for machine in controllers where !machine.isVotingIntent { update(machine.id) { $0.hasVote = false } }
    }

    /// The `(Active, Total)` pair of `controllers --refresh` under DESIGN §4: Total counts the
    /// controllers wanting a vote, Active those also holding one. Unlike 3.x's
    /// `ControllerMachineCounts`, a down agent still counts as active, since it keeps its vote.
    public var controllerMachineCounts: ControllerMachineCounts {
        let wanting = controllers.filter(\.isVotingIntent)
        return ControllerMachineCounts(active: wanting.filter(\.hasVote).count, total: wanting.count)
    }

    mutating func insert(_ machine: ControllerMachine) {
        controllers.append(machine)
        controllers.sort { $0.id < $1.id }
    }

    mutating func update(_ id: MachineID, _ change: (inout ControllerMachine) -> Void) {
        guard let index = controllers.firstIndex(where: { $0.id == id }) else { return }
        change(&controllers[index])
    }
}
