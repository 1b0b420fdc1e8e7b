import Foundation
import XCTest
@testable import ModernJuju
import HACore
import RaftCluster

final class DBAccessorWorkerTests: XCTestCase {
    private let threeControllers: [MachineID: String] = [0: "10.0.0.10", 1: "10.0.0.11", 2: "10.0.0.12"]

    private func messages(_ directives: [DBAccessorDirective]) -> [String] {
        directives.compactMap { if case .log(_, let m) = $0 { return m } else { return nil } }
    }

    private func actions(_ directives: [DBAccessorDirective]) -> [DBAccessorDirective] {
        directives.filter { if case .log = $0 { return false } else { return true } }
    }

    private func starts(_ directives: [DBAccessorDirective]) -> [DqliteStart] {
        directives.compactMap { if case .startNode(let s) = $0 { return s } else { return nil } }
    }

    /// Node 0 as bootstrapped: loopback-bound, started and serving, config holding only itself.
    private func servingBootstrapNode() -> DBAccessorWorker {
        var worker = DBAccessorWorker(controllerID: 0)
        _ = worker.onStart(extant: true, loopbackBound: true, clusterConfig: [0: "10.0.0.10"])
        _ = worker.onNodeReady(nodeID: JujuDqlite.bootstrapID, address: "127.0.0.1:17666", attempt: 1)
        return worker
    }

    /// A node of an established cluster, started and serving.
    private func servingClusteredNode(_ id: MachineID, config: [MachineID: String]) -> DBAccessorWorker {
        var worker = DBAccessorWorker(controllerID: id)
        _ = worker.onStart(extant: true, loopbackBound: false, clusterConfig: config)
        _ = worker.onNodeReady(nodeID: 100 + UInt64(id.number), address: "\(config[id]!):17666", attempt: 1)
        return worker
    }

    // MARK: - Bootstrap node

    func test_bootstrapNodeStartsWithoutTLSAndWaitsForReadiness() {
        var worker = DBAccessorWorker(controllerID: 0)
        let out = worker.onStart(extant: true, loopbackBound: true, clusterConfig: [0: "10.0.0.10"])
        XCTAssertEqual(out, [
            .log(.info, "Dqlite node is configured to bind to a cloud-local address"),
            .startNode(DqliteStart(bindAddress: nil, joinAddresses: [], tls: false, attempt: 1)),
            .scheduleReadyTimeout(after: .minutes(1), attempt: 1),
        ])
        XCTAssertEqual(worker.phase, .starting(attempt: 1))
    }

    func test_readyNodeRecordsItselfInControllerNodeThenServes() {
        var worker = DBAccessorWorker(controllerID: 0)
        _ = worker.onStart(extant: true, loopbackBound: true, clusterConfig: [0: "10.0.0.10"])
        let out = worker.onNodeReady(nodeID: JujuDqlite.bootstrapID, address: "127.0.0.1:17666", attempt: 1)
        XCTAssertEqual(out, [
            .log(.info, "serving Dqlite application (ID: 3297041220608546238)"),
            .upsertControllerNode(controllerID: "0", nodeID: JujuDqlite.bootstrapID, bindAddress: "127.0.0.1",
                                  statement: JujuDqlite.upsertControllerNode(controllerID: "0", nodeID: JujuDqlite.bootstrapID,
                                                                            bindAddress: "127.0.0.1")),
            .dbReady,
            .log(.info, "read cluster config: map[0:10.0.0.10]"),
        ])
        XCTAssertTrue(worker.isRunning)
    }

    func test_bootstrapNodeStaysPutWhileItIsTheOnlyEntry() {
        var worker = servingBootstrapNode()
        let out = worker.onClusterConfigChanged([0: "10.0.0.10"])
        XCTAssertEqual(actions(out), [])
        XCTAssertEqual(messages(out), ["controller configuration changed on disk", "read cluster config: map[0:10.0.0.10]"])
    }

    func test_bootstrapNodeRebindsWhenASecondControllerAppears() {
        var worker = servingBootstrapNode()
        let out = worker.onClusterConfigChanged([0: "10.0.0.10", 1: "10.0.0.11"])
        XCTAssertEqual(out, [
            .log(.info, "controller configuration changed on disk"),
            .log(.info, "read cluster config: map[0:10.0.0.10 1:10.0.0.11]"),
            .log(.info, "shutting down Dqlite node"),
            .log(.info, "skipping Dqlite handover"),
            .closeNode,
            .log(.info, "rebinding Dqlite node to 10.0.0.10"),
            .rebind(to: "10.0.0.10"),
            .log(.info, "successfully reconfigured Dqlite; restarting worker"),
            // The deferred shutdown of the exiting loop: no app left, so only its log line.
            .log(.info, "shutting down Dqlite node"),
            .bounce,
        ])
        XCTAssertEqual(worker.phase, .stopped)
        XCTAssertEqual(worker.onClusterConfigChanged(threeControllers), [], "a bounced worker takes no more input")
    }

    func test_reboundNodeRestartsWithTLSOnItsCloudLocalAddress() {
        var restarted = DBAccessorWorker(controllerID: 0)
        let config: [MachineID: String] = [0: "10.0.0.10", 1: "10.0.0.11"]
        let out = restarted.onStart(extant: true, loopbackBound: false, clusterConfig: config)
        XCTAssertEqual(starts(out), [DqliteStart(bindAddress: nil, joinAddresses: [], tls: true, attempt: 1)])
        let ready = restarted.onNodeReady(nodeID: JujuDqlite.bootstrapID, address: "10.0.0.10:17666", attempt: 1)
        XCTAssertEqual(ready[1], .upsertControllerNode(
            controllerID: "0", nodeID: JujuDqlite.bootstrapID, bindAddress: "10.0.0.10",
            statement: JujuDqlite.upsertControllerNode(controllerID: "0", nodeID: JujuDqlite.bootstrapID, bindAddress: "10.0.0.10")))
        XCTAssertEqual(actions(restarted.onClusterConfigChanged(config)), [], "a rebound, running node does nothing")
    }

    func test_bootstrapNodeWithoutItsOwnEntryWaitsInsteadOfRebinding() {
        var worker = servingBootstrapNode()
        let out = worker.onClusterConfigChanged([1: "10.0.0.11", 2: "10.0.0.12"])
        XCTAssertEqual(actions(out), [])
        XCTAssertEqual(messages(out).last, "address for this Dqlite node to bind to not found")
        XCTAssertTrue(worker.isRunning)
    }

    // MARK: - Joining nodes

    func test_newNodeJoinsWithItsPeersOnTheDqlitePortWithTLS() {
        var worker = DBAccessorWorker(controllerID: 1)
        let out = worker.onStart(extant: false, loopbackBound: false, clusterConfig: threeControllers)
        XCTAssertEqual(out, [
            .log(.info, "read cluster config: map[0:10.0.0.10 1:10.0.0.11 2:10.0.0.12]"),
            .log(.info, "joining Dqlite cluster"),
            .startNode(DqliteStart(bindAddress: "10.0.0.11:17666", joinAddresses: ["10.0.0.10:17666", "10.0.0.12:17666"],
                                   tls: true, attempt: 1)),
            .scheduleReadyTimeout(after: .minutes(1), attempt: 1),
        ])
        let ready = worker.onNodeReady(nodeID: 77, address: "10.0.0.11:17666", attempt: 1)
        XCTAssertEqual(actions(ready), [
            .upsertControllerNode(controllerID: "1", nodeID: 77, bindAddress: "10.0.0.11",
                                  statement: JujuDqlite.upsertControllerNode(controllerID: "1", nodeID: 77, bindAddress: "10.0.0.11")),
            .dbReady,
        ])
    }

    func test_newNodeWithoutAUniqueAddressDoesNotJoinUntilOneIsPublished() {
        // The charm publishes nothing for a unit with two candidate addresses, so controller 1
        // is missing from the map.
        var worker = DBAccessorWorker(controllerID: 1)
        let waiting = worker.onStart(extant: false, loopbackBound: false, clusterConfig: [0: "10.0.0.10"])
        XCTAssertEqual(starts(waiting), [])
        XCTAssertEqual(messages(waiting).last, "address for this Dqlite node to bind to not found")
        XCTAssertEqual(worker.phase, .idle)

        let joined = worker.onClusterConfigChanged([0: "10.0.0.10", 1: "10.0.0.11"])
        XCTAssertEqual(starts(joined), [DqliteStart(bindAddress: "10.0.0.11:17666", joinAddresses: ["10.0.0.10:17666"],
                                                    tls: true, attempt: 1)])
    }

    func test_newNodeAloneInTheConfigHasNobodyToJoin() {
        var worker = DBAccessorWorker(controllerID: 1)
        let out = worker.onStart(extant: false, loopbackBound: false, clusterConfig: [0: "", 1: "10.0.0.11"])
        XCTAssertEqual(starts(out), [])
        XCTAssertEqual(messages(out).last, "no addresses available for this Dqlite node to join cluster")
    }

    func test_peersAreOrderedByControllerIDNotByHashing() {
        var worker = DBAccessorWorker(controllerID: 2)
        let config: [MachineID: String] = [10: "10.0.0.20", 1: "10.0.0.1", 2: "10.0.0.2", 0: "10.0.0.9"]
        let out = worker.onStart(extant: false, loopbackBound: false, clusterConfig: config)
        XCTAssertEqual(starts(out).first?.joinAddresses, ["10.0.0.9:17666", "10.0.0.1:17666", "10.0.0.20:17666"])
        // Go's %+v sorts map keys as strings.
        XCTAssertEqual(messages(out).first, "read cluster config: map[0:10.0.0.9 1:10.0.0.1 10:10.0.0.20 2:10.0.0.2]")
    }

    func test_ipv6PeersAreBracketed() {
        var worker = DBAccessorWorker(controllerID: 1)
        let out = worker.onStart(extant: false, loopbackBound: false, clusterConfig: [0: "fd00::10", 1: "fd00::11"])
        XCTAssertEqual(starts(out).first?.bindAddress, "[fd00::11]:17666")
        XCTAssertEqual(starts(out).first?.joinAddresses, ["[fd00::10]:17666"])
    }

    // MARK: - Losing the cluster

    func test_loneNodeFailingReadinessTriggersBackstop() {
        // Controllers 1 and 2 were removed: controller.conf lists only this node, and the
        // restarted node cannot become ready (no quorum) within a minute.
        var worker = DBAccessorWorker(controllerID: 0)
        let start = worker.onStart(extant: true, loopbackBound: false, clusterConfig: [0: "10.0.0.10"])
        XCTAssertEqual(starts(start), [DqliteStart(bindAddress: nil, joinAddresses: [], tls: true, attempt: 1)])
        let out = worker.onReadyTimeout(attempt: 1)
        XCTAssertEqual(out, [
            .closeNode,
            .log(.debug, "started DB app, but it failed to become ready; waiting for topology updates"),
            .log(.info, "read cluster config: map[0:10.0.0.10]"),
            .log(.warning, "reconfiguring Dqlite cluster with this node as the only member"),
            .reconfigureAsSoleVoter,
            .log(.info, "successfully reconfigured Dqlite; restarting worker"),
            .log(.info, "shutting down Dqlite node"),
            .bounce,
        ])
    }

    func test_backstopAlsoFollowsAShrinkingConfigAfterAFailedStart() {
        var worker = DBAccessorWorker(controllerID: 0)
        _ = worker.onStart(extant: true, loopbackBound: false, clusterConfig: threeControllers)
        _ = worker.onReadyTimeout(attempt: 1)          // reattempts: peers still listed
        _ = worker.onReadyTimeout(attempt: 2)          // gives up, waits for topology updates
        XCTAssertEqual(worker.phase, .idle)
        let out = worker.onClusterConfigChanged([0: "10.0.0.10"])
        XCTAssertTrue(out.contains(.reconfigureAsSoleVoter))
        XCTAssertEqual(out.last, .bounce)
    }

    func test_nodeFailingReadinessWithPeersListedRetriesInsteadOfBackstop() {
        var worker = DBAccessorWorker(controllerID: 0)
        _ = worker.onStart(extant: true, loopbackBound: false, clusterConfig: threeControllers)
        let out = worker.onReadyTimeout(attempt: 1)
        XCTAssertFalse(out.contains(.reconfigureAsSoleVoter))
        XCTAssertEqual(messages(out).suffix(2), [
            "unable to reconcile current controller and Dqlite cluster status; reattempting node start-up",
            "Dqlite node is configured to bind to a cloud-local address",
        ])
        XCTAssertEqual(starts(out), [DqliteStart(bindAddress: nil, joinAddresses: [], tls: true, attempt: 2)])
    }

    func test_existingNonLoopbackNodeThatIsRunningDoesNothing() {
        var worker = servingClusteredNode(0, config: threeControllers)
        // Even alone in the config: the back-stop needs a node that failed to start.
        for config in [threeControllers, [0: "10.0.0.10"], [1: "10.0.0.11"]] {
            let out = worker.onClusterConfigChanged(config)
            XCTAssertEqual(actions(out), [], "\(config)")
        }
        XCTAssertTrue(worker.isRunning)
    }

    // MARK: - Timing and ordering

    func test_configChangesDuringAStartAreHandledOnceAfterIt() {
        var worker = DBAccessorWorker(controllerID: 0)
        _ = worker.onStart(extant: true, loopbackBound: false, clusterConfig: threeControllers)
        XCTAssertEqual(worker.onClusterConfigChanged([0: "10.0.0.10", 1: "10.0.0.11"]), [])
        XCTAssertEqual(worker.onClusterConfigChanged([0: "10.0.0.10"]), [])
        let out = worker.onNodeReady(nodeID: 5, address: "10.0.0.10:17666", attempt: 1)
        XCTAssertEqual(messages(out), [
            "serving Dqlite application (ID: 5)",
            "read cluster config: map[0:10.0.0.10]",
            "controller configuration changed on disk",
            "read cluster config: map[0:10.0.0.10]",
        ])
    }

    func test_staleReadinessReportsAndTimeoutsAreIgnored() {
        var worker = servingClusteredNode(0, config: threeControllers)
        XCTAssertEqual(worker.onReadyTimeout(attempt: 1), [])
        XCTAssertEqual(worker.onNodeReady(nodeID: 9, address: "10.0.0.10:17666", attempt: 7), [])
        XCTAssertTrue(worker.isRunning)
    }

    func test_dbReadyIsSignalledOnlyOnce() {
        var worker = DBAccessorWorker(controllerID: 0)
        _ = worker.onStart(extant: true, loopbackBound: false, clusterConfig: threeControllers)
        _ = worker.onReadyTimeout(attempt: 1)
        let out = worker.onNodeReady(nodeID: 5, address: "10.0.0.10:17666", attempt: 2)
        XCTAssertEqual(out.filter { $0 == .dbReady }.count, 1)
        XCTAssertEqual(worker.onNodeReady(nodeID: 5, address: "10.0.0.10:17666", attempt: 2), [])
    }

    // MARK: - Shutdown

    func test_stoppingAClusteredNodeHandsOverWithinThirtySeconds() {
        var worker = servingClusteredNode(1, config: threeControllers)
        XCTAssertEqual(worker.onStop(), [
            .log(.info, "shutting down Dqlite node"),
            .handover(timeout: .seconds(30)),
            .closeNode,
        ])
        XCTAssertEqual(worker.phase, .stopped)
    }

    func test_stoppingTheLoopbackBoundNodeSkipsHandover() {
        var worker = servingBootstrapNode()
        XCTAssertEqual(worker.onStop(), [
            .log(.info, "shutting down Dqlite node"),
            .log(.info, "skipping Dqlite handover"),
            .closeNode,
        ])
    }

    func test_stoppingWithoutANodeOnlyLogs() {
        var worker = DBAccessorWorker(controllerID: 1)
        _ = worker.onStart(extant: false, loopbackBound: false, clusterConfig: [:])
        XCTAssertEqual(worker.onStop(), [.log(.info, "shutting down Dqlite node")])
    }

    func test_nodeStartErrorFailsTheWorkerAfterClosingTheApp() {
        var worker = DBAccessorWorker(controllerID: 1)
        _ = worker.onStart(extant: true, loopbackBound: false, clusterConfig: threeControllers)
        XCTAssertEqual(worker.onNodeFailed("disk I/O error", attempt: 1), [
            .log(.info, "shutting down Dqlite node"),
            .handover(timeout: .seconds(30)),
            .closeNode,
            .fail("ensuring Dqlite is ready to process changes: disk I/O error"),
        ])
    }

    // MARK: - Config that cannot be read

    func test_unreadableConfigAtStartUpIsLoggedAndAwaited() {
        var worker = DBAccessorWorker(controllerID: 1)
        let out = worker.onStart(extant: false, loopbackBound: false, clusterConfig: nil,
                                 configError: "reading config file from /var/lib/juju/agents/controller-1/controller.conf: no such file")
        XCTAssertEqual(out, [.log(.info, "unable to read cluster config at start-up; will await changes: "
                                  + "reading config file from /var/lib/juju/agents/controller-1/controller.conf: no such file")])
        XCTAssertEqual(worker.phase, .idle)
    }

    func test_unreadableConfigAfterAChangeFailsTheWorker() {
        var worker = servingClusteredNode(0, config: threeControllers)
        let out = worker.onClusterConfigUnreadable("reading config file from x: bad yaml")
        XCTAssertEqual(out.last, .fail("reading config file from x: bad yaml"))
        XCTAssertTrue(out.contains(.handover(timeout: .seconds(30))))
    }

    // MARK: - Loopback-preferred controllers (CAAS, tests)

    func test_loopbackPreferredNodeStartsOnLoopbackAndIgnoresTopology() {
        var settings = DBAccessorSettings()
        settings.loopbackPreferred = true
        var worker = DBAccessorWorker(controllerID: 0, settings: settings)
        let start = worker.onStart(extant: true, loopbackBound: true, clusterConfig: [0: "10.0.0.10"])
        XCTAssertEqual(messages(start), ["Dqlite node is configured to bind to the loopback address"])
        XCTAssertEqual(starts(start), [DqliteStart(bindAddress: nil, joinAddresses: [], tls: false, attempt: 1)])
        _ = worker.onNodeReady(nodeID: JujuDqlite.bootstrapID, address: "127.0.0.1:17666", attempt: 1)
        XCTAssertEqual(actions(worker.onClusterConfigChanged(threeControllers)), [])
    }

    func test_loopbackPreferredWorkerWithoutANodeBounces() {
        var settings = DBAccessorSettings()
        settings.loopbackPreferred = true
        var worker = DBAccessorWorker(controllerID: 0, settings: settings)
        let out = worker.onStart(extant: false, loopbackBound: false, clusterConfig: [:])
        XCTAssertEqual(out.last, .bounce)
    }

    // MARK: - Whole flows

    func test_enteringHAFromABootstrappedControllerEndsWithThreeJoinedNodes() {
        // Node 0 rebinds and restarts; nodes 1 and 2 join it.
        var node0 = servingBootstrapNode()
        XCTAssertEqual(node0.onClusterConfigChanged(threeControllers).last, .bounce)
        var restarted = DBAccessorWorker(controllerID: 0)
        _ = restarted.onStart(extant: true, loopbackBound: false, clusterConfig: threeControllers)
        _ = restarted.onNodeReady(nodeID: JujuDqlite.bootstrapID, address: "10.0.0.10:17666", attempt: 1)

        var joiners: [DqliteStart] = []
        for id in [MachineID(1), 2] {
            var worker = DBAccessorWorker(controllerID: id)
            joiners += starts(worker.onStart(extant: false, loopbackBound: false, clusterConfig: threeControllers))
        }
        XCTAssertEqual(joiners.map(\.bindAddress), ["10.0.0.11:17666", "10.0.0.12:17666"])
        XCTAssertEqual(joiners.map(\.joinAddresses), [["10.0.0.10:17666", "10.0.0.12:17666"], ["10.0.0.10:17666", "10.0.0.11:17666"]])
        XCTAssertTrue(joiners.allSatisfy(\.tls))
    }

    func test_workerValueRoundTripsThroughCodable() throws {
        var worker = DBAccessorWorker(controllerID: 3)
        _ = worker.onStart(extant: false, loopbackBound: false, clusterConfig: [0: "10.0.0.10", 3: "10.0.0.13"])
        let data = try JSONEncoder().encode(worker)
        XCTAssertEqual(try JSONDecoder().decode(DBAccessorWorker.self, from: data), worker)
    }
}
