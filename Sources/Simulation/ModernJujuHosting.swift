import HACore
import ModernJuju
import RaftCluster

/// The Dqlite-era Juju layer on top of the Dqlite cluster: enable-ha decides with Juju's rules,
/// the provisioner (a singular worker on the leader's controller) starts the new machines, and
/// each new controller's dbaccessor joins its node to the cluster.
extension World {
    /// Juju-level HA membership as the controller knows it (DESIGN §4).
    public var controllerMembership: ControllerMembership {
        let controllers = machines.filter(\.isController).map { m in
            ControllerMachine(id: m.id, instanceID: m.instanceID ?? "", wantsVote: m.wantsVote, hasVote: m.hasVote,
                              agentDown: m.instanceID != nil && !agentAlive(m.id))
        }
        let others = machines.filter { !$0.isController }.map(\.id)
        return ControllerMembership(controllers: controllers, otherMachines: others, nextMachineNumber: nextMachineNumber)
    }

    /// `juju enable-ha`: the client's checks, then the server's decision, which needs the
    /// controller database (a Dqlite leader) to be recorded.
    mutating func enableHA(_ arguments: [String], trace: inout Trace) -> InputOutcome {
        let parsed: EnableHAArguments
        do {
            parsed = try EnableHAArguments.parse(arguments)
        } catch {
            return .failed("\(error)", hints: [])
        }
        guard let leader = dqliteLeaderMachine,
              case .reply(.server)? = callDqlite(from: World.apiClient, to: leader, .leader, trace: &trace) else {
            return .failed("no Dqlite leader: the controller database cannot be written", hints: dqliteQuorumHints)
        }
        var membership = controllerMembership
        let plan: EnableHAPlan
        do {
            plan = try membership.enableHA(numControllers: parsed.numControllers, placement: parsed.placement)
        } catch {
            return .failed("\(error)", hints: [])
        }
        for id in plan.changes.converted {
            mutate(id) { $0.jobs = ($0.jobs + [.manageEnviron]).sorted(); $0.wantsVote = true }
        }
        for new in plan.newMachines {
            let added = addMachine(jobs: [.manageEnviron])
            precondition(added == new.id, "machine sequence out of step: plan \(new.id), world \(added)")
            mutate(added) { $0.wantsVote = true }
        }
        if !plan.newMachines.isEmpty {
            let master = singularHolder ?? leader
            queue.schedule(.provisioner(master, incarnation: machine(master)?.incarnation ?? 0), at: now + .seconds(1))
        }
        settleControllerVotes()
        return .output(formatEnableHA(plan.changes, format: parsed.format))
    }

    /// The peergrouper's verdict on Juju-level votes: odd voters, a hot stand-by otherwise.
    mutating func settleControllerVotes() {
        var membership = controllerMembership
        membership.settleVotes()
        for controller in membership.controllers {
            mutate(controller.id) { $0.hasVote = controller.hasVote }
        }
    }

    /// Quorum's explanation when the Dqlite cluster has no leader, for stderr.
    var dqliteQuorumHints: [String] {
        guard let q = dqliteQuorumSummary else { return [] }
        return ["quorum lost: \(q.votersUp) of \(q.voters) Dqlite voters are up, \(q.needed) are needed to elect a leader",
                "restore a backup into a new controller (restore-backup), or remove the lost controllers with"
                    + " remove-machine --force so that dbaccessor's back-stop makes the last one a lone voter"]
    }

    /// When a second controller publishes its address, a loopback-bound bootstrap node rebinds
    /// to its cloud-local address (spec §3.4): the configuration is recovered with the new
    /// address and the node restarts there.
    mutating func rebindLoopbackNodes(trace: inout Trace) {
        guard dbBindAddresses.count > 1 else { return }
        for i in dqliteNodes.indices where dqliteNodes[i].bindAddress.hasPrefix("127.0.0.1:") {
            let id = dqliteNodes[i].machine
            // The charm has not published this controller's own address: it stays on loopback.
            guard let ip = dbBindIP(id) else { continue }
            let newAddress = "\(ip):\(Self.dqlitePort)"
            let running = dqliteNodes[i].node != nil
            if running { dqliteProcessDied(id) }
            guard var durable = dqliteNodes[i].disk,
                  var configuration = durable.log.entries.last(where: { $0.payload.configuration != nil })?.payload.configuration,
                  configuration.servers.count == 1 else { continue }
            configuration = RaftConfiguration([DqliteNode(id: dqliteNodes[i].nodeID, address: newAddress, role: .voter)])
            durable.recover(configuration)
            dqliteNodes[i].disk = durable
            dqliteNodes[i].bindAddress = newAddress
            dqliteNodes[i].clusterStore = [newAddress]
            trace.append(at: now, seq: eventCount, "\(id.tag) dbaccessor: rebinding Dqlite node to \(newAddress)")
            agentLog(id, module: "juju.worker.dbaccessor", location: "worker.go:612", "rebinding Dqlite node to \(newAddress)", trace: &trace)
            if running { dqliteProcessStarted(id, trace: &trace) }
        }
    }
}

extension World {
    /// `juju remove-machine -m controller ID`: the machine's agent stops gracefully (its Dqlite
    /// node hands its role over, spec §3.5, §4.7), the node leaves the cluster (REMOVE), the
    /// instance stops, and the Juju-level votes settle (an even count leaves a hot stand-by).
    mutating func removeMachines(_ ids: [String], force: Bool = false, trace: inout Trace) -> InputOutcome {
        var membership = controllerMembership
        var parsed: [MachineID] = []
        for text in ids {
            guard let id = MachineID(parsing: text), machine(id) != nil else { return .failed("machine \(text) not found", hints: []) }
            do {
                try membership.removeMachine(id)
            } catch {
                return .failed("\(error)", hints: [])
            }
            parsed.append(id)
        }
        let leader = dqliteLeaderMachine
        guard leader != nil || force else {
            return .failed("no Dqlite leader: the controller database cannot be written", hints: dqliteQuorumHints)
        }
        var notes: [String] = []
        for id in parsed {
            if let leader, machine(id)?.isController == true {
                handOver(from: id, leader: leader, trace: &trace)
                removeFromDqliteCluster(id, trace: &trace)
            }
            agentLog(id, module: "juju.cmd.jujud", location: "machine.go:460", "machine agent \(id.tag) stopping: machine removed", trace: &trace)
            heldLogLines.removeAll { $0.server == id }
            removeMachine(id, trace: &trace)
            notes.append("removing machine \(id)")
        }
        settleControllerVotes()
        // The departed units leave the dbcluster relation.
        runControllerCharm(trace: &trace)
        scheduleBackstopChecks()
        return .output(notes.map { $0 + "\n" }.joined())
    }

    /// The controller list changed: each remaining controller's dbaccessor reads it. A lone
    /// controller whose node cannot become ready within a minute is the back-stop's case.
    mutating func scheduleBackstopChecks() {
        let remaining = machines.filter(\.isController)
        guard remaining.count == 1, let id = remaining.first?.id, let incarnation = runningIncarnation(id) else { return }
        queue.schedule(.dbaccessorBackstop(id, incarnation: incarnation), at: now + .minutes(1))
    }

    /// dbaccessor's back-stop (spec §3.4, juju/juju#15959): this node is the only controller
    /// left and still has no leader after a minute, so its configuration is recovered with it
    /// as the sole voter and the node restarts.
    mutating func runBackstop(on id: MachineID, incarnation: Int, trace: inout Trace) {
        guard runningIncarnation(id) == incarnation, machines.filter(\.isController).map(\.id) == [id],
              let i = dqliteIndex(id), dqliteNodes[i].node?.isLeader != true else { return }
        agentLog(id, module: "juju.worker.dbaccessor", location: "worker.go:498", level: .warning,
                 "reconfiguring Dqlite cluster with this node as the only member", trace: &trace)
        trace.append(at: now, seq: eventCount, "\(id.tag) dbaccessor: reconfiguring Dqlite cluster with this node as the only member")
        dqliteProcessDied(id)
        let hosted = dqliteNodes[i]
        var durable = hosted.disk ?? RaftDurableState()
        durable.recover(RaftConfiguration([DqliteNode(id: hosted.nodeID, address: hosted.bindAddress, role: .voter)]))
        dqliteNodes[i].disk = durable
        dqliteNodes[i].clusterStore = [hosted.bindAddress]
        dqliteProcessStarted(id, trace: &trace)
    }

    /// `App.Handover` of the departing node, run against the current leader.
    private mutating func handOver(from id: MachineID, leader: MachineID, trace: inout Trace) {
        guard let departing = dqliteNode(on: id), departing.node != nil,
              let leaderNode = dqliteNode(on: leader)?.node else { return }
        let client = MachineID.agentClient(of: id)
        guard case .reply(.servers(let servers))? = callDqlite(from: client, to: leader, .cluster(format: 1), trace: &trace) else { return }
        let metadata = Dictionary(uniqueKeysWithValues: servers.compactMap { s in dqliteProbe(s.id, from: leader).map { (s.id, $0) } })
        let plan = RolesChanges(nodes: servers, metadata: metadata).handoverPlan(departing.nodeID, leader: leaderNode.id)
        var target = leader
        for step in plan.steps {
            let request: DqliteRequest
            switch step {
            case .assign(let a): request = .assign(id: a.nodeID, role: a.role)
            case .transfer(let to): request = .transfer(id: to)
            }
            let reply = callDqlite(from: client, to: target, request, timeout: .seconds(60), trace: &trace)
            trace.append(at: now, seq: eventCount, "\(id.tag) dqlite handover: \(step) → \(reply.map { "\($0)" } ?? "no answer")")
            if case .transfer(let to) = step, let next = machine(ofDqliteNode: to) {
                run(until: { $0.dqliteLeaderMachine == next }, limit: now + .seconds(10), trace: &trace)
                target = next
            }
        }
    }

    /// The departing node is removed from the configuration by the (possibly new) leader.
    private mutating func removeFromDqliteCluster(_ id: MachineID, trace: inout Trace) {
        guard let hosted = dqliteNode(on: id),
              let leader = dqliteNodes.first(where: { $0.node?.isLeader == true && $0.machine != id })?.machine ?? dqliteLeaderMachine else { return }
        let reply = callDqlite(from: World.apiClient, to: leader, .remove(id: hosted.nodeID), timeout: .seconds(30), trace: &trace)
        trace.append(at: now, seq: eventCount, "\(id.tag) dqlite: REMOVE \(hosted.nodeID) → \(reply.map { "\($0)" } ?? "no answer")")
    }
}

extension World {
    /// The controller's UUID, drawn from the seed like the environment's.
    public var controllerUUID: String {
        if let restored = config.controllerUUID { return restored }
        var generator = config.seed.generator("controller-uuid")
        return UUIDText.version4(using: &generator)
    }

    /// A stand-in for the controller's CA certificate: seeded, PEM-shaped, not a real key.
    public var caCertificate: String {
        var generator = config.seed.generator("controller-ca-cert")
        let body = (0..<8).map { _ in String(generator.next(), radix: 16) }.joined()
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
    }

    /// The HA column's `(Active, Total)` under DESIGN §4.
    public var controllerMachineCounts: ControllerMachineCounts { controllerMembership.controllerMachineCounts }
}

extension World {
    /// Bootstrap writes the controller's own rows: the controller, its model, machine 0.
    mutating func bootstrapControllerDatabase(trace: inout Trace) -> InputOutcome {
        guard let leader = dqliteLeaderMachine else { return .failed("no available dqlite leader server found", hints: []) }
        let statements = [
            SQLStatement("INSERT INTO controller (uuid, model_uuid, target_version, api_port, ca_cert) VALUES (?, ?, ?, ?, ?)",
                         [.text(controllerUUID), .text(environmentUUID), .text(config.agentVersion), .text("17070"), .text(caCertificate)]),
            SQLStatement("""
                INSERT INTO model (uuid, activated, name, qualifier, model_type_id, life_id, cloud_name, cloud_region_name, agent_version)
                VALUES (?, TRUE, 'controller', 'admin', 0, 0, 'quorum', 'sim', ?)
                """, [.text(environmentUUID), .text(config.agentVersion)]),
        ] + [machineRow(0)]
        for statement in statements {
            guard case .result? = callDqlite(from: World.apiClient, to: leader, .execSQL(statement), trace: &trace) else {
                return .failed("cannot initialise the controller database", hints: [])
            }
        }
        return .done
    }

    /// The `machine` row of a controller-model machine.
    func machineRow(_ id: MachineID) -> SQLStatement {
        var generator = config.seed.generator("machine-uuid/\(id.tag)")
        return SQLStatement("""
            INSERT INTO machine (uuid, model_uuid, name, life_id, instance_id, hostname, is_controller)
            VALUES (?, ?, ?, 0, ?, ?, ?)
            ON CONFLICT (uuid) DO UPDATE SET instance_id = excluded.instance_id
            """, [.text(UUIDText.version4(using: &generator)), .text(environmentUUID), .text(id.description),
                  .text(instanceID(for: id)), .text(instanceID(for: id)), .boolean(machine(id)?.isController ?? false)])
    }

    /// dbaccessor, once its node serves: the controller node row (spec §3.3) and, for a new
    /// controller, its machine row.
    mutating func recordControllerNode(_ id: MachineID, leader: MachineID, trace: inout Trace) {
        guard let hosted = dqliteNode(on: id) else { return }
        let host = String(hosted.bindAddress.prefix { $0 != ":" })
        let client = MachineID.agentClient(of: id)
        _ = callDqlite(from: client, to: leader, .execSQL(JujuDqlite.upsertControllerNode(controllerID: id.description, nodeID: hosted.nodeID,
                                                                                          bindAddress: host)), trace: &trace)
        if id != 0 { _ = callDqlite(from: client, to: leader, .execSQL(machineRow(id)), trace: &trace) }
    }
}

extension World {
    /// `juju add-unit -m controller controller -n K` (the 4.x path to HA): every unit is a new
    /// controller machine; Juju-level votes settle as for enable-ha (an even count leaves a hot
    /// stand-by) and Dqlite roles follow go-dqlite's rules.
    mutating func addControllerUnits(_ count: Int, trace: inout Trace) -> InputOutcome {
        guard count > 0 else { return .failed("--num-units must be a positive integer", hints: []) }
        guard let leader = dqliteLeaderMachine else {
            return .failed("no Dqlite leader: the controller database cannot be written", hints: dqliteQuorumHints)
        }
        for _ in 0..<count {
            let id = addMachine(jobs: [.manageEnviron])
            mutate(id) { $0.wantsVote = true }
        }
        let master = singularHolder ?? leader
        queue.schedule(.provisioner(master, incarnation: machine(master)?.incarnation ?? 0), at: now + .seconds(1))
        settleControllerVotes()
        return .done
    }
}
