import BSON
import HACore
import ReplicaSet

/// What bootstrapping a legacy environment needs to know to write its `juju` database.
public struct BootstrapParameters: Sendable {
    public var environmentName: String
    public var environmentUUID: String
    /// The default series, which machine 0 also runs.
    public var series: String
    /// Machine 0's provider address.
    public var address: MachineAddress
    /// Seeds the secrets (certificate, keys, shared secret, password hash).
    public var seed: UInt64
    public var version: JujuVersion
    public var instanceID: String
    public var hardware: Hardware
    /// The environment's `type`; `dummy` is Juju's own in-memory provider, which is what a
    /// simulated cloud is.
    public var providerType = "dummy"
    public var apiPort = 17070
    public var statePort = JujuReplicaSet.statePort

    public init(
        environmentName: String, environmentUUID: String, series: String, address: String, seed: UInt64,
        version: JujuVersion = .juju1_20
    ) {
        self.environmentName = environmentName
        self.environmentUUID = environmentUUID
        self.series = series
        self.address = MachineAddress(value: address, scope: .localCloud)
        self.seed = seed
        self.version = version
        instanceID = "juju-\(environmentUUID.prefix(6))-machine-0"
        hardware = .standard
    }

    /// The state `ensure-availability` sees right after bootstrap.
    public func initialSnapshot(machine0AgentAlive: Bool) -> StateSnapshot {
        StateSnapshot(
            environUUID: environmentUUID, info: StateServerInfo(machineIDs: ["0"], votingMachineIDs: ["0"]),
            machines: [MachineFacts(id: "0", jobs: [.hostUnits, .manageEnviron], hasVote: true,
                                    agentAlive: machine0AgentAlive, series: series)],
            nextMachineSequence: 1)
    }
}

/// One collection's documents.
public struct JujuCollection: Equatable, Sendable {
    public var name: String
    public var documents: [Document]
}

/// The documents of a freshly bootstrapped `juju` database (§8 step 1, §6), before mgo/txn adds
/// its `txn-revno`/`txn-queue` bookkeeping: the environment, its settings and constraints, the
/// state-server records, machine 0 with its instance and constraints, and the machine sequence.
public enum BootstrapDocuments {
    /// Machine 0's nonce (`agent.BootstrapNonce`).
    public static let bootstrapNonce = "user-admin:bootstrap"

    public static func jujuDatabase(_ parameters: BootstrapParameters) -> [JujuCollection] {
        let secrets = BootstrapSecrets(seed: parameters.seed)
        let machine0Constraints = ConstraintsValue().document(
            key: DocumentID.machineGlobalKey("0"), environUUID: parameters.environmentUUID, version: parameters.version)
        return [
            JujuCollection(name: "environments", documents: [environment(parameters)]),
            JujuCollection(name: "settings", documents: [settings(parameters)]),
            JujuCollection(name: "constraints", documents: [environConstraints(parameters), machine0Constraints]),
            JujuCollection(name: StateServerInfo.collection, documents: stateServers(parameters, secrets: secrets)),
            JujuCollection(name: "machines", documents: [machine0(parameters, secrets: secrets)]),
            JujuCollection(name: "instanceData", documents: [instanceData(parameters)]),
            JujuCollection(name: "sequence", documents: [machineSequence(parameters)]),
        ]
    }

    private static func scopedID(_ key: String, _ parameters: BootstrapParameters) -> Value {
        .string(DocumentID.scoped(key, environUUID: parameters.environmentUUID, layout: parameters.version.documentLayout))
    }

    private static func isPrefixed(_ parameters: BootstrapParameters) -> Bool {
        parameters.version.documentLayout == .environmentPrefixed
    }

    /// 1.20 knows only the name and life; later releases record the owner and the state server
    /// environment it belongs to (itself).
    static func environment(_ parameters: BootstrapParameters) -> Document {
        var doc: Document = [
            "_id": .string(parameters.environmentUUID), "name": .string(parameters.environmentName),
            "life": .int32(MachineLife.alive.rawValue),
        ]
        if isPrefixed(parameters) {
            doc.append("owner", "admin@local")
            doc.append("server-uuid", .string(parameters.environmentUUID))
        }
        return doc
    }

    /// The environment config, one field per key. Juju stores a Go map, whose order is random;
    /// here the keys are sorted, after `_id`.
    static func settings(_ parameters: BootstrapParameters) -> Document {
        var values: [(String, Value)] = [
            ("agent-version", .string(parameters.version.description)),
            ("api-port", .int32(Int32(parameters.apiPort))),
            ("default-series", .string(parameters.series)),
            ("name", .string(parameters.environmentName)),
            ("provisioner-safe-mode", false),
            ("state-port", .int32(Int32(parameters.statePort))),
            ("type", .string(parameters.providerType)),
            ("uuid", .string(parameters.environmentUUID)),
        ]
        if isPrefixed(parameters) { values.append(("env-uuid", .string(parameters.environmentUUID))) }
        var doc: Document = ["_id": scopedID("e", parameters)]
        for (key, value) in values.sorted(by: { $0.0 < $1.0 }) { doc.append(key, value) }
        return doc
    }

    private static func environConstraints(_ parameters: BootstrapParameters) -> Document {
        ConstraintsValue().document(key: "e", environUUID: parameters.environmentUUID, version: parameters.version)
    }

    /// `e` (machine 0 is the only state server and voter), the API addresses, the serving info,
    /// and in 1.25 the count of hosted environments.
    static func stateServers(_ parameters: BootstrapParameters, secrets: BootstrapSecrets) -> [Document] {
        let info = StateServerInfo(machineIDs: ["0"], votingMachineIDs: ["0"])
        let hostPorts: Document = [
            "_id": "apiHostPorts",
            "apihostports": [.array([.document(parameters.address.hostPortDocument(port: parameters.apiPort))])],
        ]
        var docs = [
            info.document(environUUID: parameters.environmentUUID, version: parameters.version), hostPorts,
            stateServingInfo(parameters, secrets: secrets),
        ]
        if isPrefixed(parameters) { docs.append(["_id": "hostedEnvironCount", "refcount": .int32(0)]) }
        return docs
    }

    private static func stateServingInfo(_ parameters: BootstrapParameters, secrets: BootstrapSecrets) -> Document {
        var doc: Document = [
            "_id": "stateServingInfo", "apiport": .int32(Int32(parameters.apiPort)),
            "stateport": .int32(Int32(parameters.statePort)), "cert": .string(secrets.cert),
            "privatekey": .string(secrets.privateKey),
        ]
        if isPrefixed(parameters) { doc.append("caprivatekey", .string(secrets.caPrivateKey)) }
        doc.append("sharedsecret", .string(secrets.sharedSecret))
        doc.append("systemidentity", .string(secrets.systemIdentity))
        return doc
    }

    /// "The bootstrap machine always gets the vote."
    static func machine0(_ parameters: BootstrapParameters, secrets: BootstrapSecrets) -> Document {
        let machine = MachineDocument(
            id: "0", nonce: bootstrapNonce, series: parameters.series, jobs: [.hostUnits, .manageEnviron],
            hasVote: true, passwordHash: secrets.passwordHash, addresses: [parameters.address])
        return machine.document(environUUID: parameters.environmentUUID, version: parameters.version)
    }

    /// The provisioned instance; the hardware numbers are Go `uint64`s, so BSON int64.
    static func instanceData(_ parameters: BootstrapParameters) -> Document {
        var doc: Document = ["_id": scopedID("0", parameters)]
        if isPrefixed(parameters) { doc.append("machineid", "0") }
        doc.append("instanceid", .string(parameters.instanceID))
        if isPrefixed(parameters) { doc.append("env-uuid", .string(parameters.environmentUUID)) }
        let hardware = parameters.hardware
        doc.append("arch", .string(hardware.arch))
        doc.append("mem", .int64(Int64(hardware.memoryMiB)))
        doc.append("rootdisk", .int64(Int64(hardware.rootDiskMiB)))
        doc.append("cpucores", .int64(Int64(hardware.cpuCores)))
        doc.append("cpupower", .int64(Int64(hardware.cpuPower)))
        return doc
    }

    /// Machine 0 took number 0, so the counter holds 1.
    static func machineSequence(_ parameters: BootstrapParameters) -> Document {
        var doc: Document = ["_id": scopedID("machine", parameters)]
        if isPrefixed(parameters) {
            doc.append("name", "machine")
            doc.append("env-uuid", .string(parameters.environmentUUID))
        }
        doc.append("counter", .int32(1))
        return doc
    }
}

/// Secrets derived from the bootstrap seed, each from its own named stream so that adding one
/// never changes the others. The shared secret has the shape of Juju's (1024 base64 characters,
/// usable as a mongod key file); the password hash that of `utils.AgentPasswordHash` (24).
struct BootstrapSecrets {
    let cert: String
    let privateKey: String
    let caPrivateKey: String
    let sharedSecret: String
    let systemIdentity: String
    let passwordHash: String

    init(seed: UInt64) {
        let root = Seed(seed)
        cert = Self.hex(Self.bytes(64, root.generator("bootstrap/cert")))
        privateKey = Self.hex(Self.bytes(64, root.generator("bootstrap/private-key")))
        caPrivateKey = Self.hex(Self.bytes(64, root.generator("bootstrap/ca-private-key")))
        sharedSecret = BootstrapSecrets.base64(Self.bytes(768, root.generator("bootstrap/shared-secret")))
        systemIdentity = Self.hex(Self.bytes(64, root.generator("bootstrap/system-identity")))
        passwordHash = BootstrapSecrets.base64(Self.bytes(18, root.generator("bootstrap/machine-0-password")))
    }

    static func bytes(_ count: Int, _ generator: SplitMix64) -> [UInt8] {
        var generator = generator
        var bytes: [UInt8] = []
        while bytes.count < count {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < count {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// Standard base64 with padding.
    static func base64(_ bytes: [UInt8]) -> String {
        var out = ""
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = Array(bytes[start..<min(start + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - 8 * $1.offset) }
            for index in 0..<4 {
                out.append(index <= chunk.count ? base64Alphabet[Int(value >> UInt32(18 - 6 * index) & 0x3F)] : "=")
            }
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}
