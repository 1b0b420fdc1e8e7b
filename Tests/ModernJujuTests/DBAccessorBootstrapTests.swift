import XCTest
@testable import ModernJuju
import HACore
import RaftCluster

final class DBAccessorBootstrapTests: XCTestCase {
    func test_constantsAreJujusAndGoDqlites() {
        XCTAssertEqual(JujuDqlite.port, 17666)
        XCTAssertEqual(JujuDqlite.bootstrapBindIP, "127.0.0.1")
        XCTAssertEqual(JujuDqlite.bootstrapID, 3_297_041_220_608_546_238)
        XCTAssertEqual(JujuDqlite.readyTimeout, .minutes(1))
        XCTAssertEqual(JujuDqlite.nodeShutdownTimeout, .seconds(30))
    }

    func test_loopbackBoundMeansOneServerOnTheBootstrapIP() {
        let loopback = [DqliteNode(id: JujuDqlite.bootstrapID, address: "127.0.0.1:17666", role: .voter)]
        let rebound = [DqliteNode(id: JujuDqlite.bootstrapID, address: "10.0.0.10:17666", role: .voter)]
        XCTAssertTrue(JujuDqlite.isLoopbackBound(extant: true, clusterServers: loopback))
        XCTAssertFalse(JujuDqlite.isLoopbackBound(extant: false, clusterServers: loopback))
        XCTAssertFalse(JujuDqlite.isLoopbackBound(extant: true, clusterServers: rebound))
        XCTAssertFalse(JujuDqlite.isLoopbackBound(extant: true, clusterServers: loopback + rebound))
    }

    func test_preferLoopbackBootstrapBindsLoopbackWithoutTLS() {
        let plan = JujuDqlite.bootstrap(preferLoopback: true, interfaces: [InterfaceAddress(interface: "eth0", address: "10.0.0.10")])
        XCTAssertEqual(plan.bindAddress, "127.0.0.1:17666")
        XCTAssertFalse(plan.tls)
        XCTAssertTrue(plan.isLoopbackBound)
        XCTAssertEqual(plan.nodeID, JujuDqlite.bootstrapID)
    }

    func test_bootstrapBindsTheOnlyCloudLocalAddressIgnoringContainerBridges() {
        let plan = JujuDqlite.bootstrap(preferLoopback: false, interfaces: [
            InterfaceAddress(interface: "lo", address: "127.0.0.1"),
            InterfaceAddress(interface: "lxdbr0", address: "10.0.3.1"),
            InterfaceAddress(interface: "docker0", address: "172.17.0.1"),
            InterfaceAddress(interface: "eth1", address: "54.1.2.3"),
            InterfaceAddress(interface: "eth0", address: "10.0.0.10"),
        ])
        XCTAssertEqual(plan.bindAddress, "10.0.0.10:17666")
        XCTAssertTrue(plan.tls)
        XCTAssertFalse(plan.isLoopbackBound)
        XCTAssertEqual(plan.logs, [])
        XCTAssertEqual(plan.controllerNode.parameters, [.text("0"), .text("3297041220608546238"), .text("10.0.0.10")])
    }

    func test_bootstrapFallsBackToLoopbackWithoutAUniqueCloudLocalAddress() {
        for interfaces in [
            [InterfaceAddress(interface: "eth0", address: "10.0.0.10"), InterfaceAddress(interface: "eth1", address: "192.168.1.4")],
            [InterfaceAddress(interface: "eth0", address: "54.1.2.3")],
        ] {
            let plan = JujuDqlite.bootstrap(preferLoopback: false, interfaces: interfaces)
            XCTAssertEqual(plan.bindAddress, "127.0.0.1:17666")
            XCTAssertTrue(plan.isLoopbackBound)
            XCTAssertEqual(plan.logs, [JujuLogLine(.warning,
                "failed to determine a unique local-cloud address; falling back to 127.0.0.1 for Dqlite")])
        }
    }

    func test_controllerNodeUpsertIsJujusStatementWithTheNodeIDAsDecimalText() {
        let statement = JujuDqlite.upsertControllerNode(controllerID: "2", nodeID: UInt64.max, bindAddress: "10.0.0.12")
        XCTAssertEqual(statement.sql, """
            INSERT INTO controller_node (
                controller_id,
                dqlite_node_id,
                dqlite_bind_address
            ) VALUES (?, ?, ?)
            ON CONFLICT (controller_id) DO UPDATE SET
                dqlite_node_id = excluded.dqlite_node_id,
                dqlite_bind_address = excluded.dqlite_bind_address
            WHERE controller_node.life_id = 0
            """)
        XCTAssertEqual(statement.parameters, [.text("2"), .text("18446744073709551615"), .text("10.0.0.12")])
    }

    func test_hostPortHelpersFollowGo() {
        XCTAssertEqual(JujuNet.joinHostPort("10.0.0.1", 17666), "10.0.0.1:17666")
        XCTAssertEqual(JujuNet.joinHostPort("fd00::1", 17666), "[fd00::1]:17666")
        XCTAssertEqual(JujuNet.host(of: "10.0.0.1:17666"), "10.0.0.1")
        XCTAssertEqual(JujuNet.host(of: "[fd00::1]:17666"), "fd00::1")
        XCTAssertNil(JujuNet.host(of: "fd00::1"))
        XCTAssertEqual(JujuNet.port(of: "[fd00::1]:17666"), 17666)
    }

    func test_logLevelsOrderBySeverity() {
        XCTAssertLessThan(JujuLogLevel.debug, .info)
        XCTAssertLessThan(JujuLogLevel.info, .warning)
        XCTAssertLessThan(JujuLogLevel.warning, .error)
    }
}
