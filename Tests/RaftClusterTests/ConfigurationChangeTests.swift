import HACore
import XCTest
@testable import RaftCluster

/// ADD / ASSIGN / REMOVE / TRANSFER as C-raft runs them (client.c, membership.c): one change
/// at a time, in effect when appended, voters caught up before they vote.
final class ConfigurationChangeTests: XCTestCase {
    private let three = Fixture.config(voters: [1, 2, 3])
    private let later = Fixture.t0 + .seconds(10)

    private func configEntry(_ node: RaftNode) -> RaftConfiguration? {
        node.log.entry(at: node.lastLogIndex)?.payload.configuration
    }

    func test_addedNodeStartsAsSpare() {
        var leader = Fixture.leader(1, three)
        let out = leader.onClientRequest(.add(id: 4, address: Fixture.address(4)), id: Fixture.request, now: later)
        XCTAssertEqual(configEntry(leader)?.role(of: 4), .spare)
        XCTAssertEqual(leader.configuration.role(of: 4), .spare, "in effect as soon as appended")
        XCTAssertNil(out.reply(Fixture.request), "answered when committed")
        let commit = Fixture.acknowledge(&leader, from: 2, now: later)
        XCTAssertEqual(commit.reply(Fixture.request), .empty)
    }

    func test_addRefusesATakenIDOrAddress() {
        var leader = Fixture.leader(1, three)
        XCTAssertEqual(leader.onClientRequest(.add(id: 2, address: "10.0.0.9:17666"), id: Fixture.request, now: later).reply(Fixture.request),
                       .failure(DqliteFailure(code: 1, message: "server ID already in use")))
        XCTAssertEqual(leader.onClientRequest(.add(id: 9, address: Fixture.address(2)), id: Fixture.request, now: later).reply(Fixture.request),
                       .failure(DqliteFailure(code: 1, message: "server address already in use")))
    }

    func test_secondConfigChangeWhileUncommittedIsBusy() {
        var leader = Fixture.leader(1, three)
        _ = leader.onClientRequest(.add(id: 4, address: Fixture.address(4)), id: Fixture.request(1), now: later)
        let busy = DqliteFailure(code: 5, message: "a configuration change is already in progress")
        for (n, request) in [DqliteRequest.add(id: 5, address: Fixture.address(5)), .assign(id: 4, role: .standBy), .remove(id: 3)].enumerated() {
            let id = Fixture.request(UInt64(n + 2))
            XCTAssertEqual(leader.onClientRequest(request, id: id, now: later).reply(id), .failure(busy), request.name)
        }
        Fixture.acknowledge(&leader, from: 2, now: later)
        let id = Fixture.request(9)
        XCTAssertNil(leader.onClientRequest(.assign(id: 4, role: .standBy), id: id, now: later).reply(id), "free again once committed")
    }

    func test_newLeaderChangesNothingBeforeItCommitsAnEntryOfItsTerm() {
        var leader = Fixture.node(1, three)
        _ = Fixture.elect(&leader)
        XCTAssertEqual(leader.onClientRequest(.add(id: 4, address: Fixture.address(4)), id: Fixture.request, now: later).reply(Fixture.request),
                       .failure(.configurationBusy))
    }

    func test_assignToTheRoleAlreadyHeldIsNotValid() {
        var leader = Fixture.leader(1, three)
        XCTAssertEqual(leader.onClientRequest(.assign(id: 2, role: .voter), id: Fixture.request, now: later).reply(Fixture.request),
                       .failure(DqliteFailure(code: 1, message: "server role is not valid")))
    }

    func test_assignToAnUnknownServerIsNotFound() {
        var leader = Fixture.leader(1, three)
        XCTAssertEqual(leader.onClientRequest(.assign(id: 9, role: .voter), id: Fixture.request, now: later).reply(Fixture.request),
                       .failure(DqliteFailure(code: 1, message: "Resource not found")))
    }

    func test_removeOfAnUnknownServerIsAnInvalidID() {
        var leader = Fixture.leader(1, three)
        XCTAssertEqual(leader.onClientRequest(.remove(id: 9), id: Fixture.request, now: later).reply(Fixture.request),
                       .failure(DqliteFailure(code: 1, message: "server ID is not valid")))
    }

    func test_removeTakesEffectAtOnceAndStopsReplication() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4])
        var leader = Fixture.leader(1, config)
        _ = leader.onClientRequest(.remove(id: 4), id: Fixture.request, now: later)
        XCTAssertFalse(leader.configuration.contains(4))
        XCTAssertFalse(leader.onHeartbeatTimer(now: later + .seconds(1)).sends.contains { $0.to == 4 })
    }

    func test_assignToStandByCommitsWithoutCatchUp() {
        let config = Fixture.config(voters: [1, 2, 3], spares: [4])
        var leader = Fixture.leader(1, config)
        _ = leader.onClientRequest(.assign(id: 4, role: .standBy), id: Fixture.request, now: later)
        XCTAssertEqual(configEntry(leader)?.role(of: 4), .standBy)
        XCTAssertEqual(Fixture.acknowledge(&leader, from: 2, now: later).reply(Fixture.request), .empty)
    }

    func test_assignVoterWaitsForCatchUp() {
        let config = Fixture.config(voters: [1, 2, 3], spares: [4])
        var leader = Fixture.leader(1, config, terms: [1, 1, 1])
        let before = leader.lastLogIndex
        let out = leader.onClientRequest(.assign(id: 4, role: .voter), id: Fixture.request, now: later)
        XCTAssertEqual(leader.lastLogIndex, before, "no configuration entry before the spare caught up")
        XCTAssertEqual(leader.promotee, 4)
        XCTAssertEqual(out.appendEntries.map(\.to), [4], "the promotee gets entries although it is a spare")
        // The spare's log is empty: it refuses, the leader probes back, the spare catches up.
        let probe = leader.onMessage(from: 4, .appendEntriesResult(.init(term: leader.term, rejected: before - 1, lastLogIndex: 0)), now: later)
        XCTAssertEqual(probe.appendEntries.first?.message.prevLogIndex, 0, "probes back to the start of the log")
        XCTAssertEqual(leader.lastLogIndex, before)
        Fixture.acknowledge(&leader, from: 4, upTo: before - 1, now: later)
        XCTAssertEqual(leader.lastLogIndex, before, "not yet at the round's index")
        let caughtUp = Fixture.acknowledge(&leader, from: 4, upTo: before, now: later + .seconds(1))
        XCTAssertNil(leader.promotee)
        XCTAssertEqual(configEntry(leader)?.role(of: 4), .voter)
        XCTAssertNil(caughtUp.reply(Fixture.request))
        // Four voters now: the entry needs three of them.
        XCTAssertNil(Fixture.acknowledge(&leader, from: 2, now: later + .seconds(1)).reply(Fixture.request))
        XCTAssertEqual(Fixture.acknowledge(&leader, from: 3, now: later + .seconds(1)).reply(Fixture.request), .empty)
    }

    func test_assignVoterOfAnUpToDateServerAppendsAtOnce() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4])
        var leader = Fixture.leader(1, config)
        _ = leader.onClientRequest(.assign(id: 4, role: .voter), id: Fixture.request, now: later)
        XCTAssertNil(leader.promotee)
        XCTAssertEqual(configEntry(leader)?.role(of: 4), .voter)
    }

    func test_slowCatchUpRoundStartsAnotherRound() {
        let config = Fixture.config(voters: [1, 2, 3], spares: [4])
        var leader = Fixture.leader(1, config, terms: [1, 1])
        let round1 = leader.lastLogIndex
        _ = leader.onClientRequest(.assign(id: 4, role: .voter), id: Fixture.request(1), now: later)
        // Writes keep arriving while the spare catches up slowly.
        _ = leader.onClientRequest(.execSQL(SQLStatement("INSERT INTO t VALUES (1)")), id: Fixture.request(2), now: later)
        Fixture.acknowledge(&leader, from: 4, upTo: round1, now: later + .seconds(4))
        XCTAssertEqual(leader.promotee, 4, "a round slower than the election timeout, still behind: one more round")
        Fixture.acknowledge(&leader, from: 4, upTo: leader.lastLogIndex, now: later + .seconds(5))
        XCTAssertNil(leader.promotee)
        XCTAssertEqual(configEntry(leader)?.role(of: 4), .voter)
    }

    func test_promotionAbortsWhenTheTargetDoesNotCatchUp() {
        let config = Fixture.config(voters: [1, 2, 3], spares: [4])
        var settings = RaftSettings()
        settings.maxCatchUpRoundDuration = .seconds(5)
        var leader = Fixture.leader(1, config, terms: [1], settings: settings)
        _ = leader.onClientRequest(.assign(id: 4, role: .voter), id: Fixture.request, now: later)
        var now = later
        var reply: DqliteReply?
        while reply == nil && now < later + .seconds(10) {
            now = now + .milliseconds(500)
            // Keep the quorum check happy: the voters answer.
            Fixture.acknowledge(&leader, from: 2, now: now)
            reply = leader.onHeartbeatTimer(now: now).reply(Fixture.request)
        }
        XCTAssertEqual(reply, .failure(DqliteFailure(code: 1, message: "no connection to remote server available")))
        XCTAssertGreaterThan(now - later, .seconds(5))
        XCTAssertNil(leader.promotee)
        XCTAssertEqual(leader.configuration.role(of: 4), .spare)
    }

    func test_followerUsesAConfigurationAsSoonAsItIsAppended() {
        var follower = Fixture.node(4, Fixture.config(voters: [1, 2, 3], spares: [4]))
        XCTAssertFalse(follower.isVoter)
        let promoted = Fixture.config(voters: [1, 2, 3, 4])
        _ = follower.onMessage(from: 1, .appendEntries(.init(term: 1, leaderID: 1, leaderAddress: Fixture.address(1), prevLogIndex: 1,
                                                             prevLogTerm: 1, entries: [LogEntry(index: 2, term: 1, payload: .configuration(promoted))],
                                                             leaderCommit: 1)), now: Fixture.t0)
        XCTAssertTrue(follower.isVoter)
        XCTAssertEqual(follower.commitIndex, 1)
    }

    func test_truncatedConfigurationRollsBackToThePreviousOne() {
        let grown = Fixture.config(voters: [1, 2, 3], spares: [4])
        var entries = Fixture.log(three).entries
        entries.append(LogEntry(index: 2, term: 1, payload: .configuration(grown)))
        var follower = RaftNode(id: 2, address: Fixture.address(2), durable: RaftDurableState(term: 1, log: RaftLog(entries)))
        _ = follower.onStart(now: Fixture.t0, random: SplitMix64(seed: 1))
        XCTAssertEqual(follower.configuration, grown)
        _ = follower.onMessage(from: 3, .appendEntries(.init(term: 2, leaderID: 3, leaderAddress: Fixture.address(3), prevLogIndex: 1,
                                                             prevLogTerm: 1, entries: [LogEntry(index: 2, term: 2, payload: .barrier)],
                                                             leaderCommit: 1)), now: Fixture.t0)
        XCTAssertEqual(follower.configuration, three)
    }

    func test_leaderStepsDownOnceItsOwnRemovalCommits() {
        var leader = Fixture.leader(1, three)
        _ = leader.onClientRequest(.remove(id: 1), id: Fixture.request, now: later)
        XCTAssertTrue(leader.isLeader, "still leads the uncommitted configuration")
        Fixture.acknowledge(&leader, from: 2, now: later)
        XCTAssertTrue(leader.isLeader, "needs a majority of the new voters, 2 and 3")
        let out = Fixture.acknowledge(&leader, from: 3, now: later)
        XCTAssertEqual(out.reply(Fixture.request), .empty)
        XCTAssertEqual(leader.state, .follower)
    }

    func test_theLastVoterCannotBeRemovedOrDemoted() {
        var node = RaftNode(id: 1, address: Fixture.address(1), durable: .bootstrap(id: 1, address: Fixture.address(1)))
        _ = node.onStart(now: Fixture.t0, random: SplitMix64(seed: 1))
        _ = node.onElectionTimeout(now: node.electionDeadline)
        XCTAssertEqual(node.onClientRequest(.remove(id: 1), id: Fixture.request, now: later).reply(Fixture.request), .failure(.badRole))
        XCTAssertEqual(node.onClientRequest(.assign(id: 1, role: .spare), id: Fixture.request, now: later).reply(Fixture.request), .failure(.badRole))
    }

    // MARK: TRANSFER

    func test_transferSendsTimeoutNowToACaughtUpVoter() {
        var leader = Fixture.leader(1, three)
        let out = leader.onClientRequest(.transfer(id: 3), id: Fixture.request, now: later)
        XCTAssertEqual(out.sent(to: 3), [.timeoutNow(.init(term: leader.term, lastLogIndex: leader.lastLogIndex, lastLogTerm: leader.term))])
        // The target wins: its disrupting vote request makes the leader step down, and the
        // first entries from the target complete the transfer.
        let vote = RaftMessage.RequestVote(term: leader.term + 1, candidateID: 3, lastLogIndex: leader.lastLogIndex,
                                           lastLogTerm: leader.term, disruptLeader: true)
        let voted = leader.onMessage(from: 3, .requestVote(vote), now: later)
        XCTAssertEqual(voted.voteResults.first?.voteGranted, true)
        XCTAssertEqual(leader.state, .follower)
        let done = leader.onMessage(from: 3, .appendEntries(.init(term: leader.term, leaderID: 3, leaderAddress: Fixture.address(3),
                                                                  prevLogIndex: leader.lastLogIndex, prevLogTerm: leader.log.lastTerm,
                                                                  entries: [], leaderCommit: leader.commitIndex)), now: later)
        XCTAssertEqual(done.reply(Fixture.request), .empty)
    }

    func test_transferWaitsForTheTargetToCatchUp() {
        var leader = Fixture.leader(1, three, caughtUp: [2])
        let out = leader.onClientRequest(.transfer(id: 3), id: Fixture.request, now: later)
        XCTAssertTrue(out.sent(to: 3).isEmpty)
        let caughtUp = Fixture.acknowledge(&leader, from: 3, now: later)
        XCTAssertTrue(caughtUp.sent(to: 3).contains { if case .timeoutNow = $0 { return true } else { return false } })
    }

    func test_transferFailsWhenStillLeaderAfterAnElectionTimeout() {
        var leader = Fixture.leader(1, three)
        _ = leader.onClientRequest(.transfer(id: 3), id: Fixture.request, now: later)
        var reply: DqliteReply?
        var now = later
        while reply == nil && now < later + .seconds(10) {
            now = now + .milliseconds(500)
            Fixture.acknowledge(&leader, from: 2, now: now)
            reply = leader.onHeartbeatTimer(now: now).reply(Fixture.request)
        }
        XCTAssertEqual(reply, .failure(DqliteFailure(code: 1, message: "leadership transfer failed")))
        XCTAssertEqual(now, later + .seconds(3))
    }

    func test_transferToItselfOrANonVoterIsAnInvalidID() {
        var leader = Fixture.leader(1, Fixture.config(voters: [1, 2, 3], standBys: [4]))
        XCTAssertEqual(leader.onClientRequest(.transfer(id: 1), id: Fixture.request, now: later).reply(Fixture.request), .failure(.badID))
        XCTAssertEqual(leader.onClientRequest(.transfer(id: 4), id: Fixture.request, now: later).reply(Fixture.request), .failure(.badID))
        XCTAssertEqual(leader.onClientRequest(.transfer(id: 8), id: Fixture.request, now: later).reply(Fixture.request), .failure(.badID))
    }

    func test_writesAndChangesDuringATransferAreRefused() {
        var leader = Fixture.leader(1, three, caughtUp: [2])
        _ = leader.onClientRequest(.transfer(id: 3), id: Fixture.request(1), now: later)
        let failure = DqliteFailure(code: 10250, message: "server is not the leader")
        for (n, request) in [DqliteRequest.execSQL(SQLStatement("INSERT INTO t VALUES (1)")), .add(id: 4, address: Fixture.address(4)),
                             .transfer(id: 2)].enumerated() {
            let id = Fixture.request(UInt64(n + 2))
            XCTAssertEqual(leader.onClientRequest(request, id: id, now: later).reply(id), .failure(failure), request.name)
        }
    }
}
