import Foundation
import XCTest
import HACore
@testable import Simulation

final class WorldTests: XCTestCase {
    private func bootstrapped(seed: UInt64 = 7, flavor: Flavor = .legacy) -> (World, Trace) {
        var trace = Trace()
        var world = World(config: WorldConfig(name: "t", flavor: flavor, seed: Seed(seed)), trace: &trace)
        XCTAssertEqual(world.apply(.wait(.settled, timeout: .minutes(10)), trace: &trace),
                       .reached(.settled, after: world.now - .zero))
        return (world, trace)
    }

    /// Adds a started worker machine (provisioned directly, as the provisioner would).
    private func addWorker(_ world: inout World, _ trace: inout Trace) -> MachineID {
        let id = world.addMachine(jobs: [.hostUnits])
        world.provision(id, trace: &trace)
        _ = world.apply(.wait(.settled, timeout: .minutes(5)), trace: &trace)
        return id
    }

    func test_bootstrapStartsMachineZeroWithinTheProvisioningDelay() {
        let (world, _) = bootstrapped()
        let m0 = world.machine(0)!
        XCTAssertEqual(m0.process, .running)
        XCTAssertEqual(m0.agentStatus, .started)
        XCTAssertTrue(m0.isController && m0.hasVote && m0.wantsVote)
        XCTAssertTrue(world.now >= .zero + .seconds(20) && world.now <= .zero + .seconds(61))
        XCTAssertTrue(world.agentAlive(0))
    }

    func test_crashedAgentReadsDownThirtyToSixtySecondsAfterItsLastPing() {
        var (world, trace) = bootstrapped()
        let worker = addWorker(&world, &trace)
        world.run(until: world.now + .minutes(2), trace: &trace)
        world.inject(.crash, into: worker, trace: &trace)
        let lastPing = world.presence.lastPing(of: worker)!
        world.run(until: lastPing + .seconds(29), trace: &trace)
        XCTAssertTrue(world.agentAlive(worker), "still alive 29 s after its last ping")
        world.run(until: lastPing + .seconds(61), trace: &trace)
        XCTAssertFalse(world.agentAlive(worker), "down 61 s after its last ping")
        XCTAssertTrue(world.agentAlive(0))
    }

    func test_restartedAgentIsAliveAgainWithNewIncarnation() {
        var (world, trace) = bootstrapped()
        let worker = addWorker(&world, &trace)
        world.inject(.crash, into: worker, trace: &trace)
        world.run(until: world.now + .minutes(2), trace: &trace)
        XCTAssertFalse(world.agentAlive(worker))
        world.start(worker, trace: &trace)
        world.run(until: world.now + .seconds(1), trace: &trace)
        XCTAssertTrue(world.agentAlive(worker))
        XCTAssertEqual(world.machine(worker)?.incarnation, 2)
    }

    func test_pausedAgentHoldsItsEventsAndCatchesUpOnResume() {
        var (world, trace) = bootstrapped()
        let worker = addWorker(&world, &trace)
        world.inject(.pause, into: worker, trace: &trace)
        world.run(until: world.now + .minutes(3), trace: &trace)
        XCTAssertFalse(world.agentAlive(worker), "a frozen agent stops pinging")
        XCTAssertFalse(world.parked.isEmpty, "its timer waits for it")
        world.start(worker, trace: &trace)
        world.run(until: world.now + .seconds(1), trace: &trace)
        XCTAssertTrue(world.parked.isEmpty)
        XCTAssertTrue(world.agentAlive(worker), "the held-back ping timer fired on resume")
        XCTAssertEqual(world.machine(worker)?.incarnation, 1)
    }

    func test_partitionedAgentReadsDownAndRecoversAfterHeal() {
        var (world, trace) = bootstrapped()
        let worker = addWorker(&world, &trace)
        _ = world.apply(.partition([worker], from: [0], oneWay: false), trace: &trace)
        world.run(until: world.now + .minutes(2), trace: &trace)
        XCTAssertFalse(world.agentAlive(worker))
        XCTAssertEqual(world.machine(worker)?.process, .running, "the process itself is fine")
        _ = world.apply(.heal(nil), trace: &trace)
        world.run(until: world.now + .seconds(30), trace: &trace)
        XCTAssertTrue(world.agentAlive(worker))
    }

    func test_oneWayPartitionLosesAcksButPingsStillArrive() {
        var (world, trace) = bootstrapped()
        let worker = addWorker(&world, &trace)
        _ = world.apply(.partition([0], from: [worker], oneWay: true), trace: &trace)
        world.run(until: world.now + .minutes(2), trace: &trace)
        XCTAssertTrue(world.agentAlive(worker), "machine-1 → machine-0 still flows")
        XCTAssertEqual(world.machine(worker)?.lastPingAcked, false)
        XCTAssertTrue(trace.lines.contains { $0.contains("drop presence-ack") })
    }

    func test_sameSeedGivesIdenticalTraceAndDifferentSeedDoesNot() {
        func run(_ seed: UInt64) -> String {
            var (world, trace) = bootstrapped(seed: seed)
            _ = addWorker(&world, &trace)
            world.inject(.crash, into: 1, trace: &trace)
            world.run(until: world.now + .minutes(5), trace: &trace)
            return trace.text
        }
        XCTAssertEqual(run(11), run(11))
        XCTAssertNotEqual(run(11), run(12))
    }

    func test_savedAndResumedWorldContinuesExactlyLikeAnUninterruptedOne() throws {
        var (world, trace) = bootstrapped(seed: 21)
        _ = addWorker(&world, &trace)
        var resumed = try JSONDecoder().decode(World.self, from: JSONEncoder().encode(world))
        var traceA = Trace(), traceB = Trace()
        world.run(until: world.now + .minutes(30), trace: &traceA)
        resumed.run(until: resumed.now + .minutes(30), trace: &traceB)
        XCTAssertEqual(traceA.text, traceB.text)
        XCTAssertFalse(traceA.lines.isEmpty)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(try encoder.encode(world), try encoder.encode(resumed))
    }

    func test_advancingInPiecesEqualsAdvancingAtOnce() {
        var (a, traceA) = bootstrapped(seed: 5)
        var (b, traceB) = bootstrapped(seed: 5)
        _ = a.apply(.advance(.minutes(10)), trace: &traceA)
        for _ in 0..<10 { _ = b.apply(.advance(.minutes(1)), trace: &traceB) }
        XCTAssertEqual(traceA.text, traceB.text)
        XCTAssertEqual(a.now, b.now)
    }

    func test_settledWaitTimesOutWhileAnInstanceIsStillProvisioning() {
        var (world, trace) = bootstrapped()
        let id = world.addMachine(jobs: [.hostUnits])
        world.provision(id, trace: &trace)
        XCTAssertEqual(world.apply(.wait(.settled, timeout: .seconds(5)), trace: &trace), .timedOut(.settled, after: .seconds(5)))
    }
}

final class EndpointTests: XCTestCase {
    func test_mongoHostReadsBackToItsMachine() {
        XCTAssertEqual(MachineID(mongoHost: MachineID(2).mongoHost), 2)
        XCTAssertEqual(MachineID(mongoHost: "127.0.0.17:37017"), 7)
        for bad in ["127.0.0.12", "127.0.0.5:37017", "host:37017", "127.0.0.:37017", ""] {
            XCTAssertNil(MachineID(mongoHost: bad), bad)
        }
    }

    func test_agentClientsAreTheirMachinesAndOtherClientsAreEndpoints() {
        XCTAssertEqual(MachineID.endpoint(ofClient: MachineID.agentClient(of: 3)), 3)
        XCTAssertEqual(MachineID.endpoint(ofClient: 2), .client(2))
        XCTAssertTrue(MachineID.endpoint(ofClient: 2).isClient)
    }
}
