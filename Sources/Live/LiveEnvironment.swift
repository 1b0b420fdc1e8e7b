#if canImport(Glibc)
import Glibc
#endif
import CDqlite
import DqliteStore
import Foundation
import HACore
import ModernJuju
import RaftCluster

/// A failure of a live-runtime operation, worded for `error: …`.
public struct LiveError: Error, CustomStringConvertible {
    public var message: String
    public var hints: [String]
    public init(_ message: String, hints: [String] = []) {
        self.message = message
        self.hints = hints
    }
    public var description: String { message }
}

/// One machine of a live environment: its agent process and Dqlite node.
public struct LiveMachine: Codable, Equatable, Sendable {
    public var id: Int
    public var nodeID: UInt64
    public var ip: String
    /// Set by remove-machine: the process is gone and the node left the cluster.
    public var removed: Bool = false

    public var machineID: MachineID { MachineID(id) }
}

/// The saved state of a live (modern) environment, `live.json` in the environment directory.
/// The real cluster is the truth about roles and leadership; this file remembers what was
/// started (machines, addresses, node ids) and Juju's own membership records.
public struct LiveEnvironmentState: Codable, Sendable {
    public static let fileName = "live.json"
    public static let currentFormat = 1

    public var format = currentFormat
    public var name: String
    public var flavor = "modern"
    public var agentVersion: String
    public var controllerUUID: String
    public var modelUUID: String
    /// The Dqlite port every node listens on (17666 unless a test picked another).
    public var port: Int
    /// Machine N listens on 127.0.0.(addressBase + N).
    public var addressBase: Int
    public var rolesInterval: Double
    /// The dbaccessor's wait for a starting node to become ready, in seconds (nil: Juju's
    /// one minute; tests shorten it).
    public var readyTimeout: Double?
    public var machines: [LiveMachine]
    /// Juju-level HA records: who wants and holds a vote.
    public var controllers: [ControllerMachine]
    public var nextMachineNumber: Int
}

/// A live environment opened by one command.
public final class LiveEnvironment {
    public let directory: String
    public var state: LiveEnvironmentState
    /// The binary agents run (`quorum agent …`).
    public var executable: String = Supervisor.currentExecutable

    public static func exists(directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + LiveEnvironmentState.fileName)
    }

    public init(directory: String) throws {
        self.directory = directory
        let path = directory + "/" + LiveEnvironmentState.fileName
        guard let data = FileManager.default.contents(atPath: path) else { throw LiveError("environment not found at \(directory)") }
        do {
            state = try JSONDecoder().decode(LiveEnvironmentState.self, from: data)
        } catch {
            throw LiveError("environment is corrupted: \(error) in \(path)")
        }
    }

    init(directory: String, state: LiveEnvironmentState) {
        self.directory = directory
        self.state = state
    }

    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(state)
        let path = directory + "/" + LiveEnvironmentState.fileName
        let temp = path + ".tmp-\(getpid())"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw LiveError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    // MARK: - Machines and processes

    public func files(of id: Int) -> AgentFiles { AgentFiles(directory: directory + "/machines/\(id)") }

    public func machine(_ id: Int) -> LiveMachine? { state.machines.first { $0.id == id && !$0.removed } }

    public var activeMachines: [LiveMachine] { state.machines.filter { !$0.removed } }

    public func address(of machine: LiveMachine) -> String { "\(machine.ip):\(state.port)" }

    public func pid(of id: Int) -> pid_t? { Supervisor.readPid(files(of: id).pid) }

    /// The agent process runs (it may be paused).
    public func isRunning(_ id: Int) -> Bool { pid(of: id).map(Supervisor.isAgentAlive) ?? false }

    public func isPaused(_ id: Int) -> Bool { pid(of: id).map { Supervisor.isAgentAlive($0) && Supervisor.isStopped($0) } ?? false }

    /// Every pid this environment's machines have recorded, alive or not.
    public var recordedPids: [pid_t] { state.machines.compactMap { pid(of: $0.id) } }

    /// Starts machine `id`'s agent and waits (≤ 15 s) until its control API answers.
    public func startAgent(_ machine: LiveMachine, joining cluster: [String]) throws {
        let files = files(of: machine.id)
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        if let old = pid(of: machine.id), Supervisor.isAgentAlive(old) { return }
        try? FileManager.default.removeItem(atPath: files.controlPort)
        try? FileManager.default.removeItem(atPath: files.pid)
        let options = AgentOptions(machine: machine.id, directory: files.directory, ip: machine.ip, port: state.port,
                                   nodeID: machine.nodeID, cluster: cluster, rolesInterval: state.rolesInterval,
                                   modelUUID: state.modelUUID, controllerUUID: state.controllerUUID, readyTimeout: state.readyTimeout)
        let pid = try Supervisor.spawnDetached(executable: executable, arguments: options.arguments, logFile: files.log)
        let deadline = monotonicSeconds() + 15
        while monotonicSeconds() < deadline {
            if AgentControl.call(files, ip: machine.ip, ["op": "ping"], timeout: 1)?["ok"] as? Bool == true { return }
            // We are its parent until we exit: waitpid tells exactly whether it has died.
            if waitpid(pid, nil, WNOHANG) == pid {
                let tail = (try? String(contentsOfFile: files.log, encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: "\n") ?? ""
                throw LiveError("the agent of machine \(machine.id) exited at start-up: \(tail)")
            }
            usleep(50_000)
        }
        throw LiveError("the agent of machine \(machine.id) did not answer within 15s")
    }

    // MARK: - The Dqlite cluster

    /// A client over every machine's node address.
    public func dqliteClient() -> DqliteClient {
        DqliteClient(addresses: activeMachines.map(address(of:)), dialTimeout: 1)
    }

    /// Waits until some node answers LEADER with itself.
    @discardableResult
    public func waitForLeader(timeout: Double) throws -> (id: UInt64, address: String) {
        let client = dqliteClient()
        let deadline = monotonicSeconds() + timeout
        while true {
            if let leader = client.findLeader(), !leader.address.isEmpty { return leader }
            guard monotonicSeconds() < deadline else {
                throw LiveError("no Dqlite leader: the controller database cannot be written", hints: quorumHints())
            }
            usleep(100_000)
        }
    }

    /// Runs `body` on a leader connection with the controller database open.
    public func withController<T>(timeout: Double = 10, _ body: (DqliteConnection) throws -> T) throws -> T {
        do {
            return try dqliteClient().withLeader(timeout: timeout, database: JujuDqlite.controllerNamespace, body)
        } catch let error as DqliteError {
            if case .noLeader = error { throw LiveError("no Dqlite leader: the controller database cannot be written", hints: quorumHints()) }
            throw LiveError("controller database: \(error)")
        }
    }

    /// What each node says about the cluster: the configuration (from the leader, or any node
    /// that answers CLUSTER), the leader, and which nodes answer at all.
    public struct ClusterView: Sendable {
        public var nodes: [DqliteNode]
        public var leader: (id: UInt64, address: String)?
        public var answering: Set<UInt64>

        public func role(of id: UInt64) -> DqliteRole? { nodes.first { $0.id == id }?.role }
        public var voters: [DqliteNode] { nodes.filter { $0.role == .voter } }
    }

    public func clusterView() -> ClusterView {
        var answering: Set<UInt64> = []
        var configurations: [[DqliteNode]] = []
        var leader: (id: UInt64, address: String)?
        for machine in activeMachines where !isPaused(machine.id) {
            guard let c = try? DqliteConnection(address: address(of: machine), timeout: 1) else { continue }
            defer { c.close() }
            guard let l = try? c.leader() else { continue }
            answering.insert(machine.nodeID)
            if !l.address.isEmpty, l.address == address(of: machine) { leader = l }
            if let nodes = try? c.cluster() {
                if l.address == address(of: machine) { configurations.insert(nodes, at: 0) } else { configurations.append(nodes) }
            }
        }
        return ClusterView(nodes: configurations.first ?? [], leader: leader, answering: answering)
    }

    /// Quorum's explanation when there is no leader, for stderr.
    public func quorumHints() -> [String] {
        let view = clusterView()
        let voters = view.voters
        guard !voters.isEmpty else { return [] }
        let up = voters.filter { view.answering.contains($0.id) }.count
        return ["quorum lost: \(up) of \(voters.count) Dqlite voters are up, \(voters.count / 2 + 1) are needed to elect a leader"]
    }

    // MARK: - Juju-level membership

    /// Juju's HA records, with presence from the agent processes.
    public var membership: ControllerMembership {
        let controllers = state.controllers.map { c -> ControllerMachine in
            var c = c
            c.agentDown = !isRunning(c.id.number) || isPaused(c.id.number)
            return c
        }
        return ControllerMembership(controllers: controllers, otherMachines: [], nextMachineNumber: state.nextMachineNumber)
    }

    func record(_ membership: ControllerMembership) {
        state.controllers = membership.controllers.map { c in
            var c = c
            c.agentDown = false
            return c
        }
        state.nextMachineNumber = membership.nextMachineNumber
    }

    /// A stand-in for the controller's CA certificate: PEM-shaped, not a real key.
    public var caCertificate: String {
        "-----BEGIN CERTIFICATE-----\n\(state.controllerUUID.replacingOccurrences(of: "-", with: ""))\n-----END CERTIFICATE-----\n"
    }

    public func instanceID(of id: Int) -> String { "juju-\(state.modelUUID.prefix(6))-\(id)" }

    func newMachine(_ id: Int) -> LiveMachine {
        let ip = "127.0.0.\(state.addressBase + id)"
        let nodeID = id == 0 ? JujuDqlite.bootstrapID : UInt64(dqlite_generate_node_id("\(ip):\(state.port)"))
        return LiveMachine(id: id, nodeID: nodeID, ip: ip)
    }

    /// The `machine` row of a controller-model machine (as the sim flavor writes it).
    func machineRow(_ id: Int) -> SQLStatement {
        SQLStatement("""
            INSERT INTO machine (uuid, model_uuid, name, life_id, instance_id, hostname, is_controller)
            VALUES (?, ?, ?, 0, ?, ?, ?)
            ON CONFLICT (uuid) DO UPDATE SET instance_id = excluded.instance_id
            """, [.text(UUID().uuidString.lowercased()), .text(state.modelUUID), .text(String(id)),
                  .text(instanceID(of: id)), .text(instanceID(of: id)), .boolean(true)])
    }

    /// The controller charm's part (spec §3.7): every controller's controller.conf lists each
    /// active controller's DB bind address (its machine IP), and running agents are told to
    /// reload it (the charm's POST `/reload`), which their dbaccessor reads.
    func publishDBBindAddresses() throws {
        let addresses = activeMachines.map { DBBindAddress($0.machineID, $0.ip) }
        let conf = ControllerCharm.controllerConfYAML(addresses)
        for machine in activeMachines {
            let path = files(of: machine.id).controllerConf
            try FileManager.default.createDirectory(atPath: files(of: machine.id).directory, withIntermediateDirectories: true)
            try conf.write(toFile: path, atomically: true, encoding: .utf8)
        }
        for machine in activeMachines where isRunning(machine.id) && !isPaused(machine.id) {
            _ = AgentControl.call(files(of: machine.id), ip: machine.ip, ["op": "reload"])
        }
    }

    /// One write on `c`, tried again while another writer holds the database: the agents
    /// record their nodes and claim leases meanwhile, and SQLITE_BUSY means nothing was written.
    func write(_ statement: SQLStatement, on c: DqliteConnection, for seconds: Double = 10) throws {
        let deadline = monotonicSeconds() + seconds
        while true {
            do {
                return try c.exec(statement)
            } catch DqliteError.busy where monotonicSeconds() < deadline {
                usleep(50_000)
            }
        }
    }

    /// A migration file as one transaction, begun again when another writer held the database:
    /// machine 0's dbaccessor records its node as soon as `controller_node` exists, and a file
    /// applied halfway could not be applied again.
    func apply(migration sql: String, on c: DqliteConnection, for seconds: Double = 10) throws {
        let deadline = monotonicSeconds() + seconds
        while true {
            _ = try c.exec("BEGIN")
            do {
                _ = try c.exec(sql)
                _ = try c.exec("COMMIT")
                return
            } catch DqliteError.busy where monotonicSeconds() < deadline {
                _ = try? c.exec("ROLLBACK")
                usleep(50_000)
            } catch {
                _ = try? c.exec("ROLLBACK")
                throw error
            }
        }
    }

    /// Waits until the machine's agent has recorded its serving node in `controller_node`: the
    /// dbaccessor writes the row (`AddDqliteNode`) once its node is ready, not the CLI.
    func waitForControllerNode(_ machine: LiveMachine, timeout: Double = 30) throws {
        let expected: [[SQLValue]] = [[.text(String(machine.nodeID)), .text(machine.ip)]]
        try waitUntil(timeout: timeout, "machine \(machine.id)'s agent did not record its Dqlite node in controller_node within \(Int(timeout))s") {
            let rows = try? withController(timeout: 2) { c in
                try c.query("SELECT dqlite_node_id, dqlite_bind_address FROM controller_node WHERE controller_id = ?",
                            [.text(String(machine.id))]).rows
            }
            return rows == expected
        }
    }
}

// MARK: - Commands

extension LiveEnvironment {
    /// `bootstrap NAME --flavor modern --runtime live`: machine 0's agent, the controller
    /// schema (`Migrations/`, in order, through the leader) and the bootstrap rows.
    public static func bootstrap(directory: String, name: String, agentVersion: String, port: Int = JujuDqlite.port,
                                 addressBase: Int = 10, rolesInterval: Double = 30, readyTimeout: Double? = nil, executable: String? = nil,
                                 controllerUUID: String? = nil, modelUUID: String? = nil) throws -> LiveEnvironment {
        let state = LiveEnvironmentState(name: name, agentVersion: agentVersion, controllerUUID: controllerUUID ?? UUID().uuidString.lowercased(),
                                         modelUUID: modelUUID ?? UUID().uuidString.lowercased(), port: port, addressBase: addressBase,
                                         rolesInterval: rolesInterval, readyTimeout: readyTimeout, machines: [],
                                         controllers: [], nextMachineNumber: 1)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let env = LiveEnvironment(directory: directory, state: state)
        if let executable { env.executable = executable }
        let machine = env.newMachine(0)
        env.state.machines = [machine]
        env.state.controllers = [ControllerMachine(id: 0, instanceID: env.instanceID(of: 0), hasVote: true)]
        do {
            try env.save()
            try env.publishDBBindAddresses()
            try env.startAgent(machine, joining: [])
            try env.waitForLeader(timeout: 20)
            try env.withController { c in
                for migration in try ControllerSchema.migrations() {
                    try env.apply(migration: migration.sql, on: c)
                }
                try env.write(SQLStatement("INSERT INTO controller (uuid, model_uuid, target_version, api_port, ca_cert) VALUES (?, ?, ?, ?, ?)",
                                           [.text(state.controllerUUID), .text(state.modelUUID), .text(agentVersion), .text("17070"),
                                            .text(env.caCertificate)]), on: c)
                try env.write(SQLStatement("""
                    INSERT INTO model (uuid, activated, name, qualifier, model_type_id, life_id, cloud_name, cloud_region_name, agent_version)
                    VALUES (?, TRUE, 'controller', 'admin', 0, 0, 'quorum', 'live', ?)
                    """, [.text(state.modelUUID), .text(agentVersion)]), on: c)
                try env.write(env.machineRow(0), on: c)
            }
            // Machine 0's dbaccessor records its node once the schema is there.
            try env.waitForControllerNode(machine)
        } catch {
            env.destroy()
            throw error
        }
        return env
    }

    /// `enable-ha` on live: Juju's decision over the recorded membership, then one agent per
    /// new machine, which joins through ADD and takes a role through ASSIGN.
    public func enableHA(_ arguments: [String]) throws -> String {
        let parsed: EnableHAArguments
        do {
            parsed = try EnableHAArguments.parse(arguments)
        } catch {
            throw LiveError("\(error)")
        }
        try waitForLeader(timeout: 10)
        var membership = self.membership
        let plan: EnableHAPlan
        do {
            plan = try membership.enableHA(numControllers: parsed.numControllers, placement: parsed.placement)
        } catch {
            throw LiveError("\(error)")
        }
        try addControllers(plan.newMachines.map(\.id.number), membership: &membership)
        return formatEnableHA(plan.changes, format: parsed.format)
    }

    /// `add-unit -m controller controller -n K`.
    public func addUnits(_ count: Int) throws {
        guard count > 0 else { throw LiveError("--num-units must be a positive integer") }
        try waitForLeader(timeout: 10)
        var membership = self.membership
        let ids = (0..<count).map { membership.nextMachineNumber + $0 }
        membership = ControllerMembership(controllers: membership.controllers + ids.map { ControllerMachine(id: MachineID($0)) },
                                          otherMachines: [], nextMachineNumber: membership.nextMachineNumber + count)
        try addControllers(ids, membership: &membership)
    }

    /// New controller machines: recorded, published in every controller.conf, then one agent
    /// each, whose dbaccessor joins the cluster and records its node.
    private func addControllers(_ ids: [Int], membership: inout ControllerMembership) throws {
        let cluster = activeMachines.map(address(of:))
        let machines = ids.map(newMachine)
        for machine in machines {
            state.machines.append(machine)
            membership.setInstanceID(instanceID(of: machine.id), of: machine.machineID)
        }
        record(membership)
        try save()
        try publishDBBindAddresses()
        for machine in machines { try startAgent(machine, joining: cluster) }
        membership.settleVotes()
        record(membership)
        try save()
        for machine in machines {
            // The new node is in the configuration once its agent's first pass has ADDed it.
            try waitUntil(timeout: 20, "machine \(machine.id)'s Dqlite node did not join the cluster within 20s") {
                clusterView().nodes.contains { $0.id == machine.nodeID }
            }
            try withController { c in try write(machineRow(machine.id), on: c) }
            try waitForControllerNode(machine)
        }
    }

    /// `remove-machine -m controller ID`: a graceful stop (handover), REMOVE, Juju votes settle.
    public func removeMachine(_ text: String, force: Bool = false) throws {
        guard let id = MachineID(parsing: text), let machine = machine(id.number) else { throw LiveError("machine \(text) not found") }
        var membership = self.membership
        do {
            try membership.removeMachine(id)
        } catch {
            throw LiveError("\(error)")
        }
        if !force { try waitForLeader(timeout: 10) }
        if let pid = pid(of: machine.id) { Supervisor.stop([pid], grace: 15) }
        do {
            try dqliteClient().withLeader(timeout: 15) { c in
                do { try c.remove(id: machine.nodeID) } catch DqliteError.notFound {}
            }
        } catch where force {}
        try? withController { c in
            try c.exec("DELETE FROM controller_node WHERE controller_id = ?", [.text(String(machine.id))])
        }
        for i in state.machines.indices where state.machines[i].id == machine.id { state.machines[i].removed = true }
        record(membership)
        try save()
        // The departed unit's relation-departed hook: the others' controller.conf drops it.
        try publishDBBindAddresses()
    }

    /// `fail ID --mode crash|stop|pause`: SIGKILL, SIGTERM (the agent hands over), SIGSTOP.
    public func fail(_ id: Int, mode: String) throws {
        guard machine(id) != nil else { throw LiveError("machine \(id) not found") }
        guard let pid = pid(of: id), Supervisor.isAgentAlive(pid) else { return }
        switch mode {
        case "crash": Supervisor.kill(pids: [pid])
        case "stop": Supervisor.stop([pid], grace: 20)
        case "pause": Supervisor.signal(pid, SIGSTOP)
        default: throw LiveError("fault \(mode) is not available on the live runtime")
        }
    }

    /// `start ID`: resumes a paused agent or restarts a stopped or crashed one.
    public func start(_ id: Int) throws {
        guard let machine = machine(id) else { throw LiveError("machine \(id) not found") }
        if let pid = pid(of: id), Supervisor.isAgentAlive(pid) {
            Supervisor.signal(pid, SIGCONT)
            return
        }
        try startAgent(machine, joining: activeMachines.filter { $0.id != id }.map(address(of:)))
    }

    /// `partition IDS --from OTHERS [--one-way]`: each side's agent cuts its links to the other.
    public func partition(_ group: [Int], from others: [Int], oneWay: Bool) throws {
        func ips(_ ids: [Int]) -> [String] { ids.compactMap { machine($0)?.ip } }
        for id in group { try control(id, ["op": "partition", "hosts": ips(others)]) }
        if !oneWay { for id in others { try control(id, ["op": "partition", "hosts": ips(group)]) } }
    }

    public func heal(_ ids: [Int]?) throws {
        let targets = ids ?? activeMachines.map(\.id)
        for id in activeMachines.map(\.id) where isRunning(id) {
            if ids == nil || targets.contains(id) {
                try control(id, ["op": "heal"])
            } else {
                try control(id, ["op": "heal", "hosts": targets.compactMap { machine($0)?.ip }])
            }
        }
    }

    @discardableResult
    public func control(_ id: Int, _ request: [String: Any], timeout: Double = 30) throws -> [String: Any] {
        guard let machine = machine(id) else { throw LiveError("machine \(id) not found") }
        guard let reply = AgentControl.call(files(of: id), ip: machine.ip, request, timeout: timeout) else {
            throw LiveError("the agent of machine \(id) does not answer")
        }
        return reply
    }

    /// Asks every running agent for a role pass now (the leader's adjusts the roles).
    public func adjustRoles() {
        for machine in activeMachines where isRunning(machine.id) && !isPaused(machine.id) {
            _ = try? control(machine.id, ["op": "adjust"])
        }
    }

    /// Stops every agent this environment started (SIGTERM without handover, then SIGKILL).
    public func stopAgents(grace: Double = 5) {
        for machine in state.machines {
            _ = FileManager.default.createFile(atPath: files(of: machine.id).skipHandover, contents: Data())
        }
        Supervisor.stop(recordedPids, grace: grace)
    }

    /// Stops every agent and removes the environment's directory.
    public func destroy(grace: Double = 5) {
        stopAgents(grace: grace)
        try? FileManager.default.removeItem(atPath: directory)
    }

    func waitUntil(timeout: Double, _ message: String, _ condition: () -> Bool) throws {
        let deadline = monotonicSeconds() + timeout
        while !condition() {
            guard monotonicSeconds() < deadline else { throw LiveError(message) }
            usleep(100_000)
        }
    }
}

// MARK: - Waiting on the real cluster

extension LiveEnvironment {
    /// The roles snapshot go-dqlite's leader would build now (online = answers DESCRIBE).
    public func rolesChanges(_ view: ClusterView) -> RolesChanges {
        let members = view.nodes.map { node -> RolesChanges.Member in
            let online = view.answering.contains(node.id) && !(activeMachines.first { $0.nodeID == node.id }.map { isPaused($0.id) } ?? false)
            let metadata: NodeMetadata? = online ? ((try? DqliteConnection(address: node.address, timeout: 1).describe()) ?? nil) : nil
            return RolesChanges.Member(node: node, metadata: metadata)
        }
        return RolesChanges(members: members)
    }

    /// Every running machine's node is in the configuration, a leader serves, and the roles
    /// are what the leader's adjustment would leave them.
    public func isSettled() -> Bool {
        let view = clusterView()
        guard let leader = view.leader else { return false }
        for machine in activeMachines where isRunning(machine.id) && !isPaused(machine.id) {
            guard view.nodes.contains(where: { $0.id == machine.nodeID }) else { return false }
        }
        return rolesChanges(view).adjust(leader: leader.id) == nil
    }

    public enum WaitTarget: String, Sendable {
        case settled, primary, quorum
    }

    /// Polls (asking the agents for role passes) until `target` holds; returns the seconds it took.
    public func wait(until target: WaitTarget, timeout: Double) throws -> Double {
        let start = monotonicSeconds()
        while true {
            let reached: Bool
            switch target {
            case .primary: reached = clusterView().leader != nil
            case .quorum:
                let view = clusterView()
                let voters = view.voters
                reached = !voters.isEmpty && voters.filter { view.answering.contains($0.id) }.count > voters.count / 2
            case .settled:
                adjustRoles()
                reached = isSettled()
            }
            if reached { return monotonicSeconds() - start }
            guard monotonicSeconds() - start < timeout else {
                throw LiveError("not \(target.rawValue) after \(Int(timeout))s")
            }
            usleep(250_000)
        }
    }
}

// MARK: - Backups (format 2, through the leader)

/// One table of the controller database, as a backup carries it (the export nodes make too).
public typealias LiveTable = TableExport

extension LiveEnvironment {
    /// Every controller table, read with QUERY_SQL through the Dqlite leader (Juju 4's backup
    /// facade), in creation order.
    public func dumpController() throws -> [LiveTable] {
        try withController { c in
            let names = try c.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid").rows.compactMap { $0.first?.textValue }
            return try names.filter { !$0.hasPrefix("sqlite_") && $0 != "grdb_migrations" }.map { name in
                let rows = try c.query("SELECT * FROM \"\(name)\" ORDER BY rowid")
                return LiveTable(name: name, columns: rows.columns, rows: rows.rows)
            }
        }
    }

    /// The machine that serves the backup: the first running controller.
    public var backupOrigin: LiveMachine? {
        activeMachines.first { isRunning($0.id) && !isPaused($0.id) }
    }

    /// Replaces the freshly bootstrapped controller database's contents with a backup's: every
    /// table emptied (children first) and refilled (parents first) through the leader, keeping
    /// only this controller's own machine row; leases stay behind. `controller_node` keeps the
    /// row machine 0's dbaccessor recorded for the new node, carried across the refill, instead
    /// of the backup's rows for the old nodes.
    public func restore(_ tables: [LiveTable]) throws {
        try withController(timeout: 30) { c in
            let recorded = try c.query("SELECT * FROM controller_node ORDER BY rowid")
            let refill = tables.map { table in
                table.name == "controller_node" ? LiveTable(name: table.name, columns: recorded.columns, rows: recorded.rows) : table
            }
            for table in refill.reversed() { try write(SQLStatement("DELETE FROM \"\(table.name)\""), on: c) }
            for table in refill {
                let marks = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
                let columns = table.columns.map { "\"\($0)\"" }.joined(separator: ", ")
                for row in table.rows where Self.keepsOnRestore(table: table, row: row) {
                    try write(SQLStatement("INSERT INTO \"\(table.name)\" (\(columns)) VALUES (\(marks))", row), on: c)
                }
            }
            guard machine(0) != nil else { return }
            try write(machineRow(0), on: c)
        }
    }

    static func keepsOnRestore(table: LiveTable, row: [SQLValue]) -> Bool {
        func column(_ name: String) -> SQLValue? { table.columns.firstIndex(of: name).map { row[$0] } }
        switch table.name {
        case "controller_api_address": return column("controller_id")?.textValue == "0"
        case "machine": return column("is_controller") == .boolean(false) || column("is_controller") == .integer(0)
        case "lease", "lease_pin": return false
        default: return true
        }
    }
}
