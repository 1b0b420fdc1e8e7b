import HACore
import ModernJuju
import RaftCluster
import ReplicaSet

/// A controller's singular-controller lease worker and whether it currently holds the lease.
public struct HostedLeaseWorker: Codable, Sendable {
    public let machine: MachineID
    public internal(set) var worker: SingularLeaseWorker
    var generation = 0

    public var runsSingularWorkers: Bool { worker.runsSingularWorkers }
}

/// Singular workers in the modern flavor (spec §6.4, DESIGN §4): every controller tries to claim
/// the `singular-controller` lease in the controller database (60 s, renewed every 30 s); only
/// the holder runs the provisioner, and when it dies another claims the lease once it expires.
extension World {
    /// The controller whose lease worker holds the lease (and so runs the singular workers).
    public var singularHolder: MachineID? { leaseWorkers.first { $0.runsSingularWorkers }?.machine }

    func leaseWorkerIndex(_ id: MachineID) -> Int? { leaseWorkers.firstIndex { $0.machine == id } }

    /// The controller agent started: a fresh lease worker (what it held died with the process).
    mutating func startLeaseWorker(on id: MachineID) {
        var generator = config.seed.generator("lease-worker/\(id.tag)/\(machine(id)?.incarnation ?? 0)")
        let settings = SingularLeaseSettings(epochUnixMicros: MemberSettings().epochMillis * 1_000)
        let worker = SingularLeaseWorker(holder: id.description, modelUUID: environmentUUID, leaseName: controllerUUID,
                                         settings: settings, rng: SplitMix64(seed: generator.next()))
        if let i = leaseWorkerIndex(id) {
            leaseWorkers[i].worker = worker
            leaseWorkers[i].generation += 1
        } else {
            leaseWorkers.append(HostedLeaseWorker(machine: id, worker: worker))
            leaseWorkers.sort { $0.machine < $1.machine }
        }
        scheduleLeaseTick(on: id, at: now)
    }

    mutating func stopLeaseWorker(on id: MachineID) {
        guard let i = leaseWorkerIndex(id) else { return }
        _ = leaseWorkers[i].worker.onStop()
        leaseWorkers[i].generation += 1
    }

    private mutating func scheduleLeaseTick(on id: MachineID, at time: Instant) {
        guard let i = leaseWorkerIndex(id), let incarnation = runningIncarnation(id) else { return }
        queue.schedule(.leaseTick(id, incarnation: incarnation, generation: leaseWorkers[i].generation), at: max(time, now))
    }

    mutating func runLeaseWorker(on id: MachineID, incarnation: Int, generation: Int, trace: inout Trace) {
        guard runningIncarnation(id) == incarnation, let i = leaseWorkerIndex(id), leaseWorkers[i].generation == generation else { return }
        guard nestedCallDepth < World.maxNestedCalls else { return scheduleLeaseTick(on: id, at: now + .seconds(1)) }
        flushHeldLogLines(at: id, trace: &trace)
        let time = now
        var pending = leaseWorkers[i].worker.onTick(now: time)
        // Each statement's answer feeds the worker, which may ask for more (a claim after expiry).
        var rounds = 0
        while !pending.isEmpty, rounds < 8 {
            rounds += 1
            var next: [LeaseDirective] = []
            for directive in pending {
                next += perform(directive, on: id, trace: &trace)
            }
            pending = next
        }
        if let j = leaseWorkerIndex(id), leaseWorkers[j].generation == generation, let deadline = leaseWorkers[j].worker.nextDeadline {
            scheduleLeaseTick(on: id, at: max(deadline, now + .milliseconds(100)))
        }
    }

    private mutating func perform(_ directive: LeaseDirective, on id: MachineID, trace: inout Trace) -> [LeaseDirective] {
        switch directive {
        case .setFlag(let holds):
            trace.append(at: now, seq: eventCount, "\(id.tag) singular: \(holds ? "holds" : "lost") the singular-controller lease")
            agentLog(id, module: "juju.worker.singular", location: "flag.go:98", level: holds ? .info : .warning,
                     holds ? "this controller now runs the singular workers" : "singular-controller lease lost; stopping singular workers",
                     trace: &trace)
            return []
        case .expireLeases(let statement):
            _ = execOnLeader(statement, from: id, trace: &trace)
            return []
        case .claim(let statement):
            let answer = execOnLeader(statement, from: id, trace: &trace)
            guard let i = leaseWorkerIndex(id) else { return [] }
            switch answer {
            case .result?: return leaseWorkers[i].worker.onClaimResult(.claimed, now: now)
            case .reply(.failure(let f))? where f.code & 0xff == 19: return leaseWorkers[i].worker.onClaimResult(.held, now: now)
            default: return leaseWorkers[i].worker.onRequestFailed(now: now)
            }
        case .extend(let statement):
            let answer = execOnLeader(statement, from: id, trace: &trace)
            guard let i = leaseWorkerIndex(id) else { return [] }
            if case let .result(_, _, rows)? = answer { return leaseWorkers[i].worker.onExtendResult(rowsAffected: Int(rows), now: now) }
            return leaseWorkers[i].worker.onRequestFailed(now: now)
        }
    }

    /// An EXEC from a controller's agent, through whichever node leads.
    private mutating func execOnLeader(_ statement: SQLStatement, from id: MachineID, trace: inout Trace) -> DqliteAnswer? {
        let client = MachineID.agentClient(of: id)
        let addresses = dqliteNode(on: id)?.clusterStore ?? []
        guard let leader = findDqliteLeader(from: client, addresses: addresses, trace: &trace) else { return nil }
        return callDqlite(from: client, to: leader, .execSQL(statement), timeout: .seconds(10), trace: &trace)
    }
}
