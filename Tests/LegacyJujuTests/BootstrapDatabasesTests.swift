import BSON
import HACore
import XCTest
@testable import LegacyJuju

final class BootstrapDatabasesTests: XCTestCase {
    private static let uuid = "0f3c9a52-7d4e-4b1a-9c6e-5a8d2e71b403"
    /// 2015-07-04T09:33:20.600Z: the fraction rounds `datecreated` up to …21.
    private static let bootstrapTime: Int64 = 1_436_002_400_600

    private static func parameters(_ version: JujuVersion = .juju1_20, seed: UInt64 = 7) -> BootstrapParameters {
        BootstrapParameters(environmentName: "rehearsal", environmentUUID: uuid, series: "trusty",
                            address: "10.0.3.1", seed: seed, version: version)
    }

    private static func databases(_ version: JujuVersion = .juju1_20, seed: UInt64 = 7,
                                  time: Int64 = bootstrapTime) -> [JujuDatabase] {
        BootstrapDocuments.otherDatabases(parameters(version, seed: seed), bootstrapTime: time)
    }

    private static func documents(_ database: String, _ collection: String,
                                  _ version: JujuVersion = .juju1_20, seed: UInt64 = 7) throws -> [Document] {
        let db = try XCTUnwrap(databases(version, seed: seed).first { $0.name == database }, database)
        return try XCTUnwrap(db.collections.first { $0.name == collection }, collection).documents
    }

    private static func only(_ database: String, _ collection: String,
                             _ version: JujuVersion = .juju1_20, seed: UInt64 = 7) throws -> Document {
        let docs = try documents(database, collection, version, seed: seed)
        XCTAssertEqual(docs.count, 1, "\(database).\(collection)")
        return try XCTUnwrap(docs.first)
    }

    /// "key:type" per field, BSON type bytes in hex, to check names, order and types together.
    private static func shape(_ document: Document) -> [String] {
        document.map { "\($0.key):\(String($0.value.typeByte, radix: 16))" }
    }

    private static func allBytes(_ databases: [JujuDatabase]) throws -> [[UInt8]] {
        let documents = databases.flatMap(\.collections).flatMap(\.documents)
        return try documents.map { try $0.encode() }
    }

    private static let stateServerRoles: Value = [
        ["role": "dbAdminAnyDatabase", "db": "admin"], ["role": "userAdminAnyDatabase", "db": "admin"],
        ["role": "clusterAdmin", "db": "admin"], ["role": "readWriteAnyDatabase", "db": "admin"],
    ]

    // MARK: databases

    func test_juju120HasJujuAdminAndPresenceButNoLogs() {
        XCTAssertEqual(Self.databases().map(\.name), ["juju", "admin", "presence"])
    }

    func test_juju125AddsTheLogsDatabaseLast() {
        XCTAssertEqual(Self.databases(.juju1_25).map(\.name), ["juju", "admin", "presence", "logs"])
    }

    func test_collectionsPerDatabaseInOrder() {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            let names = Self.databases(version).map { "\($0.name): \($0.collections.map(\.name))" }
            XCTAssertEqual(Array(names.prefix(3)), [
                #"juju: ["users", "statuses"]"#, #"admin: ["system.users"]"#,
                #"presence: ["presence.beings", "presence.seqs"]"#,
            ], "\(version)")
        }
        XCTAssertEqual(Self.databases(.juju1_25).last?.collections.map(\.name), ["logs"])
    }

    func test_everyReturnedCollectionHoldsDocuments() {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            for collection in Self.databases(version).flatMap(\.collections) {
                XCTAssertFalse(collection.documents.isEmpty, "\(version) \(collection.name)")
            }
        }
    }

    // MARK: juju.users

    func test_adminUserIn120StoresItsNameTwiceAndNoCreator() throws {
        let user = try Self.only("juju", "users")
        XCTAssertEqual(Self.shape(user), [
            "_id:2", "_id_:2", "displayname:2", "deactivated:8", "passwordhash:2", "passwordsalt:2", "createdby:2",
            "datecreated:9", "lastconnection:9",
        ])
        XCTAssertEqual(user["_id"], "admin")
        XCTAssertEqual(user["_id_"], "admin")
        XCTAssertEqual(user["displayname"], "")
        XCTAssertEqual(user["deactivated"], false)
        XCTAssertEqual(user["createdby"], "")
        XCTAssertEqual(user["lastconnection"], .datetime(-62_135_596_800_000))
    }

    func test_adminUserIn125IsTheOwnerCreatedByItself() throws {
        let user = try Self.only("juju", "users", .juju1_25)
        XCTAssertEqual(Self.shape(user), [
            "_id:2", "name:2", "displayname:2", "deactivated:8", "passwordhash:2", "passwordsalt:2", "createdby:2",
            "datecreated:9",
        ])
        XCTAssertEqual(user["_id"], "admin", "users is a global collection: never env-prefixed")
        XCTAssertEqual(user["name"], "admin")
        XCTAssertEqual(user["displayname"], "admin")
        XCTAssertEqual(user["createdby"], "admin")
    }

    func test_adminUserHashIsTheAgentsOldPasswordWithCompatSalt() throws {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            let user = try Self.only("juju", "users", version)
            XCTAssertEqual(user["passwordhash"], .string(BootstrapDocuments.oldPassword(Self.parameters(version))))
            XCTAssertEqual(user["passwordsalt"], "")
        }
        XCTAssertEqual(BootstrapDocuments.oldPassword(Self.parameters()).count, 24)
    }

    func test_dateCreatedIsBootstrapTimeRoundedToTheSecond() throws {
        XCTAssertEqual(try Self.only("juju", "users")["datecreated"], .datetime(1_436_002_401_000))
        let earlier = BootstrapDocuments.otherDatabases(Self.parameters(), bootstrapTime: 1_436_002_400_499)
        XCTAssertEqual(earlier[0].collections[0].documents[0]["datecreated"], .datetime(1_436_002_400_000))
        XCTAssertEqual(BootstrapDocuments.roundedToSecond(-1_500), -1_000)
        XCTAssertEqual(BootstrapDocuments.roundedToSecond(-1_501), -2_000)
    }

    // MARK: juju.statuses

    func test_machineZeroStatusIn120IsStartedUnderItsGlobalKey() throws {
        XCTAssertEqual(try Self.only("juju", "statuses"), [
            "_id": "m#0", "status": "started", "statusinfo": "", "statusdata": .document(Document()),
        ])
    }

    func test_machineZeroStatusIn125IsPrefixedAndTimestamped() throws {
        XCTAssertEqual(try Self.only("juju", "statuses", .juju1_25), [
            "_id": .string("\(Self.uuid):m#0"), "env-uuid": .string(Self.uuid), "status": "started", "statusinfo": "",
            "statusdata": .document(Document()), "updated": .int64(1_436_002_400_600_000_000), "neverset": false,
        ])
    }

    // MARK: admin.system.users

    func test_systemUsersAreTheAdminThenMachineZero() throws {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            let users = try Self.documents("admin", "system.users", version)
            XCTAssertEqual(users.map { $0["_id"] }, ["admin.admin", "admin.machine-0"], "\(version)")
        }
    }

    func test_mongoUsersHaveTheStateServerRolesAsRoleDocuments() throws {
        for user in try Self.documents("admin", "system.users") {
            XCTAssertEqual(Self.shape(user), ["_id:2", "user:2", "db:2", "credentials:3", "roles:4"])
            XCTAssertEqual(user["db"], "admin")
            XCTAssertEqual(user["roles"], Self.stateServerRoles)
            XCTAssertEqual(user["credentials"]?.documentValue?.keys, ["MONGODB-CR"])
        }
    }

    func test_mongoAdminUserAuthenticatesWithTheOldPassword() throws {
        let admin = try XCTUnwrap(try Self.documents("admin", "system.users").first)
        let oldPassword = BootstrapDocuments.oldPassword(Self.parameters())
        XCTAssertEqual(admin["user"], "admin")
        XCTAssertEqual(admin["credentials"], ["MONGODB-CR": .string(MongoCR.key(user: "admin", password: oldPassword))])
    }

    func test_machineZeroInSystemUsersIsAdminUserForMachineZero() throws {
        let users = try Self.documents("admin", "system.users", .juju1_25)
        XCTAssertEqual(users[1], BootstrapDocuments.adminUser(forMachine: "0", parameters: Self.parameters(.juju1_25)))
    }

    func test_adminUserForMachineZeroUsesItsMongoPassword() {
        let parameters = Self.parameters()
        let password = BootstrapDocuments.mongoPassword(forMachine: "0", parameters: parameters)
        XCTAssertEqual(password.count, 24)
        XCTAssertEqual(BootstrapDocuments.adminUser(forMachine: "0", parameters: parameters), [
            "_id": "admin.machine-0", "user": "machine-0", "db": "admin",
            "credentials": ["MONGODB-CR": .string(MongoCR.key(user: "machine-0", password: password))],
            "roles": Self.stateServerRoles,
        ])
    }

    func test_adminUserForMachineThreeIsNamedAfterItsTagWithItsOwnPassword() {
        let parameters = Self.parameters()
        let three = BootstrapDocuments.adminUser(forMachine: "3", parameters: parameters)
        let zero = BootstrapDocuments.adminUser(forMachine: "0", parameters: parameters)
        XCTAssertEqual(three["_id"], "admin.machine-3")
        XCTAssertEqual(three["user"], "machine-3")
        XCTAssertEqual(Self.shape(three), Self.shape(zero))
        XCTAssertEqual(three["roles"], zero["roles"])
        XCTAssertNotEqual(BootstrapDocuments.mongoPassword(forMachine: "3", parameters: parameters),
                          BootstrapDocuments.mongoPassword(forMachine: "0", parameters: parameters))
        let password = BootstrapDocuments.mongoPassword(forMachine: "3", parameters: parameters)
        XCTAssertEqual(three["credentials"], ["MONGODB-CR": .string(MongoCR.key(user: "machine-3", password: password))])
    }

    func test_mongoCRKeyIsHexMD5OfUserMongoPassword() {
        // Reference values from Python's hashlib.md5.
        XCTAssertEqual(MongoCR.key(user: "machine-0", password: "sekrit"), "1be0aa8b437d8fa013e07aef55ba11de")
        XCTAssertEqual(MongoCR.key(user: "admin", password: String(repeating: "x", count: 100)),
                       "97a2e31ee317859c504b5bb651aa7f34")
    }

    func test_md5MatchesTheRFC1321TestSuite() {
        let suite = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"), ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"), ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (message, digest) in suite {
            XCTAssertEqual(BootstrapSecrets.hex(MD5.digest(Array(message.utf8))), digest, message)
        }
    }

    func test_md5PadsAcrossTheBlockBoundary() {
        // 55 bytes fit one block with the length; 56 and 64 need a second.
        for (count, digest) in [(55, "ef1772b6dff9a122358552954ad0df65"), (56, "3b0c8ac703f828b04c6c197006d17218"),
                                (64, "014842d480b571495a4a0363793f7367")] {
            XCTAssertEqual(BootstrapSecrets.hex(MD5.digest(Array(repeating: 0x61, count: count))), digest, "\(count)")
        }
    }

    // MARK: presence

    func test_presenceIn120MapsSequenceOneToMachineZero() throws {
        XCTAssertEqual(try Self.only("presence", "presence.beings"), ["_id": .int64(1), "key": "m#0"])
        XCTAssertEqual(try Self.only("presence", "presence.seqs"), ["_id": "beings", "seq": .int64(1)])
    }

    func test_presenceIn125PrefixesIdsButNotTheKey() throws {
        XCTAssertEqual(try Self.only("presence", "presence.beings", .juju1_25), [
            "_id": .string("\(Self.uuid):1"), "seq": .int64(1), "env-uuid": .string(Self.uuid), "key": "m#0",
        ])
        XCTAssertEqual(try Self.only("presence", "presence.seqs", .juju1_25), [
            "_id": .string("\(Self.uuid):beings"), "seq": .int64(1),
        ])
    }

    // MARK: logs

    func test_logLineIsMachineZerosAgentStartAtBootstrapTime() throws {
        let line = try Self.only("logs", "logs", .juju1_25)
        XCTAssertEqual(Self.shape(line), ["_id:7", "t:9", "e:2", "n:2", "m:2", "l:2", "v:10", "x:2"])
        XCTAssertEqual(line["t"], .datetime(Self.bootstrapTime))
        XCTAssertEqual(line["e"], .string(Self.uuid))
        XCTAssertEqual(line["n"], "machine-0")
        XCTAssertEqual(line["m"], "juju.cmd.jujud")
        XCTAssertEqual(line["l"], "machine.go:419")
        XCTAssertEqual(line["v"], .int32(3))
        XCTAssertEqual(line["x"], "machine agent machine-0 start (1.25.6-trusty-amd64 [gc])")
    }

    func test_logObjectIdCarriesTheBootstrapSecond() throws {
        let line = try Self.only("logs", "logs", .juju1_25)
        XCTAssertEqual(line["_id"]?.objectIDValue?.timestamp, 1_436_002_400)
        let id = BootstrapDocuments.logObjectID(Self.parameters(.juju1_25), bootstrapTime: -1)
        XCTAssertEqual(id.timestamp, UInt32.max, "one millisecond before the epoch is second -1")
    }

    // MARK: determinism

    func test_sameSeedAndTimeGiveIdenticalBytes() throws {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            XCTAssertEqual(try Self.allBytes(Self.databases(version)), try Self.allBytes(Self.databases(version)))
        }
    }

    func test_differentSeedChangesEverySecret() throws {
        let seven = Self.parameters(.juju1_25, seed: 7), eight = Self.parameters(.juju1_25, seed: 8)
        XCTAssertNotEqual(BootstrapDocuments.oldPassword(seven), BootstrapDocuments.oldPassword(eight))
        XCTAssertNotEqual(BootstrapDocuments.adminUser(forMachine: "0", parameters: seven)["credentials"],
                          BootstrapDocuments.adminUser(forMachine: "0", parameters: eight)["credentials"])
        XCTAssertNotEqual(try Self.documents("admin", "system.users", .juju1_25, seed: 7)[0]["credentials"],
                          try Self.documents("admin", "system.users", .juju1_25, seed: 8)[0]["credentials"])
        XCTAssertNotEqual(try Self.only("logs", "logs", .juju1_25, seed: 7)["_id"],
                          try Self.only("logs", "logs", .juju1_25, seed: 8)["_id"])
    }

    func test_secretsDoNotDependOnTheClock() throws {
        let later = Self.databases(time: Self.bootstrapTime + 60_000)
        XCTAssertEqual(later[1], Self.databases()[1], "admin.system.users")
        XCTAssertNotEqual(later[0], Self.databases()[0], "juju.users dates move with the clock")
    }

    func test_passwordsAreDrawnFromTheirOwnStreams() throws {
        let parameters = Self.parameters()
        let machines = BootstrapDocuments.jujuDatabase(parameters).first { $0.name == "machines" }
        let machine = try XCTUnwrap(machines?.documents.first)
        let passwords = [
            BootstrapDocuments.oldPassword(parameters),
            BootstrapDocuments.mongoPassword(forMachine: "0", parameters: parameters),
            try XCTUnwrap(machine["passwordhash"]?.stringValue),
        ]
        XCTAssertEqual(Set(passwords).count, 3, "\(passwords)")
    }

    func test_everyDocumentRoundTripsThroughBSON() throws {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            for collection in Self.databases(version).flatMap(\.collections) {
                for document in collection.documents {
                    XCTAssertEqual(try Document(bson: document.encode()), document, collection.name)
                }
            }
        }
    }
}
