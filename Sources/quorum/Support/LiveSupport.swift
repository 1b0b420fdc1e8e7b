import Foundation
import HACore
import Live
import ModernJuju
import RaftCluster

/// Live environments sit next to sim ones in $QUORUM_HOME; their state is `live.json` and
/// the real processes and Dqlite cluster it names.
enum LiveSupport {
    /// The environment lock a changing command holds until it exits.
    nonisolated(unsafe) static var heldLock: FileLock?

    /// The selected environment when it is a live one, nil for sim environments; `writing`
    /// takes the environment's lock first, as sim commands do.
    static func open(_ explicit: String?, writing: Bool = false) throws -> LiveEnvironment? {
        let home = QuorumHome.resolve()
        let name = try home.select(explicit)
        let directory = home.directory(of: name)
        guard LiveEnvironment.exists(directory: directory) else { return nil }
        if writing { heldLock = try FileLock(directory + "/.lock", what: "environment \"\(name)\"") }
        return try run { try LiveEnvironment(directory: directory) }
    }

    /// The selected environment when it is a live legacy one.
    static func openLegacy(_ explicit: String?, writing: Bool = false) throws -> LiveLegacyEnvironment? {
        let home = QuorumHome.resolve()
        let name = try home.select(explicit)
        let directory = home.directory(of: name)
        guard LiveLegacyEnvironment.exists(directory: directory) else { return nil }
        if writing { heldLock = try FileLock(directory + "/.lock", what: "environment \"\(name)\"") }
        return try run { try LiveLegacyEnvironment(directory: directory) }
    }

    /// Runs a live operation, turning its failures into `error: …`.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LiveError {
            throw Failure(error.message, hints: error.hints)
        }
    }

    static func notAvailable(_ command: String) -> Failure {
        Failure("\(command) is not available on the live runtime")
    }

    /// Comma-separated machine ids of `env`, each of which must exist.
    static func machineList(_ text: String, in env: LiveEnvironment) throws -> [Int] {
        let ids = try text.split(separator: ",").map { part -> Int in
            guard let id = MachineID(parsing: String(part)) else { throw Failure("invalid machine id \"\(part)\"") }
            guard env.machine(id.number) != nil else { throw Failure("machine \(id) not found") }
            return id.number
        }
        guard !ids.isEmpty else { throw Failure("no machines given") }
        return ids
    }

    static func legacyMachineID(_ text: String, in env: LiveLegacyEnvironment) throws -> Int {
        guard let id = MachineID(parsing: text) else { throw Failure("invalid machine id \"\(text)\"") }
        guard env.machine(id.number) != nil else { throw Failure("machine \(id) not found") }
        return id.number
    }

    static func machineID(_ text: String, in env: LiveEnvironment) throws -> Int {
        guard let id = MachineID(parsing: text) else { throw Failure("invalid machine id \"\(text)\"") }
        guard env.machine(id.number) != nil else { throw Failure("machine \(id) not found") }
        return id.number
    }
}

/// The controller model's machines of a live environment, as `status -m controller` shows them.
struct LiveStatus {
    let env: LiveEnvironment
    let view: LiveEnvironment.ClusterView

    init(env: LiveEnvironment) {
        self.env = env
        view = env.clusterView()
    }

    func agentState(_ m: LiveMachine) -> String { env.isRunning(m.id) && !env.isPaused(m.id) ? "started" : "down" }

    func dqliteRole(_ m: LiveMachine) -> String { view.role(of: m.nodeID)?.description ?? "joining" }

    func isLeader(_ m: LiveMachine) -> Bool { view.leader?.id == m.nodeID }

    func table() -> String {
        var table = GoTable([["Machine", "State", "DNS", "Inst id", "Series", "AZ", "Message", "Dqlite"]], trimsTrailingSpaces: true)
        for m in env.activeMachines {
            table.add([String(m.id), agentState(m), m.ip, env.instanceID(of: m.id), "ubuntu@24.04", "", "running",
                       dqliteRole(m) + (isLeader(m) ? "*" : "")])
        }
        return table.render()
    }

    func render() -> GoValue {
        let model: GoValue = .object([
            ("name", .string("controller")), ("type", .string("iaas")), ("controller", .string(env.state.name)),
            ("cloud", .string("quorum")), ("region", .string("live")), ("version", .string(env.state.agentVersion)),
        ])
        let machines: [(String, GoValue)] = env.activeMachines.map { m in
            (String(m.id), .object([
                ("juju-status", .object([("current", .string(agentState(m))), ("version", .string(env.state.agentVersion))])),
                ("dns-name", .string(m.ip)), ("instance-id", .string(env.instanceID(of: m.id))),
                ("machine-status", .object([("current", .string("running"))])), ("series", .string("ubuntu@24.04")),
                ("dqlite-role", .string(dqliteRole(m))), ("dqlite-leader", .bool(isLeader(m))),
            ]))
        }
        return .object([("model", model), ("machines", .object(machines)), ("applications", .object([]))])
    }

    /// `db-status`: each node's address, role and whether it answers; the leader; quorum.
    func dbStatus() -> GoValue {
        var doc: [(String, GoValue)] = [("cluster", .string("dqlite"))]
        if let leader = view.leader, let m = env.activeMachines.first(where: { $0.nodeID == leader.id }) {
            doc.append(("leader", .string(String(m.id))))
            doc.append(("leader-id", .string(String(leader.id))))
        }
        let voters = view.voters
        if !voters.isEmpty {
            let up = voters.filter { view.answering.contains($0.id) }.count
            let needed = voters.count / 2 + 1
            doc.append(("quorum", .object([("voters", .int(voters.count)), ("voters-up", .int(up)), ("needed", .int(needed)),
                                           ("has-quorum", .bool(up >= needed))])))
        }
        let nodes: [GoValue] = env.activeMachines.map { m in
            var state = "down"
            if env.isPaused(m.id) { state = "paused" } else if view.answering.contains(m.nodeID) {
                state = isLeader(m) ? "leader" : "follower"
            }
            return .object([("machine", .string(String(m.id))), ("id", .string(String(m.nodeID))),
                            ("address", .string(env.address(of: m))), ("role", .string(view.role(of: m.nodeID)?.description ?? "none")),
                            ("state", .string(state))])
        }
        doc.append(("nodes", .list(nodes)))
        return .object(doc)
    }

    /// `show-controller`: the controller machines with Juju's HA status, from presence.
    func showController() -> ShowControllerDetails {
        let machines = env.membership.controllers.map { c -> ControllerMachine in
            var c = c
            c.instanceID = env.instanceID(of: c.id.number)
            return c
        }
        let count = env.activeMachines.count
        return ShowControllerDetails(name: env.state.name, controllerUUID: env.state.controllerUUID,
                                     apiEndpoints: env.activeMachines.map { "\($0.ip):17070" }, cloud: "quorum", region: "live",
                                     agentVersion: env.state.agentVersion, caCert: env.caCertificate, controllerMachines: machines,
                                     models: [ShowControllerModel(name: "controller", uuid: env.state.modelUUID, machineCount: count, coreCount: count)],
                                     currentModel: "admin/controller", user: "admin", access: "superuser")
    }

    /// The row of `controllers`.
    func controllerItem() -> ControllerItem {
        let counts = env.membership.controllerMachineCounts
        return ControllerItem(name: env.state.name, currentModel: "controller", user: "admin", access: "superuser",
                              controllerUUID: env.state.controllerUUID, apiEndpoints: env.activeMachines.map { "\($0.ip):17070" },
                              caCert: env.caCertificate, cloud: "quorum", region: "live", agentVersion: env.state.agentVersion, modelCount: 1,
                              machineCount: env.activeMachines.count, controllerMachines: counts)
    }
}
