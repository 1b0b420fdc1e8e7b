import HACore

/// Juju's machine life cycle; only alive controllers count towards HA.
public enum MachineLife: String, Sendable, Equatable, Codable {
    case alive, dying, dead
}

/// One controller machine as the HA logic sees it: Juju's vote flags plus agent presence.
public struct ControllerMachine: Equatable, Sendable, Codable {
    public var id: MachineID
    /// Empty until the provisioner has started an instance (`(unprovisioned)` in show-controller).
    public var instanceID: String
    public var wantsVote: Bool
    public var hasVote: Bool
    public var life: MachineLife
    /// The agent stopped pinging (`down` in status); it does not lose its vote for that.
    public var agentDown: Bool

    public init(id: MachineID, instanceID: String = "", wantsVote: Bool = true, hasVote: Bool = false,
                life: MachineLife = .alive, agentDown: Bool = false) {
        self.id = id
        self.instanceID = instanceID
        self.wantsVote = wantsVote
        self.hasVote = hasVote
        self.life = life
        self.agentDown = agentDown
    }

    /// Counted by enable-ha's `votingCount` and listed by show-controller.
    var isVotingIntent: Bool { wantsVote && life == .alive }
}

/// 3.x `ControllersChanges`: `removed` is always empty because enable-ha never removes.
public struct ControllersChanges: Equatable, Sendable {
    public var maintained: [MachineID]
    public var removed: [MachineID]
    public var added: [MachineID]
    public var converted: [MachineID]

    public init(maintained: [MachineID] = [], removed: [MachineID] = [], added: [MachineID] = [],
                converted: [MachineID] = []) {
        self.maintained = maintained
        self.removed = removed
        self.added = added
        self.converted = converted
    }

    /// The `ErrNoOperations` outcome: nothing printed in `simple` format.
    public var isEmpty: Bool { maintained.isEmpty && removed.isEmpty && added.isEmpty && converted.isEmpty }
}

/// A machine enable-ha asks the provisioner for; `placement` is the unscoped `--to` element
/// consumed by it, if any.
public struct NewControllerMachine: Equatable, Sendable {
    public var id: MachineID
    public var placement: String?
}

/// What enable-ha decided: the changes it reports and the machines to create.
public struct EnableHAPlan: Equatable, Sendable {
    public var changes: ControllersChanges
    public var newMachines: [NewControllerMachine]
}

/// `controller.MaxPeers`: the most voters Juju supports.
public let maxControllerPeers = 7

/// Juju 3.x `State.EnableHA`, pure: `controllers` are the controller machines, `otherMachines`
/// the non-controller machines of the controller model that `--to` may convert, and
/// `nextMachineNumber` the id the next new machine gets.
public func enableHA(numControllers: Int, placement: [String], controllers: [ControllerMachine],
                     otherMachines: [MachineID], nextMachineNumber: Int) throws -> EnableHAPlan {
    if numControllers < 0 || (numControllers != 0 && numControllers % 2 != 1) {
        throw EnableHAError("number of controllers must be odd and non-negative")
    }
    // Checked before the transaction, hence no "failed to enable HA" prefix.
    if numControllers > maxControllerPeers {
        throw EnableHAError("controller count is too large (allowed \(maxControllerPeers))")
    }
    do {
        return try planEnableHA(numControllers: numControllers, placement: placement, controllers: controllers,
                                otherMachines: otherMachines, nextMachineNumber: nextMachineNumber)
    } catch let error as EnableHAError {
        throw EnableHAError("failed to enable HA with \(numControllers) controllers: \(error.message)")
    }
}

/// The body of Juju's transaction builder; its errors get the "failed to enable HA" prefix.
func planEnableHA(numControllers: Int, placement: [String], controllers: [ControllerMachine],
                  otherMachines: [MachineID], nextMachineNumber: Int) throws -> EnableHAPlan {
    let maintain = controllers.filter(\.isVotingIntent).map(\.id).sorted()
    let desired = desiredControllerCount(requested: numControllers, votingCount: maintain.count)
    if maintain.count > desired {
        throw EnableHAError("cannot remove controllers with enable-ha, use remove-machine and chose the controller(s) to remove")
    }
    let intent = try placementIntent(placement, controllers: controllers, otherMachines: otherMachines)
    if maintain.count == desired {
        return EnableHAPlan(changes: ControllersChanges(), newMachines: [])
    }
    let converted = Array(intent.convert.prefix(desired - maintain.count))
    let newCount = desired - maintain.count - converted.count
    let newMachines = (0..<newCount).map { i in
        NewControllerMachine(id: MachineID(nextMachineNumber + i),
                             placement: i < intent.unscoped.count ? intent.unscoped[i] : nil)
    }
    let changes = ControllersChanges(maintained: maintain, added: newMachines.map(\.id), converted: converted)
    return EnableHAPlan(changes: changes, newMachines: newMachines)
}

/// `-n 0` keeps an odd count of voters, rounding up, and turns a lone controller into three.
func desiredControllerCount(requested: Int, votingCount: Int) -> Int {
    guard requested == 0 else { return requested }
    let rounded = votingCount + (votingCount + 1) % 2
    return rounded <= 1 ? 3 : rounded
}

/// `--to` split into machines to convert (machine scope) and directives for new machines.
struct PlacementIntent: Equatable {
    var convert: [MachineID] = []
    var unscoped: [String] = []
}

func placementIntent(_ placement: [String], controllers: [ControllerMachine],
                     otherMachines: [MachineID]) throws -> PlacementIntent {
    var intent = PlacementIntent()
    for directive in placement {
        switch EnableHAPlacement.parse(directive) {
        case .scopeMissing:
            intent.unscoped.append(directive)
        case .parsed(let p) where p.scope == EnableHAPlacement.machineScope:
            intent.convert.append(try conversionCandidate(p.directive, raw: directive,
                                                          controllers: controllers, otherMachines: otherMachines))
        default:
            throw EnableHAError("unsupported placement directive \"\(directive)\"")
        }
    }
    return intent
}

func conversionCandidate(_ machine: String, raw: String, controllers: [ControllerMachine],
                         otherMachines: [MachineID]) throws -> MachineID {
    if machine.contains("/") { throw EnableHAError("container placement directives not supported") }
    guard let id = MachineID(parsing: machine) else {
        throw EnableHAError("unsupported placement directive \"\(raw)\"")
    }
    if controllers.contains(where: { $0.id == id }) {
        throw EnableHAError("machine for placement directive \"\(raw)\" is already a controller")
    }
    guard otherMachines.contains(id) else {
        throw EnableHAError("can't find machine for placement directive \"\(raw)\"")
    }
    return id
}
