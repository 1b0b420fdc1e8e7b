#if canImport(Glibc)
import Glibc
#endif
import BSON
import Foundation
import HACore
import LegacyJuju
import ReplicaSet

/// Juju 1.20's peergrouper worker in a live state server's agent (legacy-juju-ha.md §3): every
/// state server runs one; it reads the replica set and the state servers' machine documents,
/// and changes the set (with `replSetReconfig`) and the `hasvote` flags when LegacyJuju's
/// `Peergrouper` says so. It reaches the database only through the MongoDB wire protocol, on
/// its own agent's member, and acts only while that member is the primary: 1.20 sent the
/// reconfig from every worker through a session routed to the primary, and later Juju (2.9)
/// restricted it to the primary's worker because several workers raced; going through the
/// local primary gives the same result without the race.
///
/// Owned by the one thread that runs it.
final class LegacyPeergrouper: @unchecked Sendable {
    /// Juju's `RestartDelay`: how long the agent's runner waits before restarting a dead worker.
    static let restartDelay = 3.0
    /// Juju 1.x's state watcher polls the transaction log every 5 s, so a change to the watched
    /// documents reaches the worker within that.
    static let watchPeriod = 5.0
    /// The first pass, a moment after the agent starts serving.
    static let firstPassDelay = 1.0

    let localAddress: String
    let statePort: Int
    /// `pollInterval`, shortened for tests; every other delay is Juju's.
    let pollInterval: Double
    let log: (String) -> Void

    private var schedule = Peergrouper.Schedule()
    private var isMaster = false
    /// The tracked machines of the last pass: a watch tick that reads different ones runs a pass at once.
    private var lastTracked: [Peergrouper.Machine]?

    init(localAddress: String, statePort: Int, pollInterval: Double, log: @escaping (String) -> Void) {
        self.localAddress = localAddress
        self.statePort = statePort
        self.pollInterval = pollInterval
        self.log = log
    }

    private func say(_ message: String) { log("juju.worker.peergrouper: " + message) }

    /// The worker loop (§3.1): a pass when the timer fires, and between passes a look at the
    /// watched documents every watch period.
    func run(while running: () -> Bool) {
        var nextPass = monotonicSeconds() + Self.firstPassDelay
        while running() {
            let now = monotonicSeconds()
            if now >= nextPass {
                nextPass = monotonicSeconds() + delay(after: pass())
                continue
            }
            usleep(UInt32(min(nextPass - now, min(Self.watchPeriod, pollInterval)) * 1_000_000))
            guard running(), monotonicSeconds() < nextPass else { continue }
            if case .runAfter(let wait) = schedule.noticed(changed: watchedDocumentsChanged()) {
                nextPass = monotonicSeconds() + wait.seconds
            }
        }
    }

    /// What the schedule decides after a pass, in seconds.
    private func delay(after outcome: Peergrouper.Schedule.PassOutcome) -> Double {
        switch schedule.passFinished(outcome) {
        case .runAfter(let wait): return wait == Peergrouper.Schedule.pollInterval ? pollInterval : wait.seconds
        case .keepTimer: return pollInterval
        case .stopWorker:
            say("worker stopped; restarting in \(Int(Self.restartDelay))s")
            schedule = Peergrouper.Schedule()
            return Self.restartDelay
        }
    }

    // MARK: - Talking to the local member

    /// One session on the local member for a pass; commands fail with the server's message.
    private struct Session {
        let connection: MongoConnection

        @discardableResult
        func run(_ command: Document, database: String = "admin") throws -> Document {
            let reply = try connection.command(command, database: database)
            guard reply["ok"]?.doubleValue == 1, reply["writeErrors"] == nil, reply["writeConcernError"] == nil else {
                let message = reply["errmsg"]?.stringValue ?? reply["writeConcernError"]?.documentValue?["errmsg"]?.stringValue
                throw LiveError("\(command.keys.first ?? "command"): \(message ?? "\(reply)")")
            }
            return reply
        }

        func find(_ collection: String) throws -> [Document] {
            let reply = try run(["find": .string(collection), "filter": .document([:]), "batchSize": .int32(100_000)], database: "juju")
            return (reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue ?? []).compactMap(\.documentValue)
        }

        /// A write Juju makes through its state session: acknowledged by a majority.
        func write(_ command: Document) throws {
            var command = command
            command.append("writeConcern", .document(["w": .string("majority"), "wtimeout": .int32(30_000)]))
            try run(command, database: StateWrite.database)
        }
    }

    /// A session when the local member is the writable primary, nil otherwise. Logs when this
    /// worker starts or stops being the one that manages the set.
    private func masterSession() -> Session? {
        let connection = try? MongoConnection(address: localAddress, timeout: 30)
        let primary = connection.flatMap { try? $0.command(["hello": 1]) }?["isWritablePrimary"]?.boolValue == true
        if primary != isMaster {
            say(primary ? "the local member \(localAddress) is primary: this worker manages the replica set"
                        : "the local member \(localAddress) is no longer primary: leaving the replica set to the primary's worker")
            isMaster = primary
        }
        return primary ? connection.map(Session.init) : nil
    }

    private func watchedDocumentsChanged() -> Bool {
        guard let session = masterSession(),
              let machines = try? session.find("machines"), let servers = try? session.find("stateServers") else { return false }
        let tracked = Peergrouper.trackedMachines(machineDocuments: machines, stateServerDocuments: servers, statePort: statePort)
        return tracked.map(\.machine) != lastTracked
    }

    // MARK: - A pass

    /// Publish the API addresses, then `updateReplicaset` (§3.3–§3.4).
    func pass() -> Peergrouper.Schedule.PassOutcome {
        guard let session = masterSession() else { return .succeeded }
        let current: ReplSetConfig, settings: BSON.Value?, statuses: [Int: Peergrouper.MemberStatus]
        let tracked: [Peergrouper.TrackedMachine], servers: [Document]
        do {
            statuses = Peergrouper.memberStatuses(replSetGetStatus: try session.run(["replSetGetStatus": 1]))
            (current, settings) = try currentConfig(session)
            servers = try session.find("stateServers")
            tracked = Peergrouper.trackedMachines(machineDocuments: try session.find("machines"), stateServerDocuments: servers,
                                                  statePort: statePort)
        } catch {
            say("cannot read the replica set or the state servers: \(error)")
            return .fatal
        }
        lastTracked = tracked.map(\.machine)
        let desired: Peergrouper.PeerGroup
        do {
            desired = try Peergrouper.desiredPeerGroup(machines: tracked.map(\.machine), members: current.members, statuses: statuses)
        } catch {
            say("\(error)")
            return .fatal
        }
        let published = publishAPIHostPorts(tracked, stored: servers, session)
        let hasVote = Dictionary(uniqueKeysWithValues: tracked.map { ($0.machine.id, $0.hasVote) })
        let plan = Peergrouper.updateReplicaset(desired: desired, hasVote: hasVote, current: current)
        return Peergrouper.Schedule.outcome(publishSucceeded: published, updateFailure: carryOut(plan, tracked, settings, session))
    }

    private func currentConfig(_ session: Session) throws -> (ReplSetConfig, BSON.Value?) {
        guard case .document(let document)? = try session.run(["replSetGetConfig": 1])["config"],
              case .objectID(let setID)? = document["settings"]?.documentValue?["replicaSetId"] else {
            throw LiveError("replSetGetConfig: the reply has no config")
        }
        return (try ReplSetConfig(document: document, replicaSetId: setID), document["settings"])
    }

    /// §3.9: the tracked machines' addresses with the API port, stored when they changed.
    private func publishAPIHostPorts(_ tracked: [Peergrouper.TrackedMachine], stored servers: [Document], _ session: Session) -> Bool {
        guard let apiPort = servers.first(where: { $0["apiport"] != nil })?["apiport"]?.int64Value else { return true }
        let hostPorts = Peergrouper.apiHostPorts(machines: Peergrouper.apiAddresses(tracked), apiPort: Int(apiPort),
                                                 published: Peergrouper.publishedAPIHostPorts(stateServerDocuments: servers))
        guard hostPorts.changed,
              let id = servers.first(where: { ($0["_id"]?.stringValue ?? "").hasSuffix("apiHostPorts") })?["_id"] else { return true }
        let statement: Document = ["q": .document(["_id": id]), "u": .document(["$set": .document(["apihostports": hostPorts.value])])]
        do {
            try session.write(["update": "stateServers", "updates": .array([.document(statement)])])
            let servers = hostPorts.servers.map { $0.map { "\($0.address.value):\($0.port)" }.joined(separator: " ") }
            say("API addresses published: \(servers.joined(separator: ", "))")
            return true
        } catch {
            say("cannot publish API server addresses: \(error)")
            return false
        }
    }

    /// The plan's writes in order; on a failed reconfig the `hasvote` flags just raised are lowered again.
    private func carryOut(_ plan: Peergrouper.UpdatePlan, _ tracked: [Peergrouper.TrackedMachine], _ settings: BSON.Value?,
                          _ session: Session) -> Peergrouper.FailureKind? {
        let documentIDs = Dictionary(uniqueKeysWithValues: tracked.map { ($0.machine.id, $0.documentID) })
        for step in plan.steps {
            do {
                switch step {
                case let .setHasVote(machine, vote):
                    try setHasVote(machine, vote, documentIDs, session)
                case let .replSetReconfig(reconfig):
                    try ReplicaSetChange(target: reconfig, settings: settings, session: session, log: say).apply()
                    let voters = (plan.reconfig?.members ?? []).filter { $0.votes > 0 }.compactMap(JujuReplicaSet.machineId(of:))
                    say("replica set members changed; voting machines: \(voters.joined(separator: ", "))")
                }
            } catch {
                guard step.failure == .replicaSetError else {
                    say("cannot set the voting status of the state servers: \(error)")
                    return .fatal
                }
                say("cannot set replicaset: \(error)")
                for revert in plan.revertOnReconfigFailure {
                    guard case let .setHasVote(machine, vote) = revert else { continue }
                    do { try setHasVote(machine, vote, documentIDs, session) } catch {
                        say("cannot revert machine voting after failure to change replica set: \(error)")
                    }
                }
                return .replicaSetError
            }
        }
        return nil
    }

    /// `Machine.SetHasVote`.
    private func setHasVote(_ machine: String, _ vote: Bool, _ documentIDs: [String: BSON.Value], _ session: Session) throws {
        guard let id = documentIDs[machine] else { throw LiveError("machine \(machine) not found") }
        let statement: Document = ["q": .document(["_id": id]), "u": .document(["$set": .document(["hasvote": .bool(vote)])])]
        try session.write(["update": "machines", "updates": .array([.document(statement)])])
        say("machine \(machine) hasvote \(vote)")
    }

    /// `replicaset.Set` against a member that, like MongoDB 4.4+, accepts one voter change per
    /// reconfig and only once the previous config is committed: the structural changes (new
    /// members, addresses, dropped non-voters) go first, then each vote change on its own, as
    /// Juju's later replicaset library does.
    private struct ReplicaSetChange {
        let target: Peergrouper.Reconfig
        let settings: BSON.Value?
        let session: Session
        let log: (String) -> Void
        /// How often a reconfig refused because the previous config is not committed yet is retried, and how far apart.
        static let commitRetries = 60
        static let commitRetryDelay: useconds_t = 500_000

        func apply() throws {
            let current = try currentMembers()
            var members = target.members.map { wanted -> MemberConfig in
                var structural = wanted
                let before = current.first { $0.id == wanted.id }
                structural.votes = before?.votes ?? 0
                structural.priority = before.map { $0.votes == 0 ? 0 : $0.priority } ?? 0
                return structural
            }
            // Each reconfig sent takes the next version, as replicaset.Set's current + 1 does.
            var version = target.version
            if members != current {
                try send(members, version: version)
                version += 1
            }
            for (index, wanted) in target.members.enumerated() where members[index].votes != wanted.votes || members[index].priority != wanted.priority {
                members[index] = wanted
                try send(members, version: version)
                version += 1
            }
        }

        private func currentMembers() throws -> [MemberConfig] {
            guard case .document(let config)? = try session.run(["replSetGetConfig": 1])["config"] else { return [] }
            return try (config["members"]?.arrayValue ?? []).compactMap(\.documentValue).map { try MemberConfig(document: $0) }
        }

        /// One `replSetReconfig`, keeping the set's settings (election timeout, heartbeat, replicaSetId).
        private func send(_ members: [MemberConfig], version: Int) throws {
            var config = Peergrouper.Reconfig(setName: target.setName, version: version, members: members).configDocument
            if let settings, config["settings"] == nil { config.append("settings", settings) }
            for _ in 0..<Self.commitRetries {
                let reply = try session.connection.command(["replSetReconfig": .document(config)])
                if reply["ok"]?.doubleValue == 1 {
                    log("replSetReconfig to version \(version): " + members.map(describe).joined(separator: ", "))
                    return
                }
                // CurrentConfigNotCommittedYet: heartbeats carry the previous config to a majority within seconds.
                guard reply["code"]?.int64Value == 308 else { throw LiveError(reply["errmsg"]?.stringValue ?? "replSetReconfig refused") }
                usleep(Self.commitRetryDelay)
            }
            throw LiveError("the previous config was not committed in time")
        }

        private func describe(_ member: MemberConfig) -> String {
            "\(member.id) \(member.host) machine \(JujuReplicaSet.machineId(of: member) ?? "?") " + (member.votes > 0 ? "voting" : "non-voting")
        }
    }
}
