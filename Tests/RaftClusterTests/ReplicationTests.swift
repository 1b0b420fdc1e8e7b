import HACore
import XCTest
@testable import RaftCluster

/// Log replication, commitment and leadership upkeep (Raft §5.3, §5.4.2, thesis §6.2; C-raft
/// replication.c, tick.c).
final class ReplicationTests: XCTestCase {
    private let three = Fixture.config(voters: [1, 2, 3])

    private func heartbeat(term: RaftTerm, prev: LogIndex, prevTerm: RaftTerm, entries: [LogEntry] = [], commit: LogIndex = 0)
        -> RaftMessage {
        .appendEntries(.init(term: term, leaderID: 1, leaderAddress: Fixture.address(1), prevLogIndex: prev, prevLogTerm: prevTerm,
                             entries: entries, leaderCommit: commit))
    }

    func test_leaderSendsEntriesToVotersAndStandBysButNotToSpares() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4], spares: [5])
        var leader = Fixture.node(1, config)
        let out = Fixture.elect(&leader)
        XCTAssertEqual(Set(out.appendEntries.map(\.to)), [2, 3, 4])
        let beat = leader.onHeartbeatTimer(now: leader.electionTimerStart + .milliseconds(500))
        XCTAssertEqual(Set(beat.appendEntries.map(\.to)), [2, 3, 4])
    }

    func test_spareReceivesNoEntries() {
        let config = Fixture.config(voters: [1, 2, 3], spares: [5])
        var leader = Fixture.leader(1, config)
        let out = leader.onClientRequest(.execSQL(SQLStatement("INSERT INTO t VALUES (1)")), id: Fixture.request, now: Fixture.t0 + .seconds(10))
        XCTAssertFalse(out.sends.contains { $0.to == 5 })
        XCTAssertFalse(leader.onHeartbeatTimer(now: Fixture.t0 + .seconds(20)).sends.contains { $0.to == 5 })
    }

    func test_standByReplicatesButDoesNotCountForCommit() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4, 5])
        var leader = Fixture.leader(1, config, caughtUp: [])
        let barrier = leader.lastLogIndex
        Fixture.acknowledge(&leader, from: 4)
        Fixture.acknowledge(&leader, from: 5)
        XCTAssertLessThan(leader.commitIndex, barrier, "two stand-bys are no majority of three voters")
        let out = Fixture.acknowledge(&leader, from: 2)
        XCTAssertEqual(leader.commitIndex, barrier)
        XCTAssertEqual(out.applied, [2])
    }

    func test_leaderCommitsOnlyEntriesOfItsOwnTerm() {
        // Entry 2 comes from term 1; the new leader (term 3) replicates it but may only commit it
        // together with an entry of term 3 (§5.4.2).
        var leader = Fixture.node(1, three, term: 2, terms: [1])
        _ = Fixture.elect(&leader)
        XCTAssertEqual(leader.term, 3)
        Fixture.acknowledge(&leader, from: 2, upTo: 2)
        XCTAssertEqual(leader.commitIndex, 1, "an old-term entry on a majority is not committed by counting")
        Fixture.acknowledge(&leader, from: 2, upTo: 3)
        XCTAssertEqual(leader.commitIndex, 3)
    }

    func test_followerAppendsAcknowledgesAndLearnsCommitIndex() {
        var follower = Fixture.node(2, three)
        let entries = [LogEntry(index: 2, term: 1, payload: Fixture.command(2)), LogEntry(index: 3, term: 1, payload: Fixture.command(3))]
        let out = follower.onMessage(from: 1, heartbeat(term: 1, prev: 1, prevTerm: 1, entries: entries, commit: 2), now: Fixture.t0)
        XCTAssertEqual(out.first, .persist)
        XCTAssertEqual(follower.lastLogIndex, 3)
        XCTAssertEqual(follower.commitIndex, 2)
        XCTAssertEqual(out.applied, [2])
        XCTAssertEqual(out.sent(to: 1), [.appendEntriesResult(.init(term: 1, rejected: nil, lastLogIndex: 3))])
        XCTAssertEqual(follower.currentLeader, KnownLeader(id: 1, address: Fixture.address(1)))
    }

    func test_followerRefusesEntriesWhosePreviousEntryDoesNotMatch() {
        var follower = Fixture.node(2, three, terms: [1])
        let gap = follower.onMessage(from: 1, heartbeat(term: 2, prev: 5, prevTerm: 2), now: Fixture.t0)
        XCTAssertEqual(gap.sent(to: 1), [.appendEntriesResult(.init(term: 2, rejected: 5, lastLogIndex: 2))])
        let mismatch = follower.onMessage(from: 1, heartbeat(term: 2, prev: 2, prevTerm: 2), now: Fixture.t0)
        XCTAssertEqual(mismatch.sent(to: 1), [.appendEntriesResult(.init(term: 2, rejected: 2, lastLogIndex: 2))])
    }

    func test_followerReplacesConflictingUncommittedEntries() {
        var follower = Fixture.node(2, three, terms: [1, 1])
        let replacement = LogEntry(index: 2, term: 2, payload: .barrier)
        _ = follower.onMessage(from: 1, heartbeat(term: 2, prev: 1, prevTerm: 1, entries: [replacement], commit: 1), now: Fixture.t0)
        XCTAssertEqual(follower.log.entries, [LogEntry(index: 1, term: 1, payload: .configuration(three)), replacement])
    }

    func test_staleLeaderIsToldTheNewerTermAndStepsDown() {
        var follower = Fixture.node(2, three, term: 5)
        let out = follower.onMessage(from: 1, heartbeat(term: 4, prev: 1, prevTerm: 1), now: Fixture.t0)
        XCTAssertEqual(out.sent(to: 1), [.appendEntriesResult(.init(term: 5, rejected: 1, lastLogIndex: 1))])
        var leader = Fixture.leader(1, three)
        let stepDown = leader.onMessage(from: 2, .appendEntriesResult(.init(term: leader.term + 3, rejected: 1, lastLogIndex: 1)),
                                        now: Fixture.t0 + .seconds(10))
        XCTAssertEqual(leader.state, .follower)
        XCTAssertEqual(leader.term, 5)
        XCTAssertEqual(stepDown.first, .persist)
    }

    func test_leaderProbesBackToTheFollowersLastEntry() {
        var leader = Fixture.leader(1, three, terms: [1, 1, 1], caughtUp: [3])
        let last = leader.lastLogIndex
        let out = leader.onMessage(from: 2, .appendEntriesResult(.init(term: leader.term, rejected: last - 1, lastLogIndex: 2)),
                                   now: Fixture.t0 + .seconds(10))
        XCTAssertEqual(out.appendEntries.first?.message.prevLogIndex, 2)
        XCTAssertEqual(leader.progress(of: 2)?.nextIndex, 3)
    }

    func test_leaderWithoutContactToAMajorityStepsDownAfterAnElectionTimeout() {
        var leader = Fixture.leader(1, three)
        let elected = leader.electionTimerStart
        var now = elected
        // Node 2 answers once, then nobody: the first check passes, the second fails.
        _ = Fixture.acknowledge(&leader, from: 2, now: now)
        while leader.isLeader && now < elected + .seconds(10) {
            now = now + .milliseconds(500)
            _ = leader.onHeartbeatTimer(now: now)
        }
        XCTAssertEqual(leader.state, .follower)
        XCTAssertEqual(now, elected + .seconds(6))
    }

    func test_appliesCommittedEntriesOnceAcrossRestarts() {
        var follower = Fixture.node(2, three)
        let entries = [LogEntry(index: 2, term: 1, payload: Fixture.command(2))]
        let first = follower.onMessage(from: 1, heartbeat(term: 1, prev: 1, prevTerm: 1, entries: entries, commit: 2), now: Fixture.t0)
        XCTAssertEqual(first.applied, [2])
        var restarted = RaftNode(id: 2, address: Fixture.address(2), durable: follower.durable)
        let start = restarted.onStart(now: Fixture.t0 + .seconds(1), random: SplitMix64(seed: 2))
        XCTAssertEqual(start.applied, [], "already applied before the crash")
        XCTAssertEqual(restarted.commitIndex, 2)
        var wiped = RaftNode(id: 2, address: Fixture.address(2))
        XCTAssertEqual(wiped.onStart(now: Fixture.t0, random: SplitMix64(seed: 2)).applied, [], "a lost disk starts empty")
        XCTAssertEqual(wiped.lastLogIndex, 0)
    }

    func test_staleHeartbeatTimersAreIgnored() {
        var leader = Fixture.leader(1, three)
        let t = leader.electionTimerStart
        XCTAssertTrue(leader.onHeartbeatTimer(now: t + .milliseconds(100)).isEmpty, "not due yet")
        XCTAssertFalse(leader.onHeartbeatTimer(now: t + .milliseconds(500)).isEmpty)
    }
}
