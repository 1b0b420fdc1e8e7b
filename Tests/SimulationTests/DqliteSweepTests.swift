import HACore
@testable import RaftCluster
@testable import Simulation
import XCTest

/// The modern flavor's Raft seed sweep (issue 5): seeds pass, a seed replays byte for byte, and
/// the checker reports what it is there to catch.
final class DqliteSweepTests: XCTestCase {
    private func options(controllers: Int = 3, duration: Interval = .minutes(2)) -> SweepOptions {
        SweepOptions(members: controllers, faults: .swarm, duration: duration, writes: true)
    }

    func test_aHandfulOfSeedsPassUnderSwarmFaults() {
        var acknowledged = 0, faults = 0
        for seed in 1...4 as ClosedRange<UInt64> {
            var trace = Trace(recording: false)
            let outcome = DqliteSweep.run(seed: seed, options: options(), trace: &trace)
            XCTAssertEqual(outcome.violations, [], "seed \(seed)")
            acknowledged += outcome.acknowledged
            faults += outcome.faults.count
        }
        // The seeds do real work: writes acknowledged through the leader, faults injected.
        XCTAssertGreaterThan(acknowledged, 100)
        XCTAssertGreaterThan(faults, 4)
    }

    func test_fiveAndSevenControllersPass() {
        for controllers in [5, 7] {
            var trace = Trace(recording: false)
            let outcome = DqliteSweep.run(seed: 3, options: options(controllers: controllers), trace: &trace)
            XCTAssertEqual(outcome.violations, [], "\(controllers) controllers")
            XCTAssertGreaterThan(outcome.acknowledged, 0)
        }
    }

    func test_sameSeedReplaysByteIdentically() {
        var a = Trace(), b = Trace()
        let first = DqliteSweep.run(seed: 5, options: options(), trace: &a)
        let second = DqliteSweep.run(seed: 5, options: options(), trace: &b)
        XCTAssertEqual(first.events, second.events)
        XCTAssertEqual(first.faults, second.faults)
        XCTAssertEqual(first.acknowledged, second.acknowledged)
        XCTAssertGreaterThan(a.lines.count, 1_000)
        XCTAssertEqual(a.text, b.text)
    }

    func test_setUpGivesGoDqliteRoles() {
        for (controllers, voters, standBys) in [(3, 3, 0), (5, 3, 2), (7, 3, 3)] {
            var trace = Trace(recording: false)
            var world = World(config: WorldConfig(name: "t", flavor: .modern, seed: Seed(9)), trace: &trace)
            XCTAssertNil(DqliteSweep.setUp(&world, controllers: controllers, trace: &trace))
            let configuration = world.dqliteConfiguration
            XCTAssertEqual(configuration?.servers.count, controllers)
            XCTAssertEqual(configuration?.voterCount, voters)
            XCTAssertEqual(configuration?.servers.filter { $0.role == .standBy }.count, standBys)
        }
    }

    // MARK: The checker

    /// Three controllers, settled, with a checker that has seen everything.
    private func settledWorld() throws -> World {
        var trace = Trace(recording: false)
        var world = World(config: WorldConfig(name: "t", flavor: .modern, seed: Seed(4)), trace: &trace)
        world.raftChecker = DqliteChecker()
        XCTAssertNil(DqliteSweep.setUp(&world, controllers: 3, trace: &trace))
        XCTAssertEqual(try XCTUnwrap(world.raftChecker).violations, [])
        return world
    }

    func test_checkerReportsASecondLeaderInTheSameTerm() throws {
        var world = try settledWorld()
        var checker = try XCTUnwrap(world.raftChecker)
        let leader = try XCTUnwrap(world.dqliteNodes.first { $0.node?.isLeader == true })
        let term = try XCTUnwrap(leader.node?.term)
        let f = try XCTUnwrap(world.dqliteNodes.firstIndex { $0.node?.isLeader == false })
        world.dqliteNodes[f].node!.state = .leader
        checker.check(world, touched: world.dqliteNodes[f].machine)
        XCTAssertEqual(checker.violations.count, 1)
        XCTAssertTrue(checker.violations.first?.contains("two leaders in term \(term): \(leader.machine.tag)") == true, "\(checker.violations)")
    }

    func test_checkerReportsATermGoingBackAndADivergentCommittedEntry() throws {
        var world = try settledWorld()
        var checker = try XCTUnwrap(world.raftChecker)
        let f = try XCTUnwrap(world.dqliteNodes.firstIndex { $0.node?.isLeader == false })
        var node = try XCTUnwrap(world.dqliteNodes[f].node)
        let last = node.lastLogIndex
        // Rewrite the follower's last committed entry as if another leader had committed it.
        var entries = node.durable.log.entries
        entries[Int(last - 1)].payload = .command(SQLStatement("DELETE FROM controller_config"))
        node.durable = RaftDurableState(term: node.term - 1, log: RaftLog(entries), lastApplied: node.appliedIndex)
        world.dqliteNodes[f].node = node
        // A fresh checker that only knows the healthy nodes' history sees the divergence.
        checker.check(world, touched: world.dqliteNodes[f].machine)
        XCTAssertTrue(checker.violations.contains { $0.contains("term went back") }, "\(checker.violations)")
        var fresh = DqliteChecker()
        for i in world.dqliteNodes.indices where i != f { fresh.check(world, touched: world.dqliteNodes[i].machine) }
        fresh.check(world, touched: world.dqliteNodes[f].machine)
        XCTAssertTrue(fresh.violations.contains { $0.contains("committed [DELETE FROM controller_config] of term") && $0.contains("at \(last)") },
                      "\(fresh.violations)")
    }

    func test_checkerReportsALostAcknowledgedWrite() throws {
        var world = try settledWorld()
        var checker = try XCTUnwrap(world.raftChecker)
        var workload = DqliteWorkload()
        workload.acknowledged = [.init(key: 42, index: 1_000, leader: try XCTUnwrap(world.dqliteLeaderMachine))]
        world.dqliteWorkload = workload
        checker.check(world, touched: .client(DqliteWorkload.clientNumber))
        XCTAssertTrue(checker.violations.contains { $0.contains("write sweep-42 acknowledged at 1000 but not committed there") }, "\(checker.violations)")
        checker.checkNoAcknowledgedWriteLost(world)
        XCTAssertTrue(checker.violations.last?.contains("1 acknowledged writes lost") == true, "\(checker.violations)")
    }
}
