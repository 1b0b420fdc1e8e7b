import BSON
import HACore
import ModernJuju
import RaftCluster
import ReplicaSet

/// Which era of Juju HA an environment emulates.
public enum Flavor: String, Codable, Sendable, CaseIterable {
    /// Juju 1.20: state servers on a MongoDB-style replica set.
    case legacy
    /// Dqlite-era Juju: controllers on a Raft cluster.
    case modern
}

/// Everything fixed at bootstrap.
public struct WorldConfig: Codable, Sendable, Equatable {
    public var name: String
    public var flavor: Flavor
    public var seed: Seed
    public var agentVersion: String
    public var series: String
    public var machineSettings: MachineSettings
    public var network: LinkProfile
    /// Legacy: machine 0's bootstrap initiates the `juju` replica set with itself, as Juju does.
    public var initiateReplicaSet: Bool
    /// A restored environment keeps the backed-up environment's UUID; others draw one from the seed.
    public var environmentUUID: String?
    /// A restored modern controller keeps the backed-up controller's UUID.
    public var controllerUUID: String?
    /// Agents send their log lines to the controllers' database (command-line environments).
    public var agentLogging: Bool?
    /// Modern: the spaces every machine has an address in (nil: the default space only).
    public var spaces: [String]?
    /// Modern: the space the controller application's `dbcluster` endpoint is bound to.
    public var dbclusterBinding: String?
    /// Modern: controller config `juju-mgmt-space`, the space agents reach controllers in.
    public var managementSpace: String?

    public init(name: String, flavor: Flavor, seed: Seed, agentVersion: String? = nil, series: String? = nil,
                machineSettings: MachineSettings = MachineSettings(), network: LinkProfile = LinkProfile(),
                initiateReplicaSet: Bool = true, environmentUUID: String? = nil, agentLogging: Bool? = nil,
                controllerUUID: String? = nil, spaces: [String]? = nil) {
        self.spaces = spaces
        self.initiateReplicaSet = initiateReplicaSet
        self.controllerUUID = controllerUUID
        self.agentLogging = agentLogging
        self.environmentUUID = environmentUUID
        self.name = name
        self.flavor = flavor
        self.seed = seed
        self.agentVersion = agentVersion ?? WorldConfig.defaultAgentVersion(flavor)
        self.series = series ?? (flavor == .legacy ? "trusty" : "jammy")
        self.machineSettings = machineSettings
        self.network = network
    }

    /// DESIGN §4: legacy defaults to 1.20.14; modern is a Dqlite-era controller.
    public static func defaultAgentVersion(_ flavor: Flavor) -> String {
        flavor == .legacy ? "1.20.14" : "4.0.0"
    }
}

/// A message between machines.
public struct Envelope: Codable, Sendable, Equatable {
    public var from: MachineID
    public var to: MachineID
    public var message: WorldMessage
}

public enum WorldMessage: Codable, Sendable, Equatable, CustomStringConvertible {
    case presencePing(incarnation: Int)
    case presenceAck(incarnation: Int)
    /// Member-to-member replica-set traffic.
    case replicaSet(RSMessage)
    /// A client's command to a member, and the member's reply.
    case request(ClientRequest)
    case response(ClientRequestID, Document)
    /// A machine agent's log line on its way to its API server.
    case logRecord(Document)
    /// Node-to-node Raft traffic of the Dqlite cluster (modern flavor).
    case raft(from: UInt64, RaftMessage)
    /// A Dqlite client's request to a node, and the node's answer.
    case dqliteRequest(DqliteRequestID, DqliteRequest)
    case dqliteReply(DqliteRequestID, DqliteAnswer)

    public var description: String {
        switch self {
        case .presencePing(let n): return "presence-ping #\(n)"
        case .presenceAck(let n): return "presence-ack #\(n)"
        case .replicaSet(let m): return m.traceName
        case .request(let r): return "request \(r.id) \(r.name)"
        case .response(let id, let doc): return "response \(id) ok:\(doc["ok"].map { "\($0)" } ?? "?")"
        case .logRecord: return "log record"
        case let .raft(from, message): return "raft \(message) from \(from)"
        case let .dqliteRequest(id, request): return "dqlite \(request.name) \(id)"
        case let .dqliteReply(id, _): return "dqlite reply \(id)"
        }
    }
}

/// What sits in the event queue. Plain data (never closures), so the world can be saved.
public enum WorldEvent: Codable, Sendable {
    case machineTimer(MachineID, incarnation: Int, MachineTimer)
    case memberTimer(MachineID, incarnation: Int, MemberTimer)
    /// A pass of the Juju peergrouper worker on a state server's agent.
    case peergrouper(MachineID, incarnation: Int, generation: Int)
    /// The provisioner, a singular worker, looks for machines to start (it acts on the master only).
    case provisioner(MachineID, incarnation: Int)
    /// A Dqlite node's election or heartbeat timer (modern flavor).
    case raftTimer(MachineID, incarnation: Int, RaftTimer)
    /// A pass of the go-dqlite app loop (join, cluster.yaml, role management) on a controller.
    case dqliteApp(MachineID, incarnation: Int, generation: Int)
    /// A controller's singular-controller lease worker is due (modern flavor).
    case leaseTick(MachineID, incarnation: Int, generation: Int)
    /// dbaccessor's readiness deadline on the only remaining controller (modern flavor).
    case dbaccessorBackstop(MachineID, incarnation: Int)
    case deliver(Envelope)
    /// A world-level activity (workload, nemesis) that is not any machine's.
    case driver(DriverEvent)

    var description: String {
        switch self {
        case let .machineTimer(id, incarnation, timer): return "\(id.tag) timer \(timer.rawValue) #\(incarnation)"
        case let .memberTimer(id, incarnation, timer): return "\(id.tag) mongod timer \(timer.traceName) #\(incarnation)"
        case let .peergrouper(id, incarnation, _): return "\(id.tag) peergrouper pass #\(incarnation)"
        case let .provisioner(id, incarnation): return "\(id.tag) provisioner pass #\(incarnation)"
        case let .raftTimer(id, incarnation, timer): return "\(id.tag) dqlite timer \(timer.rawValue) #\(incarnation)"
        case let .dqliteApp(id, incarnation, _): return "\(id.tag) dqlite app pass #\(incarnation)"
        case let .leaseTick(id, incarnation, _): return "\(id.tag) lease worker #\(incarnation)"
        case let .dbaccessorBackstop(id, incarnation): return "\(id.tag) dbaccessor readiness deadline #\(incarnation)"
        case let .deliver(e): return "deliver \(e.message) \(Link(from: e.from, to: e.to))"
        case let .driver(d): return "driver \(d)"
        }
    }

    /// The machine whose process handles the event (paused processes hold their events back).
    var target: MachineID {
        switch self {
        case .machineTimer(let id, _, _), .memberTimer(let id, _, _), .peergrouper(let id, _, _), .provisioner(let id, _),
             .raftTimer(let id, _, _), .dqliteApp(let id, _, _), .leaseTick(let id, _, _),
             .dbaccessorBackstop(let id, _): return id
        case .deliver(let envelope): return envelope.to
        case .driver: return .driverEndpoint
        }
    }
}

/// The random streams of a world, each derived from the root seed by name.
struct RandomStreams: Codable, Sendable {
    var network: SplitMix64
    var provisioning: SplitMix64
    var faults: SplitMix64
    var workload: SplitMix64

    init(seed: Seed) {
        network = seed.generator("network")
        provisioning = seed.generator("provisioning")
        faults = seed.generator("faults")
        workload = seed.generator("workload")
    }
}

/// The whole simulated world: machines, network, presence, the agenda and the random streams.
/// It is plain `Codable` data: a command loads it, applies itself, runs it and saves it.
public struct World: Codable, Sendable {
    public internal(set) var config: WorldConfig
    public private(set) var now: Instant = .zero
    public internal(set) var machines: [Machine] = []
    public internal(set) var network = SimNetwork()
    public private(set) var presence = Presence()
    /// The `sequence` counter Juju uses for new machine ids.
    public internal(set) var nextMachineNumber = 0
    /// Events processed since bootstrap; also numbers the trace lines.
    public private(set) var eventCount: UInt64 = 0
    var queue = EventQueue<WorldEvent>()
    /// Events held back while their machine's process is paused, in arrival order.
    var parked: [Scheduled<WorldEvent>] = []
    var random: RandomStreams
    public let environmentUUID: String
    /// Replica-set members, one per state-server machine (legacy flavor), by machine.
    public internal(set) var members: [HostedMember] = []
    /// Requests sent by clients that have not been answered yet.
    public internal(set) var pendingRequests: [PendingRequest] = []
    /// Replies received by clients, for the commands that wait on them.
    public internal(set) var responses: [ClientResponse] = []
    var nextRequestSequence = 0
    var bootstrapInitiated = false
    /// The machine the last step's event was delivered to: the only one whose state it changed,
    /// unless it was a world-level driver event.
    public internal(set) var lastStepTarget: MachineID?
    /// The write workload of a seed sweep, if one runs.
    public internal(set) var workload: WorkloadClient?
    /// The fault injector of a seed sweep, if one runs.
    public internal(set) var nemesis: Nemesis?
    /// The Juju peergrouper worker of each state server (legacy flavor).
    public internal(set) var peergroupers: [PeergrouperWorker] = []
    /// Each controller's Dqlite node (modern flavor), by machine.
    public internal(set) var dqliteNodes: [HostedDqliteNode] = []
    /// Dqlite answers received by clients, for the commands that wait on them.
    var dqliteAnswers: [DqliteAnswerRecord] = []
    /// EXEC results the leaders computed, waiting for their entries to commit.
    var execResults: [ExecResult] = []
    /// Each controller's singular-controller lease worker (modern flavor).
    public internal(set) var leaseWorkers: [HostedLeaseWorker] = []
    /// Log lines API servers hold until the Dqlite cluster has a leader again.
    var heldLogLines: [HeldLogLine] = []
    /// The controller charm's relation data (modern flavor).
    var controllerCharm = ControllerCharm()
    /// Each controller unit's workload status, by machine.
    public internal(set) var controllerUnits: [ControllerUnitRecord] = []
    /// controller.conf's `db-bind-addresses`, as the charm last wrote it on every controller.
    public internal(set) var dbBindAddresses: [DBBindAddress] = []
    /// How many request waits (`callDqlite`) are running inside one another right now.
    var nestedCallDepth = 0
    static let maxNestedCalls = 2
    /// The write workload of a modern seed sweep, if one runs.
    public internal(set) var dqliteWorkload: DqliteWorkload?
    /// The Raft safety checker of a modern seed sweep: when set, it looks at the world after
    /// every event, those run inside a command's or the go-dqlite app's calls included.
    public internal(set) var raftChecker: DqliteChecker?
    /// Members over time, when a replay or scenario asked for a timeline picture.
    public internal(set) var timeline: Timeline?

    /// Bootstraps: machine 0 is created as the first controller and its instance started.
    public init(config: WorldConfig, trace: inout Trace) {
        self.config = config
        random = RandomStreams(seed: config.seed)
        environmentUUID = config.environmentUUID ?? World.seededUUID(config.seed)
        network.defaultProfile = config.network
        trace.append(at: now, seq: 0, "bootstrap \(config.flavor.rawValue) environment \(config.name) seed \(config.seed)")
        let id = addMachine(jobs: [.hostUnits, .manageEnviron])
        // The bootstrap machine is the first voter of the database cluster from the start.
        machines[0].wantsVote = true
        machines[0].hasVote = true
        provision(id, trace: &trace)
    }

    public func machine(_ id: MachineID) -> Machine? { machines.first { $0.id == id } }

    /// Where the machine is in `machines`; hot paths read fields in place instead of copying it.
    func machineIndex(_ id: MachineID) -> Int? { machines.firstIndex { $0.id == id } }

    /// The machine's current incarnation if its process is running (nil otherwise).
    func runningIncarnation(_ id: MachineID) -> Int? {
        guard let i = machineIndex(id), machines[i].process == .running else { return nil }
        return machines[i].incarnation
    }
    /// The incarnation of a process that is alive, running or paused (a paused process keeps
    /// its timers: their events are held and delivered when it resumes).
    func aliveIncarnation(_ id: MachineID) -> Int? {
        guard let i = machineIndex(id), machines[i].process == .running || machines[i].process == .paused else { return nil }
        return machines[i].incarnation
    }
    public var controllers: [MachineID] { machines.filter(\.isController).map(\.id) }
    public var pendingEvents: Int { queue.count + parked.count }

    /// Whether the machine's agent is alive as presence sees it now.
    public func agentAlive(_ id: MachineID) -> Bool {
        presence.isAlive(id, at: now, slot: config.machineSettings.presenceSlot)
    }

    /// The instance id Juju's providers give machines: `juju-<uuid prefix>-machine-N`. The
    /// prefix comes from the seed, so a restored environment (which keeps the backed-up UUID)
    /// still gets instances of its own.
    public func instanceID(for id: MachineID) -> String {
        "juju-\(World.seededUUID(config.seed).prefix(6))-\(id.tag)"
    }

    static func seededUUID(_ seed: Seed) -> String {
        var generator = seed.generator("environment-uuid")
        return UUIDText.version4(using: &generator)
    }

    /// Adds a machine document; returns its id from the sequence counter.
    @discardableResult
    public mutating func addMachine(jobs: [MachineJob]) -> MachineID {
        let id = MachineID(nextMachineNumber)
        nextMachineNumber += 1
        machines.append(Machine(id: id, jobs: jobs.sorted(), series: config.series))
        refreshAPIServers()
        return id
    }

    /// The provisioner stops the machine's instance and forgets it.
    public mutating func removeMachine(_ id: MachineID, trace: inout Trace) {
        if machine(id)?.process == .running || machine(id)?.process == .paused { inject(.stop, into: id, trace: &trace) }
        machines.removeAll { $0.id == id }
        members.removeAll { $0.machine == id }
        peergroupers.removeAll { $0.machine == id }
        dqliteNodes.removeAll { $0.machine == id }
        leaseWorkers.removeAll { $0.machine == id }
        refreshAPIServers()
        trace.append(at: now, seq: eventCount, "\(id.tag) instance stopped and machine removed")
    }

    /// The provisioner starts the machine's instance; it comes up after the provisioning delay.
    public mutating func provision(_ id: MachineID, trace: inout Trace) {
        let settings = config.machineSettings
        let delay = random.provisioning.interval(in: settings.provisioningDelayMin, settings.provisioningDelayMax)
        let instance = instanceID(for: id)
        update(id, trace: &trace) { $0.onProvisioningStarted(instanceID: instance, delay: delay) }
        // A controller with an instance publishes its API addresses.
        if config.flavor == .modern, machine(id)?.isController == true { refreshAPIServers() }
    }

    /// Every agent reports to the controllers, in id order; a modern workload agent in the
    /// order it dials its agent.conf addresses.
    mutating func refreshAPIServers() {
        let servers = controllers
        for i in machines.indices {
            let modernWorkload = config.flavor == .modern && !machines[i].isController
            machines[i].onAPIServersChanged(modernWorkload ? workloadAgentAPIServers(machines[i].id) : servers)
        }
    }
}

extension World {
    /// Runs every event due up to `deadline`, then sets the clock to it.
    public mutating func run(until deadline: Instant, trace: inout Trace) {
        while let next = queue.popDue(by: deadline) {
            step(next, trace: &trace)
        }
        if deadline > now { now = deadline }
    }

    /// Runs until `condition` holds (checked before each event) or `limit` passes.
    /// Returns whether the condition was reached; the clock stops where it was reached.
    public mutating func run(until condition: (World) -> Bool, limit: Instant, trace: inout Trace) -> Bool {
        while !condition(self) {
            guard let next = queue.popDue(by: limit) else {
                if limit > now { now = limit }
                return condition(self)
            }
            step(next, trace: &trace)
        }
        return true
    }

    /// Processes the next event due by `deadline`, if any; returns whether one was processed.
    /// Seed sweeps step one event at a time so they can check invariants after each.
    public mutating func stepOnce(by deadline: Instant, trace: inout Trace) -> Bool {
        guard let next = queue.popDue(by: deadline) else { return false }
        step(next, trace: &trace)
        return true
    }

    private mutating func step(_ scheduled: Scheduled<WorldEvent>, trace: inout Trace) {
        now = max(now, scheduled.time)
        eventCount += 1
        let target = scheduled.event.target
        lastStepTarget = target
        if let i = machineIndex(target), machines[i].process == .paused {
            trace.append(at: now, seq: eventCount, "held \(scheduled.event.description) (\(target.tag) paused)")
            parked.append(scheduled)
            return
        }
        trace.append(at: now, seq: eventCount, scheduled.event.description)
        switch scheduled.event {
        case let .machineTimer(id, incarnation, timer):
            fireTimer(timer, on: id, incarnation: incarnation, trace: &trace)
        case let .memberTimer(id, incarnation, timer):
            fireMemberTimer(timer, on: id, incarnation: incarnation, trace: &trace)
        case let .peergrouper(id, incarnation, generation):
            runPeergrouper(on: id, incarnation: incarnation, generation: generation, trace: &trace)
        case let .provisioner(id, incarnation):
            runProvisioner(on: id, incarnation: incarnation, trace: &trace)
        case let .raftTimer(id, incarnation, timer):
            fireRaftTimer(timer, on: id, incarnation: incarnation, trace: &trace)
        case let .dqliteApp(id, incarnation, generation):
            runDqliteApp(on: id, incarnation: incarnation, generation: generation, trace: &trace)
        case let .leaseTick(id, incarnation, generation):
            runLeaseWorker(on: id, incarnation: incarnation, generation: generation, trace: &trace)
        case let .dbaccessorBackstop(id, incarnation):
            runBackstop(on: id, incarnation: incarnation, trace: &trace)
        case let .deliver(envelope):
            deliver(envelope, trace: &trace)
        case let .driver(event):
            drive(event, trace: &trace)
        }
        if raftChecker != nil { checkRaft(touched: target, trace: &trace) }
        if timeline != nil { observeTimeline() }
    }

    /// Runs the Raft checker on what the event touched (every node, after a driver event).
    private mutating func checkRaft(touched: MachineID, trace: inout Trace) {
        // Moved out and back (no copy) so that it can look at the world while it changes.
        var checker: DqliteChecker?
        swap(&checker, &raftChecker)
        let before = checker!.violations.count
        checker!.check(self, touched: touched)
        for violation in checker!.violations[before...] { trace.append(at: now, seq: eventCount, "VIOLATION \(violation)") }
        swap(&checker, &raftChecker)
    }

    private mutating func fireTimer(_ timer: MachineTimer, on id: MachineID, incarnation: Int, trace: inout Trace) {
        guard let m = machine(id) else { return }
        let settings = config.machineSettings
        switch timer {
        case .instanceReady:
            update(id, trace: &trace) { $0.onInstanceReady(settings: settings) }
            processStarted(id, trace: &trace)
            agentStarted(id, trace: &trace)
        case .presencePing:
            // A timer from an earlier life of the process died with it.
            guard m.incarnation == incarnation, m.isRunning else { return }
            update(id, trace: &trace) { $0.onPresencePingTimer(settings: settings) }
        }
    }

    private mutating func deliver(_ envelope: Envelope, trace: inout Trace) {
        let link = Link(from: envelope.from, to: envelope.to)
        guard !network.isCut(link) else {
            trace.append(at: now, seq: eventCount, "drop \(envelope.message) \(link) (partition)")
            return
        }
        if envelope.to.isClient {
            if case let .dqliteReply(id, answer) = envelope.message { receiveDqliteAnswer(id, answer) } else { receiveAtClient(envelope, trace: &trace) }
            return
        }
        guard runningIncarnation(envelope.to) != nil else { return }
        switch envelope.message {
        case .presencePing(let incarnation):
            presence.recordPing(from: envelope.from, at: now)
            send(.presenceAck(incarnation: incarnation), from: envelope.to, to: envelope.from, trace: &trace)
        case .presenceAck(let incarnation):
            guard machine(envelope.to)?.incarnation == incarnation else { return }
            mutate(envelope.to) { $0.onPresenceAck() }
        case .replicaSet(let message):
            deliverToMember(message, from: envelope.from, at: envelope.to, trace: &trace)
        case .request(let request):
            deliverRequest(request, at: envelope.to, trace: &trace)
        case .response:
            // A reply to a request the machine's own agent made.
            receiveAtClient(envelope, trace: &trace)
        case .logRecord(let document):
            storeLogRecord(document, at: envelope.to, trace: &trace)
        case let .raft(sender, message):
            deliverRaft(message, from: sender, at: envelope.to, trace: &trace)
        case let .dqliteRequest(id, request):
            deliverDqliteRequest(request, id: id, at: envelope.to, trace: &trace)
        case let .dqliteReply(id, answer):
            receiveDqliteAnswer(id, answer)
        }
    }

    /// Hands a message to the network; each copy that survives becomes a delivery event.
    mutating func send(_ message: WorldMessage, from: MachineID, to: MachineID, trace: inout Trace) {
        let link = Link(from: from, to: to)
        switch network.transmit(over: link, using: &random.network) {
        case .delivered(let delays):
            for delay in delays {
                queue.schedule(.deliver(Envelope(from: from, to: to, message: message)), at: now + delay)
            }
        case .lost:
            trace.append(at: now, seq: eventCount, "lost \(message) \(link)")
        case .cut:
            trace.append(at: now, seq: eventCount, "drop \(message) \(link) (partition)")
        }
    }

    /// Applies a machine event and interprets the directives it returns.
    mutating func update(_ id: MachineID, trace: inout Trace, _ body: (inout Machine) -> [MachineDirective]) {
        guard let index = machines.firstIndex(where: { $0.id == id }) else { return }
        let directives = body(&machines[index])
        let incarnation = machines[index].incarnation
        for directive in directives {
            switch directive {
            case let .schedule(timer, after):
                queue.schedule(.machineTimer(id, incarnation: incarnation, timer), at: now + after)
            case let .sendPresencePing(server):
                send(.presencePing(incarnation: incarnation), from: id, to: server, trace: &trace)
            case let .log(line):
                trace.append(at: now, seq: eventCount, "\(id.tag) \(line)")
            case let .apiServerChanged(server):
                agentConnected(id, to: server, trace: &trace)
            }
        }
    }

    mutating func mutate(_ id: MachineID, _ body: (inout Machine) -> Void) {
        guard let index = machines.firstIndex(where: { $0.id == id }) else { return }
        body(&machines[index])
    }
}

extension World {
    /// Injects a fault into a machine's agent process (and its disk, for `disk-loss`).
    public mutating func inject(_ mode: FaultMode, into id: MachineID, trace: inout Trace) {
        let wasAlive = machine(id).map { $0.process == .running || $0.process == .paused } ?? false
        if mode == .stop, machine(id)?.process == .running {
            agentLog(id, module: "juju.cmd.jujud", location: "machine.go:460", "machine agent \(id.tag) stopping: stopping all workers", trace: &trace)
            let time = now
            withMember(id, trace: &trace) { $0.onShutdown(now: time) }
        }
        update(id, trace: &trace) { $0.onFault(mode) }
        if wasAlive, mode != .pause { processDied(id, trace: &trace) }
        if mode == .diskLoss { wipeDisk(id, trace: &trace) }
        if wasAlive { markTimeline(.fault, machine: id, mode.rawValue) }
        observeTimeline()
    }

    /// Resumes or restarts a machine's agent; a paused process gets its held-back events now.
    public mutating func start(_ id: MachineID, trace: inout Trace) {
        let wasPaused = machine(id)?.process == .paused
        let wasDead = machine(id).map { $0.process == .stopped || $0.process == .crashed } ?? false
        let settings = config.machineSettings
        update(id, trace: &trace) { $0.onStart(settings: settings) }
        if wasDead || wasPaused { markTimeline(.restart, machine: id, wasPaused ? "resume" : "start") }
        if wasDead {
            processStarted(id, trace: &trace)
            agentStarted(id, trace: &trace)
        }
        observeTimeline()
        guard wasPaused else { return }
        let held = parked.filter { $0.event.target == id }
        parked.removeAll { $0.event.target == id }
        for event in held { queue.schedule(event.event, at: now) }
    }

    public mutating func partition(_ group: [MachineID], from others: [MachineID], oneWay: Bool, trace: inout Trace) {
        network.partition(group, from: others, oneWay: oneWay)
        let direction = oneWay ? "→" : "↔"
        trace.append(at: now, seq: eventCount, "partition \(group.map(\.tag).joined(separator: ",")) \(direction) \(others.map(\.tag).joined(separator: ","))")
        markTimeline(.partition, machine: nil, "\(group.map(\.description).joined(separator: ",")) \(direction) \(others.map(\.description).joined(separator: ","))")
    }

    public mutating func heal(_ machines: [MachineID]?, trace: inout Trace) {
        if let machines {
            network.heal(machines)
            trace.append(at: now, seq: eventCount, "heal \(machines.map(\.tag).joined(separator: ","))")
        } else {
            network.healAll()
            trace.append(at: now, seq: eventCount, "heal all")
        }
        markTimeline(.heal, machine: nil, machines.map { "heal " + $0.map(\.description).joined(separator: ",") } ?? "heal all")
    }

    public mutating func skew(_ id: MachineID, by offset: Interval, trace: inout Trace) {
        mutate(id) { $0.skew = offset }
        trace.append(at: now, seq: eventCount, "\(id.tag) clock skewed by \(offset)")
    }
}
