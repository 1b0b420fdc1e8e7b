import HACore
import LegacyJuju
import ModernJuju

/// A controller unit's workload status as the controller charm last set it.
public struct ControllerUnitRecord: Codable, Sendable, Equatable {
    public var machine: MachineID
    public var status: ControllerUnitStatus
}

/// Spaces and the controller charm (modern flavor): every machine has one address per space,
/// the `dbcluster` relation publishes each controller's DB bind address, and a controller
/// whose address is not unique in the binding's space is never joined to the cluster
/// (spec §3.4, §3.7).
extension World {
    public static let defaultSpace = "alpha"

    /// The spaces every machine has an address in, the default space first.
    public var spaces: [String] { config.spaces ?? [World.defaultSpace] }

    /// A machine's addresses, one per space: the default space's is the one shown in status.
    public func machineAddresses(_ id: MachineID) -> [BindCandidate] {
        spaces.enumerated().map { index, space in
            BindCandidate(index == 0 ? id.address : "127.0.\(index).\(10 + id.number)", space: space)
        }
    }

    /// The controller unit on a machine: one unit per controller machine, numbered alike.
    static func controllerUnitName(_ id: MachineID) -> String { "controller/\(id)" }

    /// The charm's status of the unit on `id` (active until the charm has said otherwise).
    public func controllerUnitStatus(_ id: MachineID) -> ControllerUnitStatus {
        controllerUnits.first { $0.machine == id }?.status ?? .active
    }

    /// The unit that leads the controller application: the singular-controller holder when it
    /// is a controller whose agent runs, otherwise the lowest-numbered running controller.
    public var controllerApplicationLeader: MachineID? {
        let running = machines.filter { $0.isController && $0.isRunning }.map(\.id)
        if let holder = singularHolder, running.contains(holder) { return holder }
        return running.first
    }

    /// One settled round of `dbcluster-relation-changed` over the controllers that have an
    /// instance; the charm's lines go to debug-log when a unit's outcome changes.
    mutating func runControllerCharm(trace: inout Trace) {
        guard config.flavor == .modern, let leader = controllerApplicationLeader else { return }
        let units = machines.filter { $0.isController && $0.instanceRunning }.map { m in
            ControllerUnit(name: World.controllerUnitName(m.id), agentID: m.id, candidates: machineAddresses(m.id))
        }
        let outcomes = controllerCharm.onDBClusterRelationChanged(units: units, leader: leader, binding: config.dbclusterBinding)
        var records: [ControllerUnitRecord] = []
        for outcome in outcomes {
            let previous = controllerUnits.first { $0.machine == outcome.agentID }?.status
            records.append(ControllerUnitRecord(machine: outcome.agentID, status: outcome.status))
            let addresses = outcome.bindAddresses ?? dbBindAddresses
            guard previous != outcome.status || addresses != dbBindAddresses else { continue }
            for line in outcome.logs {
                unitLog(outcome.agentID, level: line.level, line.message, trace: &trace)
            }
        }
        controllerUnits = records
        if let shared = outcomes.first(where: { $0.agentID == leader })?.bindAddresses {
            if shared != dbBindAddresses {
                trace.append(at: now, seq: eventCount, "controller charm: db-bind-addresses \(ControllerCharm.pythonDict(shared))")
            }
            dbBindAddresses = shared
        }
    }

    /// The DB bind address controller.conf gives this controller, if any.
    func dbBindIP(_ id: MachineID) -> String? { dbBindAddresses.first { $0.controllerID == id }?.ip }

    /// A charm line as debug-log shows it: `unit-controller-N … unit.controller/N.juju-log`.
    private mutating func unitLog(_ id: MachineID, level: JujuLogLevel, _ message: String, trace: inout Trace) {
        let loggo: LogLine.Level
        switch level {
        case .trace: loggo = .trace
        case .debug: loggo = .debug
        case .info: loggo = .info
        case .warning: loggo = .warning
        case .error: loggo = .error
        case .critical: loggo = .critical
        }
        let unit = World.controllerUnitName(id)
        agentLog(id, entity: "unit-" + unit.replacingOccurrences(of: "/", with: "-"), module: "unit.\(unit).juju-log",
                 location: "dbcluster:1", level: loggo, message, trace: &trace)
    }

    /// `juju bind controller dbcluster=SPACE` (every machine has an address in every space, so
    /// Juju's check that the units' machines are in the space always passes): the charm runs
    /// again, and a controller that now has a unique bind address starts its node and joins.
    mutating func bindControllerEndpoint(_ endpoint: String, space: String, trace: inout Trace) -> InputOutcome {
        guard endpoint == "dbcluster" else {
            return .failed("endpoint \"\(endpoint)\" not found for application \"controller\"", hints: [])
        }
        guard spaces.contains(space) else { return .failed("space \"\(space)\" not found", hints: []) }
        config.dbclusterBinding = space
        runControllerCharm(trace: &trace)
        rebindLoopbackNodes(trace: &trace)
        startNodesWithBindAddresses(trace: &trace)
        return .done
    }

    /// Controllers whose agent runs and whose address controller.conf now lists, but whose
    /// node never started, start it (dbaccessor reacting to the config change).
    mutating func startNodesWithBindAddresses(trace: inout Trace) {
        for m in machines where m.isController && m.isRunning && dqliteIndex(m.id) == nil && dbBindIP(m.id) != nil {
            dqliteProcessStarted(m.id, trace: &trace)
        }
    }
}
