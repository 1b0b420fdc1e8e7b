import BSON
import HACore
import LegacyJuju
import RaftCluster
import ReplicaSet

/// Machine agents' log lines (seed 003's "logging"): each agent sends what it logs to its API
/// server, which stores it in the replicated `logs` database through the primary, so lines
/// written before a state server fails can still be read from the others. Quorum keeps the
/// `logs` database under 1.20 too, where Juju had rsyslog's all-machines.log.
extension World {
    /// Whether agents log (set for command-line environments; seed sweeps leave it off so the
    /// log traffic does not change what they explore).
    var agentLoggingEnabled: Bool { config.agentLogging == true }

    /// An agent logs a line: it travels to the agent's API server like any message.
    mutating func agentLog(_ id: MachineID, entity: String? = nil, module: String, location: String, level: LogLine.Level = .info,
                           _ message: String, trace: inout Trace) {
        guard agentLoggingEnabled, let m = machine(id), m.isRunning else { return }
        let server = m.isController ? id : (m.currentAPIServer ?? id)
        // The line carries the agent's own clock, skew and all, as Juju's log lines do.
        let document: Document = ["t": .datetime((wallMicros + m.skew.microseconds) / 1_000), "e": .string(environmentUUID), "n": .string(entity ?? id.tag),
                                  "m": .string(module), "l": .string(location), "v": .int32(level.rawValue), "x": .string(message)]
        send(.logRecord(document), from: id, to: server, trace: &trace)
    }

    /// The API server's log sink writes the line through the primary; a reply nobody waits for
    /// is dropped on arrival, and a line meeting no primary is lost, as Juju's was.
    mutating func storeLogRecord(_ document: Document, at server: MachineID, trace: inout Trace) {
        if config.flavor == .modern { return storeLogLine(document, at: server, trace: &trace) }
        guard let primary = primaryMachine else { return }
        nextRequestSequence += 1
        let client = MachineID.agentClient(of: server)
        let id = ClientRequestID(client: client, sequence: nextRequestSequence)
        let insert: Document = ["insert": "logs", "documents": [.document(document)], "writeConcern": ["w": .int32(1)]]
        send(.request(ClientRequest(id: id, database: "logs", command: insert)), from: server, to: primary, trace: &trace)
    }

    /// Modern flavor: the API server inserts the line into `log_line` through the Dqlite leader
    /// (an EXEC nobody waits for; a line meeting no leader is lost).
    mutating func storeLogLine(_ document: Document, at server: MachineID, trace: inout Trace) {
        guard let line = LogLine(document: document) else { return }
        guard let leader = dqliteLeaderMachine else {
            // The API server keeps the line and sends it again once a leader is known.
            if heldLogLines.count < 1_000 { heldLogLines.append(HeldLogLine(server: server, document: document)) }
            return
        }
        let statement = SQLStatement(
            "INSERT INTO log_line (model_uuid, entity, module, location, level, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(environmentUUID), .text(line.entity), .text(line.module), .text(line.location), .integer(Int64(line.level.rawValue)),
             .text(line.message), .text(CivilTime(unixMicroseconds: line.time * 1_000).rfc3339Nano)])
        sendDqliteRequest(from: MachineID.agentClient(of: server), to: leader, .execSQL(statement), trace: &trace)
    }

    /// Sends the lines an API server held while the cluster had no leader.
    mutating func flushHeldLogLines(at server: MachineID, trace: inout Trace) {
        guard dqliteLeaderMachine != nil, heldLogLines.contains(where: { $0.server == server }) else { return }
        let held = heldLogLines.filter { $0.server == server }
        heldLogLines.removeAll { $0.server == server }
        for line in held { storeLogLine(line.document, at: server, trace: &trace) }
    }

    /// The log lines as the database of a live controller holds them, oldest first; nil when
    /// no controller's database is running.
    public func storedLogLines() -> [LogLine]? {
        config.flavor == .legacy ? storedLegacyLogLines() : storedDqliteLogLines()
    }

    /// Modern: `log_line` of the running node that has applied the most.
    private func storedDqliteLogLines() -> [LogLine]? {
        guard let source = dqliteNodes.filter({ $0.node != nil }).max(by: { ($0.node?.appliedIndex ?? 0) < ($1.node?.appliedIndex ?? 0) }) else {
            return nil
        }
        let query = SQLStatement("SELECT created_at, entity, module, location, level, message FROM log_line WHERE model_uuid = ? ORDER BY id",
                                 [.text(environmentUUID)])
        guard case let .rows(_, rows) = runQuery(query, on: source.machine) else { return nil }
        return rows.compactMap { row in
            guard row.count == 6, case .text(let created) = row[0], case .text(let entity) = row[1], case .text(let module) = row[2],
                  case .text(let location) = row[3], case .integer(let level) = row[4], case .text(let message) = row[5],
                  let micros = CivilTime.parseRFC3339(created), let loggo = LogLine.Level(rawValue: Int32(level)) else { return nil }
            return LogLine(time: micros / 1_000, entity: entity, module: module, location: location, level: loggo, message: message)
        }
    }

    private func storedLegacyLogLines() -> [LogLine]? {
        let live = members.filter { $0.member != nil }
        guard let source = live.first(where: { $0.member?.isWritablePrimary == true })
            ?? live.max(by: { $0.durable.lastApplied < $1.durable.lastApplied }) else { return nil }
        return source.durable.data.documents(in: "logs.logs").compactMap(LogLine.init(document:))
            .sorted { $0.time < $1.time }
    }

    /// The first line a machine agent logs (the one 1.25's bootstrap leaves in `logs`).
    mutating func agentStarted(_ id: MachineID, trace: inout Trace) {
        let binary = "\(config.agentVersion)-\(config.series)-amd64"
        agentLog(id, module: "juju.cmd.jujud", location: "machine.go:419", "machine agent \(id.tag) start (\(binary) [gc])", trace: &trace)
        if config.flavor == .modern, let m = machine(id), !m.isController {
            logAPIHostPortsUpdate(id, trace: &trace)
            if let server = m.currentAPIServer { agentConnected(id, to: server, trace: &trace) }
        }
    }

    /// What an agent logs when mongod on its machine says something it cares about.
    mutating func agentNotices(mongodLine line: String, on id: MachineID, trace: inout Trace) {
        if line.hasPrefix("transition to PRIMARY complete") {
            agentLog(id, module: "juju.worker.singular", location: "singular.go:94",
                     "this machine is now the master; starting singular workers (provisioner, firewaller, cleaner)", trace: &trace)
        } else if line.hasPrefix("stepping down from primary") {
            agentLog(id, module: "juju.worker.singular", location: "singular.go:102", level: .warning,
                     "this machine is no longer the master (\(line.dropFirst("stepping down from primary: ".count))); stopping singular workers",
                     trace: &trace)
        } else if line.hasPrefix("election succeeded") {
            agentLog(id, module: "juju.replicaset", location: "replicaset.go:297", "mongod on this machine won an election: \(line)", trace: &trace)
        }
    }
}

/// A log line an API server could not store yet.
public struct HeldLogLine: Codable, Sendable, Equatable {
    public var server: MachineID
    public var document: Document
}
