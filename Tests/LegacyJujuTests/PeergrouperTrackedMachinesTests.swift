import BSON
import LegacyJuju
import ReplicaSet
import XCTest

/// What a pass reads from the `machines` and `stateServers` documents (§3.1, §3.2), and the
/// provisioner's address write that gives a new state server its peer address.
final class PeergrouperTrackedMachinesTests: XCTestCase {
    private func machine(_ id: String, jobs: [Int32] = [1, 2], novote: Bool? = nil, hasvote: Bool? = nil,
                         addresses: [Document] = []) -> Document {
        var doc: Document = ["_id": .string(id), "jobs": .array(jobs.map { .int32($0) })]
        if let novote { doc.append("novote", .bool(novote)) }
        if let hasvote { doc.append("hasvote", .bool(hasvote)) }
        doc.append("addresses", .array(addresses.map { .document($0) }))
        return doc
    }

    private func address(_ value: String, scope: String?) -> Document {
        var doc: Document = ["value": .string(value), "addresstype": "ipv4"]
        if let scope { doc.append("networkscope", .string(scope)) }
        return doc
    }

    private func info(_ ids: [String]) -> [Document] {
        [["_id": "e", "machineids": .array(ids.map { .string($0) }), "votingmachineids": .array([])]]
    }

    func test_onlyTheStateServerInfoMachinesAreTracked_inGoStringOrder() {
        let docs = [machine("9"), machine("10"), machine("4"), machine("2")]
        let tracked = Peergrouper.trackedMachines(machineDocuments: docs, stateServerDocuments: info(["9", "10", "2"]), statePort: 37017)
        XCTAssertEqual(tracked.map(\.machine.id), ["10", "2", "9"])
    }

    func test_wantsVote_needsTheManageEnvironJobAndNoNovote() {
        let docs = [machine("0"), machine("1", novote: true), machine("2", jobs: [1]), machine("3", novote: false)]
        let tracked = Peergrouper.trackedMachines(machineDocuments: docs, stateServerDocuments: info(["0", "1", "2", "3"]), statePort: 1)
        XCTAssertEqual(tracked.map(\.machine.wantsVote), [true, false, false, true])
    }

    func test_hasVote_isTheStoredFlag_missingReadsFalse() {
        let docs = [machine("0", hasvote: true), machine("1", hasvote: false), machine("2")]
        let tracked = Peergrouper.trackedMachines(machineDocuments: docs, stateServerDocuments: info(["0", "1", "2"]), statePort: 1)
        XCTAssertEqual(tracked.map(\.hasVote), [true, false, false])
    }

    func test_peerAddress_isTheCloudLocalOne_elseOneOfUnknownScope_withTheStatePort() {
        let docs = [
            machine("0", addresses: [address("54.1.1.1", scope: "public"), address("10.0.0.1", scope: "local-cloud")]),
            machine("1", addresses: [address("54.1.1.2", scope: "public"), address("10.0.0.2", scope: nil)]),
            machine("2", addresses: [address("54.1.1.3", scope: "public")]),
            machine("3"),
        ]
        let tracked = Peergrouper.trackedMachines(machineDocuments: docs, stateServerDocuments: info(["0", "1", "2", "3"]),
                                                  statePort: 37017)
        XCTAssertEqual(tracked.map(\.machine.peerHostPort), ["10.0.0.1:37017", "10.0.0.2:37017", "", ""])
        XCTAssertEqual(tracked[0].addresses.map(\.value), ["54.1.1.1", "10.0.0.1"])
    }

    func test_environmentPrefixedDocuments_keepTheirIDForSetHasVote() {
        var doc = machine("uuid:1")
        doc.append("machineid", "1")
        let tracked = Peergrouper.trackedMachines(machineDocuments: [doc], stateServerDocuments: info(["1"]), statePort: 1)
        XCTAssertEqual(tracked.map(\.machine.id), ["1"])
        XCTAssertEqual(tracked.first?.documentID, .string("uuid:1"))
    }

    func test_publishedAPIHostPorts_readsBackWhatAPassStores() {
        let tracked = Peergrouper.trackedMachines(
            machineDocuments: [machine("0", addresses: [address("10.0.0.1", scope: "local-cloud")])],
            stateServerDocuments: info(["0"]), statePort: 37017)
        let stored = Peergrouper.apiHostPorts(machines: Peergrouper.apiAddresses(tracked), apiPort: 17070, published: nil)
        let servers: [Document] = [["_id": "apiHostPorts", "apihostports": stored.value]]
        let readBack = Peergrouper.publishedAPIHostPorts(stateServerDocuments: servers)
        XCTAssertEqual(readBack, stored.servers)
        XCTAssertFalse(Peergrouper.apiHostPorts(machines: Peergrouper.apiAddresses(tracked), apiPort: 17070, published: readBack).changed)
        XCTAssertNil(Peergrouper.publishedAPIHostPorts(stateServerDocuments: info(["0"])))
    }

    func test_setProviderAddresses_setsTheAddresses_and1_25ThePreferredOnesOnThePrefixedDocument() {
        let address = MachineAddress(value: "10.0.0.3", scope: .localCloud)
        let old = StateWrite.setProviderAddresses(machineID: "3", [address], environUUID: "uuid", version: .juju1_20)
        XCTAssertEqual(old.selector, ["_id": "3"])
        let expectedAddress: Document = ["value": "10.0.0.3", "addresstype": "ipv4", "networkscope": "local-cloud"]
        XCTAssertEqual(old.operation, .update(["$set": ["addresses": [.document(expectedAddress)]]], upsert: false))
        let new = StateWrite.setProviderAddresses(machineID: "3", [address], environUUID: "uuid", version: .juju1_25)
        XCTAssertEqual(new.selector, ["_id": "uuid:3"])
        guard case let .update(update, _) = new.operation, let fields = update["$set"]?.documentValue else { return XCTFail("\(new)") }
        XCTAssertEqual(Array(fields.keys), ["addresses", "preferredpublicaddress", "preferredprivateaddress"])
        XCTAssertEqual(fields["preferredprivateaddress"]?.documentValue?["origin"], "provider")
    }

    func test_aTrackedMachineWithoutAnAddressGetsNoMember_untilTheProvisionerRecordsOne() throws {
        let members = [JujuReplicaSet.member(id: 1, machineId: "0", host: "10.0.0.1:37017")]
        let statuses = [1: Peergrouper.MemberStatus(healthy: true, state: .primary)]
        let docs = [machine("0", hasvote: true, addresses: [address("10.0.0.1", scope: "local-cloud")]), machine("1")]
        var tracked = Peergrouper.trackedMachines(machineDocuments: docs, stateServerDocuments: info(["0", "1"]), statePort: 37017)
        XCTAssertNil(try Peergrouper.desiredPeerGroup(machines: tracked.map(\.machine), members: members, statuses: statuses).members)
        let provisioned = [docs[0], machine("1", addresses: [address("10.0.0.2", scope: "local-cloud")])]
        tracked = Peergrouper.trackedMachines(machineDocuments: provisioned, stateServerDocuments: info(["0", "1"]), statePort: 37017)
        let desired = try Peergrouper.desiredPeerGroup(machines: tracked.map(\.machine), members: members, statuses: statuses)
        XCTAssertEqual(desired.members?.map(\.host), ["10.0.0.1:37017", "10.0.0.2:37017"])
        XCTAssertEqual(desired.members?.map(\.votes), [1, 0])
    }
}
