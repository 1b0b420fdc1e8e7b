import ArgumentParser
import HACore
import Simulation
import Live

enum StatusFormat: String, ExpressibleByArgument, CaseIterable {
    case tabular, yaml, json
}

/// `quorum status`: the 1.20 YAML layout for legacy environments; for modern ones the
/// controller model's machines (`status -m controller`), tabular by default.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the environment's machines and their agents.")

    @OptionGroup var env: EnvironmentOption

    @Option(name: .customShort("m"), help: "Model to show (modern flavor; only `controller` is emulated).")
    var model: String?

    @Option(help: "Output format: yaml (legacy default), json, or tabular (modern default).")
    var format: StatusFormat?

    func run() throws {
        if let legacy = try LiveSupport.openLegacy(env.environment) {
            if model != nil { throw Failure("option -m is not available in a legacy (Juju \(legacy.state.agentVersion)) environment; it has no models") }
            let node = try LiveSupport.run { try LegacyLiveStatus(env: legacy).render() }
            switch format ?? .yaml {
            case .yaml: print(formatYAML(node), terminator: "")
            case .json: print(formatJSON(node), terminator: "")
            case .tabular: throw Failure("format tabular is not available in a legacy (Juju \(legacy.state.agentVersion)) environment; use yaml or json")
            }
            return
        }
        if let live = try LiveSupport.open(env.environment) {
            let name = model ?? "controller"
            guard name == "controller" || name == "admin/controller" else { throw Failure("model \"\(name)\" not found") }
            let status = LiveStatus(env: live)
            switch format ?? .tabular {
            case .tabular: print(status.table(), terminator: "")
            case .yaml: print(formatYAML(status.render()), terminator: "")
            case .json: print(formatJSON(status.render()), terminator: "")
            }
            return
        }
        let session = try Session(environment: env.environment, writing: false)
        let world = session.world
        switch world.config.flavor {
        case .legacy:
            if model != nil { throw Failure("option -m is not available in a legacy (Juju \(world.config.agentVersion)) environment; it has no models") }
            let node = LegacyStatus(world: world).render()
            switch format ?? .yaml {
            case .yaml: print(formatYAML(node), terminator: "")
            case .json: print(formatJSON(node), terminator: "")
            case .tabular: throw Failure("format tabular is not available in a legacy (Juju \(world.config.agentVersion)) environment; use yaml or json")
            }
        case .modern:
            let name = model ?? "controller"
            guard name == "controller" || name == "admin/controller" else { throw Failure("model \"\(name)\" not found") }
            let status = ModernStatus(world: world)
            switch format ?? .tabular {
            case .tabular: print(status.table(), terminator: "")
            case .yaml: print(formatYAML(status.render()), terminator: "")
            case .json: print(formatJSON(status.render()), terminator: "")
            }
        }
    }
}

/// What status shows about a machine's agent, from presence and the agent's own status.
enum AgentView: Equatable {
    case pending
    case started
    case down(previous: String)

    init(_ machine: Machine, alive: Bool) {
        switch machine.agentStatus {
        case .pending: self = .pending
        case .started where alive: self = .started
        case let status: self = .down(previous: status.rawValue)
        }
    }

    var state: String {
        switch self {
        case .pending: return "pending"
        case .started: return "started"
        case .down: return "down"
        }
    }
}

/// Juju 1.20's `juju status` document (`cmd/juju/status.go`): environment, machines, services.
struct LegacyStatus {
    let world: World

    func render() -> GoValue {
        let machines = world.machines.map { ($0.id.description, machine($0)) }
        return .object([("environment", .string(world.config.name)), ("machines", .object(machines)), ("services", .object([]))])
    }

    private func machine(_ m: Machine) -> GoValue {
        var fields: [(String, GoValue)] = []
        let agent = AgentView(m, alive: world.agentAlive(m.id))
        fields.append(("agent-state", .string(agent.state)))
        if case .down(let previous) = agent { fields.append(("agent-state-info", .string("(\(previous))"))) }
        if agent != .pending { fields.append(("agent-version", .string(world.config.agentVersion))) }
        if m.instanceRunning { fields.append(("dns-name", .string(m.id.address))) }
        fields.append(("instance-id", .string(m.instanceID ?? "pending")))
        if m.instanceID != nil { fields.append(("instance-state", .string(m.instanceRunning ? "running" : "pending"))) }
        fields.append(("series", .string(m.series)))
        if m.instanceRunning { fields.append(("hardware", .string(m.hardware.description))) }
        if let vote = voteStatus(m) { fields.append(("state-server-member-status", .string(vote))) }
        return .object(fields)
    }

    /// The four values of `state-server-member-status` (spec §7.1), from the machine's document:
    /// present for machines with `JobManageEnviron`.
    private func voteStatus(_ m: Machine) -> String? {
        guard let doc = world.machineDocument(m.id) else { return m.isController ? label(m.hasVote, m.wantsVote) : nil }
        let jobs = (doc["jobs"]?.arrayValue ?? []).compactMap(\.int64Value)
        guard jobs.contains(Int64(MachineJob.manageEnviron.rawValue)) else { return nil }
        let hasVote = doc["hasvote"]?.boolValue ?? false
        return label(hasVote, !(doc["novote"]?.boolValue ?? false))
    }

    private func label(_ hasVote: Bool, _ wantsVote: Bool) -> String {
        switch (hasVote, wantsVote) {
        case (true, true): return "has-vote"
        case (true, false): return "removing-vote"
        case (false, true): return "adding-vote"
        case (false, false): return "no-vote"
        }
    }
}

/// Juju 1.20's status of a live legacy environment: the machine documents read over the wire
/// through the primary; an agent is started while its process runs (and is not stopped).
struct LegacyLiveStatus {
    let env: LiveLegacyEnvironment

    func render() throws -> GoValue {
        let docs = try env.documents("machines"), instances = try env.documents("instanceData")
        let machines: [(String, GoValue)] = docs.compactMap { doc in
            guard let id = (doc["machineid"] ?? doc["_id"])?.stringValue, let n = Int(id) else { return nil }
            let running = env.isRunning(n) && !env.isPaused(n)
            var fields: [(String, GoValue)] = [("agent-state", .string(running ? "started" : "down"))]
            if !running { fields.append(("agent-state-info", .string("(started)"))) }
            fields.append(("agent-version", .string(env.state.agentVersion)))
            if env.machine(n) != nil { fields.append(("dns-name", .string(env.ip(of: n)))) }
            let instance = instances.first { ($0["machineid"] ?? $0["_id"])?.stringValue == id }?["instanceid"]?.stringValue
                ?? "juju-\(env.state.environmentUUID.prefix(6))-machine-\(id)"
            fields.append(("instance-id", .string(instance)))
            fields.append(("instance-state", .string(env.machine(n) != nil ? "running" : "pending")))
            fields.append(("series", .string(doc["series"]?.stringValue ?? "trusty")))
            let jobs = (doc["jobs"]?.arrayValue ?? []).compactMap(\.int64Value)
            if jobs.contains(Int64(MachineJob.manageEnviron.rawValue)) {
                let has = doc["hasvote"]?.boolValue ?? false, wants = !(doc["novote"]?.boolValue ?? false)
                let label = has ? (wants ? "has-vote" : "removing-vote") : (wants ? "adding-vote" : "no-vote")
                fields.append(("state-server-member-status", .string(label)))
            }
            return (id, .object(fields))
        }
        return .object([("environment", .string(env.state.name)), ("machines", .object(machines)), ("services", .object([]))])
    }
}

/// The controller model's machines as modern Juju shows them.
struct ModernStatus {
    let world: World

    /// The machine table of `juju status -m controller`, and after Juju's columns Quorum's
    /// `Dqlite` column: the node's role in the cluster, `*` marking the leader.
    func table() -> String {
        (unitTable().map { $0 + "\n" } ?? "") + machineTable()
    }

    /// Juju's Unit section, shown (before the machines, where Juju puts it) only while a
    /// controller unit is not active, such as one blocked on its DB bind address.
    private func unitTable() -> String? {
        let units = world.machines.filter { $0.isController && $0.instanceRunning }
        guard units.contains(where: { world.controllerUnitStatus($0.id) != .active }) else { return nil }
        var table = GoTable([["Unit", "Workload", "Agent", "Machine", "Public address", "Ports", "Message"]], trimsTrailingSpaces: true)
        let leader = world.controllerApplicationLeader
        for m in units {
            let (workload, message): (String, String)
            switch world.controllerUnitStatus(m.id) {
            case .active: (workload, message) = ("active", "")
            case .blocked(let why): (workload, message) = ("blocked", why)
            case .error(let why): (workload, message) = ("error", why)
            }
            table.add(["controller/\(m.id)" + (leader == m.id ? "*" : ""), workload, world.agentAlive(m.id) ? "idle" : "lost",
                       m.id.description, m.id.address, "", message])
        }
        return table.render()
    }

    private func machineTable() -> String {
        var table = GoTable([["Machine", "State", "DNS", "Inst id", "Series", "AZ", "Message", "Dqlite"]], trimsTrailingSpaces: true)
        for m in world.machines {
            let agent = AgentView(m, alive: world.agentAlive(m.id))
            table.add([m.id.description, agent.state, m.instanceRunning ? m.id.address : "",
                       m.instanceID ?? "pending", m.series, "", instanceMessage(m), dqliteMark(m.id)])
        }
        return table.render()
    }

    /// `voter*` for the leader, the role otherwise, empty for a machine without a node.
    private func dqliteMark(_ id: MachineID) -> String {
        guard let hosted = world.dqliteNode(on: id) else { return "" }
        let role = world.dqliteConfiguration?.role(of: hosted.nodeID)?.description ?? "joining"
        return role + (world.dqliteLeaderMachine == id ? "*" : "")
    }

    func render() -> GoValue {
        let config = world.config
        let model: GoValue = .object([
            ("name", .string("controller")), ("type", .string("iaas")), ("controller", .string(config.name)),
            ("cloud", .string("quorum")), ("region", .string("sim")), ("version", .string(config.agentVersion)),
        ])
        return .object([("model", model), ("machines", .object(world.machines.map { ($0.id.description, machine($0)) })),
                        ("applications", .object([]))])
    }

    private func machine(_ m: Machine) -> GoValue {
        let agent = AgentView(m, alive: world.agentAlive(m.id))
        var fields: [(String, GoValue)] = [
            ("juju-status", .object([("current", .string(agent.state)), ("version", .string(world.config.agentVersion))])),
        ]
        if m.instanceRunning { fields.append(("dns-name", .string(m.id.address))) }
        fields.append(("instance-id", .string(m.instanceID ?? "pending")))
        fields.append(("machine-status", .object([("current", .string(instanceMessage(m).isEmpty ? "pending" : instanceMessage(m)))])))
        fields.append(("series", .string(m.series)))
        if m.instanceRunning { fields.append(("hardware", .string(m.hardware.description))) }
        if let hosted = world.dqliteNode(on: m.id) {
            fields.append(("dqlite-role", .string(world.dqliteConfiguration?.role(of: hosted.nodeID)?.description ?? "joining")))
            fields.append(("dqlite-leader", .bool(world.dqliteLeaderMachine == m.id)))
        }
        return .object(fields)
    }

    private func instanceMessage(_ m: Machine) -> String {
        m.instanceRunning ? "running" : (m.instanceID == nil ? "" : "allocating")
    }
}
