import BSON
import HACore

/// The `stateServers` document `_id: "e"`: every state server, and those meant to vote, in the
/// order they were stored (the order decides which machine's series new ones inherit).
public struct StateServerInfo: Equatable, Sendable {
    public var machineIDs: [String]
    public var votingMachineIDs: [String]

    public init(machineIDs: [String], votingMachineIDs: [String]) {
        self.machineIDs = machineIDs
        self.votingMachineIDs = votingMachineIDs
    }

    /// The document as stored; `stateServers` is global, so its id is never prefixed.
    public func document(environUUID: String, version: JujuVersion) -> Document {
        var doc: Document = ["_id": .string(StateServerInfo.documentID)]
        if version.documentLayout == .environmentPrefixed { doc.append("env-uuid", .string(environUUID)) }
        doc.append("machineids", .array(machineIDs.map(Value.string)))
        doc.append("votingmachineids", .array(votingMachineIDs.map(Value.string)))
        return doc
    }

    /// `environGlobalKey`.
    public static let documentID = "e"
    public static let collection = "stateServers"
}

/// A machine's `life` (BSON int).
public enum MachineLife: Int32, Sendable, Equatable {
    case alive = 0, dying = 1, dead = 2
}

/// What the state layer reads about one machine: its document's vote flags and jobs, and
/// whether its agent's presence pinger is alive.
public struct MachineFacts: Equatable, Sendable {
    public var id: String
    public var jobs: [MachineJob]
    public var noVote: Bool
    public var hasVote: Bool
    /// `Machine.AgentPresence()`: the agent pinged in the current or the previous presence slot.
    public var agentAlive: Bool
    public var series: String
    public var life: MachineLife

    public init(
        id: String, jobs: [MachineJob], noVote: Bool = false, hasVote: Bool = false, agentAlive: Bool,
        series: String, life: MachineLife = .alive
    ) {
        self.id = id
        self.jobs = jobs
        self.noVote = noVote
        self.hasVote = hasVote
        self.agentAlive = agentAlive
        self.series = series
        self.life = life
    }

    /// `IsManager()`: it runs `JobManageEnviron`.
    public var isManager: Bool { jobs.contains(.manageEnviron) }
    /// `WantsVote()`: a state server that has not been told to abstain.
    public var wantsVote: Bool { isManager && !noVote }
    /// Juju knows a container by its id alone (`0/lxc/1`).
    public var isContainer: Bool { PlacementDirective.isContainerMachine(id) }
}

/// Everything `ensure-availability` reads from the `juju` database, as values.
public struct StateSnapshot: Equatable, Sendable {
    public var environUUID: String
    public var info: StateServerInfo
    /// Every machine a request may name: the state servers and any `--to` targets.
    public var machines: [MachineFacts]
    /// The `sequence` document's "machine" counter: the id the next new machine gets.
    public var nextMachineSequence: Int
    /// The `constraints` document `e`, which new machines fall back on.
    public var environConstraints: ConstraintsValue

    public init(
        environUUID: String, info: StateServerInfo, machines: [MachineFacts], nextMachineSequence: Int,
        environConstraints: ConstraintsValue = ConstraintsValue()
    ) {
        self.environUUID = environUUID
        self.info = info
        self.machines = machines
        self.nextMachineSequence = nextMachineSequence
        self.environConstraints = environConstraints
    }

    /// `State.Machine(id)`: the first machine with this id, or Juju's not-found error.
    func machine(_ id: String) throws(EnsureAvailabilityError) -> MachineFacts {
        guard let machine = machines.first(where: { $0.id == id }) else { throw .machineNotFound(id) }
        return machine
    }
}

/// What the client sends (`StateServersSpec`): the count, constraints, series and placement.
public struct EnsureAvailabilityRequest: Equatable, Sendable {
    public var numStateServers: Int
    public var constraints: ConstraintsValue
    /// Empty lets the API server take the first voting machine's series.
    public var series: String
    public var placement: [String]

    public init(
        numStateServers: Int, constraints: ConstraintsValue = ConstraintsValue(), series: String = "",
        placement: [String] = []
    ) {
        self.numStateServers = numStateServers
        self.constraints = constraints
        self.series = series
        self.placement = placement
    }

    public init(_ arguments: EnsureAvailabilityArguments) {
        self.init(
            numStateServers: arguments.numStateServers, constraints: arguments.constraints,
            series: arguments.series, placement: arguments.placement)
    }
}

/// Document ids of environment-scoped collections.
enum DocumentID {
    /// `key` in 1.20; `"<env-uuid>:<key>"` in 1.25.
    static func scoped(_ key: String, environUUID: String, layout: DocumentLayout) -> String {
        layout == .environmentPrefixed ? "\(environUUID):\(key)" : key
    }

    /// `machineGlobalKey`: the key of a machine's constraints and status documents.
    static func machineGlobalKey(_ id: String) -> String { "m#\(id)" }
}
