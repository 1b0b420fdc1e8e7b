import XCTest
@testable import ModernJuju
import HACore

final class ControllerCharmTests: XCTestCase {
    private func unit(_ id: Int, _ candidates: [BindCandidate]) -> ControllerUnit {
        ControllerUnit(name: "controller/\(id)", agentID: MachineID(id), candidates: candidates)
    }

    private func single(_ id: Int, _ ip: String) -> ControllerUnit { unit(id, [BindCandidate(ip)]) }

    private func outcome(_ outcomes: [ControllerUnitOutcome], _ id: MachineID) -> ControllerUnitOutcome {
        outcomes.first { $0.agentID == id }!
    }

    func test_unitWithOneAddressPublishesItsAddressAndAgentID() {
        var charm = ControllerCharm()
        let out = charm.onDBClusterRelationChanged(units: [single(0, "10.0.0.10")], leader: 0)
        XCTAssertEqual(charm.unitDatabags["controller/0"], UnitDatabag(dbBindAddress: "10.0.0.10", agentID: "0"))
        XCTAssertEqual(out[0].status, .active)
        XCTAssertEqual(out[0].logs.first, JujuLogLine(.info, "setting DB bind address: 10.0.0.10"))
        XCTAssertEqual(charm.appDatabag, #"{"0": "10.0.0.10"}"#)
    }

    func test_unitWithTwoAddressesIsBlockedAndPublishesNothing() {
        var charm = ControllerCharm()
        let out = charm.onDBClusterRelationChanged(
            units: [single(0, "10.0.0.10"), unit(1, [BindCandidate("10.0.0.11"), BindCandidate("192.168.7.11")])], leader: 0)
        let blocked = outcome(out, 1)
        XCTAssertEqual(blocked.status, .blocked("multiple possible DB bind addresses; set a suitable dbcluster network binding"))
        XCTAssertEqual(blocked.logs.first, JujuLogLine(.error, "multiple possible DB bind addresses;set a suitable cluster network binding"))
        XCTAssertNil(charm.unitDatabags["controller/1"])
        XCTAssertEqual(charm.appDatabag, #"{"0": "10.0.0.10"}"#)
        // The blocked unit still copies the leader's map into its own controller.conf.
        XCTAssertEqual(blocked.bindAddresses, [DBBindAddress(0, "10.0.0.10")])
    }

    func test_aSpaceBindingNarrowsTheCandidatesToOne() {
        var charm = ControllerCharm()
        let twoSpaces = unit(1, [BindCandidate("10.0.0.11", space: "internal"), BindCandidate("192.168.7.11", space: "public")])
        let out = charm.onDBClusterRelationChanged(
            units: [unit(0, [BindCandidate("10.0.0.10", space: "internal")]), twoSpaces], leader: 0, binding: "internal")
        XCTAssertEqual(outcome(out, 1).status, .active)
        XCTAssertEqual(charm.appDatabag, #"{"0": "10.0.0.10", "1": "10.0.0.11"}"#)
    }

    func test_leaderWritesTheAppDatabagWithKeysSortedAsStrings() {
        var charm = ControllerCharm()
        _ = charm.onDBClusterRelationChanged(
            units: [single(10, "10.0.0.20"), single(2, "10.0.0.2"), single(0, "10.0.0.10")], leader: 2)
        XCTAssertEqual(charm.appDatabag, #"{"0": "10.0.0.10", "10": "10.0.0.20", "2": "10.0.0.2"}"#)
    }

    func test_controllerConfIsPyYAMLBlockStyleWithQuotedIDs() {
        var charm = ControllerCharm()
        let out = charm.onDBClusterRelationChanged(
            units: [single(0, "10.0.0.10"), single(1, "10.0.0.11"), single(10, "fd00::20")], leader: 0)
        XCTAssertEqual(out[0].controllerConf, """
            db-bind-addresses:
              '0': 10.0.0.10
              '1': 10.0.0.11
              '10': fd00::20

            """)
        XCTAssertEqual(ControllerCharm.controllerConfYAML([]), "db-bind-addresses: {}\n")
    }

    func test_theDBAccessorReadsBackTheMapTheCharmWrote() {
        let written = [DBBindAddress(0, "10.0.0.10"), DBBindAddress(1, "10.0.0.11"), DBBindAddress(10, "fd00::20")]
        XCTAssertEqual(ControllerCharm.dbBindAddresses(fromControllerConf: ControllerCharm.controllerConfYAML(written)),
                       [0: "10.0.0.10", 1: "10.0.0.11", 10: "fd00::20"])
        XCTAssertEqual(ControllerCharm.dbBindAddresses(fromControllerConf: "db-bind-addresses: {}\n"), [:])
        // Other keys the file holds are kept by the charm and ignored by the reader.
        XCTAssertEqual(ControllerCharm.dbBindAddresses(fromControllerConf: """
            api-port: 17070
            db-bind-addresses:
              '2': "10.0.0.12"
              unit: 10.9.9.9
            other: x
              '3': 10.0.0.13

            """), [2: "10.0.0.12"])
        XCTAssertNil(ControllerCharm.dbBindAddresses(fromControllerConf: "api-port: 17070\n"))
    }

    func test_everyUnitWritesTheLeadersMapIntoItsControllerConf() {
        var charm = ControllerCharm()
        let out = charm.onDBClusterRelationChanged(
            units: [single(0, "10.0.0.10"), single(1, "10.0.0.11"), single(2, "10.0.0.12")], leader: 1)
        let expected = [DBBindAddress(0, "10.0.0.10"), DBBindAddress(1, "10.0.0.11"), DBBindAddress(2, "10.0.0.12")]
        XCTAssertEqual(out.map(\.bindAddresses), [expected, expected, expected])
        XCTAssertEqual(Set(out.compactMap(\.controllerConf)).count, 1)
        XCTAssertEqual(out[2].dbBindAddressMap, [0: "10.0.0.10", 1: "10.0.0.11", 2: "10.0.0.12"])
    }

    func test_aUnitThatBecomesBlockedKeepsWhatItPublishedBefore() {
        var charm = ControllerCharm()
        _ = charm.onDBClusterRelationChanged(units: [single(0, "10.0.0.10"), single(1, "10.0.0.11")], leader: 0)
        let out = charm.onDBClusterRelationChanged(
            units: [single(0, "10.0.0.10"), unit(1, [BindCandidate("10.0.0.11"), BindCandidate("10.9.9.9")])], leader: 0)
        XCTAssertEqual(outcome(out, 1).status, .blocked(ControllerUnitStatus.multipleBindAddresses))
        XCTAssertEqual(charm.appDatabag, #"{"0": "10.0.0.10", "1": "10.0.0.11"}"#, "the stale peer databag still counts")
    }

    func test_aBlockedLeaderLeavesItselfOutOfTheMap() {
        var charm = ControllerCharm()
        _ = charm.onDBClusterRelationChanged(units: [single(0, "10.0.0.10"), single(1, "10.0.0.11")], leader: 0)
        _ = charm.onDBClusterRelationChanged(
            units: [unit(0, [BindCandidate("10.0.0.10"), BindCandidate("10.9.9.9")]), single(1, "10.0.0.11")], leader: 0)
        XCTAssertEqual(charm.appDatabag, #"{"1": "10.0.0.11"}"#)
    }

    func test_aDepartedUnitDropsOutOfTheMap() {
        var charm = ControllerCharm()
        _ = charm.onDBClusterRelationChanged(
            units: [single(0, "10.0.0.10"), single(1, "10.0.0.11"), single(2, "10.0.0.12")], leader: 0)
        let out = charm.onDBClusterRelationChanged(units: [single(0, "10.0.0.10"), single(2, "10.0.0.12")], leader: 0)
        XCTAssertEqual(out[0].bindAddresses, [DBBindAddress(0, "10.0.0.10"), DBBindAddress(2, "10.0.0.12")])
        XCTAssertNil(charm.unitDatabags["controller/1"])
    }

    func test_aUnitWithNoAddressFailsTheHookAndWritesNothing() {
        var charm = ControllerCharm()
        let out = charm.onDBClusterRelationChanged(units: [single(0, "10.0.0.10"), unit(1, [])], leader: 0)
        XCTAssertEqual(outcome(out, 1).status, .error("hook failed: \"dbcluster-relation-changed\""))
        XCTAssertNil(outcome(out, 1).controllerConf)
        XCTAssertEqual(charm.appDatabag, #"{"0": "10.0.0.10"}"#)
    }

    func test_appDatabagParsesBackToTheSameMap() {
        let list = [DBBindAddress(0, "10.0.0.10"), DBBindAddress(2, "10.0.0.12"), DBBindAddress(10, "fd00::a")]
        XCTAssertEqual(ControllerCharm.parseAppDatabag(ControllerCharm.appDatabagJSON(list)), list)
        XCTAssertEqual(ControllerCharm.parseAppDatabag("{}"), [])
        XCTAssertEqual(ControllerCharm.parseAppDatabag("not json"), [])
    }

    func test_pyYAMLQuotesOnlyWhatWouldNotReadBackAsAString() {
        XCTAssertEqual(ControllerCharm.pyYAMLScalar("10.0.0.1"), "10.0.0.1")
        XCTAssertEqual(ControllerCharm.pyYAMLScalar("0"), "'0'")
        XCTAssertEqual(ControllerCharm.pyYAMLScalar("1.5"), "'1.5'")
        XCTAssertEqual(ControllerCharm.pyYAMLScalar("yes"), "'yes'")
        XCTAssertEqual(ControllerCharm.pyYAMLScalar("::1"), "'::1'")
        XCTAssertEqual(ControllerCharm.pyYAMLScalar(""), "''")
    }

    func test_theCharmsMapDrivesTheDBAccessorIntoHA() {
        var charm = ControllerCharm()
        // Bootstrap: one unit, node 0 loopback-bound and serving.
        let alone = charm.onDBClusterRelationChanged(units: [single(0, "10.0.0.10")], leader: 0)
        var node0 = DBAccessorWorker(controllerID: 0)
        _ = node0.onStart(extant: true, loopbackBound: true, clusterConfig: alone[0].dbBindAddressMap)
        _ = node0.onNodeReady(nodeID: JujuDqlite.bootstrapID, address: "127.0.0.1:17666", attempt: 1)

        // add-unit -n 2: unit 2 has two candidates and stays out until bound to a space.
        let grown = charm.onDBClusterRelationChanged(
            units: [single(0, "10.0.0.10"), single(1, "10.0.0.11"), unit(2, [BindCandidate("10.0.0.12"), BindCandidate("10.1.0.12")])],
            leader: 0)
        XCTAssertTrue(node0.onClusterConfigChanged(grown[0].dbBindAddressMap!).contains(.rebind(to: "10.0.0.10")))

        var node1 = DBAccessorWorker(controllerID: 1)
        let join1 = node1.onStart(extant: false, loopbackBound: false, clusterConfig: grown[1].dbBindAddressMap)
        XCTAssertTrue(join1.contains(.startNode(DqliteStart(bindAddress: "10.0.0.11:17666", joinAddresses: ["10.0.0.10:17666"],
                                                            tls: true, attempt: 1))))
        var node2 = DBAccessorWorker(controllerID: 2)
        let wait2 = node2.onStart(extant: false, loopbackBound: false, clusterConfig: grown[2].dbBindAddressMap)
        XCTAssertTrue(wait2.contains(.log(.info, "address for this Dqlite node to bind to not found")))
        XCTAssertFalse(wait2.contains { if case .startNode = $0 { return true } else { return false } })
    }
}
