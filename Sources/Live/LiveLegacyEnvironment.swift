#if canImport(Glibc)
import Glibc
#endif
import BSON
import Foundation
import HACore
import LegacyJuju
import ReplicaSet

/// One state server of a live legacy environment.
public struct LiveLegacyMachine: Codable, Equatable, Sendable {
    public var id: Int
    public var ip: String
}

/// `live-legacy.json`: what was started (machines, addresses, port, timing settings). The
/// replica set itself, reached over the wire, is the truth about members, votes and Juju's
/// documents.
public struct LiveLegacyState: Codable, Sendable {
    public static let fileName = "live-legacy.json"
    public var format = 1
    public var name: String
    public var flavor = "legacy"
    public var agentVersion: String
    public var environmentUUID: String
    public var port: Int
    public var addressBase: Int
    public var electionTimeoutMillis: Int?
    public var heartbeatIntervalMillis: Int?
    /// The agents' peergrouper poll interval; nil is Juju's minute.
    public var peergrouperIntervalMillis: Int?
    public var machines: [LiveLegacyMachine]
}

/// A live legacy environment opened by one command: Juju 1.20 state servers as `quorum agent
/// --kind legacy` processes, each a replica-set member speaking the MongoDB wire protocol.
/// The Juju layer here is a client of the replica set: the commands read and write Juju's
/// documents over the wire with LegacyJuju's decisions, and each agent's peergrouper worker
/// reconfigures the set (see `LegacyPeergrouper`).
public final class LiveLegacyEnvironment {
    public let directory: String
    public var state: LiveLegacyState
    public var executable: String = Supervisor.currentExecutable

    public static func exists(directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + LiveLegacyState.fileName)
    }

    public init(directory: String) throws {
        self.directory = directory
        let path = directory + "/" + LiveLegacyState.fileName
        guard let data = FileManager.default.contents(atPath: path) else { throw LiveError("environment not found at \(directory)") }
        do {
            state = try JSONDecoder().decode(LiveLegacyState.self, from: data)
        } catch {
            throw LiveError("environment is corrupted: \(error) in \(path)")
        }
    }

    init(directory: String, state: LiveLegacyState) {
        self.directory = directory
        self.state = state
    }

    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let path = directory + "/" + LiveLegacyState.fileName
        let temp = path + ".tmp-\(getpid())"
        try encoder.encode(state).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw LiveError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    // MARK: - Machines and processes

    public var machines: [LiveLegacyMachine] { state.machines }
    public func machine(_ id: Int) -> LiveLegacyMachine? { state.machines.first { $0.id == id } }
    public func files(of id: Int) -> AgentFiles { AgentFiles(directory: directory + "/machines/\(id)") }
    public func address(of id: Int) -> String { "\(ip(of: id)):\(state.port)" }
    public func ip(of id: Int) -> String { "127.0.0.\(state.addressBase + id)" }
    public func pid(of id: Int) -> pid_t? { Supervisor.readPid(files(of: id).pid) }
    public func isRunning(_ id: Int) -> Bool { pid(of: id).map(Supervisor.isAgentAlive) ?? false }
    public func isPaused(_ id: Int) -> Bool { pid(of: id).map { Supervisor.isAgentAlive($0) && Supervisor.isStopped($0) } ?? false }
    public var recordedPids: [pid_t] { state.machines.compactMap { pid(of: $0.id) } }
    public var seeds: [String] { state.machines.map { address(of: $0.id) } }

    /// Starts machine `id`'s agent and waits (≤ 15 s) until its wire server answers.
    public func startAgent(_ id: Int) throws {
        let files = files(of: id)
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        if let old = pid(of: id), Supervisor.isAgentAlive(old) { return }
        try? FileManager.default.removeItem(atPath: files.pid)
        let options = LegacyAgentOptions(machine: id, directory: files.directory, ip: ip(of: id), port: state.port,
                                         peergrouperIntervalMillis: state.peergrouperIntervalMillis)
        let pid = try Supervisor.spawnDetached(executable: executable, arguments: options.arguments, logFile: files.log)
        let deadline = monotonicSeconds() + 15
        while monotonicSeconds() < deadline {
            if FileManager.default.fileExists(atPath: files.pid),
               MongoConnection.run(["quorumControl": "ping"], at: options.address, timeout: 1)?["ok"]?.doubleValue == 1 { return }
            if waitpid(pid, nil, WNOHANG) == pid {
                let tail = (try? String(contentsOfFile: files.log, encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: "\n") ?? ""
                throw LiveError("the agent of machine \(id) exited at start-up: \(tail)")
            }
            usleep(50_000)
        }
        throw LiveError("the agent of machine \(id) did not answer within 15s")
    }

    /// Stops every agent and removes the environment's directory.
    public func destroy() {
        Supervisor.kill(pids: recordedPids)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// SIGTERM every agent, SIGKILL what is left after 10 s.
    public func stopAgents() { Supervisor.stop(recordedPids, grace: 10) }

    /// `fail ID --mode crash|stop|pause`: real signals.
    public func fail(_ id: Int, mode: String) throws {
        guard let pid = pid(of: id), Supervisor.isAgentAlive(pid) else { throw LiveError("machine \(id) is not running") }
        switch mode {
        case "crash": Supervisor.kill(pids: [pid])
        case "stop": Supervisor.stop([pid], grace: 10)
        case "pause": Supervisor.signal(pid, SIGSTOP)
        default: throw LiveError("--mode \(mode) is not available on the live runtime")
        }
    }

    /// `start ID`: resumes a paused agent or restarts a dead one (it comes back with its data).
    public func start(_ id: Int) throws {
        if let pid = pid(of: id), Supervisor.isAgentAlive(pid) {
            if Supervisor.isStopped(pid) { Supervisor.signal(pid, SIGCONT) }
            return
        }
        try startAgent(id)
    }

    /// Cuts (or heals) the links between machines, on both sides.
    public func partition(_ ids: [Int], from others: [Int]) {
        for a in ids {
            for b in others where a != b {
                _ = MongoConnection.run(["quorumControl": "partition", "hosts": .array([.string(address(of: b))])], at: address(of: a), timeout: 2)
                _ = MongoConnection.run(["quorumControl": "partition", "hosts": .array([.string(address(of: a))])], at: address(of: b), timeout: 2)
            }
        }
    }

    public func heal() {
        for m in machines where isRunning(m.id) { _ = MongoConnection.run(["quorumControl": "heal"], at: address(of: m.id), timeout: 2) }
    }

    // MARK: - The replica set

    /// The address of the member that says it is the writable primary, waiting up to `timeout`.
    public func primary(timeout: Double) throws -> String {
        let deadline = monotonicSeconds() + timeout
        while true {
            for m in machines where isRunning(m.id) && !isPaused(m.id) {
                if MongoConnection.run(["hello": 1], at: address(of: m.id), timeout: 1)?["isWritablePrimary"]?.boolValue == true {
                    return address(of: m.id)
                }
            }
            guard monotonicSeconds() < deadline else { throw LiveError("no reachable servers: the replica set has no primary") }
            usleep(100_000)
        }
    }

    /// Runs a command on the primary; throws when there is none or it fails.
    @discardableResult
    public func onPrimary(_ command: Document, database: String = "admin", timeout: Double = 30) throws -> Document {
        let primary = try primary(timeout: timeout)
        guard let reply = MongoConnection.run(command, at: primary, database: database, timeout: timeout) else {
            throw LiveError("no reachable servers: \(primary) did not answer")
        }
        guard reply["ok"]?.doubleValue == 1, reply["writeErrors"] == nil else {
            throw LiveError("\(command.keys.first ?? "command") failed: \(reply["errmsg"]?.stringValue ?? "\(reply)")")
        }
        return reply
    }

    /// `replSetGetStatus` from the primary, or from any member that answers.
    public func replSetGetStatus() -> Document? {
        if let primary = try? primary(timeout: 0), let reply = MongoConnection.run(["replSetGetStatus": 1], at: primary, timeout: 3) { return reply }
        for m in machines where isRunning(m.id) && !isPaused(m.id) {
            if let reply = MongoConnection.run(["replSetGetStatus": 1], at: address(of: m.id), timeout: 3), reply["ok"]?.doubleValue == 1 { return reply }
        }
        return nil
    }

    var jujuVersion: JujuVersion { (try? JujuVersion(parsing: state.agentVersion)) ?? .juju1_20 }

    var bootstrapParameters: BootstrapParameters {
        BootstrapParameters(environmentName: state.name, environmentUUID: state.environmentUUID, series: "trusty", address: ip(of: 0),
                            seed: Seed(0).derive(state.environmentUUID).value, version: jujuVersion)
    }

    // MARK: - Bootstrap

    /// Starts machine 0's agent, initiates the `juju` replica set with it as the only member,
    /// and writes Juju's bootstrap documents through the primary.
    public static func bootstrap(directory: String, name: String, agentVersion: String, port: Int, addressBase: Int,
                                 electionTimeoutMillis: Int?, heartbeatIntervalMillis: Int?, peergrouperIntervalMillis: Int? = nil,
                                 executable: String = Supervisor.currentExecutable) throws -> LiveLegacyEnvironment {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let state = LiveLegacyState(name: name, agentVersion: agentVersion, environmentUUID: UUID().uuidString.lowercased(), port: port,
                                    addressBase: addressBase, electionTimeoutMillis: electionTimeoutMillis,
                                    heartbeatIntervalMillis: heartbeatIntervalMillis, peergrouperIntervalMillis: peergrouperIntervalMillis,
                                    machines: [LiveLegacyMachine(id: 0, ip: "127.0.0.\(addressBase)")])
        let env = LiveLegacyEnvironment(directory: directory, state: state)
        env.executable = executable
        do {
            try env.save()
            try env.startAgent(0)
            var initiate = JujuReplicaSet.initiateDocument(host: env.address(of: 0), machineId: "0")
            var settings: Document = [:]
            if let e = electionTimeoutMillis { settings.append("electionTimeoutMillis", .int32(Int32(e))) }
            if let h = heartbeatIntervalMillis { settings.append("heartbeatIntervalMillis", .int32(Int32(h))) }
            if !settings.isEmpty { initiate.append("settings", .document(settings)) }
            guard let reply = MongoConnection.run(["replSetInitiate": .document(initiate)], at: env.address(of: 0), timeout: 10),
                  reply["ok"]?.doubleValue == 1 else { throw LiveError("replSetInitiate failed on machine 0") }
            _ = try env.primary(timeout: 60)
            let parameters = env.bootstrapParameters
            let databases = [JujuDatabase(name: "juju", collections: BootstrapDocuments.jujuDatabase(parameters))]
                + BootstrapDocuments.otherDatabases(parameters, bootstrapTime: Int64(Date().timeIntervalSince1970 * 1000))
            for database in databases {
                for collection in database.collections where !collection.documents.isEmpty {
                    try env.onPrimary(["insert": .string(collection.name), "documents": .array(collection.documents.map { .document($0) }),
                                       "writeConcern": .document(["w": .string("majority"), "wtimeout": .int32(30_000)])],
                                      database: database.name)
                }
            }
        } catch {
            env.stopAgents()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return env
    }

    // MARK: - ensure-availability

    /// Every document of a `juju` collection, read through the primary.
    public func documents(_ collection: String) throws -> [Document] { try find(collection) }

    private func find(_ collection: String) throws -> [Document] {
        let reply = try onPrimary(["find": .string(collection), "filter": .document([:]), "batchSize": .int32(100_000)], database: "juju")
        return (reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue ?? []).compactMap(\.documentValue)
    }

    private func strings(_ value: Value?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }

    private func stateSnapshot() throws -> StateSnapshot {
        let servers = try find("stateServers"), docs = try find("machines"), sequences = try find("sequence")
        let e = servers.first { $0["machineids"] != nil }
        let info = StateServerInfo(machineIDs: strings(e?["machineids"]), votingMachineIDs: strings(e?["votingmachineids"]))
        let facts = docs.map { doc -> MachineFacts in
            let id = (doc["machineid"] ?? doc["_id"])?.stringValue ?? ""
            let jobs = (doc["jobs"]?.arrayValue ?? []).compactMap { $0.int64Value.flatMap { MachineJob(rawValue: Int($0)) } }
            return MachineFacts(id: id, jobs: jobs, noVote: doc["novote"]?.boolValue ?? false, hasVote: doc["hasvote"]?.boolValue ?? false,
                                agentAlive: Int(id).map(isRunning) ?? false, series: doc["series"]?.stringValue ?? "trusty",
                                life: MachineLife(rawValue: Int32(doc["life"]?.int64Value ?? 0)) ?? .alive)
        }
        let counter = sequences.first { ($0["_id"]?.stringValue ?? "").hasSuffix("machine") }?["counter"]?.int64Value ?? 0
        return StateSnapshot(environUUID: state.environmentUUID, info: info, machines: facts, nextMachineSequence: Int(counter))
    }

    /// `ensure-availability`: Juju's decision over the documents read through the primary, its
    /// transaction written there, and the new machines' agents started, as Juju's command and
    /// provisioner do. It returns then: the votes move later, when the peergrouper of the
    /// primary's agent sees the new state servers ready (`wait --until settled` waits for that).
    public func ensureAvailability(_ arguments: [String]) throws -> String {
        let version = jujuVersion
        let parsed: EnsureAvailabilityArguments
        do { parsed = try EnsureAvailabilityArguments(parsing: arguments, version: version) } catch { throw LiveError(error.description) }
        let snapshot = try stateSnapshot()
        let result: EnsureAvailabilityResult
        do { result = try snapshot.apiEnsureAvailability(EnsureAvailabilityRequest(parsed), version: version) } catch {
            throw LiveError(error.description)
        }
        for write in result.writes where write.isTransactional {
            guard let query = write.assertionQuery else { continue }
            let n = try onPrimary(["count": .string(write.collection), "query": .document(query)], database: StateWrite.database)["n"]?.int64Value ?? -1
            guard write.assertion == .documentMissing ? n == 0 : n == 1 else {
                throw LiveError("failed to create new state server machines: state changing too quickly; try again soon")
            }
        }
        for write in result.writes {
            var command = write.command
            command.append("writeConcern", .document(["w": .string("majority"), "wtimeout": .int32(30_000)]))
            try onPrimary(command, database: StateWrite.database)
        }
        let added = result.changes.added.compactMap { Int($0) }
        for id in added where machine(id) == nil {
            state.machines.append(LiveLegacyMachine(id: id, ip: ip(of: id)))
            let user = BootstrapDocuments.adminUser(forMachine: String(id), parameters: bootstrapParameters)
            try onPrimary(["insert": "system.users", "documents": .array([.document(user)])], database: "admin")
        }
        try save()
        // The provisioner starts an instance (here: an agent process) for every new machine and
        // records its address, which the peergrouper makes the machine's member address.
        for id in added {
            try startAgent(id)
            try recordProviderAddress(of: id)
        }
        return result.changes.formatted(as: parsed.format, version: version)
    }

    private func recordProviderAddress(of id: Int) throws {
        let write = StateWrite.setProviderAddresses(machineID: String(id), [MachineAddress(value: ip(of: id), scope: .localCloud)],
                                                    environUUID: state.environmentUUID, version: jujuVersion)
        var command = write.command
        command.append("writeConcern", .document(["w": .string("majority"), "wtimeout": .int32(30_000)]))
        try onPrimary(command, database: StateWrite.database)
    }
}

// MARK: - Waiting on the replica set

extension LiveLegacyEnvironment {
    public enum WaitTarget: String, Sendable {
        /// The votes are where the state servers' documents want them and every running voter is ready.
        case settled
        /// A member accepts writes.
        case primary
        /// A majority of the voting members is healthy.
        case quorum
    }

    /// Polls the replica set (replSetGetStatus, replSetGetConfig and Juju's documents, read
    /// through the primary) until `target` holds; returns the seconds it took. Nothing is changed.
    public func wait(until target: WaitTarget, timeout: Double) throws -> Double {
        let start = monotonicSeconds()
        while true {
            if (try? holds(target)) == true { return monotonicSeconds() - start }
            guard monotonicSeconds() - start < timeout else { throw LiveError("not \(target.rawValue) after \(Int(timeout))s") }
            usleep(250_000)
        }
    }

    private func holds(_ target: WaitTarget) throws -> Bool {
        switch target {
        case .primary:
            return (try? primary(timeout: 0)) != nil
        case .quorum:
            guard let status = replSetGetStatus(), let voters = try? votingMembers() else { return false }
            let statuses = Peergrouper.memberStatuses(replSetGetStatus: status)
            return voters.filter { statuses[$0.id]?.healthy == true }.count > voters.count / 2
        case .settled:
            return try isSettled()
        }
    }

    private func members() throws -> [MemberConfig] {
        guard case .document(let config)? = try onPrimary(["replSetGetConfig": 1], timeout: 3)["config"] else { return [] }
        return try (config["members"]?.arrayValue ?? []).compactMap(\.documentValue).map { try MemberConfig(document: $0) }
    }

    private func votingMembers() throws -> [MemberConfig] { try members().filter { $0.votes > 0 } }

    /// Nothing is left for the peergrouper: the voting members are the state servers that want
    /// a vote and have `hasvote`, every member belongs to a state server, and every voter whose
    /// agent runs is a healthy primary or secondary.
    private func isSettled() throws -> Bool {
        let status = try onPrimary(["replSetGetStatus": 1], timeout: 3)
        let members = try members()
        let tracked = Peergrouper.trackedMachines(machineDocuments: try documents("machines"),
                                                  stateServerDocuments: try documents("stateServers"), statePort: state.port)
        let voting = Set(members.filter { $0.votes > 0 }.compactMap(JujuReplicaSet.machineId(of:)))
        let wanted = Set(tracked.filter(\.machine.wantsVote).map(\.machine.id))
        let flagged = Set(tracked.filter(\.hasVote).map(\.machine.id))
        let stateServers = Set(tracked.map(\.machine.id))
        guard voting == wanted, wanted == flagged,
              members.allSatisfy({ member in JujuReplicaSet.machineId(of: member).map { stateServers.contains($0) } == true }) else { return false }
        let statuses = Peergrouper.memberStatuses(replSetGetStatus: status)
        return members.filter { $0.votes > 0 }.allSatisfy { member in
            let running = JujuReplicaSet.machineId(of: member).flatMap(Int.init).map { isRunning($0) && !isPaused($0) } ?? false
            return !running || statuses[member.id]?.isReady == true
        }
    }
}
