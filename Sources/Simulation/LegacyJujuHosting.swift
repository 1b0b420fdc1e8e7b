import BSON
import HACore
import LegacyJuju
import ReplicaSet

/// The Juju 1.x layer on top of the replica set: it reads and writes the `juju` database only
/// through commands sent to the primary, as Juju's state package does through mgo.
extension World {
    /// Client number of the API server's state connection.
    static let apiClient = 2

    public var jujuVersion: JujuVersion { (try? JujuVersion(parsing: config.agentVersion)) ?? .juju1_20 }

    /// The machine whose mongod is the writable primary.
    public var primaryMachine: MachineID? { members.first { $0.member?.isWritablePrimary == true }?.machine }

    /// A collection of the `juju` database as the freshest member holds it (the primary when
    /// there is one), for read-only views such as `status`.
    public func jujuDocuments(_ collection: String) -> [Document] {
        let source = members.first { $0.member?.isWritablePrimary == true }
            ?? members.max { $0.durable.lastApplied < $1.durable.lastApplied }
        return source?.durable.data.documents(in: "juju.\(collection)") ?? []
    }

    /// A machine's document, found by its Juju id (1.25 ids carry the environment's uuid).
    public func machineDocument(_ id: MachineID) -> Document? {
        jujuDocuments("machines").first { ($0["machineid"] ?? $0["_id"])?.stringValue == id.description }
    }

    /// Voters up against voters configured, as the primary's (or freshest member's) config says.
    public var quorumSummary: QuorumSummary? {
        let source = members.first { $0.member?.isWritablePrimary == true }
            ?? members.max { $0.durable.lastApplied < $1.durable.lastApplied }
        guard let config = source?.durable.config else { return nil }
        let voters = config.members.filter(\.isVoter)
        let up = voters.filter { m in
            MachineID(mongoHost: m.host).flatMap { member(on: $0) }.map { $0.state.isReadable } ?? false
        }
        return QuorumSummary(votersUp: up.count, voters: voters.count)
    }

    /// Machine 0's bootstrap writes every document of a fresh `juju` database to its primary.
    mutating func bootstrapJujuDatabase(trace: inout Trace) -> InputOutcome {
        guard let primary = primaryMachine else { return .failed("no reachable servers", hints: []) }
        let parameters = bootstrapParameters
        let databases = [JujuDatabase(name: "juju", collections: BootstrapDocuments.jujuDatabase(parameters))]
            + BootstrapDocuments.otherDatabases(parameters, bootstrapTime: wallMillis)
        for database in databases {
            for collection in database.collections {
                guard insert(collection.documents, into: collection.name, database: database.name, on: primary, trace: &trace) else {
                    return .failed("cannot initialize state: writing \(database.name).\(collection.name) failed", hints: [])
                }
            }
        }
        return .done
    }

    /// Wall-clock milliseconds now, on the same epoch the members use.
    var wallMillis: Int64 { MemberSettings().epochMillis + now.microseconds / 1_000 }

    var bootstrapParameters: BootstrapParameters {
        var parameters = BootstrapParameters(environmentName: config.name, environmentUUID: environmentUUID, series: config.series,
                                             address: MachineID(0).address, seed: config.seed.value, version: jujuVersion)
        parameters.instanceID = instanceID(for: 0)
        return parameters
    }

    private mutating func insert(_ documents: [Document], into collection: String, database: String, on primary: MachineID,
                                 trace: inout Trace) -> Bool {
        let command: Document = ["insert": .string(collection), "documents": .array(documents.map { .document($0) }),
                                 "writeConcern": .document(["w": .int32(1)])]
        guard let reply = call(from: 0, to: primary, database: database, command: command, trace: &trace) else { return false }
        return reply["ok"]?.doubleValue == 1 && reply["writeErrors"] == nil
    }

    /// `juju ensure-availability`: Juju's client checks, then the API server reads the state
    /// through the primary, computes the change and applies its transaction there.
    mutating func ensureAvailability(_ arguments: [String], trace: inout Trace) -> InputOutcome {
        let version = jujuVersion
        let parsed: EnsureAvailabilityArguments
        do {
            parsed = try EnsureAvailabilityArguments(parsing: arguments, version: version)
        } catch {
            return .failed(error.description, hints: [])
        }
        guard let primary = primaryMachine else { return .failed("no reachable servers", hints: quorumLossHints) }
        guard let snapshot = readStateSnapshot(from: primary, trace: &trace) else {
            return .failed("no reachable servers", hints: quorumLossHints)
        }
        let result: EnsureAvailabilityResult
        do {
            result = try snapshot.apiEnsureAvailability(EnsureAvailabilityRequest(parsed), version: version)
        } catch {
            return .failed(error.description, hints: [])
        }
        if let failure = applyTransaction(result.writes, on: primary, trace: &trace) { return failure }
        for id in result.changes.added.compactMap(MachineID.init(parsing:)) {
            let added = addMachine(jobs: [.hostUnits, .manageEnviron])
            precondition(added == id, "machine sequence out of step: database \(id), world \(added)")
            // Each state server's agent logs in to MongoDB as its own admin user.
            let user = BootstrapDocuments.adminUser(forMachine: id.description, parameters: bootstrapParameters)
            guard insert([user], into: "system.users", database: "admin", on: primary, trace: &trace) else {
                return .failed("no reachable servers", hints: quorumLossHints)
            }
        }
        // The master's provisioner notices the new machine documents and starts their instances.
        if !result.changes.added.isEmpty {
            queue.schedule(.provisioner(primary, incarnation: machine(primary)?.incarnation ?? 0), at: now + .seconds(1))
        }
        // The peergroupers watch the state-server documents: a change makes them run at once.
        if !result.isNoOp { pokePeergroupers() }
        return .output(result.changes.formatted(as: parsed.format, version: version))
    }

    /// Quorum's explanation when the replica set has no primary (DESIGN §4), for stderr.
    var quorumLossHints: [String] {
        guard let q = quorumSummary else { return [] }
        return ["quorum lost: \(q.votersUp) of \(q.voters) voting state servers are up, \(q.needed) are needed to elect a primary",
                "only restoring a backup into a new environment (restore-backup) recovers from this"]
    }

    /// `stateServers`, the state-server machines and the machine sequence, read from the primary.
    mutating func readStateSnapshot(from primary: MachineID, trace: inout Trace) -> StateSnapshot? {
        guard let servers = find("stateServers", on: primary, trace: &trace),
              let machines = find("machines", on: primary, trace: &trace),
              let sequences = find("sequence", on: primary, trace: &trace) else { return nil }
        let e = servers.first { ($0["_id"]?.stringValue ?? "").hasSuffix("e") && $0["machineids"] != nil }
        let info = StateServerInfo(machineIDs: strings(e?["machineids"]), votingMachineIDs: strings(e?["votingmachineids"]))
        let facts = machines.map { doc -> MachineFacts in
            let id = (doc["machineid"] ?? doc["_id"])?.stringValue ?? ""
            let jobs = (doc["jobs"]?.arrayValue ?? []).compactMap { $0.int64Value.flatMap { MachineJob(rawValue: Int($0)) } }
            return MachineFacts(id: id, jobs: jobs, noVote: doc["novote"]?.boolValue ?? false, hasVote: doc["hasvote"]?.boolValue ?? false,
                                agentAlive: MachineID(parsing: id).map(agentAlive) ?? false, series: doc["series"]?.stringValue ?? config.series,
                                life: MachineLife(rawValue: Int32(doc["life"]?.int64Value ?? 0)) ?? .alive)
        }
        let counter = sequences.first { ($0["_id"]?.stringValue ?? "").hasSuffix("machine") }?["counter"]?.int64Value ?? 0
        return StateSnapshot(environUUID: environmentUUID, info: info, machines: facts, nextMachineSequence: Int(counter))
    }

    private func strings(_ value: Value?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }

    /// All documents of a `juju` collection, read from `primary`.
    mutating func find(_ collection: String, on primary: MachineID, trace: inout Trace) -> [Document]? {
        let command: Document = ["find": .string(collection), "filter": .document([:]), "batchSize": .int32(100_000)]
        guard let reply = call(from: Self.apiClient, to: primary, database: "juju", command: command, trace: &trace),
              let batch = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue else { return nil }
        return batch.compactMap(\.documentValue)
    }

    /// mgo/txn's contract: every assertion is checked before any write is applied.
    mutating func applyTransaction(_ writes: [StateWrite], on primary: MachineID, trace: inout Trace) -> InputOutcome? {
        for write in writes where write.isTransactional {
            guard let query = write.assertionQuery else { continue }
            let count: Document = ["count": .string(write.collection), "query": .document(query)]
            guard let reply = call(from: Self.apiClient, to: primary, database: StateWrite.database, command: count, trace: &trace),
                  let n = reply["n"]?.int64Value else { return .failed("no reachable servers", hints: quorumLossHints) }
            let holds = write.assertion == .documentMissing ? n == 0 : n == 1
            guard holds else { return .failed("failed to create new state server machines: state changing too quickly; try again soon", hints: []) }
        }
        for write in writes {
            var command = write.command
            command.append("writeConcern", .document(["w": .string("majority"), "wtimeout": .int32(30_000)]))
            guard let reply = call(from: Self.apiClient, to: primary, database: StateWrite.database, command: command, trace: &trace),
                  reply["ok"]?.doubleValue == 1 else { return .failed("no reachable servers", hints: quorumLossHints) }
        }
        return nil
    }

    /// `juju destroy-machine`: the state layer's refusals for state servers and voters, then the
    /// machine dies, its instance is stopped and its documents are removed.
    mutating func destroyMachines(_ ids: [String], force: Bool, trace: inout Trace) -> InputOutcome {
        guard let primary = primaryMachine, let snapshot = readStateSnapshot(from: primary, trace: &trace) else {
            return .failed("no reachable servers", hints: quorumLossHints)
        }
        if let refused = DestroyMachine.destroyMachines(ids, machines: snapshot.machines, force: force) {
            return .failed(refused.description, hints: [])
        }
        for text in ids {
            guard let id = MachineID(parsing: text), let doc = machineDocument(id), let docID = doc["_id"] else { continue }
            for (collection, selector) in [("machines", docID), ("instanceData", docID)] {
                let delete: Document = ["delete": .string(collection), "deletes": .array([.document(["q": .document(["_id": selector]), "limit": .int32(1)])]),
                                        "writeConcern": .document(["w": .string("majority"), "wtimeout": .int32(30_000)])]
                guard call(from: Self.apiClient, to: primary, database: "juju", command: delete, trace: &trace) != nil else {
                    return .failed("no reachable servers", hints: quorumLossHints)
                }
            }
            removeMachine(id, trace: &trace)
        }
        return .done
    }

    /// The provisioner runs only on the master (§3.10, the machine whose mongod is primary): it
    /// starts an instance for every machine that has none. Off the master it hands over to
    /// whichever machine is master now, or tries again later when there is none.
    mutating func runProvisioner(on id: MachineID, incarnation: Int, trace: inout Trace) {
        guard machine(id)?.incarnation == incarnation, machine(id)?.isRunning == true else { return }
        // Legacy: the master is the primary's machine; modern: the singular-controller lease holder.
        let master = config.flavor == .legacy ? primaryMachine : singularHolder
        guard master == id else {
            let next = master ?? id
            queue.schedule(.provisioner(next, incarnation: machine(next)?.incarnation ?? 0), at: now + .seconds(2))
            return
        }
        for m in machines where m.instanceID == nil {
            provision(m.id, trace: &trace)
            agentLog(id, module: "juju.provisioner", location: "provisioner_task.go:512",
                     "started machine \(m.id) as instance \(machine(m.id)?.instanceID ?? "") with hardware \"\(m.hardware)\"", trace: &trace)
        }
    }
}
