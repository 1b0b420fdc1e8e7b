import XCTest
@testable import HACore

final class MachineTests: XCTestCase {
    let settings = MachineSettings()

    private func startedMachine(servers: [MachineID] = [0]) -> Machine {
        var m = Machine(id: 1, jobs: [.hostUnits], series: "trusty")
        m.onAPIServersChanged(servers)
        _ = m.onProvisioningStarted(instanceID: "i-1", delay: .seconds(30))
        _ = m.onInstanceReady(settings: settings)
        return m
    }

    func test_provisioningSchedulesInstanceReadyAfterDelay() {
        var m = Machine(id: 1, jobs: [.hostUnits], series: "trusty")
        let directives = m.onProvisioningStarted(instanceID: "i-1", delay: .seconds(42))
        XCTAssertTrue(directives.contains(.schedule(.instanceReady, after: .seconds(42))))
        XCTAssertEqual(m.instanceID, "i-1")
        XCTAssertEqual(m.process, .none)
        XCTAssertEqual(m.agentStatus, .pending)
    }

    func test_readyInstanceStartsAgentWhichPingsItsController() {
        var m = Machine(id: 1, jobs: [.hostUnits], series: "trusty")
        m.onAPIServersChanged([0])
        _ = m.onProvisioningStarted(instanceID: "i-1", delay: .seconds(1))
        let directives = m.onInstanceReady(settings: settings)
        XCTAssertEqual(m.process, .running)
        XCTAssertEqual(m.agentStatus, .started)
        XCTAssertEqual(m.incarnation, 1)
        XCTAssertTrue(directives.contains(.sendPresencePing(to: 0)))
        XCTAssertTrue(directives.contains(.schedule(.presencePing, after: settings.presencePingInterval)))
    }

    func test_unacknowledgedPingMakesAgentTryTheNextController() {
        var m = startedMachine(servers: [0, 2, 4])
        XCTAssertEqual(m.currentAPIServer, 0)
        let directives = m.onPresencePingTimer(settings: settings)
        XCTAssertEqual(m.currentAPIServer, 2)
        XCTAssertTrue(directives.contains(.sendPresencePing(to: 2)))
    }

    func test_acknowledgedPingKeepsTheSameController() {
        var m = startedMachine(servers: [0, 2])
        m.onPresenceAck()
        _ = m.onPresencePingTimer(settings: settings)
        XCTAssertEqual(m.currentAPIServer, 0)
    }

    func test_crashStopsTheProcessAndRestartBumpsIncarnation() {
        var m = startedMachine()
        _ = m.onFault(.crash)
        XCTAssertEqual(m.process, .crashed)
        XCTAssertTrue(m.onPresencePingTimer(settings: settings).isEmpty, "a dead agent does not ping")
        _ = m.onStart(settings: settings)
        XCTAssertEqual(m.process, .running)
        XCTAssertEqual(m.incarnation, 2)
    }

    func test_pausedAgentResumesInTheSameIncarnation() {
        var m = startedMachine()
        _ = m.onFault(.pause)
        XCTAssertEqual(m.process, .paused)
        _ = m.onStart(settings: settings)
        XCTAssertEqual(m.process, .running)
        XCTAssertEqual(m.incarnation, 1)
    }

    func test_faultsOnAMachineWithoutProcessChangeNothing() {
        var m = Machine(id: 3, jobs: [.hostUnits], series: "trusty")
        for mode in FaultMode.allCases { XCTAssertTrue(m.onFault(mode).isEmpty) }
        XCTAssertEqual(m.process, .none)
        XCTAssertTrue(m.onStart(settings: settings).isEmpty, "start does not boot an unprovisioned machine")
    }

    func test_apiServerChangeKeepsCurrentControllerWhenStillListed() {
        var m = startedMachine(servers: [0, 1, 2])
        _ = m.onPresencePingTimer(settings: settings) // unacked: moves to 1
        m.onAPIServersChanged([1, 2, 3])
        XCTAssertEqual(m.currentAPIServer, 1)
        m.onAPIServersChanged([2, 3])
        XCTAssertEqual(m.currentAPIServer, 2)
    }
}

final class PresenceTests: XCTestCase {
    func test_agentIsDownBetween30And60SecondsAfterLastPing() {
        var presence = Presence()
        let slot = Interval.seconds(30)
        let ping = Instant.zero + .seconds(35)
        presence.recordPing(from: 2, at: ping)
        XCTAssertTrue(presence.isAlive(2, at: ping + .seconds(24), slot: slot))   // slot 1 → 1
        XCTAssertTrue(presence.isAlive(2, at: ping + .seconds(54), slot: slot))   // slot 1 → 2
        XCTAssertFalse(presence.isAlive(2, at: ping + .seconds(55), slot: slot))  // slot 1 → 3
    }

    func test_neverPingedAgentIsNotAlive() {
        XCTAssertFalse(Presence().isAlive(0, at: .zero, slot: .seconds(30)))
    }
}
