import XCTest
@testable import ModernJuju
import HACore

final class APIAddressTests: XCTestCase {
    private func hp(_ value: String, _ scope: AddressScope = .unknown, space: String = "") -> APIHostPort {
        APIHostPort(value, port: 17070, scope: scope, space: space)
    }

    // MARK: - Scopes

    func test_scopesAreDerivedFromIPLiteralsAsJujuDoes() {
        let expected: [(String, AddressScope)] = [
            ("10.0.0.1", .cloudLocal), ("172.16.5.4", .cloudLocal), ("172.32.0.1", .public), ("192.168.1.1", .cloudLocal),
            ("127.0.0.1", .machineLocal), ("169.254.0.7", .linkLocal), ("54.1.2.3", .public), ("250.1.2.3", .fanLocal),
            ("fd00::1", .cloudLocal), ("fe80::1", .linkLocal), ("::1", .machineLocal), ("2001:db8::1", .public),
            ("controller.example.com", .unknown), ("::ffff:10.0.0.1", .cloudLocal),
        ]
        for (value, scope) in expected {
            XCTAssertEqual(AddressScope.derived(from: value), scope, value)
        }
        XCTAssertEqual(hp("10.0.0.1", .public).scope, .public, "a stated scope wins")
        XCTAssertEqual(AddressType.derived(from: "::ffff:10.0.0.1"), .ipv4)
        XCTAssertEqual(AddressType.derived(from: "fd00::1"), .ipv6)
        XCTAssertEqual(AddressType.derived(from: "10.0.0.01"), .hostname)
    }

    // MARK: - Agents

    func test_prioritizedForScopePutsCloudLocalFirstAndDropsMachineLocal() {
        let server = [hp("54.1.2.3"), hp("127.0.0.1"), hp("fd00::1"), hp("252.0.0.1"), hp("10.0.0.1"), hp("fe80::1")]
        XCTAssertEqual(APIHostPorts.prioritizedForScope(server),
                       ["10.0.0.1:17070", "[fd00::1]:17070", "252.0.0.1:17070", "54.1.2.3:17070"])
        XCTAssertEqual(APIHostPorts.prioritizedForScope(server, .public),
                       ["54.1.2.3:17070", "10.0.0.1:17070", "[fd00::1]:17070", "252.0.0.1:17070"])
    }

    func test_agentAddressesConcatenateEachControllersPrioritisedList() {
        let servers = [[hp("54.0.0.1"), hp("10.0.0.1")], [hp("54.0.0.2"), hp("10.0.0.2")]]
        XCTAssertEqual(try APIHostPorts.agentAPIAddresses(servers).get(),
                       ["10.0.0.1:17070", "54.0.0.1:17070", "10.0.0.2:17070", "54.0.0.2:17070"])
        XCTAssertEqual(APIHostPorts.agentAPIAddresses([]), .failure(APIAddressError("servers not provided")))
    }

    func test_filterBridgeAddressesDropsTheLXDBridgeSubnetOnly() {
        let server = [hp("10.0.3.17"), hp("10.0.0.5"), hp("172.17.0.2"), hp("controller.example.com")]
        let bridges = [BridgeInterface(name: "lxdbr0", addresses: ["10.0.3.1/24"]),
                       BridgeInterface(name: "docker0", addresses: ["172.17.0.1/16"])]
        XCTAssertEqual(APIHostPorts.filterBridgeAddresses(server, interfaces: bridges).map(\.value),
                       ["10.0.0.5", "172.17.0.2", "controller.example.com"])
        XCTAssertEqual(APIHostPorts.filterBridgeAddresses(server, interfaces: bridges, bridgeNames: ["lxdbr0", "docker0"])
            .map(\.value), ["10.0.0.5", "controller.example.com"])
        XCTAssertEqual(APIHostPorts.filterBridgeAddresses(server, interfaces: [BridgeInterface(name: "lxdbr0", addresses: ["10.0.0.5"])])
            .map(\.value), ["10.0.3.17", "172.17.0.2", "controller.example.com"], "a bare IP removes just itself")
    }

    func test_updaterWritesFilteredAddressesToAgentConf() {
        var updater = APIAddressUpdater()
        let out = updater.onAPIHostPortsChanged([[hp("10.0.3.1"), hp("10.0.0.1")], [hp("10.0.0.2")]],
                                                localInterfaces: [BridgeInterface(name: "lxdbr0", addresses: ["10.0.3.1/24"])])
        XCTAssertEqual(out.last, .setAgentAPIAddresses(["10.0.0.1:17070", "10.0.0.2:17070"]))
        XCTAssertEqual(updater.current, [[hp("10.0.0.1")], [hp("10.0.0.2")]])
    }

    func test_updaterKeepsTheLastNonEmptySetWhenGivenNothing() {
        var updater = APIAddressUpdater()
        _ = updater.onAPIHostPortsChanged([[hp("10.0.0.1")], [hp("10.0.0.2")]])
        let out = updater.onAPIHostPortsChanged([])
        XCTAssertEqual(out, [
            .log(.warning, "get address returning zero results after filtering, non filtered list: []"),
            .log(.warning, "empty API host ports received. Updating using existing entries."),
            .log(.debug, "updating API hostPorts to []"),
            .setAgentAPIAddresses(["10.0.0.1:17070", "10.0.0.2:17070"]),
        ])
    }

    func test_updaterTreatsAllBridgeAddressesAsEmpty() {
        var updater = APIAddressUpdater()
        _ = updater.onAPIHostPortsChanged([[hp("10.0.0.1")]])
        let out = updater.onAPIHostPortsChanged([[hp("10.0.3.9")]], localInterfaces: [BridgeInterface(name: "lxdbr0", addresses: ["10.0.3.1/24"])])
        XCTAssertEqual(out.first, .log(.warning, "get address returning zero results after filtering, non filtered list: [[10.0.3.9:17070]]"))
        XCTAssertEqual(out.last, .setAgentAPIAddresses(["10.0.0.1:17070"]))
    }

    func test_updaterWithNothingEverKnownFails() {
        var updater = APIAddressUpdater()
        XCTAssertEqual(updater.onAPIHostPortsChanged([]).last, .fail("error setting addresses: servers not provided"))
    }

    func test_managementSpaceNarrowsEachControllersAgentAddresses() {
        let servers = [
            [hp("54.0.0.1", space: "public"), hp("10.10.0.1", space: "mgmt")],
            [hp("54.0.0.2", space: "public"), hp("10.20.0.2", space: "other")],
        ]
        XCTAssertEqual(APIHostPorts.forAgents(servers, managementSpace: "mgmt"),
                       [[hp("10.10.0.1", space: "mgmt")], servers[1]], "a controller with nothing in the space keeps all")
        XCTAssertEqual(APIHostPorts.forAgents(servers, managementSpace: nil), servers)
        XCTAssertEqual(APIHostPorts.forAgents(servers, managementSpace: "no-such-space"), servers)
    }

    func test_controllerAgentsDialOnlyLocalhost() {
        XCTAssertEqual(APIHostPorts.controllerAgentAPIAddresses(), ["localhost:17070"])
    }

    func test_agentDialOrderIsASeededPermutation() {
        let addresses = (1...5).map { "10.0.0.\($0):17070" }
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        let first = APIHostPorts.dialOrder(addresses, using: &a)
        XCTAssertEqual(first, APIHostPorts.dialOrder(addresses, using: &b))
        XCTAssertEqual(first.sorted(), addresses.sorted())
    }

    // MARK: - Clients

    func test_clientEndpointsAreDedupedPublicFirstWithTheConnectedAddressOnTop() {
        let hostPorts = [
            [hp("10.0.0.1"), hp("54.0.0.1"), hp("127.0.0.1")],
            [hp("10.0.0.2"), hp("54.0.0.2"), hp("fe80::2")],
            [hp("54.0.0.1")],
        ]
        let update = APIHostPorts.prepareEndpointsForCaching(ClientControllerDetails(), hostPorts: hostPorts,
                                                             connectedTo: [hp("10.0.0.2")])
        XCTAssertTrue(update.changed)
        XCTAssertEqual(update.apiEndpoints, ["10.0.0.2:17070", "54.0.0.1:17070", "54.0.0.2:17070", "10.0.0.1:17070"])
        XCTAssertEqual(update.unresolvedAPIEndpoints, update.apiEndpoints)
    }

    func test_clientValuesSortAsGoStringsWithinAScope() {
        let update = APIHostPorts.prepareEndpointsForCaching(ClientControllerDetails(),
                                                             hostPorts: [[hp("10.0.0.2")], [hp("10.0.0.10")], [hp("fd00::1")]])
        XCTAssertEqual(update.apiEndpoints, ["10.0.0.10:17070", "10.0.0.2:17070", "[fd00::1]:17070"])
    }

    func test_clientCacheIsLeftAloneWhenNothingChanged() {
        let hostPorts = [[hp("54.0.0.1")], [hp("54.0.0.2")]]
        let details = ClientControllerDetails().afterLogin(hostPorts: hostPorts, connectedTo: [hp("54.0.0.2")])
        XCTAssertEqual(details.apiEndpoints, ["54.0.0.2:17070", "54.0.0.1:17070"])
        XCTAssertEqual(APIHostPorts.prepareEndpointsForCaching(details, hostPorts: hostPorts, connectedTo: [hp("54.0.0.2")]),
                       .unchanged)
        // Connecting through the other controller next time moves it to the front.
        XCTAssertEqual(details.afterLogin(hostPorts: hostPorts, connectedTo: [hp("54.0.0.1")]).apiEndpoints,
                       ["54.0.0.1:17070", "54.0.0.2:17070"])
    }

    func test_clientResolvesHostnamesForTheCachedAddresses() {
        let hostPorts = [[hp("ctrl.example.com"), hp("54.0.0.1")], [hp("gone.example.com")]]
        let update = APIHostPorts.prepareEndpointsForCaching(
            ClientControllerDetails(), hostPorts: hostPorts, connectedTo: [hp("54.0.0.1")],
            resolutions: ["ctrl.example.com": ["54.0.0.9", "54.0.0.1"]])
        XCTAssertEqual(update.unresolvedAPIEndpoints, ["54.0.0.1:17070", "ctrl.example.com:17070", "gone.example.com:17070"])
        XCTAssertEqual(update.apiEndpoints, ["54.0.0.1:17070", "54.0.0.9:17070"])
    }

    func test_clientAddressesIgnoreTheManagementSpace() {
        // Clients get every controller address; only the agent list is narrowed.
        let servers = [[hp("54.0.0.1", space: "public"), hp("10.10.0.1", space: "mgmt")]]
        let client = APIHostPorts.prepareEndpointsForCaching(ClientControllerDetails(), hostPorts: servers).apiEndpoints
        XCTAssertEqual(client, ["54.0.0.1:17070", "10.10.0.1:17070"])
        XCTAssertEqual(try APIHostPorts.agentAPIAddresses(APIHostPorts.forAgents(servers, managementSpace: "mgmt")).get(),
                       ["10.10.0.1:17070"])
    }

    func test_ipAddressesParseAndMatchNetworks() {
        XCTAssertNil(IPAddress(parsing: "10.0.0.256"))
        XCTAssertNil(IPAddress(parsing: "1::2::3"))
        XCTAssertEqual(IPAddress(parsing: "fd00::1")?.description, "fd00:0:0:0:0:0:0:1")
        let net = IPAddress(parsing: "fd00:1::")!
        XCTAssertTrue(IPAddress(parsing: "fd00:1::5")!.isIn(network: net, prefixLength: 32))
        XCTAssertFalse(IPAddress(parsing: "fd00:2::5")!.isIn(network: net, prefixLength: 32))
        XCTAssertTrue(IPAddress(parsing: "::ffff:10.0.3.4")!.isIn(network: IPAddress(parsing: "10.0.3.1")!, prefixLength: 24))
    }
}
