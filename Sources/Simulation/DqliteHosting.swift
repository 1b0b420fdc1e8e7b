import HACore
import ModernJuju
import RaftCluster

/// One controller machine's Dqlite node (modern flavor): the running Raft node, what its data
/// directory keeps across a crash, and the go-dqlite `app` state around it.
public struct HostedDqliteNode: Codable, Sendable {
    public let machine: MachineID
    public let nodeID: UInt64
    /// `info.yaml`'s address: where the node listens (`host:17666`).
    public internal(set) var bindAddress: String
    public internal(set) var node: RaftNode?
    /// The data directory; nil while it is empty (a node that never ran, or lost its disk).
    public internal(set) var disk: RaftDurableState?
    /// `cluster.yaml`: the addresses the app looks for a leader at.
    public internal(set) var clusterStore: [String]
    /// The `join` flag file: present until the leader accepted this node's ADD.
    public internal(set) var joining: Bool
    /// The app's first pass (`maybePromoteOurselves`) succeeded.
    public internal(set) var ready = false
    var appGeneration = 0

    public var durable: RaftDurableState? { node?.durable ?? disk }
}

/// What a Dqlite client got back: a protocol reply, or rows for QUERY_SQL.
public enum DqliteAnswer: Codable, Sendable, Equatable {
    case reply(DqliteReply)
    case rows(columns: [String], rows: [[SQLValue]])
    /// RESULT for an EXEC_SQL committed at `index`.
    case result(index: LogIndex, lastInsertID: Int64, rowsAffected: Int64)
}

/// What the leader's execution of an EXEC reported, kept until the entry commits.
public struct ExecResult: Codable, Sendable, Equatable {
    public var id: DqliteRequestID
    public var lastInsertID: Int64
    public var rowsAffected: Int64
}

extension World {
    public static let dqlitePort = 17666
    /// go-dqlite's `BootstrapID`, the first node's id when no cluster is given (spec §3.2).
    public static let dqliteBootstrapID: UInt64 = 0x2dc1_7185_8c31_55be
    /// The bootstrap node binds loopback (spec §3.2); HA rebinds it to its cloud-local address.
    public static let dqliteBootstrapAddress = "127.0.0.1:17666"

    func runsDqlite(_ id: MachineID) -> Bool {
        config.flavor == .modern && machine(id)?.isController == true
    }

    func dqliteIndex(_ id: MachineID) -> Int? { dqliteNodes.firstIndex { $0.machine == id } }

    public func dqliteNode(on id: MachineID) -> HostedDqliteNode? { dqliteIndex(id).map { dqliteNodes[$0] } }

    /// The machine whose node has `nodeID`.
    func machine(ofDqliteNode nodeID: UInt64) -> MachineID? { dqliteNodes.first { $0.nodeID == nodeID }?.machine }

    func machine(ofDqliteAddress address: String) -> MachineID? { dqliteNodes.first { $0.bindAddress == address }?.machine }

    /// The machine whose node leads (as the leader itself believes).
    /// The machine whose node leads. Two nodes may believe they lead for a while (one paused or
    /// cut off from an older term); the one of the newest term is the leader.
    public var dqliteLeaderMachine: MachineID? { dqliteLeaderHosted?.machine }

    var dqliteLeaderHosted: HostedDqliteNode? {
        var best: HostedDqliteNode?
        for hosted in dqliteNodes where hosted.node?.isLeader == true {
            if best == nil || hosted.node!.term > best!.node!.term { best = hosted }
        }
        return best
    }

    // MARK: Process lifecycle

    /// The controller agent started: its Dqlite node starts from its data directory. A
    /// machine with an empty one is either the bootstrap node or a joiner (spec §3.3, §4.2).
    mutating func dqliteProcessStarted(_ id: MachineID, trace: inout Trace) {
        if dqliteIndex(id) == nil {
            // The new controller's charm publishes its address; a loopback-bound node rebinds.
            runControllerCharm(trace: &trace)
            guard let hosted = newDqliteNode(for: id) else {
                // No unique DB bind address: dbaccessor waits for controller.conf to list one.
                trace.append(at: now, seq: eventCount, "\(id.tag) dbaccessor: no DB bind address for this controller yet")
                return
            }
            dqliteNodes.append(hosted)
            dqliteNodes.sort { $0.machine < $1.machine }
            rebindLoopbackNodes(trace: &trace)
        }
        let i = dqliteIndex(id)!
        // A new app instance: it promotes itself and records its node row again.
        dqliteNodes[i].ready = false
        let hosted = dqliteNodes[i]
        var node = RaftNode(id: hosted.nodeID, address: hosted.bindAddress, durable: hosted.disk ?? RaftDurableState())
        var generator = config.seed.generator("dqlite/\(id.tag)/\(machine(id)?.incarnation ?? 0)")
        let directives = node.onStart(now: now, random: SplitMix64(seed: generator.next()))
        dqliteNodes[i].node = node
        interpretRaft(directives, on: id, trace: &trace)
        scheduleDqliteApp(on: id, after: .zero)
        startLeaseWorker(on: id)
    }

    private func newDqliteNode(for id: MachineID) -> HostedDqliteNode? {
        if dqliteNodes.isEmpty {
            return HostedDqliteNode(machine: id, nodeID: Self.dqliteBootstrapID, bindAddress: Self.dqliteBootstrapAddress,
                                    disk: .bootstrap(id: Self.dqliteBootstrapID, address: Self.dqliteBootstrapAddress),
                                    clusterStore: [Self.dqliteBootstrapAddress], joining: false)
        }
        // `GenerateID(address)`: go-dqlite hashes the address with the time; here the seed.
        var generator = config.seed.generator("dqlite-node-id/\(id.tag)")
        let nodeID = generator.next() | 1
        // db-bind-addresses: its own address to bind, every other controller's to join through.
        guard let ip = dbBindIP(id) else { return nil }
        let peers = dbBindAddresses.filter { $0.controllerID != id }.map { "\($0.ip):\(Self.dqlitePort)" }.sorted()
        return HostedDqliteNode(machine: id, nodeID: nodeID, bindAddress: "\(ip):\(Self.dqlitePort)",
                                disk: nil, clusterStore: peers, joining: true)
    }

    mutating func dqliteProcessDied(_ id: MachineID) {
        stopLeaseWorker(on: id)
        guard let i = dqliteIndex(id), let node = dqliteNodes[i].node else { return }
        dqliteNodes[i].disk = node.durable
        dqliteNodes[i].node = nil
        dqliteNodes[i].appGeneration += 1
    }

    mutating func wipeDqliteDisk(_ id: MachineID, trace: inout Trace) {
        guard let i = dqliteIndex(id) else { return }
        dqliteNodes[i].disk = nil
        dqliteNodes[i].ready = false
        trace.append(at: now, seq: eventCount, "\(id.tag) dqlite data lost")
    }

    // MARK: Events

    mutating func withDqliteNode(_ id: MachineID, trace: inout Trace, _ body: (inout RaftNode) -> [RaftDirective]) {
        guard let i = dqliteIndex(id), dqliteNodes[i].node != nil else { return }
        let directives = body(&dqliteNodes[i].node!)
        interpretRaft(directives, on: id, trace: &trace)
    }

    mutating func fireRaftTimer(_ timer: RaftTimer, on id: MachineID, incarnation: Int, trace: inout Trace) {
        guard runningIncarnation(id) == incarnation else { return }
        let time = now
        withDqliteNode(id, trace: &trace) { $0.onTimer(timer, now: time) }
    }

    mutating func deliverRaft(_ message: RaftMessage, from sender: UInt64, at id: MachineID, trace: inout Trace) {
        let time = now
        withDqliteNode(id, trace: &trace) { $0.onMessage(from: sender, message, now: time) }
    }

    mutating func deliverDqliteRequest(_ request: DqliteRequest, id requestID: DqliteRequestID, at id: MachineID, trace: inout Trace) {
        if case .execSQL(let statement) = request, dqliteNode(on: id)?.node?.isLeader == true {
            // A copy of a request already running here (the simulated network duplicates what
            // TCP never would) is the node's to recognise, not a second statement to try.
            guard !execResults.contains(where: { $0.id == requestID }) else { return }
            switch trialExec(statement, on: id) {
            case .failure(let failure):
                send(.dqliteReply(requestID, .reply(.failure(failure.dqliteFailure))), from: id,
                     to: Self.dqliteEndpoint(requestID.client), trace: &trace)
                return
            case .success(let (lastInsertID, rowsAffected)):
                execResults.append(ExecResult(id: requestID, lastInsertID: lastInsertID, rowsAffected: rowsAffected))
                if execResults.count > 256 { execResults.removeFirst(execResults.count - 256) }
            }
        }
        let time = now
        withDqliteNode(id, trace: &trace) { $0.onClientRequest(request, id: requestID, now: time) }
    }

    /// Interprets a node's directives: Raft messages and replies travel over the network.
    mutating func interpretRaft(_ directives: [RaftDirective], on id: MachineID, trace: inout Trace) {
        let incarnation = machineIndex(id).map { machines[$0].incarnation } ?? 0
        guard let i = dqliteIndex(id) else { return }
        let nodeID = dqliteNodes[i].nodeID
        for directive in directives {
            switch directive {
            case .persist:
                break
            case let .send(target, message):
                guard let to = machine(ofDqliteNode: target) else { continue }
                send(.raft(from: nodeID, message), from: id, to: to, trace: &trace)
            case let .schedule(timer, after):
                queue.schedule(.raftTimer(id, incarnation: incarnation, timer), at: now + after)
            case let .apply(index, payload):
                applyCommitted(payload, index: index, on: id, trace: &trace)
            case let .reply(request, .result(index)):
                // RESULT carries what the leader's execution of the statement reported.
                // Kept (up to the last 256) so that a late copy of the request is still recognised.
                let result = execResults.first { $0.id == request }
                let answer = DqliteAnswer.result(index: index, lastInsertID: result?.lastInsertID ?? 0, rowsAffected: result?.rowsAffected ?? 0)
                send(.dqliteReply(request, answer), from: id, to: Self.dqliteEndpoint(request.client), trace: &trace)
            case let .reply(request, reply):
                send(.dqliteReply(request, .reply(reply)), from: id, to: Self.dqliteEndpoint(request.client), trace: &trace)
            case let .query(request, statement):
                let answer = runQuery(statement, on: id)
                send(.dqliteReply(request, answer), from: id, to: Self.dqliteEndpoint(request.client), trace: &trace)
            case let .trace(line):
                trace.append(at: now, seq: eventCount, "\(id.tag) dqlite: \(line)")
            }
        }
    }

    /// A committed entry reaches this node's database: the applied index is durable in the
    /// node, and the database is built from the log up to it when read (`NodeDatabaseCache`).
    mutating func applyCommitted(_ payload: EntryPayload, index: LogIndex, on id: MachineID, trace: inout Trace) {
        if raftChecker != nil, let i = dqliteIndex(id) {
            raftChecker!.noteApplied(index: index, payload: payload, node: dqliteNodes[i].nodeID, machine: id, at: now)
        }
        if case .command(let statement) = payload {
            // Built only when the trace records (sweeps apply millions of entries unrecorded).
            trace.append(at: now, seq: eventCount,
                         "\(id.tag) dqlite: apply \(index) \(statement.sql.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(80))")
        }
    }

    // MARK: Clients

    /// Dqlite client ids carry the world's client numbers (negative: a machine's agent).
    static func dqliteClientID(_ client: Int) -> UInt64 { UInt64(bitPattern: Int64(client)) }
    static func dqliteEndpoint(_ client: UInt64) -> MachineID { .endpoint(ofClient: Int(Int64(bitPattern: client))) }

    @discardableResult
    mutating func sendDqliteRequest(from client: Int, to target: MachineID, _ request: DqliteRequest, trace: inout Trace) -> DqliteRequestID {
        nextRequestSequence += 1
        let id = DqliteRequestID(client: Self.dqliteClientID(client), sequence: UInt64(nextRequestSequence))
        send(.dqliteRequest(id, request), from: .endpoint(ofClient: client), to: target, trace: &trace)
        return id
    }

    /// Sends a request and runs the world until its answer arrives or `timeout` passes.
    public mutating func callDqlite(from client: Int, to target: MachineID, _ request: DqliteRequest,
                                    timeout: Interval = .seconds(5), trace: inout Trace) -> DqliteAnswer? {
        let id = sendDqliteRequest(from: client, to: target, request, trace: &trace)
        let limit = now + timeout
        nestedCallDepth += 1
        defer { nestedCallDepth -= 1 }
        while !dqliteAnswers.contains(where: { $0.id == id }) {
            guard stepOnce(by: limit, trace: &trace) else {
                run(until: limit, trace: &trace)
                return nil
            }
        }
        let i = dqliteAnswers.firstIndex { $0.id == id }!
        return dqliteAnswers.remove(at: i).answer
    }

    mutating func receiveDqliteAnswer(_ id: DqliteRequestID, _ answer: DqliteAnswer) {
        if dqliteWorkload != nil, receiveDqliteWorkloadAnswer(id, answer) { return }
        dqliteAnswers.append(DqliteAnswerRecord(id: id, answer: answer))
        if dqliteAnswers.count > 64 { dqliteAnswers.removeFirst(dqliteAnswers.count - 64) }
    }

    /// go-dqlite's leader connector (spec §5.3): ask each known address for the leader; an
    /// address answering with itself is the leader, another address is followed once.
    mutating func findDqliteLeader(from client: Int, addresses: [String], trace: inout Trace) -> MachineID? {
        for address in addresses {
            guard let target = machine(ofDqliteAddress: address),
                  case .reply(.server(_, let leader))? = callDqlite(from: client, to: target, .leader, timeout: .seconds(2), trace: &trace),
                  !leader.isEmpty else { continue }
            if leader == address { return target }
            if let redirect = machine(ofDqliteAddress: leader),
               case .reply(.server(_, let confirmed))? = callDqlite(from: client, to: redirect, .leader, timeout: .seconds(2), trace: &trace),
               confirmed == leader { return redirect }
        }
        return nil
    }

    /// DESCRIBE as the leader's probe sees it: a node answers when its process runs and the
    /// link from the prober is up (go-dqlite treats a failed probe as offline).
    func dqliteProbe(_ nodeID: UInt64, from prober: MachineID) -> NodeMetadata? {
        guard let target = machine(ofDqliteNode: nodeID), dqliteNode(on: target)?.node != nil else { return nil }
        guard target == prober || (!network.isCut(Link(from: prober, to: target)) && !network.isCut(Link(from: target, to: prober))) else { return nil }
        return NodeMetadata()
    }

    // MARK: The go-dqlite app loop (role management)

    mutating func scheduleDqliteApp(on id: MachineID, after delay: Interval) {
        guard let i = dqliteIndex(id), let incarnation = aliveIncarnation(id) else { return }
        dqliteNodes[i].appGeneration += 1
        queue.schedule(.dqliteApp(id, incarnation: incarnation, generation: dqliteNodes[i].appGeneration), at: now + delay)
    }

    /// One pass of go-dqlite's `run()` (spec §4.3): find the leader, join if needed, refresh
    /// cluster.yaml, then either promote ourselves (first pass) or, as leader, adjust roles.
    mutating func runDqliteApp(on id: MachineID, incarnation: Int, generation: Int, trace: inout Trace) {
        guard runningIncarnation(id) == incarnation, let i = dqliteIndex(id), dqliteNodes[i].appGeneration == generation else { return }
        // A pass waits on requests, running the world meanwhile; one inside another's wait is
        // put off, so waits never nest deeper than a few levels.
        guard nestedCallDepth < World.maxNestedCalls else { return scheduleDqliteApp(on: id, after: RolesOptions.retryDelay) }
        let delay = dqliteAppPass(on: id, trace: &trace) ? RolesOptions().rolesAdjustmentFrequency : RolesOptions.retryDelay
        // The process may have been paused while the pass waited on the network; its next pass
        // is then held until it resumes. Only a crash or a restart (a new incarnation) ends the loop.
        if aliveIncarnation(id) == incarnation, let j = dqliteIndex(id), dqliteNodes[j].appGeneration == generation {
            scheduleDqliteApp(on: id, after: delay)
        }
    }

    private mutating func dqliteAppPass(on id: MachineID, trace: inout Trace) -> Bool {
        let client = MachineID.agentClient(of: id)
        guard let hosted = dqliteNode(on: id),
              let leader = findDqliteLeader(from: client, addresses: hosted.clusterStore, trace: &trace) else { return false }
        if hosted.joining {
            guard case .reply(.empty)? = callDqlite(from: client, to: leader, .add(id: hosted.nodeID, address: hosted.bindAddress), trace: &trace) else {
                trace.append(at: now, seq: eventCount, "\(id.tag) dqlite app: join cluster failed")
                return false
            }
            if let i = dqliteIndex(id) { dqliteNodes[i].joining = false }
        }
        guard case .reply(.servers(let servers))? = callDqlite(from: client, to: leader, .cluster(format: 1), trace: &trace) else { return false }
        guard let i = dqliteIndex(id) else { return false }
        if !servers.isEmpty { dqliteNodes[i].clusterStore = servers.map(\.address) }
        let metadata = Dictionary(uniqueKeysWithValues: servers.compactMap { s in dqliteProbe(s.id, from: leader).map { (s.id, $0) } })
        let changes = RolesChanges(nodes: servers, metadata: metadata)
        let assignments: [RoleAssignment]
        if !dqliteNodes[i].ready {
            assignments = changes.maybePromoteOurselves(dqliteNodes[i].nodeID)
        } else if leader == id {
            assignments = changes.maybeAdjustRoles(leader: dqliteNodes[i].nodeID)
        } else {
            assignments = []
        }
        for assignment in assignments {
            let reply = callDqlite(from: client, to: leader, .assign(id: assignment.nodeID, role: assignment.role), timeout: .seconds(60), trace: &trace)
            trace.append(at: now, seq: eventCount, "\(id.tag) dqlite app: \(assignment) → \(reply.map { "\($0)" } ?? "no answer")")
            guard case .reply(.empty)? = reply else { return false }
        }
        if let j = dqliteIndex(id), !dqliteNodes[j].ready {
            dqliteNodes[j].ready = true
            agentLog(id, module: "juju.worker.dbaccessor", location: "worker.go:451", "serving Dqlite application (ID: \(dqliteNodes[j].nodeID))", trace: &trace)
            recordControllerNode(id, leader: leader, trace: &trace)
        }
        return true
    }
}

/// An answer waiting for the command that asked for it.
public struct DqliteAnswerRecord: Codable, Sendable, Equatable {
    public var id: DqliteRequestID
    public var answer: DqliteAnswer
}

extension World {
    /// The newest configuration any node holds (the leader's, when there is one).
    public var dqliteConfiguration: RaftConfiguration? {
        if let leader = dqliteLeaderHosted?.node { return leader.configuration }
        return dqliteNodes.compactMap { $0.node }.max { $0.configurationIndex < $1.configurationIndex }?.configuration
    }

    /// Voters up (node running and reachable by a majority is not required: up means its
    /// process runs) against the voters of the configuration.
    public var dqliteQuorumSummary: QuorumSummary? {
        guard let configuration = dqliteConfiguration, !configuration.isEmpty else { return nil }
        let voters = configuration.voterIDs
        let up = voters.filter { id in machine(ofDqliteNode: id).flatMap { dqliteNode(on: $0)?.node } != nil }
        return QuorumSummary(votersUp: up.count, voters: voters.count)
    }
}
