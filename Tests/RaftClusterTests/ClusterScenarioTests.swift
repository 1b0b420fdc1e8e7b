import HACore
import XCTest
@testable import RaftCluster

/// Whole clusters of nodes on the in-test driver, with the safety checks running after every
/// step: joining as go-dqlite does (ADD as spare, then ASSIGN), failover, stand-bys, transfer,
/// partitions.
final class ClusterScenarioTests: XCTestCase {
    private func insert(_ n: Int) -> DqliteRequest { .execSQL(SQLStatement("INSERT INTO t VALUES (?)", [.integer(Int64(n))])) }

    private func isResult(_ reply: DqliteReply?) -> Bool {
        if case .result? = reply { return true }
        return false
    }

    private func assertSafe(_ cluster: SimCluster, file: StaticString = #filePath, line: UInt = #line) {
        cluster.checkAppliedPrefixes()
        XCTAssertEqual(cluster.violations, [], cluster.recentTrace, file: file, line: line)
    }

    /// Node 1 bootstrapped; `ids` joined through ADD and given `roles` by ASSIGN, as go-dqlite
    /// joins nodes (spec §5.5).
    private func cluster(seed: UInt64 = 1, ids: [UInt64], roles: [UInt64: DqliteRole]) -> SimCluster {
        let cluster = SimCluster(seed: seed, ids: ids)
        cluster.bootstrap(1)
        for id in ids where id != 1 { cluster.start(id) }
        XCTAssertTrue(cluster.run(atMost: .seconds(10)) { $0.leader == 1 }, "the bootstrap node leads after its election timeout")
        for id in ids where id != 1 {
            XCTAssertEqual(cluster.call(.add(id: id, address: SimCluster.address(id)), to: 1), .empty, "ADD \(id)")
            if let role = roles[id], role != .spare {
                XCTAssertEqual(cluster.call(.assign(id: id, role: role), to: 1), .empty, "ASSIGN \(id) \(role)")
            }
        }
        cluster.run(for: .seconds(2))
        return cluster
    }

    func test_threeNodeBootstrapWithAddAndAssign() {
        let c = cluster(ids: [1, 2, 3], roles: [2: .voter, 3: .voter])
        for id: UInt64 in [1, 2, 3] {
            XCTAssertEqual(c.node(id).configuration.voterIDs, [1, 2, 3], "node \(id)")
        }
        XCTAssertEqual(c.call(.leader, to: 3), .server(id: 1, address: SimCluster.address(1)))
        XCTAssertEqual(c.call(.cluster(format: 1), to: 2), .servers(Fixture.config(voters: [1, 2, 3]).servers))
        XCTAssertEqual(c.call(insert(1), to: 1), .result(index: c.node(1).lastLogIndex))
        assertSafe(c)
    }

    func test_leaderCrashIsFollowedByAnElectionAmongTheRemainingVoters() {
        let c = cluster(ids: [1, 2, 3], roles: [2: .voter, 3: .voter])
        for n in 1...5 { XCTAssertTrue(isResult(c.call(insert(n), to: 1))) }
        let crashedAt = c.now
        c.crash(1)
        XCTAssertTrue(c.run(atMost: .seconds(20)) { $0.leader != nil }, c.recentTrace)
        let elapsed = c.now - crashedAt
        // Detection takes one randomised timeout (3–6 s); a voter still holding the old leader
        // refuses pre-votes until its own timer expires, so at most two timeouts.
        XCTAssertLessThanOrEqual(elapsed, .seconds(12))
        XCTAssertGreaterThanOrEqual(elapsed, .seconds(3))
        let leader = try! XCTUnwrap(c.leader)
        XCTAssertTrue([2, 3].contains(leader))
        c.run(for: .seconds(1))
        XCTAssertEqual(c.call(.leader, to: leader == 2 ? 3 : 2), .server(id: leader, address: SimCluster.address(leader)))
        XCTAssertTrue(isResult(c.call(insert(6), to: leader)))
        // The old leader comes back as a follower and catches up.
        c.start(1)
        XCTAssertTrue(c.run(atMost: .seconds(10)) { $0.node(1).commitIndex == $0.node(leader).commitIndex })
        XCTAssertEqual(c.node(1).state, .follower)
        assertSafe(c)
    }

    func test_standBysHoldTheCommittedLogOfAFiveNodeCluster() {
        let c = cluster(ids: [1, 2, 3, 4, 5], roles: [2: .voter, 3: .voter, 4: .standBy, 5: .standBy])
        XCTAssertEqual(c.node(1).configuration.voterIDs, [1, 2, 3])
        for n in 1...20 { _ = c.request(insert(n), to: 1) }
        c.run(for: .seconds(3))
        let leader = c.node(1)
        for id: UInt64 in [4, 5] {
            let standBy = c.node(id)
            XCTAssertEqual(standBy.role, .standBy)
            XCTAssertEqual(standBy.commitIndex, leader.commitIndex, "stand-by \(id)")
            XCTAssertEqual(standBy.log.entries, leader.log.entries, "stand-by \(id)")
            XCTAssertEqual(c.slots[c.slotIndex(id)].appliedCount, leader.commitIndex)
            XCTAssertEqual(c.call(.leader, to: id), .server(id: 0, address: ""), "stand-bys do not name the leader")
        }
        // Losing the leader and a stand-by: the two remaining voters elect one of themselves.
        c.crash(1)
        c.crash(4)
        XCTAssertTrue(c.run(atMost: .seconds(20)) { $0.leader != nil })
        XCTAssertTrue([2, 3].contains(c.leader!))
        assertSafe(c)
    }

    func test_spareReceivesNothingUntilPromoted() {
        let c = cluster(ids: [1, 2, 3, 4], roles: [2: .voter, 3: .voter, 4: .spare])
        for n in 1...5 { _ = c.request(insert(n), to: 1) }
        c.run(for: .seconds(3))
        XCTAssertEqual(c.node(4).lastLogIndex, 0, "a spare holds no log")
        XCTAssertEqual(c.node(4).configuration, .empty, "and so does not even know its configuration")
        XCTAssertEqual(c.call(.assign(id: 4, role: .voter), to: 1), .empty)
        c.run(for: .seconds(1))
        XCTAssertEqual(c.node(4).lastLogIndex, c.node(1).lastLogIndex)
        XCTAssertTrue(c.node(4).isVoter)
        assertSafe(c)
    }

    func test_transferHandsLeadershipToTheTarget() {
        let c = cluster(ids: [1, 2, 3], roles: [2: .voter, 3: .voter])
        XCTAssertEqual(c.call(.transfer(id: 3), to: 1, within: .seconds(5)), .empty)
        XCTAssertEqual(c.leader, 3)
        XCTAssertEqual(c.node(1).state, .follower)
        XCTAssertEqual(c.call(.transfer(id: 0), to: 3, within: .seconds(5)), .empty, "0 lets the leader pick")
        XCTAssertNotEqual(c.leader, 3)
        assertSafe(c)
    }

    func test_isolatedLeaderStepsDownAndItsUncommittedWriteIsReplaced() {
        let c = cluster(ids: [1, 2, 3], roles: [2: .voter, 3: .voter])
        c.isolate(1)
        let lost = c.request(insert(1), to: 1)
        XCTAssertTrue(c.run(atMost: .seconds(15)) { $0.node(1).state == .follower }, "check-quorum")
        XCTAssertEqual(c.reply(lost), .failure(DqliteFailure(code: 10506, message: "disk I/O error")))
        XCTAssertTrue(c.run(atMost: .seconds(15)) { $0.leader != nil && $0.leader != 1 })
        let leader = c.leader!
        XCTAssertTrue(isResult(c.call(insert(2), to: leader)))
        c.heal()
        XCTAssertTrue(c.run(atMost: .seconds(10)) { $0.node(1).commitIndex == $0.node(leader).commitIndex })
        XCTAssertEqual(c.node(1).log.entries, c.node(leader).log.entries)
        XCTAssertFalse(c.node(1).log.entries.contains { $0.payload == .command(SQLStatement("INSERT INTO t VALUES (?)", [.integer(1)])) })
        assertSafe(c)
    }

    func test_minorityCannotCommit() {
        let c = cluster(ids: [1, 2, 3], roles: [2: .voter, 3: .voter])
        c.partition([1], from: [2, 3])
        c.crash(3)
        XCTAssertTrue(c.run(atMost: .seconds(15)) { $0.node(1).state == .follower })
        let write = c.request(.execSQL(SQLStatement("SELECT 1")), to: 2)
        XCTAssertEqual(c.reply(write), .failure(.notLeader))
        c.run(for: .seconds(30))
        XCTAssertNil(c.leader, "no side holds a majority of voters")
        assertSafe(c)
    }

    func test_spareThatLostItsDiskCatchesUpWhenPromoted() {
        let c = cluster(ids: [1, 2, 3, 4], roles: [2: .voter, 3: .voter, 4: .standBy])
        for n in 1...5 { _ = c.request(insert(n), to: 1) }
        c.run(for: .seconds(2))
        XCTAssertEqual(c.call(.assign(id: 4, role: .spare), to: 1), .empty)
        c.crash(4)
        c.wipeDisk(4)
        c.start(4)
        XCTAssertEqual(c.node(4).lastLogIndex, 0)
        XCTAssertEqual(c.call(.assign(id: 4, role: .standBy), to: 1), .empty)
        c.run(for: .seconds(2))
        XCTAssertEqual(c.node(4).log.entries, c.node(1).log.entries)
        assertSafe(c)
    }

    func test_leaderAnswersReadsAndWritesAfterRestartOfTheWholeCluster() {
        let c = cluster(ids: [1, 2, 3], roles: [2: .voter, 3: .voter])
        for n in 1...3 { XCTAssertTrue(isResult(c.call(insert(n), to: 1))) }
        let committed = c.node(1).commitIndex
        for id: UInt64 in [1, 2, 3] { c.crash(id) }
        c.run(for: .seconds(1))
        for id: UInt64 in [1, 2, 3] { c.start(id) }
        // A new leader learns what is committed once the barrier of its term commits.
        XCTAssertTrue(c.run(atMost: .seconds(20)) { $0.leader != nil })
        let leader = c.leader!
        XCTAssertTrue(c.run(atMost: .seconds(2)) { $0.node(leader).commitIndex > committed })
        let read = c.request(.querySQL(SQLStatement("SELECT count(*) FROM t")), to: leader)
        XCTAssertTrue(c.run(atMost: .seconds(5)) { $0.queryRan(read) })
        assertSafe(c)
    }
}
