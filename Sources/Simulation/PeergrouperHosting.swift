import BSON
import HACore
import LegacyJuju
import ReplicaSet

/// The peergrouper worker of one state server's agent (Juju 1.20 runs one on every state
/// server): its retry schedule, and a generation so a rescheduled pass replaces the pending one.
public struct PeergrouperWorker: Codable, Sendable {
    public let machine: MachineID
    var schedule = Peergrouper.Schedule()
    var generation = 0
    var running = false
    public internal(set) var lastError: String?
}

extension World {
    private func peergrouperIndex(_ id: MachineID) -> Int? { peergroupers.firstIndex { $0.machine == id } }

    /// The agent (re)started: its peergrouper starts afresh and makes a first pass.
    mutating func startPeergrouper(on id: MachineID) {
        if peergrouperIndex(id) == nil { peergroupers.append(PeergrouperWorker(machine: id)) }
        let i = peergrouperIndex(id)!
        peergroupers[i].schedule = Peergrouper.Schedule()
        schedulePeergrouper(i, after: .seconds(1))
    }

    private mutating func schedulePeergrouper(_ i: Int, after delay: Interval) {
        peergroupers[i].generation += 1
        let id = peergroupers[i].machine
        queue.schedule(.peergrouper(id, incarnation: machine(id)?.incarnation ?? 0, generation: peergroupers[i].generation), at: now + delay)
    }

    /// Something the peergroupers watch changed: every running one makes a pass now.
    mutating func pokePeergroupers() {
        for i in peergroupers.indices where machine(peergroupers[i].machine)?.isRunning == true {
            schedulePeergrouper(i, after: .zero)
        }
    }

    mutating func runPeergrouper(on id: MachineID, incarnation: Int, generation: Int, trace: inout Trace) {
        guard let i = peergrouperIndex(id), peergroupers[i].generation == generation, !peergroupers[i].running,
              machine(id)?.incarnation == incarnation, machine(id)?.isRunning == true else { return }
        peergroupers[i].running = true
        let outcome = peergrouperPass(on: id, trace: &trace)
        let j = peergrouperIndex(id)!
        peergroupers[j].running = false
        // A pass takes simulated time; the agent may have died during it.
        guard machine(id)?.incarnation == incarnation, machine(id)?.isRunning == true else { return }
        switch peergroupers[j].schedule.passFinished(outcome) {
        case .runAfter(let delay): schedulePeergrouper(j, after: delay)
        case .keepTimer: break
        case .stopWorker:
            // The agent's runner restarts a worker that died.
            peergroupers[j].schedule = Peergrouper.Schedule()
            schedulePeergrouper(j, after: .seconds(3))
        }
    }

    /// One pass (§3.3–§3.4): read the replica set and the state-server documents through the
    /// primary, compute the desired peer group, then set `hasvote`, reconfigure, clear `hasvote`.
    mutating func peergrouperPass(on id: MachineID, trace: inout Trace) -> Peergrouper.Schedule.PassOutcome {
        // The agent's own database session: a partition between it and the primary cuts it off.
        let client = MachineID.agentClient(of: id)
        guard let primary = primaryMachine else { return note(id, "cannot get replica set status: no reachable servers", .failed, &trace) }
        guard let status = call(from: client, to: primary, database: "admin", command: ["replSetGetStatus": .int32(1)], trace: &trace),
              let configReply = call(from: client, to: primary, database: "admin", command: ["replSetGetConfig": .int32(1)], trace: &trace),
              case .document(let configDoc)? = configReply["config"],
              case .objectID(let setID)? = configDoc["settings"]?.documentValue?["replicaSetId"],
              let current = try? ReplSetConfig(document: configDoc, replicaSetId: setID),
              let docs = find("machines", on: primary, trace: &trace),
              let servers = find("stateServers", on: primary, trace: &trace) else {
            return note(id, "cannot read the replica set or the state: no reachable servers", .failed, &trace)
        }
        let e = servers.first { $0["machineids"] != nil }
        let ids = (e?["machineids"]?.arrayValue ?? []).compactMap(\.stringValue)
        var hasVote: [String: Bool] = [:]
        var documentID: [String: Value] = [:]
        var tracked: [Peergrouper.Machine] = []
        for doc in docs {
            guard let machineID = (doc["machineid"] ?? doc["_id"])?.stringValue, ids.contains(machineID) else { continue }
            let jobs = (doc["jobs"]?.arrayValue ?? []).compactMap(\.int64Value)
            let wants = jobs.contains(Int64(MachineJob.manageEnviron.rawValue)) && !(doc["novote"]?.boolValue ?? false)
            let running = MachineID(parsing: machineID).flatMap { machine($0) }?.instanceRunning ?? false
            let address = MachineID(parsing: machineID).map(\.mongoHost) ?? ""
            tracked.append(Peergrouper.Machine(id: machineID, wantsVote: wants, peerHostPort: running ? address : ""))
            hasVote[machineID] = doc["hasvote"]?.boolValue ?? false
            documentID[machineID] = doc["_id"]
        }
        let desired: Peergrouper.PeerGroup
        do {
            desired = try Peergrouper.desiredPeerGroup(machines: tracked, members: current.members,
                                                        statuses: Peergrouper.memberStatuses(replSetGetStatus: status))
        } catch {
            return note(id, "peergrouper: \(error)", .fatal, &trace)
        }
        guard publishAPIHostPorts(tracked, stored: servers, from: client, on: primary, trace: &trace) else {
            return note(id, "cannot publish API server addresses", .failed, &trace)
        }
        let plan = Peergrouper.updateReplicaset(desired: desired, hasVote: hasVote, current: current)
        for step in plan.steps {
            guard perform(step, from: client, on: primary, documentIDs: documentID, trace: &trace) else {
                for revert in plan.revertOnReconfigFailure { _ = perform(revert, from: client, on: primary, documentIDs: documentID, trace: &trace) }
                return note(id, "cannot set replicaset", .failed, &trace)
            }
        }
        if let i = peergrouperIndex(id) { peergroupers[i].lastError = nil }
        if plan.reconfig != nil {
            trace.append(at: now, seq: eventCount, "\(id.tag) peergrouper: replica set reconfigured, voting \(desired.voting)")
            agentLog(id, module: "juju.worker.peergrouper", location: "worker.go:258",
                     "replica set members changed; voting machines: \(desired.voting.filter(\.voting).map(\.machineId).joined(separator: ", "))",
                     trace: &trace)
        }
        return .succeeded
    }

    private mutating func perform(_ step: Peergrouper.UpdateStep, from client: Int, on primary: MachineID,
                                  documentIDs: [String: Value], trace: inout Trace) -> Bool {
        let command: Document
        let database: String
        switch step {
        case let .setHasVote(machineID, vote):
            guard let docID = documentIDs[machineID] else { return false }
            let statement: Document = ["q": .document(["_id": docID]), "u": .document(["$set": .document(["hasvote": .bool(vote)])])]
            command = ["update": .string("machines"), "updates": .array([.document(statement)]),
                       "writeConcern": .document(["w": .string("majority"), "wtimeout": .int32(30_000)])]
            database = "juju"
        case let .replSetReconfig(reconfig):
            return reconfigure(to: reconfig, from: client, on: primary, trace: &trace)
        }
        guard let reply = call(from: client, to: primary, database: database, command: command, trace: &trace) else { return false }
        return reply["ok"]?.doubleValue == 1 && reply["writeConcernError"] == nil
    }

    /// `replicaset.Set` against a MongoDB that allows one voter change per reconfig (4.4+): the
    /// target is reached one voter at a time, each step waiting for the previous config to be
    /// committed, as Juju's later replicaset library does.
    private mutating func reconfigure(to target: Peergrouper.Reconfig, from client: Int, on primary: MachineID, trace: inout Trace) -> Bool {
        var members = target.members.map { m -> MemberConfig in
            // Structural changes first; every vote change is deferred to its own step.
            var first = m
            let before = currentMember(m.id, on: primary)
            first.votes = before?.votes ?? 0
            first.priority = before.map { $0.votes == 0 ? 0 : $0.priority } ?? 0
            return first
        }
        var version = target.version
        guard apply(members, version: version, setName: target.setName, from: client, on: primary, trace: &trace) else { return false }
        for (index, wanted) in target.members.enumerated() where members[index].votes != wanted.votes || members[index].priority != wanted.priority {
            members[index] = wanted
            version += 1
            guard apply(members, version: version, setName: target.setName, from: client, on: primary, trace: &trace) else { return false }
        }
        return true
    }

    private func currentMember(_ id: Int, on primary: MachineID) -> MemberConfig? {
        member(on: primary)?.config?.members.first { $0.id == id }
    }

    private mutating func apply(_ members: [MemberConfig], version: Int, setName: String, from client: Int, on primary: MachineID,
                                trace: inout Trace) -> Bool {
        if member(on: primary)?.config?.members == members { return true }
        let command = Peergrouper.Reconfig(setName: setName, version: version, members: members).command
        for _ in 0..<30 {
            guard let reply = call(from: client, to: primary, database: "admin", command: command, trace: &trace) else { return false }
            if reply["ok"]?.doubleValue == 1 { return true }
            // The previous config is not on a majority yet: heartbeats carry it within seconds.
            guard reply["code"]?.int64Value == 308 else {
                trace.append(at: now, seq: eventCount, "replSetReconfig refused: \(reply["errmsg"]?.stringValue ?? "")")
                return false
            }
            run(until: now + .seconds(1), trace: &trace)
        }
        return false
    }

    private mutating func note(_ id: MachineID, _ text: String, _ outcome: Peergrouper.Schedule.PassOutcome,
                               _ trace: inout Trace) -> Peergrouper.Schedule.PassOutcome {
        if let i = peergrouperIndex(id) { peergroupers[i].lastError = text }
        trace.append(at: now, seq: eventCount, "\(id.tag) \(text)")
        return outcome
    }

    /// §3.9: every tracked state server's address with the API port goes to the `apiHostPorts`
    /// document when it differs from what is stored; agents find the API servers there.
    private mutating func publishAPIHostPorts(_ tracked: [Peergrouper.Machine], stored servers: [Document], from client: Int,
                                              on primary: MachineID, trace: inout Trace) -> Bool {
        let addresses = tracked.compactMap { m -> Peergrouper.MachineAddresses? in
            guard let id = MachineID(parsing: m.id), machine(id)?.instanceRunning == true else { return nil }
            return Peergrouper.MachineAddresses(machineId: m.id, addresses: [
                Peergrouper.Address(value: id.address, type: .ipv4, networkScope: .cloudLocal),
            ])
        }
        let value = Peergrouper.apiHostPorts(machines: addresses, apiPort: 17070, published: nil).value
        guard let doc = servers.first(where: { ($0["_id"]?.stringValue ?? "").hasSuffix("apiHostPorts") }), let docID = doc["_id"] else {
            return true
        }
        if doc["apihostports"] == value { return true }
        let statement: Document = ["q": .document(["_id": docID]), "u": .document(["$set": .document(["apihostports": value])])]
        let command: Document = ["update": .string("stateServers"), "updates": .array([.document(statement)]),
                                 "writeConcern": .document(["w": .string("majority"), "wtimeout": .int32(30_000)])]
        guard let reply = call(from: client, to: primary, database: "juju", command: command, trace: &trace) else { return false }
        return reply["ok"]?.doubleValue == 1
    }
}
