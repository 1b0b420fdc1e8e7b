import BSON
import LegacyJuju
import XCTest

/// The `apihostports` value a pass publishes (§3.9).
final class PeergrouperPublishTests: XCTestCase {
    private typealias Address = Peergrouper.Address
    private typealias HostPort = Peergrouper.HostPort

    private let publicAddress = Address(value: "54.0.0.1", type: .ipv4, networkScope: .public)
    private let cloudAddress = Address(value: "10.0.0.1", type: .ipv4, networkName: "net1", networkScope: .cloudLocal)
    private let bareAddress = Address(value: "host-2", type: .hostname)

    private func machines() -> [Peergrouper.MachineAddresses] {
        [
            .init(machineId: "2", addresses: [bareAddress]),
            .init(machineId: "1", addresses: []),
            .init(machineId: "0", addresses: [publicAddress, cloudAddress]),
        ]
    }

    func test_hostPorts_pairEveryAddressWithTheAPIPortInMachineIdOrder() {
        let published = Peergrouper.apiHostPorts(machines: machines(), apiPort: 17070, published: nil)
        XCTAssertEqual(
            published.servers,
            [
                [HostPort(address: publicAddress, port: 17070), HostPort(address: cloudAddress, port: 17070)],
                [HostPort(address: bareAddress, port: 17070)],
            ])
    }

    func test_value_hasTheStateDocumentShape() {
        let published = Peergrouper.apiHostPorts(machines: machines(), apiPort: 17070, published: nil)
        let expected: BSON.Value = [
            [
                ["value": "54.0.0.1", "addresstype": "ipv4", "networkscope": "public", "port": .int32(17070)],
                [
                    "value": "10.0.0.1", "addresstype": "ipv4", "networkname": "net1", "networkscope": "local-cloud",
                    "port": .int32(17070),
                ],
            ],
            [["value": "host-2", "addresstype": "hostname", "port": .int32(17070)]],
        ]
        XCTAssertEqual(published.value, expected)
    }

    func test_firstPublication_isAChange() {
        XCTAssertTrue(Peergrouper.apiHostPorts(machines: machines(), apiPort: 17070, published: nil).changed)
    }

    func test_samePortsAgain_isNoChange_whateverTheInputOrder() {
        let first = Peergrouper.apiHostPorts(machines: machines(), apiPort: 17070, published: nil)
        let again = Peergrouper.apiHostPorts(machines: machines().reversed(), apiPort: 17070, published: first.servers)
        XCTAssertFalse(again.changed)
        XCTAssertEqual(again.servers, first.servers)
    }

    func test_newAddressOrPort_isAChange() {
        let first = Peergrouper.apiHostPorts(machines: machines(), apiPort: 17070, published: nil)
        var moved = machines()
        moved[1].addresses = [Address(value: "10.0.0.9", type: .ipv4, networkScope: .cloudLocal)]
        XCTAssertTrue(Peergrouper.apiHostPorts(machines: moved, apiPort: 17070, published: first.servers).changed)
        XCTAssertTrue(Peergrouper.apiHostPorts(machines: machines(), apiPort: 17071, published: first.servers).changed)
    }

    func test_noAddressesAnywhere_publishesAnEmptyList() {
        let none = Peergrouper.apiHostPorts(
            machines: [.init(machineId: "0", addresses: [])], apiPort: 17070, published: nil)
        XCTAssertEqual(none.value, .array([]))
        XCTAssertTrue(none.changed)
    }
}
