import BSON
import HACore
import XCTest
@testable import LegacyJuju

final class EnsureAvailabilityBootstrapTests: XCTestCase {
    private static let uuid = EnsureAvailabilityFixtures.uuid

    private static func parameters(_ version: JujuVersion = .juju1_20, seed: UInt64 = 7) -> BootstrapParameters {
        BootstrapParameters(environmentName: "rehearsal", environmentUUID: uuid, series: "trusty",
                            address: "10.0.3.1", seed: seed, version: version)
    }

    private static func database(_ version: JujuVersion = .juju1_20, seed: UInt64 = 7) -> [JujuCollection] {
        BootstrapDocuments.jujuDatabase(parameters(version, seed: seed))
    }

    private static func documents(_ collection: String, _ version: JujuVersion = .juju1_20) throws -> [Document] {
        try XCTUnwrap(database(version).first { $0.name == collection }).documents
    }

    /// "key:type" per field, BSON type bytes in hex, to check names, order and types together.
    private static func shape(_ document: Document) -> [String] {
        document.map { "\($0.key):\(String($0.value.typeByte, radix: 16))" }
    }

    func test_freshDatabaseHasTheseCollectionsInOrder() {
        XCTAssertEqual(Self.database().map(\.name),
                       ["environments", "settings", "constraints", "stateServers", "machines", "instanceData", "sequence"])
    }

    func test_machineZeroManagesTheEnvironmentAndHoldsTheVote() throws {
        let machine = try XCTUnwrap(try Self.documents("machines").first)
        XCTAssertEqual(Self.shape(machine), [
            "_id:2", "nonce:2", "series:2", "containertype:2", "principals:4", "life:10", "jobs:4", "novote:8",
            "hasvote:8", "passwordhash:2", "clean:8", "addresses:4", "machineaddresses:4",
            "supportedcontainersknown:8", "instanceid:2",
        ])
        XCTAssertEqual(machine["_id"], "0")
        XCTAssertEqual(machine["nonce"], "user-admin:bootstrap")
        XCTAssertEqual(machine["jobs"], [.int32(1), .int32(2)])
        XCTAssertEqual(machine["novote"], false)
        XCTAssertEqual(machine["hasvote"], true)
        XCTAssertEqual(machine["addresses"], [["value": "10.0.3.1", "addresstype": "ipv4", "networkscope": "local-cloud"]])
        XCTAssertEqual(machine["passwordhash"]?.stringValue?.count, 24)
    }

    func test_machineZeroIn125HasPrefixedIdAndPreferredAddresses() throws {
        let machine = try XCTUnwrap(try Self.documents("machines", .juju1_25).first)
        XCTAssertEqual(machine.keys, [
            "_id", "machineid", "env-uuid", "nonce", "series", "containertype", "principals", "life", "jobs", "novote",
            "hasvote", "passwordhash", "clean", "addresses", "machineaddresses", "preferredpublicaddress",
            "preferredprivateaddress", "supportedcontainersknown",
        ])
        XCTAssertEqual(machine["_id"], .string("\(Self.uuid):0"))
        let address: Value = ["value": "10.0.3.1", "addresstype": "ipv4", "networkscope": "local-cloud", "origin": "provider"]
        XCTAssertEqual(machine["addresses"], [address])
        XCTAssertEqual(machine["preferredpublicaddress"], address)
    }

    func test_stateServersRecordMachineZeroAsTheOnlyVoter() throws {
        let docs = try Self.documents("stateServers")
        XCTAssertEqual(docs.map { $0["_id"] }, ["e", "apiHostPorts", "stateServingInfo"])
        XCTAssertEqual(docs[0], ["_id": "e", "machineids": ["0"], "votingmachineids": ["0"]])
        XCTAssertEqual(docs[1], ["_id": "apiHostPorts", "apihostports": [[[
            "value": "10.0.3.1", "addresstype": "ipv4", "networkscope": "local-cloud", "port": .int32(17070),
        ]]]])
        XCTAssertEqual(Self.shape(docs[2]), ["_id:2", "apiport:10", "stateport:10", "cert:2", "privatekey:2", "sharedsecret:2", "systemidentity:2"])
        XCTAssertEqual(docs[2]["apiport"], .int32(17070))
        XCTAssertEqual(docs[2]["stateport"], .int32(37017))
    }

    func test_stateServersIn125AddEnvironmentCaKeyAndHostedCount() throws {
        let docs = try Self.documents("stateServers", .juju1_25)
        XCTAssertEqual(docs[0], ["_id": "e", "env-uuid": .string(Self.uuid), "machineids": ["0"], "votingmachineids": ["0"]])
        XCTAssertEqual(docs[2].keys, ["_id", "apiport", "stateport", "cert", "privatekey", "caprivatekey", "sharedsecret", "systemidentity"])
        XCTAssertEqual(docs[3], ["_id": "hostedEnvironCount", "refcount": .int32(0)])
    }

    func test_settingsHoldThePortsAndTheDefaultSeries() throws {
        let settings = try XCTUnwrap(try Self.documents("settings").first)
        XCTAssertEqual(settings, [
            "_id": "e", "agent-version": "1.20.14", "api-port": .int32(17070), "default-series": "trusty",
            "name": "rehearsal", "provisioner-safe-mode": false, "state-port": .int32(37017), "type": "dummy",
            "uuid": .string(Self.uuid),
        ])
        let settings125 = try XCTUnwrap(try Self.documents("settings", .juju1_25).first)
        XCTAssertEqual(settings125["_id"], .string("\(Self.uuid):e"))
        XCTAssertEqual(settings125["env-uuid"], .string(Self.uuid))
        XCTAssertEqual(settings125.keys.dropFirst().sorted(), Array(settings125.keys.dropFirst()))
    }

    func test_environmentConstraintsAreAllUnset() throws {
        let docs = try Self.documents("constraints")
        XCTAssertEqual(docs[0], ["_id": "e", "arch": .null, "cpucores": .null, "cpupower": .null, "mem": .null, "rootdisk": .null, "container": .null])
        XCTAssertEqual(docs[1]["_id"], "m#0")
    }

    func test_environmentDocumentGainsOwnerAndServerIn125() throws {
        XCTAssertEqual(try Self.documents("environments"), [["_id": .string(Self.uuid), "name": "rehearsal", "life": .int32(0)]])
        XCTAssertEqual(try Self.documents("environments", .juju1_25), [[
            "_id": .string(Self.uuid), "name": "rehearsal", "life": .int32(0), "owner": "admin@local",
            "server-uuid": .string(Self.uuid),
        ]])
    }

    func test_instanceDataDescribesMachineZerosInstance() throws {
        let instance = try XCTUnwrap(try Self.documents("instanceData").first)
        XCTAssertEqual(instance, [
            "_id": "0", "instanceid": .string("juju-6c5bd7-machine-0"), "arch": "amd64", "mem": .int64(1740),
            "rootdisk": .int64(8192), "cpucores": .int64(1), "cpupower": .int64(100),
        ])
        let instance125 = try XCTUnwrap(try Self.documents("instanceData", .juju1_25).first)
        XCTAssertEqual(Array(instance125.keys.prefix(4)), ["_id", "machineid", "instanceid", "env-uuid"])
    }

    func test_machineSequenceCounterIsOne() throws {
        XCTAssertEqual(try Self.documents("sequence"), [["_id": "machine", "counter": .int32(1)]])
        XCTAssertEqual(try Self.documents("sequence", .juju1_25), [[
            "_id": .string("\(Self.uuid):machine"), "name": "machine", "env-uuid": .string(Self.uuid), "counter": .int32(1),
        ]])
    }

    private static func servingInfo(seed: UInt64) throws -> Document {
        let stateServers = try XCTUnwrap(database(seed: seed).first { $0.name == "stateServers" })
        return try XCTUnwrap(stateServers.documents.first { $0["_id"] == "stateServingInfo" })
    }

    func test_secretsFollowTheSeedAndNothingElse() throws {
        let serving = try Self.servingInfo(seed: 7)
        XCTAssertEqual(serving, try Self.servingInfo(seed: 7))
        XCTAssertNotEqual(serving["cert"], try Self.servingInfo(seed: 8)["cert"])
        XCTAssertEqual(serving["sharedsecret"]?.stringValue?.count, 1024)
        XCTAssertEqual(serving["cert"]?.stringValue?.count, 128)
        XCTAssertNotEqual(serving["cert"], serving["privatekey"])
    }

    func test_everyDocumentRoundTripsThroughBSON() throws {
        for version in [JujuVersion.juju1_20, .juju1_25] {
            for collection in Self.database(version) {
                for document in collection.documents {
                    XCTAssertEqual(try Document(bson: document.encode()), document, collection.name)
                }
            }
        }
    }

    func test_initialSnapshotIsWhatEnsureAvailabilityStartsFrom() throws {
        let snapshot = Self.parameters().initialSnapshot(machine0AgentAlive: true)
        XCTAssertEqual(snapshot.info, StateServerInfo(machineIDs: ["0"], votingMachineIDs: ["0"]))
        XCTAssertEqual(snapshot.nextMachineSequence, 1)
        XCTAssertEqual(try snapshot.apiEnsureAvailability(EnsureAvailabilityRequest(numStateServers: 0), version: .juju1_20).changes.added, ["1", "2"])
    }

    func test_base64MatchesRFC4648() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(BootstrapSecrets.base64(Array(plain.utf8)), encoded, plain)
        }
    }
}
