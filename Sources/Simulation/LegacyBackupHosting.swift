import BSON
import HACore
import LegacyJuju
import ReplicaSet

/// One collection read through the primary for a backup, or written back by a restore.
public struct DumpedCollection: Codable, Sendable, Equatable {
    public var database: String
    public var collection: String
    public var options: Document
    public var documents: [Document]

    public init(database: String, collection: String, options: Document, documents: [Document]) {
        self.database = database
        self.collection = collection
        self.options = options
        self.documents = documents
    }
}

/// What `create-backup` read from the replica set: mongodump's view of every database, the
/// oplog entries written while it ran, and where and when it ran.
public struct DatabaseDump: Sendable, Equatable {
    public var collections: [DumpedCollection]
    public var oplog: [Document]
    /// The state server whose API server took the backup (`Origin.Machine`).
    public var origin: MachineID
    public var hostname: String
    /// Simulated wall-clock microseconds since the Unix epoch.
    public var started: Int64
    public var finished: Int64
}

/// What a legacy restore writes into a freshly bootstrapped environment.
public struct LegacyRestoreInput: Codable, Sendable, Equatable {
    public var collections: [DumpedCollection]
    /// Replayed after the collections, as `mongorestore --oplogReplay` does (1.22+ backups).
    public var oplog: [Document]

    public init(collections: [DumpedCollection], oplog: [Document]) {
        self.collections = collections
        self.oplog = oplog
    }
}

extension World {
    /// mongodump leaves out the replica set's own database and Juju strips its backups store.
    static let databasesNotDumped: Set<String> = ["local", "backups"]

    /// The simulated wall clock in Unix microseconds (the members' epoch plus simulated time).
    public var wallMicros: Int64 { MemberSettings().epochMillis * 1_000 + now.microseconds }

    public var legacyBootstrapParameters: BootstrapParameters { bootstrapParameters }

    /// `juju backups create`: waits until the replica set is ready (Juju's `WaitUntilReady`, 60 s),
    /// then dumps every database through the primary from the API server that took the call.
    mutating func createLegacyBackup(trace: inout Trace) -> InputOutcome {
        let start = now
        guard run(until: { $0.primaryMachine != nil }, limit: start + .seconds(60), trace: &trace),
              let primary = primaryMachine else {
            return .failed("HA not ready; try again later: timed out after 60 seconds", hints: quorumLossHints)
        }
        let origin = backupOrigin(primary: primary)
        let client = MachineID.agentClient(of: origin)
        let started = wallMicros
        let since = members.first { $0.machine == primary }?.durable.lastApplied.ts ?? Timestamp(seconds: 0, increment: 0)
        guard let collections = dumpCollections(from: client, on: primary, trace: &trace) else {
            return .failed("HA not ready; try again later: lost the primary while dumping", hints: quorumLossHints)
        }
        let oplogQuery: Document = ["find": "oplog.rs", "filter": ["ts": ["$gt": .timestamp(since)]]]
        let oplog = call(from: client, to: primary, database: "local", command: oplogQuery, trace: &trace)
            .flatMap { $0["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue) } ?? []
        let dump = DatabaseDump(collections: collections, oplog: oplog, origin: origin,
                                hostname: machine(origin)?.instanceID ?? instanceID(for: origin), started: started, finished: wallMicros)
        return .backup(dump)
    }

    /// The API server that handles the call: machine 0 while its agent lives, else the first
    /// live state server.
    private func backupOrigin(primary: MachineID) -> MachineID {
        let servers = controllers.filter { machine($0)?.isRunning == true && agentAlive($0) }
        return servers.first ?? primary
    }

    private mutating func dumpCollections(from client: Int, on primary: MachineID, trace: inout Trace) -> [DumpedCollection]? {
        guard let reply = call(from: client, to: primary, database: "admin", command: ["listDatabases": .int32(1)], trace: &trace),
              let databases = reply["databases"]?.arrayValue else { return nil }
        var dumped: [DumpedCollection] = []
        for name in databases.compactMap({ $0.documentValue?["name"]?.stringValue }).sorted()
        where !Self.databasesNotDumped.contains(name) {
            guard let listed = call(from: client, to: primary, database: name, command: ["listCollections": .int32(1)], trace: &trace),
                  let entries = listed["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue) else { return nil }
            for entry in entries {
                guard let collection = entry["name"]?.stringValue else { continue }
                guard let documents = findAll(collection, database: name, from: client, on: primary, trace: &trace) else { return nil }
                dumped.append(DumpedCollection(database: name, collection: collection,
                                               options: entry["options"]?.documentValue ?? [:], documents: documents))
            }
        }
        return dumped
    }

    /// Every document of a collection, following the cursor with `getMore`.
    private mutating func findAll(_ collection: String, database: String, from client: Int, on primary: MachineID,
                                  trace: inout Trace) -> [Document]? {
        let first: Document = ["find": .string(collection), "filter": .document([:]), "batchSize": .int32(10_000)]
        guard var reply = call(from: client, to: primary, database: database, command: first, trace: &trace),
              var cursor = reply["cursor"]?.documentValue else { return nil }
        var documents = cursor["firstBatch"]?.arrayValue?.compactMap(\.documentValue) ?? []
        while let id = cursor["id"]?.int64Value, id != 0 {
            let more: Document = ["getMore": .int64(id), "collection": .string(collection), "batchSize": .int32(10_000)]
            guard let next = call(from: client, to: primary, database: database, command: more, trace: &trace),
                  let nextCursor = next["cursor"]?.documentValue else { return nil }
            reply = next
            cursor = nextCursor
            documents += cursor["nextBatch"]?.arrayValue?.compactMap(\.documentValue) ?? []
        }
        return documents
    }

    /// The 1.20 restore on a freshly bootstrapped machine 0: every dumped collection replaces
    /// the fresh one (`mongorestore --drop`), the oplog is replayed, the state is pointed at the
    /// new instance with a single state server, and the machines that are still the
    /// environment's come back with their agents talking to the new state server.
    mutating func restoreLegacy(_ input: LegacyRestoreInput, trace: inout Trace) -> InputOutcome {
        guard let primary = primaryMachine else { return .failed("no reachable servers", hints: []) }
        let client = World.apiClient
        for dump in input.collections {
            let drop = call(from: client, to: primary, database: dump.database, command: ["drop": .string(dump.collection)], trace: &trace)
            guard drop != nil else { return .failed("restore failed: lost the primary", hints: []) }
            for start in stride(from: 0, to: dump.documents.count, by: 1_000) {
                let batch = dump.documents[start..<min(start + 1_000, dump.documents.count)]
                let insert: Document = ["insert": .string(dump.collection), "documents": .array(batch.map(Value.document)),
                                        "writeConcern": ["w": .int32(1)]]
                guard let reply = call(from: client, to: primary, database: dump.database, command: insert, trace: &trace),
                      reply["ok"]?.doubleValue == 1, reply["writeErrors"] == nil else {
                    return .failed("restore failed: cannot write \(dump.database).\(dump.collection)", hints: [])
                }
            }
        }
        for entry in input.oplog {
            guard let (database, command) = Self.replayCommand(entry) else { continue }
            _ = call(from: client, to: primary, database: database, command: command, trace: &trace)
        }
        let fixups = RestoreFixups(environmentUUID: environmentUUID, version: jujuVersion, newInstanceID: instanceID(for: 0))
        for (database, command) in fixups.commands {
            guard let reply = call(from: client, to: primary, database: database, command: command, trace: &trace),
                  reply["ok"]?.doubleValue == 1 else { return .failed("restore failed: cannot update the restored state", hints: []) }
        }
        adoptRestoredMachines(trace: &trace)
        return .done
    }

    /// An oplog entry as the command `mongorestore --oplogReplay` applies.
    static func replayCommand(_ entry: Document) -> (String, Document)? {
        guard let op = entry["op"]?.stringValue, let ns = entry["ns"]?.stringValue, let o = entry["o"]?.documentValue,
              let dot = ns.firstIndex(of: ".") else { return nil }
        let database = String(ns[..<dot]), collection = String(ns[ns.index(after: dot)...])
        switch op {
        case "i":
            guard let id = o["_id"] else { return nil }
            return (database, ["update": .string(collection), "updates": [["q": ["_id": id], "u": .document(o), "upsert": true]]])
        case "u":
            guard let id = entry["o2"]?.documentValue?["_id"] else { return nil }
            return (database, ["update": .string(collection), "updates": [["q": ["_id": id], "u": .document(o), "upsert": true]]])
        case "d":
            guard let id = o["_id"] else { return nil }
            return (database, ["delete": .string(collection), "deletes": [["q": ["_id": id], "limit": .int32(1)]]])
        default:
            return nil
        }
    }

    /// After a restore the world's machines follow the restored `machines` collection: the
    /// sequence continues from the backup's counter, and every machine other than 0 that is
    /// still there is a running instance whose agent restarts against the new state server.
    private mutating func adoptRestoredMachines(trace: inout Trace) {
        let counter = jujuDocuments("sequence").first { ($0["_id"]?.stringValue ?? "").hasSuffix("machine") }?["counter"]?.int64Value
        if let counter { nextMachineNumber = max(nextMachineNumber, Int(counter)) }
        let instances = jujuDocuments("instanceData")
        for doc in jujuDocuments("machines") {
            guard let text = (doc["machineid"] ?? doc["_id"])?.stringValue, let id = MachineID(parsing: text), id != 0,
                  machine(id) == nil else { continue }
            let jobs = (doc["jobs"]?.arrayValue ?? []).compactMap { $0.int64Value.flatMap { MachineJob(rawValue: Int($0)) } }
            // A state server that lost its place in stateServers keeps only its unit-hosting job here.
            var restored = Machine(id: id, jobs: jobs.filter { $0 != .manageEnviron }.sorted(), series: doc["series"]?.stringValue ?? config.series)
            restored.apiServers = controllers
            machines.append(restored)
            machines.sort { $0.id < $1.id }
            let instance = instances.first { ($0["machineid"] ?? $0["_id"])?.stringValue == text }?["instanceid"]?.stringValue
                ?? instanceID(for: id)
            update(id, trace: &trace) { $0.onProvisioningStarted(instanceID: instance, delay: .seconds(5)) }
            trace.append(at: now, seq: eventCount, "\(id.tag) agent restarted with the restored state server's addresses")
        }
        for i in machines.indices { machines[i].onAPIServersChanged(controllers) }
    }
}
