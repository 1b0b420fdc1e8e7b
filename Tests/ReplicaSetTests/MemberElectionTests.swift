import BSON
import HACore
import XCTest
@testable import ReplicaSet

final class MemberElectionTests: XCTestCase {
    typealias F = MemberFixture
    let config = F.config(3)

    /// The election timer fires 10 s + U[0, 15 %) after the last word from a primary.
    func test_electionTimeoutIsTenSecondsPlusUpToFifteenPercent() {
        for seed in 0..<50 {
            var durable = DurableState()
            durable.config = config
            durable.oplog = [F.entry(1, term: 0)]
            var m = ReplicaSetMember(host: F.host(1), durable: durable, seed: Seed(UInt64(seed)), incarnation: 1)
            let directives = m.onStart(now: F.t0)
            let delays = directives.compactMap { d -> Interval? in
                if case let .schedule(.electionTimeout, after) = d { return after } else { return nil }
            }
            XCTAssertEqual(delays.count, 1)
            XCTAssertTrue(delays[0] >= .seconds(10) && delays[0] < .milliseconds(11_500), "\(delays[0])")
        }
    }

    func test_dryRunAsksForVotesWithoutBumpingTheTerm() {
        var m = F.member(1, config, term: 3)
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        let directives = m.onElectionTimer(generation: m.generation, now: F.tE)
        let requests = directives.compactMap { d -> VoteRequest? in if case .send(_, .requestVotes(let r)) = d { return r } else { return nil } }
        XCTAssertEqual(requests.count, 2)
        XCTAssertTrue(requests.allSatisfy { $0.dryRun && $0.term == 3 })
        XCTAssertEqual(m.term, 3)
    }

    func test_winningTheDryRunStartsARealElectionWithTheNextTerm() {
        var m = F.member(1, config, term: 3)
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        let yes = VoteResponse(term: 3, voteGranted: true, reason: "", dryRun: true, voterHost: F.host(0))
        let directives = m.onVoteResponse(yes, now: F.tE)
        XCTAssertEqual(m.term, 4)
        XCTAssertEqual(m.durable.lastVote, LastVote(term: 4, candidateIndex: 1), "it votes for itself")
        XCTAssertTrue(directives.contains { if case .send(_, .requestVotes(let r)) = $0 { return !r.dryRun && r.term == 4 } else { return false } })
    }

    func test_majorityOfRealVotesMakesPrimaryWithElectionIdFromTheTerm() {
        var m = F.member(1, config, term: 3)
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 3, voteGranted: true, reason: "", dryRun: true, voterHost: F.host(0)), now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 4, voteGranted: true, reason: "", dryRun: false, voterHost: F.host(2)), now: F.tE)
        XCTAssertTrue(m.isPrimary)
        XCTAssertTrue(m.isWritablePrimary, "nobody was ahead, so no catch-up")
        XCTAssertEqual(m.electionID.hex, "7fffffff0000000000000004")
        XCTAssertEqual(m.durable.oplog.last?.o["msg"], .string("new primary"))
        XCTAssertEqual(m.durable.oplog.last?.t, 4)
    }

    func test_priorityZeroMemberNeverStands() {
        var m = F.member(1, F.config(3, priorities: [1, 0, 1]))
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        let directives = m.onElectionTimer(generation: m.generation, now: F.tE)
        XCTAssertFalse(directives.contains { if case .send(_, .requestVotes) = $0 { return true } else { return false } })
        XCTAssertTrue(directives.contains(.log("not running for election: member has zero priority")))
    }

    func test_memberThatCannotSeeAMajorityDoesNotStand() {
        var m = F.member(1, config)
        let directives = m.onElectionTimer(generation: m.generation, now: F.tE)
        XCTAssertTrue(directives.contains(.log("not running for election: can't see a majority of voters")))
    }

    func test_frozenMemberDoesNotStandUntilTheFreezeEnds() {
        var m = F.member(1, config)
        F.hear(&m, from: [0: .secondary, 2: .secondary])
        _ = m.onCommand(F.request(["replSetFreeze": .int32(30)]), now: F.t0)
        XCTAssertEqual(m.unelectableReason(now: F.t0 + .seconds(29)), "stepdown or freeze period active")
        F.hear(&m, from: [0: .secondary, 2: .secondary], now: F.t0 + .seconds(31))
        XCTAssertNil(m.unelectableReason(now: F.t0 + .seconds(31)))
    }

    // MARK: step-down causes

    func test_primaryStepsDownOnSeeingAHigherTerm() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        F.hear(&m, from: [1: .secondary], term: 9)
        XCTAssertEqual(m.state, .secondary)
        XCTAssertEqual(m.term, 9)
    }

    func test_primaryStepsDownWhenItLosesSightOfAMajority() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        let directives = m.onHeartbeatTimer(now: F.tE + .seconds(30))
        XCTAssertEqual(m.state, .secondary)
        XCTAssertTrue(directives.contains(.log("stepping down from primary: can't see a majority of the set, relinquishing primary")))
    }

    func test_replSetStepDownHandsOverToACaughtUpSecondary() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        F.hear(&m, from: [1: .secondary, 2: .secondary], opTime: m.lastApplied)
        let directives = m.onCommand(F.request(["replSetStepDown": .int32(60)]), now: F.tE)
        XCTAssertEqual(m.state, .secondary)
        XCTAssertEqual(F.replies(in: directives), [["ok": .double(1)]])
        XCTAssertTrue(directives.contains { if case .send(_, .stepUp) = $0 { return true } else { return false } }, "election handoff")
        XCTAssertEqual(m.unelectableReason(now: F.tE + .seconds(59)), "stepdown or freeze period active")
    }

    func test_replSetStepDownWithoutCaughtUpSecondaryFailsWithExceededTimeLimit() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        F.hear(&m, from: [1: .secondary, 2: .secondary], opTime: .null)
        let directives = m.onCommand(F.request(["replSetStepDown": .int32(60), "secondaryCatchUpPeriodSecs": .int32(5)]), now: F.tE)
        XCTAssertTrue(F.replies(in: directives).isEmpty, "it waits for the catch-up period")
        let later = m.onStepDownWaitTimer(request: ClientRequestID(client: 1, sequence: 1), now: F.tE + .seconds(5))
        let reply = F.replies(in: later).first
        XCTAssertEqual(reply?["code"], .int32(262))
        XCTAssertTrue(reply?["errmsg"]?.stringValue?.hasPrefix("No electable secondaries caught up as of 2014-") == true)
        XCTAssertTrue(m.isPrimary)
    }

    func test_stepDownPeriodMustExceedCatchUpPeriod() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        let reply = F.replies(in: m.onCommand(F.request(["replSetStepDown": .int32(5), "secondaryCatchUpPeriodSecs": .int32(10)]), now: F.tE)).first
        XCTAssertEqual(reply?["code"], .int32(2))
        XCTAssertEqual(reply?["errmsg"], .string("stepdown period must be longer than secondaryCatchUpPeriodSecs"))
    }

    func test_stepDownOnASecondaryIsNotWritablePrimary() {
        var m = F.member(1, config)
        let reply = F.replies(in: m.onCommand(F.request(["replSetStepDown": .int32(60)]), now: F.tE)).first
        XCTAssertEqual(reply?["code"], .int32(10107))
        XCTAssertEqual(reply?["errmsg"], .string("not primary so can't step down"))
    }

    func test_primaryStepsDownWhenAHeartbeatConfigMakesItUnelectable() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        var newer = F.config(3, priorities: [0, 1, 1], version: 2)
        newer.term = 2
        let response = HeartbeatResponse(setName: "juju", senderHost: F.host(1), state: .secondary, term: 2, appliedOpTime: m.lastApplied,
                                         durableOpTime: m.lastApplied, electionTime: nil, syncSource: nil, configVersion: 2,
                                         configTerm: 2, config: newer, electable: true, lastCommitted: .null)
        _ = m.onHeartbeatResponse(response, now: F.tE)
        XCTAssertEqual(m.state, .secondary)
    }

    func test_majorityWaitersGetPrimarySteppedDownWhenThePrimaryStepsDown() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        let insert: Document = ["insert": .string("ops"), "documents": .array([.document(["_id": .int32(1)])]),
                                "writeConcern": .document(["w": .string("majority")])]
        XCTAssertTrue(F.replies(in: m.onCommand(F.request(insert, db: "test"), now: F.tE)).isEmpty, "waits for a majority")
        let directives = m.onHeartbeatTimer(now: F.tE + .seconds(30))
        let wce = F.replies(in: directives).first?["writeConcernError"]?.documentValue
        XCTAssertEqual(wce?["code"], .int32(189))
        XCTAssertEqual(wce?["errorLabels"], .array([.string("RetryableWriteError")]))
    }

    func test_shutdownInterruptsWaitingWrites() {
        var m = F.member(0, config, term: 2)
        becomePrimary(&m)
        let insert: Document = ["insert": .string("ops"), "documents": .array([.document(["_id": .int32(1)])])]
        _ = m.onCommand(F.request(insert, db: "test"), now: F.tE)
        let reply = F.replies(in: m.onShutdown(now: F.tE)).first
        XCTAssertEqual(reply?["code"], .int32(11600))
        XCTAssertEqual(reply?["codeName"], .string("InterruptedAtShutdown"))
        XCTAssertEqual(reply?["errorLabels"], .array([.string("RetryableWriteError")]))
    }

    // MARK: priority takeover and catch-up

    func test_higherPriorityMemberSchedulesTakeoverAfterRankPlusOneTimeouts() {
        var m = F.member(1, F.config(3, priorities: [1, 3, 2]))
        F.hear(&m, from: [2: .secondary])
        var directives: [MemberDirective] = []
        let response = HeartbeatResponse(setName: "juju", senderHost: F.host(0), state: .primary, term: m.term, appliedOpTime: m.lastApplied,
                                         durableOpTime: m.lastApplied, electionTime: nil, syncSource: nil, configVersion: 1,
                                         configTerm: 0, config: nil, electable: true, lastCommitted: .null)
        directives = m.onHeartbeatResponse(response, now: F.tE)
        XCTAssertTrue(directives.contains(.schedule(.priorityTakeover(generation: m.generation), after: .seconds(10))),
                      "rank 0 (nobody has a higher priority) waits one election timeout")
        F.hear(&m, from: [2: .secondary], now: F.tE + .seconds(10))
        let takeover = m.onPriorityTakeoverTimer(generation: m.generation, now: F.tE + .seconds(10))
        XCTAssertTrue(takeover.contains { if case .send(_, .requestVotes) = $0 { return true } else { return false } })
    }

    func test_primaryElectCatchesUpFromAMemberThatIsAheadBeforeAcceptingWrites() {
        var m = F.member(1, config, term: 3, oplog: [F.entry(10, term: 0)])
        let ahead = OpTime(ts: Timestamp(seconds: 20, increment: 1), t: 3)
        F.hear(&m, from: [0: .secondary], opTime: m.lastApplied)
        F.hear(&m, from: [2: .secondary], opTime: ahead)
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 3, voteGranted: true, reason: "", dryRun: true, voterHost: F.host(0)), now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: 4, voteGranted: true, reason: "", dryRun: false, voterHost: F.host(0)), now: F.tE)
        XCTAssertTrue(m.isPrimary)
        XCTAssertFalse(m.isWritablePrimary, "catching up first")
        XCTAssertEqual(m.syncSource, F.host(2))
        let batch = FetchResponse(sourceHost: F.host(2), after: m.lastApplied, term: 4, sourceState: .secondary, entries: [F.entry(20, term: 3)],
                                  divergedAfter: nil, lastCommitted: .null, sourceLastApplied: ahead)
        _ = m.onOplogBatch(batch, now: F.t0 + .seconds(21))
        XCTAssertTrue(m.isWritablePrimary)
        XCTAssertEqual(m.durable.oplog.map(\.t), [0, 3, 4], "caught-up entry, then the new term's no-op")
    }

    func test_batchThatNoLongerFollowsTheOplogIsDropped() {
        var m = F.member(1, config, term: 2, oplog: [F.entry(10, term: 1), F.entry(20, term: 2)])
        let stale = FetchResponse(sourceHost: F.host(0), after: F.entry(10, term: 1).opTime, term: 2, sourceState: .primary,
                                  entries: [F.entry(30, term: 2)], divergedAfter: nil, lastCommitted: .null,
                                  sourceLastApplied: F.entry(30, term: 2).opTime)
        _ = m.onOplogBatch(stale, now: F.t0)
        XCTAssertEqual(m.durable.oplog.count, 2, "entries meant to follow {10, t1} are not appended after {20, t2}")
    }

    func test_memberInANewerTermTakesNothingFromAnOlderTermSource() {
        var m = F.member(1, config, term: 6, oplog: [F.entry(10, term: 1)])
        let old = FetchResponse(sourceHost: F.host(0), after: m.lastApplied, term: 5, sourceState: .primary,
                                entries: [F.entry(20, term: 5)], divergedAfter: nil, lastCommitted: .null,
                                sourceLastApplied: F.entry(20, term: 5).opTime)
        _ = m.onOplogBatch(old, now: F.t0)
        XCTAssertEqual(m.durable.oplog.count, 1)
    }

    // MARK: rollback

    func test_divergedSecondaryRollsBackToTheCommonPointAndKeepsTheUndoneEntries() {
        let shared = F.entry(10, term: 1, key: 1)
        var m = F.member(1, config, term: 2, oplog: [shared, F.entry(20, term: 1, key: 2), F.entry(30, term: 1, key: 3)])
        XCTAssertNotNil(m.durable.data.document(in: "test.ops", id: .int64(3)))
        let response = FetchResponse(sourceHost: F.host(0), after: m.lastApplied, term: 2, sourceState: .primary, entries: [], divergedAfter: shared.opTime,
                                     lastCommitted: .null, sourceLastApplied: OpTime(ts: Timestamp(seconds: 40, increment: 1), t: 2))
        _ = m.onOplogBatch(response, now: F.t0)
        XCTAssertEqual(m.durable.oplog, [shared])
        XCTAssertEqual(m.durable.rollbacks.first?.undone.map(\.opTime), [F.entry(20, term: 1).opTime, F.entry(30, term: 1).opTime])
        XCTAssertNil(m.durable.data.document(in: "test.ops", id: .int64(3)), "the data no longer has the undone insert")
        XCTAssertNotNil(m.durable.data.document(in: "test.ops", id: .int64(1)))
        XCTAssertEqual(m.durable.rbid, 1)
        XCTAssertEqual(m.state, .secondary)
    }

    func test_sourceNamesTheNewestSharedOpTimeAsTheCommonPoint() {
        let shared = F.entry(10, term: 1)
        var source = F.member(0, config, term: 2, oplog: [shared, F.entry(40, term: 2)])
        let request = FetchRequest(requesterHost: F.host(1), term: 2, recentOpTimes: [shared.opTime, F.entry(20, term: 1).opTime],
                                   lastFetched: F.entry(20, term: 1).opTime, batchLimit: 100)
        let directives = source.onFetchRequest(request, now: F.t0)
        let response = directives.compactMap { d -> FetchResponse? in if case .send(_, .oplogBatch(let r)) = d { return r } else { return nil } }.first
        XCTAssertEqual(response?.divergedAfter, shared.opTime)
    }

    func test_sourceThatIsBehindDoesNotReportDivergence() {
        var source = F.member(0, config, term: 2, oplog: [F.entry(10, term: 1)])
        let request = FetchRequest(requesterHost: F.host(1), term: 2, recentOpTimes: [F.entry(20, term: 1).opTime],
                                   lastFetched: F.entry(20, term: 1).opTime, batchLimit: 100)
        let directives = source.onFetchRequest(request, now: F.t0)
        XCTAssertFalse(directives.contains { if case .send(_, .oplogBatch(let r)) = $0 { return r.divergedAfter != nil } else { return false } })
    }

    /// Wins an election from a member with a config of three.
    private func becomePrimary(_ m: inout ReplicaSetMember) {
        F.hear(&m, from: [1: .secondary, 2: .secondary].filter { $0.key != Int(m.host.split(separator: ".")[3].prefix(2))! - 10 })
        _ = m.onElectionTimer(generation: m.generation, now: F.tE)
        let other = F.host(m.host == F.host(1) ? 0 : 1)
        _ = m.onVoteResponse(VoteResponse(term: m.term, voteGranted: true, reason: "", dryRun: true, voterHost: other), now: F.tE)
        _ = m.onVoteResponse(VoteResponse(term: m.term, voteGranted: true, reason: "", dryRun: false, voterHost: other), now: F.tE)
        XCTAssertTrue(m.isWritablePrimary)
    }
}
