import BSON
import Foundation
import HACore

/// One MongoDB database of a legacy state server and the collections bootstrap leaves in it.
public struct JujuDatabase: Equatable, Sendable {
    public var name: String
    public var collections: [JujuCollection]

    public init(name: String, collections: [JujuCollection]) {
        self.name = name
        self.collections = collections
    }
}

/// The databases besides the `juju` documents `jujuDatabase(_:)` writes (§6, §5.2): the rest of
/// `juju` (the admin user and machine 0's status), the MongoDB users in `admin`, machine 0's
/// presence registration, and from 1.24 on the first line machine 0 logs into `logs`.
///
/// Only collections that hold documents are returned: MongoDB creates a collection on its first
/// insert, so an empty one would only be an index the emulation has no use for.
extension BootstrapDocuments {
    /// The mgo user roles every state server's MongoDB user, and the `admin` user, are given
    /// (`mongo.SetAdminMongoPassword`).
    static let stateServerMongoRoles = ["dbAdminAnyDatabase", "userAdminAnyDatabase", "clusterAdmin", "readWriteAnyDatabase"]

    /// `bootstrapTime` is the simulated clock's reading, in milliseconds since the epoch, when
    /// `jujud bootstrap-state` ran; every date in these documents derives from it.
    public static func otherDatabases(_ parameters: BootstrapParameters, bootstrapTime: Int64) -> [JujuDatabase] {
        var databases = [
            JujuDatabase(name: "juju", collections: [
                JujuCollection(name: "users", documents: [jujuAdminUser(parameters, bootstrapTime: bootstrapTime)]),
                JujuCollection(name: "statuses", documents: [machine0Status(parameters, bootstrapTime: bootstrapTime)]),
            ]),
            JujuDatabase(name: "admin", collections: [
                JujuCollection(name: "system.users", documents: [
                    mongoUser("admin", password: oldPassword(parameters)),
                    adminUser(forMachine: "0", parameters: parameters),
                ]),
            ]),
            JujuDatabase(name: "presence", collections: presenceCollections(parameters)),
        ]
        if parameters.version.logsToDatabase {
            databases.append(JujuDatabase(name: "logs", collections: [
                JujuCollection(name: "logs", documents: [machine0StartLine(parameters, bootstrapTime: bootstrapTime)]),
            ]))
        }
        return databases
    }

    /// The `admin.system.users` document of state server `id`'s MongoDB user, named after its
    /// machine tag; ensure-availability's new state servers get one each, shaped like machine 0's.
    public static func adminUser(forMachine id: String, parameters: BootstrapParameters) -> Document {
        mongoUser("machine-\(id)", password: mongoPassword(forMachine: id, parameters: parameters))
    }

    /// The agent configuration's `oldpassword`: bootstrap's hash of the admin secret, which is both
    /// the MongoDB `admin` user's password and the `juju` admin user's stored hash. Seeded, with the
    /// 24-character shape of `utils.UserPasswordHash`.
    public static func oldPassword(_ parameters: BootstrapParameters) -> String {
        seededPassword(parameters.seed, label: "bootstrap/old-password")
    }

    /// State server `id`'s MongoDB password (its agent's `statepassword`). Seeded per machine,
    /// 24 characters like `utils.RandomPassword`.
    public static func mongoPassword(forMachine id: String, parameters: BootstrapParameters) -> String {
        seededPassword(parameters.seed, label: "bootstrap/mongo-password/machine-\(id)")
    }

    private static func seededPassword(_ seed: UInt64, label: String) -> String {
        BootstrapSecrets.base64(BootstrapSecrets.bytes(18, Seed(seed).generator(label)))
    }

    private static func environmentPrefixed(_ parameters: BootstrapParameters) -> Bool {
        parameters.version.documentLayout == .environmentPrefixed
    }

    /// `key`, or `<env-uuid>:key` where the version's layout scopes ids by environment.
    private static func environmentScoped(_ key: String, _ parameters: BootstrapParameters) -> String {
        DocumentID.scoped(key, environUUID: parameters.environmentUUID, layout: parameters.version.documentLayout)
    }
}

// MARK: - juju: users and statuses

extension BootstrapDocuments {
    /// Go's zero `time.Time` as mgo stores it: 0001-01-01T00:00:00Z.
    static let goZeroTime: Int64 = -62_135_596_800_000

    /// The `admin` user. 1.20's `userDoc` tags its name `_id_`, so mgo/txn stores the name twice
    /// (`_id` from the op, `_id_` from the struct); `AddUser` leaves display name and creator empty
    /// and the never-used `lastconnection` at Go's zero time. From the project's 1.23 switch the
    /// user comes from `createInitialUserOp`: a `name` field, the owner as display name and creator.
    /// Either way bootstrap stores the agent's `oldpassword` as the hash with an empty salt
    /// (meaning `utils.CompatSalt`). The `users` collection is global, so the id is never prefixed.
    static func jujuAdminUser(_ parameters: BootstrapParameters, bootstrapTime: Int64) -> Document {
        let hash = Value.string(oldPassword(parameters))
        let created = Value.datetime(roundedToSecond(bootstrapTime))
        guard environmentPrefixed(parameters) else {
            return [
                "_id": "admin", "_id_": "admin", "displayname": "", "deactivated": false, "passwordhash": hash,
                "passwordsalt": "", "createdby": "", "datecreated": created, "lastconnection": .datetime(goZeroTime),
            ]
        }
        return [
            "_id": "admin", "name": "admin", "displayname": "admin", "deactivated": false, "passwordhash": hash,
            "passwordsalt": "", "createdby": "admin", "datecreated": created,
        ]
    }

    /// Juju keeps dates to the second (`time.Now().Round(time.Second)`); halves round up.
    static func roundedToSecond(_ milliseconds: Int64) -> Int64 {
        wholeSeconds(milliseconds + 500) * 1000
    }

    /// Seconds since the epoch, rounded toward the past as Go's `Unix()` does.
    static func wholeSeconds(_ milliseconds: Int64) -> Int64 {
        let quotient = milliseconds / 1000
        return milliseconds % 1000 < 0 ? quotient - 1 : quotient
    }

    /// Machine 0's agent status once its agent has started. `statusdata` is a nil Go map, which
    /// mgo writes as an empty document. 1.25 also records when it was set (`updated`, Unix
    /// nanoseconds) and `neverset`, which only service statuses start out true.
    static func machine0Status(_ parameters: BootstrapParameters, bootstrapTime: Int64) -> Document {
        let key = DocumentID.machineGlobalKey("0")
        let prefixed = environmentPrefixed(parameters)
        var doc: Document = ["_id": .string(environmentScoped(key, parameters))]
        if prefixed { doc.append("env-uuid", .string(parameters.environmentUUID)) }
        doc.append("status", "started")
        doc.append("statusinfo", "")
        doc.append("statusdata", .document(Document()))
        if prefixed {
            doc.append("updated", .int64(bootstrapTime &* 1_000_000))
            doc.append("neverset", false)
        }
        return doc
    }
}

// MARK: - admin: MongoDB users

extension BootstrapDocuments {
    /// A user as MongoDB 2.6+ keeps it after mgo's `UpsertUser`: mgo sends the MONGODB-CR digest
    /// of the password rather than the password, so that digest is the stored credential.
    static func mongoUser(_ name: String, password: String) -> Document {
        [
            "_id": .string("admin.\(name)"), "user": .string(name), "db": "admin",
            "credentials": ["MONGODB-CR": .string(MongoCR.key(user: name, password: password))],
            "roles": .array(stateServerMongoRoles.map { (role: String) -> Value in ["role": .string(role), "db": "admin"] }),
        ]
    }
}

/// MongoDB's challenge-response password digest: hex MD5 of `user:mongo:password`.
enum MongoCR {
    static func key(user: String, password: String) -> String {
        BootstrapSecrets.hex(MD5.digest(Array("\(user):mongo:\(password)".utf8)))
    }
}

/// MD5 (RFC 1321), which the MONGODB-CR digest needs and the toolchain's libraries do not
/// offer portably.
enum MD5 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476]
        let padded = pad(message)
        for start in stride(from: 0, to: padded.count, by: 64) {
            let block = Array(padded[start..<start + 64])
            state = zip(state, compress(state, block)).map { $0 &+ $1 }
        }
        return state.flatMap(littleEndian)
    }

    /// A 1 bit, zeros up to 56 bytes mod 64, then the message length in bits, little-endian.
    private static func pad(_ message: [UInt8]) -> [UInt8] {
        var padded = message + [0x80]
        while padded.count % 64 != 56 { padded.append(0) }
        return padded + littleEndian64(UInt64(message.count) &* 8)
    }

    /// The 64 steps over one block; returns the new (a, b, c, d) to add to the state.
    private static func compress(_ state: [UInt32], _ block: [UInt8]) -> [UInt32] {
        let words = (0..<16).map { word(block, at: $0 * 4) }
        var (a, b, c, d) = (state[0], state[1], state[2], state[3])
        for step in 0..<64 {
            let (mixed, index) = mix(step, b, c, d)
            let sum = a &+ mixed &+ sines[step] &+ words[index]
            (a, b, c, d) = (d, b &+ rotateLeft(sum, by: shifts[step / 16 * 4 + step % 4]), b, c)
        }
        return [a, b, c, d]
    }

    /// The round's mixing function of b, c, d and the message word it reads.
    private static func mix(_ step: Int, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> (UInt32, Int) {
        switch step / 16 {
        case 0: return ((b & c) | (~b & d), step)
        case 1: return ((d & b) | (~d & c), (5 * step + 1) % 16)
        case 2: return (b ^ c ^ d, (3 * step + 5) % 16)
        default: return (c ^ (b | ~d), (7 * step) % 16)
        }
    }

    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]

    /// The RFC's table T: the integer part of 2³² × |sin(i)|, i = 1…64.
    private static let sines: [UInt32] = (1...64).map { UInt32(abs(sin(Double($0))) * 4_294_967_296) }

    private static func rotateLeft(_ value: UInt32, by count: UInt32) -> UInt32 {
        value << count | value >> (32 - count)
    }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(8 * $0)) }
    }

    private static func littleEndian64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }
}

// MARK: - presence

extension BootstrapDocuments {
    /// Machine 0's agent is the first pinger: its `$inc` upserts the counter to 1, which becomes
    /// its being's sequence. (Later agent restarts draw new numbers; bootstrap has had none.)
    static let machine0BeingSequence: Int64 = 1

    /// `presence.beings` maps the pinger's sequence to the key it reports alive (machine 0's global
    /// key, never env-prefixed: 1.25 tells environments apart by `env-uuid` and a prefixed `_id`,
    /// `<uuid>:<seq>`); `presence.seqs` holds the counter, `beings` (1.25 `<uuid>:beings`). Listed
    /// by name. `presence.pings` is left out: its slot documents change every period, so they are
    /// the presence model's to write, not bootstrap's.
    static func presenceCollections(_ parameters: BootstrapParameters) -> [JujuCollection] {
        [
            JujuCollection(name: "presence.beings", documents: [machine0Being(parameters)]),
            JujuCollection(name: "presence.seqs", documents: [beingsCounter(parameters)]),
        ]
    }

    private static func machine0Being(_ parameters: BootstrapParameters) -> Document {
        let key = Value.string(DocumentID.machineGlobalKey("0"))
        let sequence = machine0BeingSequence
        guard environmentPrefixed(parameters) else { return ["_id": .int64(sequence), "key": key] }
        let uuid = parameters.environmentUUID
        return ["_id": .string("\(uuid):\(sequence)"), "seq": .int64(sequence), "env-uuid": .string(uuid), "key": key]
    }

    private static func beingsCounter(_ parameters: BootstrapParameters) -> Document {
        ["_id": .string(environmentScoped("beings", parameters)), "seq": .int64(machine0BeingSequence)]
    }
}

// MARK: - logs

extension JujuVersion {
    /// 1.24 added the `logs` database, fed by each agent's log sender.
    fileprivate var logsToDatabase: Bool { minor >= 24 }
}

extension BootstrapDocuments {
    /// loggo's INFO level (`loggo.Level` is a uint32, which mgo writes as int32).
    static let loggoInfo: Int32 = 3

    /// The first line machine 0's agent logs, `machine agent machine-0 start (<version> [gc])`
    /// from module `juju.cmd.jujud`, at `machine.go:419` where 1.25's agent says it. Its log
    /// sender ships it from the agent's start-up buffer, so it is the log's first document.
    static func machine0StartLine(_ parameters: BootstrapParameters, bootstrapTime: Int64) -> Document {
        let binary = "\(parameters.version)-\(parameters.series)-\(parameters.hardware.arch)"
        return [
            "_id": .objectID(logObjectID(parameters, bootstrapTime: bootstrapTime)), "t": .datetime(bootstrapTime),
            "e": .string(parameters.environmentUUID), "n": "machine-0", "m": "juju.cmd.jujud", "l": "machine.go:419",
            "v": .int32(loggoInfo), "x": .string("machine agent machine-0 start (\(binary) [gc])"),
        ]
    }

    /// `bson.NewObjectId()`: the creation second, big-endian, then eight bytes that in mgo are
    /// machine, process and counter and here come from the seed.
    static func logObjectID(_ parameters: BootstrapParameters, bootstrapTime: Int64) -> ObjectID {
        let seconds = UInt32(truncatingIfNeeded: wholeSeconds(bootstrapTime))
        let timestamp = (0..<4).map { UInt8(truncatingIfNeeded: seconds >> UInt32(24 - 8 * $0)) }
        let rest = BootstrapSecrets.bytes(8, Seed(parameters.seed).generator("bootstrap/log-object-id"))
        guard let id = ObjectID(bytes: timestamp + rest) else { preconditionFailure("12 bytes make an ObjectId") }
        return id
    }
}
