import BSON
import HACore
import XCTest
@testable import ReplicaSet

/// `processReplSetRequestVotes`: each refusal rule, and what a granted vote does.
final class MemberVoteTests: XCTestCase {
    typealias F = MemberFixture
    let config = F.config(3)

    func test_voterGrantsWhenEveryRuleHolds() {
        var voter = F.member(1, config)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: voter.lastApplied), now: F.t0))
        XCTAssertEqual(r?.voteGranted, true)
        XCTAssertEqual(voter.durable.lastVote, LastVote(term: 2, candidateIndex: 0))
    }

    func test_voterRefusesCandidateWithLowerTerm() {
        var voter = F.member(1, config, term: 5)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 4, opTime: voter.lastApplied), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
        XCTAssertEqual(r?.reason, "candidate's term (4) is lower than mine (5)")
    }

    func test_voterRefusesCandidateWithOlderConfig() {
        var voter = F.member(1, F.config(3, version: 3))
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: voter.lastApplied, configVersion: 2), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
        XCTAssertTrue(r?.reason.hasPrefix("candidate's config with {version: 2, term: 0} is older than mine") == true)
    }

    func test_voterRefusesCandidateFromAnotherSet() {
        var voter = F.member(1, config)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: voter.lastApplied, setName: "other"), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
        XCTAssertEqual(r?.reason, "candidate's set name (other) differs from mine (juju)")
    }

    func test_voterRefusesCandidateWithOlderOpTime() {
        var voter = F.member(1, config, oplog: [F.entry(10, term: 0), F.entry(20, term: 1)])
        let stale = OpTime(ts: Timestamp(seconds: 10, increment: 1), t: 0)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: stale), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
        XCTAssertTrue(r?.reason.hasPrefix("candidate's data is staler than mine") == true)
    }

    func test_opTimesCompareByTermBeforeTimestamp() {
        var voter = F.member(1, config, oplog: [F.entry(50, term: 1)])
        let newerTermEarlierTime = OpTime(ts: Timestamp(seconds: 40, increment: 1), t: 2)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 3, opTime: newerTermEarlierTime), now: F.t0))
        XCTAssertEqual(r?.voteGranted, true)
    }

    func test_voterRefusesSecondCandidateInTheSameTerm() {
        var voter = F.member(2, config)
        _ = voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: voter.lastApplied), now: F.t0)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(1, term: 2, opTime: voter.lastApplied), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
        XCTAssertEqual(r?.reason, "already voted for another candidate (\(F.host(0))) this term (2)")
    }

    func test_dryRunRecordsNoVoteAndLeavesTheTermAlone() {
        var voter = F.member(1, config, term: 1)
        let r = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(0, term: 1, dryRun: true, opTime: voter.lastApplied), now: F.t0))
        XCTAssertEqual(r?.voteGranted, true)
        XCTAssertNil(voter.durable.lastVote)
        XCTAssertEqual(voter.term, 1)
        let real = F.voteResponse(in: voter.onRequestVotes(F.voteRequest(2, term: 2, opTime: voter.lastApplied), now: F.t0))
        XCTAssertEqual(real?.voteGranted, true, "a dry run does not use up the real vote")
    }

    func test_voteIsPersistedBeforeTheReplyLeaves() {
        var voter = F.member(1, config)
        let directives = voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: voter.lastApplied), now: F.t0)
        let persist = directives.firstIndex(of: .persist(.vote))
        let reply = directives.firstIndex { if case .send(_, .voteResponse) = $0 { return true } else { return false } }
        XCTAssertNotNil(persist)
        XCTAssertLessThan(persist!, reply!)
    }

    func test_restartedVoterRemembersItsVote() {
        var voter = F.member(1, config)
        _ = voter.onRequestVotes(F.voteRequest(0, term: 2, opTime: voter.lastApplied), now: F.t0)
        var restarted = ReplicaSetMember(host: voter.host, durable: voter.durable, seed: Seed(1), incarnation: 2)
        _ = restarted.onStart(now: F.t0)
        let r = F.voteResponse(in: restarted.onRequestVotes(F.voteRequest(2, term: 2, opTime: restarted.lastApplied), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
    }

    func test_arbiterRefusesWhenItSeesAHealthyPrimaryOfEqualOrGreaterPriority() {
        let psa = F.config(3, arbiters: [2])
        var arbiter = F.member(2, psa)
        F.hear(&arbiter, from: [0: .primary, 1: .secondary])
        let r = F.voteResponse(in: arbiter.onRequestVotes(F.voteRequest(1, term: 2, opTime: arbiter.lastApplied), now: F.t0))
        XCTAssertEqual(r?.voteGranted, false)
        XCTAssertEqual(r?.reason, "can see a healthy primary (\(F.host(0))) of equal or greater priority")
    }

    func test_realVoteRequestWithHigherTermMakesThePrimaryStepDown() {
        var primary = F.soloPrimary()
        XCTAssertTrue(primary.isPrimary)
        let request = VoteRequest(setName: "juju", dryRun: false, term: primary.term + 1, candidateIndex: 1, candidateHost: F.host(1),
                                  configVersion: 1, configTerm: primary.config!.term, lastAppliedOpTime: primary.lastApplied)
        _ = primary.onRequestVotes(request, now: F.t0)
        XCTAssertEqual(primary.state, .secondary)
    }
}
