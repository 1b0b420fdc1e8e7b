import BSON
import HACore
import ReplicaSet

/// A state server's `mongod`: the member while its process runs, its disk while it does not.
public struct HostedMember: Codable, Sendable {
    public let machine: MachineID
    public internal(set) var member: ReplicaSetMember?
    /// What survives a crash; read back when the process restarts.
    public internal(set) var disk = DurableState()

    /// The member's durable state, from the running process or from disk.
    public var durable: DurableState { member?.durable ?? disk }
}

extension MachineID {
    /// Client endpoints (operators, the Juju layer's API connections, workloads) are numbered
    /// from 1000 so they share the network with machines without being machines.
    public static func client(_ n: Int) -> MachineID { MachineID(1_000 + n) }
    public var isClient: Bool { number >= 1_000 }
    public var clientNumber: Int { number - 1_000 }
    /// Where a client number lives: numbers from 0 are client endpoints; a machine's own
    /// agent uses `agentClient(of:)`, so its traffic leaves from (and returns to) the machine.
    public static func endpoint(ofClient client: Int) -> MachineID { client < 0 ? MachineID(-client - 1) : .client(client) }
    public static func agentClient(of machine: MachineID) -> Int { -machine.number - 1 }

    /// The endpoint of world-level activities (workload, nemesis), never paused or partitioned.
    static let driverEndpoint = MachineID(999)

    /// `host:port` of the machine's mongod (Juju's state port).
    public var mongoHost: String { "\(address):37017" }

    /// Reads `127.0.0.N:port` back to machine N - 10; runs on every message, so it scans bytes.
    public init?(mongoHost: String) {
        var octet = 0, digits = 0
        for byte in mongoHost.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                octet = octet * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: "."):
                octet = 0
                digits = 0
            case UInt8(ascii: ":"):
                guard digits > 0, octet >= 10 else { return nil }
                self.init(octet - 10)
                return
            default:
                return nil
            }
        }
        return nil
    }
}

/// A request a client sent and is still waiting on.
public struct PendingRequest: Codable, Sendable, Equatable {
    public var id: ClientRequestID
    public var target: MachineID
    public var command: String
    public var sentAt: Instant
}

/// A reply a client received.
public struct ClientResponse: Codable, Sendable, Equatable {
    public var id: ClientRequestID
    public var from: MachineID
    public var reply: Document
    public var receivedAt: Instant
}

extension World {
    public func hostedMember(on id: MachineID) -> HostedMember? { members.first { $0.machine == id } }
    public func member(on id: MachineID) -> ReplicaSetMember? { hostedMember(on: id)?.member }

    private func memberIndex(_ id: MachineID) -> Int? { members.firstIndex { $0.machine == id } }

    /// Whether the machine runs a replica-set member: state servers of a legacy environment.
    func runsMongod(_ id: MachineID) -> Bool {
        config.flavor == .legacy && machine(id)?.isController == true
    }

    /// The machine's processes (re)started: its mongod starts from what its disk holds.
    mutating func processStarted(_ id: MachineID, trace: inout Trace) {
        if runsDqlite(id) { return dqliteProcessStarted(id, trace: &trace) }
        guard runsMongod(id), let m = machine(id) else { return }
        if memberIndex(id) == nil {
            members.append(HostedMember(machine: id))
            members.sort { $0.machine < $1.machine }
        }
        let i = memberIndex(id)!
        var member = ReplicaSetMember(host: id.mongoHost, durable: members[i].disk, seed: config.seed, incarnation: m.incarnation)
        let directives = member.onStart(now: now)
        let fresh = members[i].disk.config == nil
        members[i].member = member
        interpret(directives, from: id, trace: &trace)
        if config.initiateReplicaSet { startPeergrouper(on: id) }
        // Juju's bootstrap initiates the replica set on machine 0 with itself as the only member.
        if config.initiateReplicaSet, id == 0, fresh, !bootstrapInitiated {
            bootstrapInitiated = true
            let initiate = JujuReplicaSet.initiateDocument(host: id.mongoHost, machineId: id.description)
            sendRequest(from: 0, to: id, database: "admin", command: ["replSetInitiate": .document(initiate)], trace: &trace)
        }
    }

    /// The process died: memory is gone, the disk keeps the durable state.
    mutating func processDied(_ id: MachineID, trace: inout Trace) {
        if runsDqlite(id) { return dqliteProcessDied(id) }
        guard let i = memberIndex(id), let member = members[i].member else { return }
        members[i].disk = member.durable
        members[i].member = nil
    }

    mutating func wipeDisk(_ id: MachineID, trace: inout Trace) {
        if runsDqlite(id) { return wipeDqliteDisk(id, trace: &trace) }
        guard let i = memberIndex(id) else { return }
        members[i].disk = DurableState()
        trace.append(at: now, seq: eventCount, "\(id.tag) mongod data lost")
    }

    /// Applies an event to a running member and interprets what it asks for.
    mutating func withMember(_ id: MachineID, trace: inout Trace, _ body: (inout ReplicaSetMember) -> [MemberDirective]) {
        guard let i = memberIndex(id), members[i].member != nil else { return }
        let directives = body(&members[i].member!)
        interpret(directives, from: id, trace: &trace)
    }

    mutating func fireMemberTimer(_ timer: MemberTimer, on id: MachineID, incarnation: Int, trace: inout Trace) {
        guard runningIncarnation(id) == incarnation else { return }
        let time = now
        withMember(id, trace: &trace) { m in
            switch timer {
            case .heartbeat: return m.onHeartbeatTimer(now: time)
            case .electionTimeout(let g): return m.onElectionTimer(generation: g, now: time)
            case .priorityTakeover(let g): return m.onPriorityTakeoverTimer(generation: g, now: time)
            case .fetch(let g): return m.onFetchTimer(generation: g, now: time)
            case .writeConcernTimeout(let r): return m.onWriteConcernTimer(request: r, now: time)
            case .electionRound(let g): return m.onElectionRoundTimer(generation: g, now: time)
            case .stepDownWait(let r): return m.onStepDownWaitTimer(request: r, now: time)
            }
        }
    }

    mutating func deliverToMember(_ message: RSMessage, from sender: MachineID, at id: MachineID, trace: inout Trace) {
        let time = now
        withMember(id, trace: &trace) { m in
            switch message {
            case .heartbeat(let r): return m.onHeartbeat(r, now: time)
            case .heartbeatResponse(let r): return m.onHeartbeatResponse(r, now: time)
            case .requestVotes(let r): return m.onRequestVotes(r, now: time)
            case .voteResponse(let r): return m.onVoteResponse(r, now: time)
            case .fetchOplog(let r): return m.onFetchRequest(r, now: time)
            case .oplogBatch(let r): return m.onOplogBatch(r, now: time)
            case .updatePosition(let r): return m.onUpdatePosition(r, now: time)
            case .stepUp(let term): return m.onStepUpRequest(term: term, now: time)
            }
        }
    }

    mutating func deliverRequest(_ request: ClientRequest, at id: MachineID, trace: inout Trace) {
        let time = now
        withMember(id, trace: &trace) { $0.onCommand(request, now: time) }
    }

    /// Interprets a member's directives: messages travel over the simulated network.
    mutating func interpret(_ directives: [MemberDirective], from id: MachineID, trace: inout Trace) {
        let incarnation = machineIndex(id).map { machines[$0].incarnation } ?? 0
        for directive in directives {
            switch directive {
            case let .send(host, message):
                guard let target = MachineID(mongoHost: host) else { continue }
                send(.replicaSet(message), from: id, to: target, trace: &trace)
            case let .reply(request, document):
                send(.response(request, document), from: id, to: .endpoint(ofClient: request.client), trace: &trace)
            case let .schedule(timer, after):
                queue.schedule(.memberTimer(id, incarnation: incarnation, timer), at: now + after)
            case .persist:
                break
            case let .log(line):
                trace.append(at: now, seq: eventCount, "\(id.tag) mongod: \(line)")
                if agentLoggingEnabled { agentNotices(mongodLine: line, on: id, trace: &trace) }
            }
        }
    }

    /// A client sends a command to a machine's mongod; the reply arrives as a `ClientResponse`.
    @discardableResult
    public mutating func sendRequest(from client: Int, to target: MachineID, database: String, command: Document,
                                     secondaryOk: Bool = false, trace: inout Trace) -> ClientRequestID {
        nextRequestSequence += 1
        let id = ClientRequestID(client: client, sequence: nextRequestSequence)
        let request = ClientRequest(id: id, database: database, command: command, secondaryOk: secondaryOk)
        pendingRequests.append(PendingRequest(id: id, target: target, command: request.name, sentAt: now))
        send(.request(request), from: .endpoint(ofClient: client), to: target, trace: &trace)
        return id
    }

    mutating func receiveAtClient(_ envelope: Envelope, trace: inout Trace) {
        guard case let .response(id, document) = envelope.message,
              let i = pendingRequests.firstIndex(where: { $0.id == id }) else { return }
        pendingRequests.remove(at: i)
        let response = ClientResponse(id: id, from: envelope.from, reply: document, receivedAt: now)
        if id.client == WorkloadClient.clientNumber, workload != nil {
            workload!.onResponse(response, world: self)
        } else {
            responses.append(response)
            // Nobody collects replies older than the last few commands.
            if responses.count > 64 { responses.removeFirst(responses.count - 64) }
        }
    }

    /// Sends a command and runs the world until its reply arrives or `timeout` passes; how a
    /// command-line operation talks to the database. `onStep` sees the world after every event
    /// (seed sweeps and scenarios check invariants there).
    public mutating func call(from client: Int, to target: MachineID, database: String, command: Document, secondaryOk: Bool = false,
                              timeout: Interval = .seconds(30), trace: inout Trace, onStep: (World) -> Void = { _ in }) -> Document? {
        let id = sendRequest(from: client, to: target, database: database, command: command, secondaryOk: secondaryOk, trace: &trace)
        let limit = now + timeout
        while !responses.contains(where: { $0.id == id }) {
            guard stepOnce(by: limit, trace: &trace) else {
                run(until: limit, trace: &trace)
                pendingRequests.removeAll { $0.id == id }
                return nil
            }
            onStep(self)
        }
        return takeResponse(id)?.reply
    }

    /// Takes the reply to `id` if it has arrived.
    public mutating func takeResponse(_ id: ClientRequestID) -> ClientResponse? {
        guard let i = responses.firstIndex(where: { $0.id == id }) else { return nil }
        return responses.remove(at: i)
    }
}

extension RSMessage {
    var traceName: String {
        switch self {
        case .heartbeat: return "replSetHeartbeat"
        case .heartbeatResponse: return "replSetHeartbeat reply"
        case .requestVotes(let r): return "replSetRequestVotes\(r.dryRun ? " dryRun" : "") term \(r.term)"
        case .voteResponse(let r): return "replSetRequestVotes reply \(r.voteGranted ? "yes" : "no") term \(r.term)"
        case .fetchOplog: return "oplog fetch"
        case .oplogBatch(let r): return "oplog batch of \(r.entries.count)"
        case .updatePosition: return "replSetUpdatePosition"
        case .stepUp: return "replSetStepUp"
        }
    }
}

extension MemberTimer {
    var traceName: String {
        switch self {
        case .heartbeat: return "heartbeat"
        case .electionTimeout: return "election-timeout"
        case .priorityTakeover: return "priority-takeover"
        case .fetch: return "fetch"
        case .writeConcernTimeout(let r): return "wtimeout \(r)"
        case .electionRound: return "election-round"
        case .stepDownWait(let r): return "stepdown-wait \(r)"
        }
    }
}
