import Backups
import BSON
import Foundation
import GRDB
import HACore
import RaftCluster

/// `quorum fixtures generate`: realistic, deterministic backup archives of any size. Legacy ones
/// have a Juju 1.20 (ids as they are, no metadata.json, environconfig.json) or 1.25 layout
/// (`<env-uuid>:<id>` ids, `env-uuid` fields, metadata.json, a logs database); modern ones are
/// format 2 with the controller's tables. The same arguments always give the same bytes.
public struct FixtureSpec: Sendable {
    public var flavor: BackupFlavor
    public var machines: Int
    public var units: Int
    /// Documents (rows, for modern) in all; logs fill what the environment itself does not.
    public var documents: Int
    public var seed: UInt64
    /// `1.20.x` or `1.25.x` (legacy only): which ids and layout.
    public var agentVersion: String

    public init(flavor: BackupFlavor, machines: Int = 3, units: Int = 6, documents: Int = 1000, seed: UInt64 = 0,
                agentVersion: String = "1.20.14") {
        self.flavor = flavor
        self.machines = machines
        self.units = units
        self.documents = documents
        self.seed = seed
        self.agentVersion = agentVersion
    }
}

/// SplitMix64: a small, fast, seedable generator, so fixtures depend only on their seed.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func hex(_ count: Int) -> String {
        var out = ""
        while out.count < count { out += String(next(), radix: 16) }
        return String(out.prefix(count))
    }
}

public enum FixtureGenerator {
    public struct Summary: Sendable {
        public var documents: Int
        public var bytes: Int
    }

    public static func generate(_ spec: FixtureSpec, to path: String) throws -> Summary {
        guard spec.machines >= 1 else { throw MigrationError.invalidArchive("--machines must be at least 1") }
        guard spec.units >= 0, spec.documents >= 0 else { throw MigrationError.invalidArchive("--units and --docs cannot be negative") }
        switch spec.flavor {
        case .legacy:
            var fixture = LegacyFixture(spec: spec)
            return try fixture.write(to: path)
        case .modern:
            var fixture = ModernFixture(spec: spec)
            return try fixture.write(to: path)
        }
    }

    static let charms = ["wordpress", "mysql", "haproxy", "memcached", "nginx", "postgresql", "rabbitmq-server", "mongodb", "apache2", "ntp"]
    static let series = ["trusty", "precise", "xenial"]
    static let modules = ["juju.worker.uniter", "juju.worker.provisioner", "juju.state.apiserver", "juju.worker.peergrouper", "juju.worker.firewaller"]
    static let messages = ["connection established", "running hook config-changed", "watcher loop restarted", "lease claimed",
                           "dialing state server", "unit status changed", "machine agent started", "api request served"]
}

/// Names shared by both flavors.
struct FixtureWorld {
    var random: SplitMix64
    let uuid: String
    let started: Int64
    let services: [String]

    init(spec: FixtureSpec) {
        var random = SplitMix64(state: spec.seed ^ 0x51A5_EED5)
        let hex = random.hex(32)
        let chars = Array(hex)
        uuid = String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-4" + String(chars[13..<16]) + "-a" + String(chars[17..<20]) + "-" + String(chars[20..<32])
        // Some time in 2015, in whole seconds.
        started = (1_420_070_400 + Int64(random.below(31_536_000))) * 1_000_000
        let count = spec.units == 0 ? 0 : max(1, min(spec.units, (spec.units + 2) / 3))
        services = (0..<count).map { i in
            let base = FixtureGenerator.charms[i % FixtureGenerator.charms.count]
            return i < FixtureGenerator.charms.count ? base : "\(base)-\(i / FixtureGenerator.charms.count)"
        }
        self.random = random
    }

    func machineOf(unit: Int, machines: Int) -> String { machines == 1 ? "0" : String(1 + unit % (machines - 1)) }
    func serviceOf(unit: Int) -> String { services[unit % services.count] }
    func unitName(_ unit: Int) -> String { "\(serviceOf(unit: unit))/\(unit / services.count)" }
    func stateServers(_ machines: Int) -> [String] { (0..<min(3, machines)).map(String.init) }
}

struct LegacyFixture {
    let spec: FixtureSpec
    var world: FixtureWorld
    let is125: Bool

    init(spec: FixtureSpec) {
        self.spec = spec
        world = FixtureWorld(spec: spec)
        is125 = !spec.agentVersion.hasPrefix("1.20")
    }

    private func id(_ key: String) -> Value { .string(is125 ? "\(world.uuid):\(key)" : key) }
    private func txn(_ doc: inout Document, _ n: Int) {
        doc.append("txn-revno", .int64(Int64(2 + n % 5)))
        doc.append("txn-queue", .array([]))
    }
    private func env(_ doc: inout Document) { if is125 { doc.append("env-uuid", .string(world.uuid)) } }
    private var time: Int64 { world.started / 1000 }

    mutating func write(to path: String) throws -> FixtureGenerator.Summary {
        let scratch = (path as NSString).deletingLastPathComponent
        let out = try FixtureSummaryWriter(near: scratch.isEmpty ? "." : scratch)
        defer { out.remove() }
        var collections: [(String, String, (inout LegacyFixture, BSONStreamWriter) throws -> Void)] = []
        collections.append(("admin", "system.users", { f, w in try f.adminUsers(w) }))
        collections.append(("juju", "constraints", { f, w in try f.constraints(w) }))
        collections.append(("juju", "environments", { f, w in try f.environments(w) }))
        collections.append(("juju", "instanceData", { f, w in try f.instanceData(w) }))
        collections.append(("juju", "machines", { f, w in try f.machines(w) }))
        collections.append(("juju", "relations", { f, w in try f.relations(w) }))
        collections.append(("juju", "sequence", { f, w in try f.sequence(w) }))
        collections.append(("juju", "services", { f, w in try f.services(w) }))
        collections.append(("juju", "settings", { f, w in try f.settings(w) }))
        collections.append(("juju", "stateServers", { f, w in try f.stateServers(w) }))
        collections.append(("juju", "statuses", { f, w in try f.statuses(w) }))
        if !is125 { collections.append(("juju", "txns", { f, w in try f.filler(w) })) }
        collections.append(("juju", "units", { f, w in try f.units(w) }))
        collections.append(("juju", "users", { f, w in try f.users(w) }))
        if is125 { collections.append(("logs", "logs", { f, w in try f.filler(w) })) }
        collections.append(("presence", "presence.pings", { f, w in try f.pings(w) }))
        // The filler goes last in counting: every other collection is sized by the environment.
        var files: [(database: String, collection: String, path: String, count: Int)] = []
        var fillerIndex: Int?
        for (index, (database, collection, _)) in collections.enumerated() {
            if (database, collection) == ("juju", "txns") || (database, collection) == ("logs", "logs") { fillerIndex = index }
        }
        var total = 0
        for (index, (database, collection, body)) in collections.enumerated() where index != fillerIndex {
            let file = out.scratch("\(database).\(collection).bson")
            let writer = try BSONStreamWriter(path: file)
            try body(&self, writer)
            total += writer.documentsWritten
            files.append((database, collection, file, writer.documentsWritten))
            try writer.close()
        }
        if let fillerIndex {
            let (database, collection, body) = collections[fillerIndex]
            fillerCount = max(0, spec.documents - total)
            let file = out.scratch("\(database).\(collection).bson")
            let writer = try BSONStreamWriter(path: file)
            try body(&self, writer)
            try writer.close()
            let position = files.firstIndex { ($0.database, $0.collection) > (database, collection) } ?? files.count
            files.insert((database, collection, file, fillerCount), at: position)
        }
        let documents = total + fillerCount
        var summary = try out.write(path: path, modificationTime: world.started / 1_000_000) { writer in
            if is125 {
                try writer.addFile(BackupLayout.metadata, bytes: Array(metadata().utf8))
                try writer.addFile(BackupLayout.rootTar, bytes: try rootTar())
            }
            try writer.addDirectory(BackupLayout.dump)
            var database = ""
            for file in files {
                if file.database != database {
                    database = file.database
                    try writer.addDirectory("\(BackupLayout.dump)/\(database)")
                }
                try copy(file: file.path, into: writer, as: BackupLayout.collectionBSON(file.database, file.collection))
                let dump = CollectionDump(database: file.database, collection: file.collection, documents: [])
                try writer.addFile(BackupLayout.collectionMetadata(file.database, file.collection), bytes: Array(MongoDumpFiles.metadataJSON(dump).utf8))
            }
            if is125 {
                try writer.addFile(BackupLayout.oplog, bytes: try oplog())
            } else {
                try writer.addFile(BackupLayout.environConfig, bytes: Array(environConfig().utf8))
                try writer.addFile(BackupLayout.rootTar, bytes: try rootTar())
            }
        }
        summary.documents = documents
        return summary
    }

    var fillerCount = 0

    // MARK: Collections

    func adminUsers(_ w: BSONStreamWriter) throws {
        for machine in world.stateServers(spec.machines) {
            try w.write(["_id": .string("admin.machine-\(machine)"), "user": .string("machine-\(machine)"), "db": "admin",
                         "credentials": ["MONGODB-CR": .string(String(repeating: "a", count: 32))],
                         "roles": .array(["dbAdminAnyDatabase", "userAdminAnyDatabase", "clusterAdmin", "readWriteAnyDatabase"].map { .document(["role": .string($0), "db": "admin"]) })])
        }
    }

    func constraints(_ w: BSONStreamWriter) throws {
        var e: Document = ["_id": id("e")]
        env(&e)
        e.append("mem", .int64(2048))
        txn(&e, 0)
        try w.write(e)
        for machine in 0..<spec.machines {
            var doc: Document = ["_id": id("m#\(machine)")]
            env(&doc)
            if machine % 2 == 0 { doc.append("cpucores", .int64(2)) }
            doc.append("arch", "amd64")
            txn(&doc, machine)
            try w.write(doc)
        }
    }

    func environments(_ w: BSONStreamWriter) throws {
        var doc: Document = ["_id": .string(world.uuid), "name": "quorum", "life": .int32(0)]
        if is125 {
            doc.append("owner", "admin@local")
            doc.append("server-uuid", .string(world.uuid))
        }
        txn(&doc, 1)
        try w.write(doc)
    }

    func instanceData(_ w: BSONStreamWriter) throws {
        for machine in 0..<spec.machines {
            var doc: Document = ["_id": id(String(machine))]
            if is125 { doc.append("machineid", .string(String(machine))) }
            env(&doc)
            doc.append("instanceid", .string("juju-\(world.uuid.prefix(6))-machine-\(machine)"))
            doc.append("arch", "amd64")
            doc.append("mem", .int64(Int64(2048 << (machine % 3))))
            doc.append("rootdisk", .int64(8192))
            doc.append("cpucores", .int64(Int64(1 + machine % 4)))
            if is125 { doc.append("availzone", .string("zone-\(machine % 3)")) }
            txn(&doc, machine)
            try w.write(doc)
        }
    }

    func machines(_ w: BSONStreamWriter) throws {
        let servers = Set(world.stateServers(spec.machines))
        for machine in 0..<spec.machines {
            let name = String(machine)
            var doc: Document = ["_id": id(name)]
            if is125 { doc.append("machineid", .string(name)) }
            env(&doc)
            doc.append("nonce", .string(machine == 0 ? "user-admin:bootstrap" : "machine-\(machine):\(world.uuid.prefix(8))"))
            doc.append("series", .string(FixtureGenerator.series[machine % 2]))
            doc.append("containertype", "")
            let principals = (0..<spec.units).filter { world.machineOf(unit: $0, machines: spec.machines) == name }.prefix(50)
            doc.append("principals", .array(principals.map { .string(world.unitName($0)) }))
            doc.append("life", .int32(0))
            doc.append("jobs", servers.contains(name) ? [.int32(1), .int32(2)] : [.int32(1)])
            doc.append("novote", .bool(!servers.contains(name)))
            doc.append("hasvote", .bool(servers.contains(name)))
            doc.append("passwordhash", .string("hash-\(machine)"))
            doc.append("clean", .bool(principals.isEmpty))
            let address: Document = ["value": .string("10.0.\(machine / 250).\(machine % 250 + 2)"), "addresstype": "ipv4", "networkscope": "local-cloud"]
            doc.append("addresses", [.document(address)])
            doc.append("machineaddresses", [.document(address)])
            doc.append("supportedcontainersknown", true)
            if is125 {
                doc.append("volumes", .array([]))
                doc.append("preferredprivateaddress", .document(address))
            }
            txn(&doc, machine)
            try w.write(doc)
        }
    }

    func relations(_ w: BSONStreamWriter) throws {
        guard world.services.count > 1 else { return }
        for i in 1..<world.services.count {
            let key = "\(world.services[i]):juju-info \(world.services[0]):juju-info"
            var doc: Document = ["_id": id(key)]
            if is125 { doc.append("key", .string(key)) }
            env(&doc)
            doc.append("id", .int32(Int32(i - 1)))
            doc.append("endpoints", .array([world.services[i], world.services[0]].map {
                .document(["servicename": .string($0), "relation": ["name": "juju-info", "role": "provider", "interface": "juju-info", "scope": "global"]])
            }))
            doc.append("life", .int32(0))
            doc.append("unitcount", .int32(2))
            txn(&doc, i)
            try w.write(doc)
        }
    }

    func sequence(_ w: BSONStreamWriter) throws {
        var doc: Document = ["_id": id("machine")]
        env(&doc)
        doc.append("counter", .int32(Int32(spec.machines)))
        try w.write(doc)
    }

    private func charm(_ service: String) -> String {
        "cs:trusty/\(service.split(separator: "-").first.map(String.init) ?? service)-\(service.count)"
    }

    func services(_ w: BSONStreamWriter) throws {
        for (i, service) in world.services.enumerated() {
            var doc: Document = ["_id": id(service)]
            if is125 { doc.append("name", .string(service)) }
            env(&doc)
            doc.append("series", "trusty")
            doc.append("subordinate", false)
            doc.append("charmurl", .string(charm(service)))
            doc.append("forcecharm", false)
            doc.append("life", .int32(0))
            doc.append("unitseq", .int32(Int32((spec.units + world.services.count - 1 - i) / world.services.count)))
            doc.append("unitcount", .int32(Int32((spec.units + world.services.count - 1 - i) / world.services.count)))
            doc.append("relationcount", .int32(i == 0 ? Int32(world.services.count - 1) : 1))
            doc.append("exposed", .bool(i % 2 == 0))
            doc.append("minunits", .int32(0))
            doc.append("ownertag", "user-admin")
            txn(&doc, i)
            try w.write(doc)
        }
    }

    func settings(_ w: BSONStreamWriter) throws {
        var e: Document = ["_id": id("e")]
        e.append("agent-version", .string(spec.agentVersion))
        e.append("api-port", .int32(17070))
        e.append("default-series", "trusty")
        if is125 { e.append("env-uuid", .string(world.uuid)) }
        e.append("name", "quorum")
        e.append("provisioner-safe-mode", false)
        e.append("state-port", .int32(37017))
        e.append("type", "dummy")
        e.append("uuid", .string(world.uuid))
        txn(&e, 0)
        try w.write(e)
        for (i, service) in world.services.enumerated() {
            var doc: Document = ["_id": id("s#\(service)#\(charm(service))")]
            env(&doc)
            doc.append("tuning", .string(["safest", "optimized", "single"][i % 3]))
            doc.append("port", .int64(Int64(8000 + i)))
            doc.append("debug", .bool(i % 3 == 0))
            txn(&doc, i)
            try w.write(doc)
        }
    }

    func stateServers(_ w: BSONStreamWriter) throws {
        let servers = world.stateServers(spec.machines)
        var e: Document = ["_id": id("e")]
        env(&e)
        e.append("machineids", .array(servers.map { .string($0) }))
        e.append("votingmachineids", .array(servers.map { .string($0) }))
        txn(&e, 0)
        try w.write(e)
        let hostPorts: [Value] = servers.map { machine in
            let n = Int(machine)!
            return [.document(["value": .string("10.0.\(n / 250).\(n % 250 + 2)"), "addresstype": "ipv4", "networkname": "",
                               "networkscope": "local-cloud", "port": .int32(17070)])]
        }
        try w.write(["_id": "apiHostPorts", "apihostports": .array(hostPorts), "txn-revno": .int64(3), "txn-queue": .array([])])
        var info: Document = ["_id": "stateServingInfo", "apiport": .int32(17070), "stateport": .int32(37017),
                              "cert": .string("-----BEGIN CERTIFICATE-----\n\(world.uuid)\n-----END CERTIFICATE-----\n"),
                              "privatekey": .string("-----BEGIN RSA PRIVATE KEY-----\n\(world.uuid.reversed())\n-----END RSA PRIVATE KEY-----\n")]
        if is125 { info.append("caprivatekey", .string("-----BEGIN RSA PRIVATE KEY-----\nca\n-----END RSA PRIVATE KEY-----\n")) }
        info.append("sharedsecret", .string(String(world.uuid.prefix(16))))
        info.append("systemidentity", .string("-----BEGIN RSA PRIVATE KEY-----\nsystem\n-----END RSA PRIVATE KEY-----\n"))
        try w.write(info)
        if is125 { try w.write(["_id": "hostedEnvironCount", "refcount": .int32(0)]) }
    }

    func statuses(_ w: BSONStreamWriter) throws {
        for machine in 0..<spec.machines {
            var doc: Document = ["_id": id("m#\(machine)")]
            env(&doc)
            doc.append("status", .string(machine % 17 == 5 ? "pending" : "started"))
            doc.append("statusinfo", "")
            doc.append("statusdata", .document([:]))
            if is125 { doc.append("updated", .int64(world.started * 1000 + Int64(machine))) }
            txn(&doc, machine)
            try w.write(doc)
        }
        for unit in 0..<spec.units {
            var doc: Document = ["_id": id("u#\(world.unitName(unit))")]
            env(&doc)
            doc.append("status", .string(unit % 11 == 3 ? "error" : "started"))
            doc.append("statusinfo", .string(unit % 11 == 3 ? "hook failed: \"config-changed\"" : ""))
            doc.append("statusdata", .document(unit % 11 == 3 ? ["hook": "config-changed"] : [:]))
            txn(&doc, unit)
            try w.write(doc)
        }
        for service in world.services {
            var doc: Document = ["_id": id("s#\(service)")]
            env(&doc)
            doc.append("status", "active")
            doc.append("statusinfo", "")
            txn(&doc, 0)
            try w.write(doc)
        }
    }

    func units(_ w: BSONStreamWriter) throws {
        for unit in 0..<spec.units {
            let name = world.unitName(unit)
            var doc: Document = ["_id": id(name)]
            if is125 { doc.append("name", .string(name)) }
            env(&doc)
            doc.append("service", .string(world.serviceOf(unit: unit)))
            doc.append("series", "trusty")
            doc.append("charmurl", .string(charm(world.serviceOf(unit: unit))))
            doc.append("principal", "")
            doc.append("subordinates", .array([]))
            doc.append("machineid", .string(world.machineOf(unit: unit, machines: spec.machines)))
            doc.append("resolved", "")
            doc.append("tools", ["version": .string("\(spec.agentVersion)-trusty-amd64"), "url": "", "sha256": "", "size": .int64(0)])
            doc.append("life", .int32(0))
            doc.append("passwordhash", .string("unit-hash-\(unit)"))
            txn(&doc, unit)
            try w.write(doc)
        }
    }

    func users(_ w: BSONStreamWriter) throws {
        for (i, user) in ["admin", "alice", "bob"].enumerated() {
            var doc: Document = ["_id": id(user)]
            if is125 { doc.append("name", .string(user)) }
            env(&doc)
            doc.append("displayname", .string(user.capitalized))
            doc.append("passwordhash", .string("pw-\(user)"))
            doc.append("passwordsalt", .string("salt-\(i)"))
            doc.append("createdby", "admin")
            doc.append("datecreated", .datetime(time + Int64(i) * 60_000))
            doc.append("deactivated", false)
            txn(&doc, i)
            try w.write(doc)
        }
    }

    func pings(_ w: BSONStreamWriter) throws {
        for i in 0..<max(1, spec.machines / 2) {
            try w.write(["_id": .string("\(world.uuid):\(1_420_000_000 + i * 30)"), "slot": .int64(Int64(1_420_000_000 + i * 30)),
                         "alive": ["0": .int64(Int64(1) << (i % 60))]])
        }
    }

    /// Logs (1.25, the logs database) or transactions (1.20): what makes an archive large.
    mutating func filler(_ w: BSONStreamWriter) throws {
        var random = world.random
        for i in 0..<fillerCount {
            let oid = ObjectID(bytes: withUnsafeBytes(of: (UInt32(world.started / 1_000_000) &+ UInt32(i / 100)).bigEndian, Array.init)
                + withUnsafeBytes(of: UInt64(i).bigEndian, Array.init))!
            if is125 {
                let machine = random.below(spec.machines)
                try w.write(["_id": .objectID(oid), "t": .datetime(time + Int64(i) * 10), "e": .string(world.uuid),
                             "n": .string("machine-\(machine)"), "m": .string(FixtureGenerator.modules[random.below(FixtureGenerator.modules.count)]),
                             "l": .string("worker.go:\(100 + random.below(900))"), "v": .int32(Int32(2 + random.below(4))),
                             "x": .string("\(FixtureGenerator.messages[random.below(FixtureGenerator.messages.count)]) (\(i))")])
            } else {
                let machine = String(random.below(spec.machines))
                try w.write(["_id": .objectID(oid), "s": .int32(6), "o": .array([.document([
                    "c": "machines", "d": .string(machine), "a": ["life": .int32(0)],
                    "u": ["$set": ["passwordhash": .string("hash-\(machine)-\(i)")]],
                ])]), "n": .string(random.hex(8))])
            }
        }
    }

    func environConfig() -> String {
        "{ \"_id\" : \"e\", \"agent-version\" : \"\(spec.agentVersion)\", \"name\" : \"quorum\", \"type\" : \"dummy\", \"uuid\" : \"\(world.uuid)\" }\n"
    }

    func metadata() -> String {
        var metadata = LegacyBackupMetadata(environment: world.uuid, machine: "0", hostname: "juju-\(world.uuid.prefix(6))-machine-0",
                                            version: spec.agentVersion, started: world.started)
        metadata.notes = "fixture seed \(spec.seed)"
        return metadata.json(format: .v0)
    }

    func rootTar() throws -> [UInt8] {
        let conf = """
            # format 1.18
            tag: machine-0
            datadir: /var/lib/juju
            logdir: /var/log/juju
            nonce: user-admin:bootstrap
            jobs:
            - JobManageEnviron
            - JobHostUnits
            upgradedToVersion: \(spec.agentVersion)
            cacert: |
              -----BEGIN CERTIFICATE-----
              \(world.uuid)
              -----END CERTIFICATE-----
            stateaddresses:
            - localhost:37017
            apiaddresses:
            - localhost:17070
            oldpassword: \(world.uuid.prefix(24))
            values:
              AGENT_SERVICE_NAME: jujud-machine-0
              PROVIDER_TYPE: dummy
            apiport: 17070
            stateport: 37017
            statepassword: \(world.uuid.suffix(24))
            apipassword: \(world.uuid.suffix(24))

            """
        let writer = ArchiveWriter(inMemory: .none, modificationTime: world.started / 1_000_000)
        for directory in ["var", "var/lib", "var/lib/juju", "var/lib/juju/agents", "var/lib/juju/agents/machine-0"] {
            try writer.addDirectory(directory)
        }
        try writer.addFile("var/lib/juju/agents/machine-0/agent.conf", bytes: Array(conf.utf8))
        try writer.addFile("var/lib/juju/system-identity", bytes: Array("-----BEGIN RSA PRIVATE KEY-----\nsystem\n-----END RSA PRIVATE KEY-----\n".utf8))
        return try writer.finish()
    }

    func oplog() throws -> [UInt8] {
        let ts = UInt32(world.started / 1_000_000)
        let entry: Document = ["ts": .timestamp(Timestamp(seconds: ts, increment: 1)), "h": .int64(1), "v": .int32(2), "op": "n",
                               "ns": "", "o": ["msg": "initiating set"]]
        return try entry.encode()
    }
}

/// The scratch directory a fixture is assembled in, and its atomic output.
final class FixtureSummaryWriter {
    let directory: String

    init(near parent: String) throws {
        directory = parent + "/.quorum-fixture-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false) } catch {
            throw MigrationError.io("cannot create \(directory): \(error.localizedDescription)")
        }
    }

    func scratch(_ name: String) -> String { directory + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    func write(path: String, modificationTime: Int64, _ body: (ArchiveWriter) throws -> Void) throws -> FixtureGenerator.Summary {
        var manifest = Manifest()
        try AtomicOutput.write(to: path) { temporary in
            let writer = try ArchiveWriter(path: temporary, compression: .gzip, modificationTime: modificationTime)
            try writer.addDirectory(BackupLayout.root)
            try body(writer)
            manifest = writer.manifest
            try writer.addFile(Manifest.archivePath, bytes: manifest.jsonBytes())
            _ = try writer.finish()
        }
        return FixtureGenerator.Summary(documents: 0, bytes: manifest.entries.reduce(0) { $0 + $1.size })
    }
}
