import HACore
import XCTest
@testable import RaftCluster

/// Election rules, one per test (Raft §5.2, §5.4.1, thesis §4.2.3 and §9.6; C-raft election.c).
final class ElectionTests: XCTestCase {
    private let three = Fixture.config(voters: [1, 2, 3])

    func test_electionTimeoutIsRandomisedInThreeToSixSeconds() {
        var deadlines: Set<Instant> = []
        for seed in 0..<50 as Range<UInt64> {
            let node = Fixture.node(2, three, seed: seed)
            let timeout = node.electionDeadline - Fixture.t0
            XCTAssertGreaterThanOrEqual(timeout, .seconds(3))
            XCTAssertLessThan(timeout, .seconds(6))
            deadlines.insert(node.electionDeadline)
        }
        XCTAssertGreaterThan(deadlines.count, 40, "timeouts should differ between seeds")
    }

    func test_startSchedulesTheElectionTimerAtTheDeadline() {
        var node = RaftNode(id: 2, address: Fixture.address(2), durable: RaftDurableState(term: 1, log: Fixture.log(three)))
        let out = node.onStart(now: Fixture.t0, random: SplitMix64(seed: 1))
        XCTAssertTrue(out.contains(.schedule(.election, after: node.electionDeadline - Fixture.t0)))
        XCTAssertEqual(node.state, .follower)
    }

    func test_timerFiringBeforeTheDeadlineOnlyRearms() {
        var node = Fixture.node(2, three)
        let firstDeadline = node.electionDeadline
        let early = Fixture.t0 + .seconds(1)
        // Heard from a leader later on: the deadline moves; the old timer re-arms for it.
        _ = node.onMessage(from: 1, .appendEntries(.init(term: 1, leaderID: 1, leaderAddress: Fixture.address(1), prevLogIndex: 1,
                                                         prevLogTerm: 1, entries: [], leaderCommit: 1)), now: early)
        let out = node.onElectionTimeout(now: firstDeadline)
        XCTAssertEqual(node.state, .follower)
        XCTAssertTrue(out.sends.isEmpty)
        XCTAssertEqual(out, [.schedule(.election, after: node.electionDeadline - firstDeadline)])
    }

    func test_followerVoterStartsPreVoteWithoutBumpingItsTerm() {
        var node = Fixture.node(2, three)
        let out = node.onElectionTimeout(now: node.electionDeadline)
        XCTAssertEqual(node.state, .preCandidate)
        XCTAssertEqual(node.term, 1)
        XCTAssertNil(node.durable.votedFor)
        XCTAssertEqual(out.voteRequests.map(\.to), [1, 3])
        XCTAssertTrue(out.voteRequests.allSatisfy { $0.message.preVote && $0.message.term == 2 })
    }

    func test_preVoteMajorityStartsARealElectionWithABumpedTerm() {
        var node = Fixture.node(2, three)
        let now = node.electionDeadline
        _ = node.onElectionTimeout(now: now)
        let out = node.onMessage(from: 3, .requestVoteResult(.init(term: 2, voteGranted: true, preVote: true)), now: now)
        XCTAssertEqual(node.state, .candidate)
        XCTAssertEqual(node.term, 2)
        XCTAssertEqual(node.durable.votedFor, 2)
        XCTAssertEqual(out.first, .persist, "term and vote are on disk before the requests leave")
        XCTAssertEqual(out.voteRequests.map(\.to), [1, 3])
        XCTAssertTrue(out.voteRequests.allSatisfy { !$0.message.preVote && $0.message.term == 2 })
    }

    func test_candidateWithMajorityBecomesLeaderAndAppendsABarrier() {
        var node = Fixture.node(2, three)
        let out = Fixture.elect(&node, votes: [3])
        XCTAssertTrue(node.isLeader)
        XCTAssertEqual(node.term, 2)
        XCTAssertEqual(node.log.entry(at: 2), LogEntry(index: 2, term: 2, payload: .barrier))
        XCTAssertEqual(Set(out.appendEntries.map(\.to)), [1, 3])
        XCTAssertTrue(out.contains(.schedule(.heartbeat, after: .milliseconds(500))))
    }

    func test_voterRefusesCandidateWithStaleLog() {
        var voter = Fixture.node(3, three, term: 2, terms: [2, 2])
        let stale = RaftMessage.RequestVote(term: 3, candidateID: 2, lastLogIndex: 2, lastLogTerm: 2)
        let out = voter.onMessage(from: 2, .requestVote(stale), now: Fixture.t0)
        XCTAssertEqual(out.voteResults, [.init(term: 3, voteGranted: false, preVote: false)])
        XCTAssertNil(voter.durable.votedFor)
        let olderTerm = RaftMessage.RequestVote(term: 3, candidateID: 2, lastLogIndex: 9, lastLogTerm: 1)
        XCTAssertEqual(voter.onMessage(from: 2, .requestVote(olderTerm), now: Fixture.t0).voteResults.first?.voteGranted, false)
    }

    func test_voterGrantsAnUpToDateCandidateAndPersistsTheVoteFirst() {
        var voter = Fixture.node(3, three, term: 2, terms: [2])
        let request = RaftMessage.RequestVote(term: 3, candidateID: 2, lastLogIndex: 2, lastLogTerm: 2)
        let out = voter.onMessage(from: 2, .requestVote(request), now: Fixture.t0)
        XCTAssertEqual(out.first, .persist)
        XCTAssertEqual(out.voteResults, [.init(term: 3, voteGranted: true, preVote: false)])
        XCTAssertEqual(voter.durable.votedFor, 2)
        XCTAssertEqual(voter.term, 3)
    }

    func test_voterGrantsOneVotePerTerm() {
        var voter = Fixture.node(3, three)
        let first = RaftMessage.RequestVote(term: 2, candidateID: 1, lastLogIndex: 1, lastLogTerm: 1)
        let second = RaftMessage.RequestVote(term: 2, candidateID: 2, lastLogIndex: 1, lastLogTerm: 1)
        XCTAssertEqual(voter.onMessage(from: 1, .requestVote(first), now: Fixture.t0).voteResults.first?.voteGranted, true)
        XCTAssertEqual(voter.onMessage(from: 2, .requestVote(second), now: Fixture.t0).voteResults.first?.voteGranted, false)
        XCTAssertEqual(voter.onMessage(from: 1, .requestVote(first), now: Fixture.t0).voteResults.first?.voteGranted, true,
                       "the same candidate may ask again")
    }

    func test_voteSurvivesARestart() {
        var voter = Fixture.node(3, three)
        _ = voter.onMessage(from: 1, .requestVote(.init(term: 2, candidateID: 1, lastLogIndex: 1, lastLogTerm: 1)), now: Fixture.t0)
        var restarted = RaftNode(id: 3, address: Fixture.address(3), durable: voter.durable)
        _ = restarted.onStart(now: Fixture.t0, random: SplitMix64(seed: 3))
        let other = RaftMessage.RequestVote(term: 2, candidateID: 2, lastLogIndex: 1, lastLogTerm: 1)
        XCTAssertEqual(restarted.onMessage(from: 2, .requestVote(other), now: Fixture.t0).voteResults.first?.voteGranted, false)
    }

    func test_preVoteChangesNeitherTermNorVote() {
        var voter = Fixture.node(3, three)
        let out = voter.onMessage(from: 2, .requestVote(.init(term: 2, candidateID: 2, lastLogIndex: 1, lastLogTerm: 1, preVote: true)),
                                  now: Fixture.t0)
        XCTAssertEqual(out.voteResults, [.init(term: 2, voteGranted: true, preVote: true)])
        XCTAssertEqual(voter.term, 1)
        XCTAssertNil(voter.durable.votedFor)
        XCTAssertFalse(out.contains(.persist))
    }

    func test_followerWithALeaderRefusesCandidatesUnlessToldToStepAside() {
        var voter = Fixture.node(3, three)
        _ = voter.onMessage(from: 1, .appendEntries(.init(term: 1, leaderID: 1, leaderAddress: Fixture.address(1), prevLogIndex: 1,
                                                          prevLogTerm: 1, entries: [], leaderCommit: 1)), now: Fixture.t0)
        let plain = RaftMessage.RequestVote(term: 2, candidateID: 2, lastLogIndex: 1, lastLogTerm: 1)
        let out = voter.onMessage(from: 2, .requestVote(plain), now: Fixture.t0)
        XCTAssertEqual(out.voteResults, [.init(term: 1, voteGranted: false, preVote: false)])
        XCTAssertEqual(voter.term, 1, "no term bump while a leader is known")
        var disrupting = plain
        disrupting.disruptLeader = true
        XCTAssertEqual(voter.onMessage(from: 2, .requestVote(disrupting), now: Fixture.t0).voteResults.first?.voteGranted, true)
        XCTAssertEqual(voter.term, 2)
    }

    func test_standByDoesNotVote() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4])
        var standBy = Fixture.node(4, config)
        let out = standBy.onMessage(from: 2, .requestVote(.init(term: 2, candidateID: 2, lastLogIndex: 1, lastLogTerm: 1)), now: Fixture.t0)
        XCTAssertEqual(out.voteResults.first?.voteGranted, false)
        XCTAssertNil(standBy.durable.votedFor)
    }

    func test_promoteeThatMissedItsPromotionRefusesTheVoteItIsNeededFor() {
        // The leader made 5 a voter and crashed before 5 heard of it: 4, now needing 5's vote,
        // cannot win (C-raft's rule: a node that is no voter in its own eyes grants nothing).
        var standBy = Fixture.node(5, Fixture.config(voters: [1, 4], standBys: [5]))
        let request = RaftMessage.RequestVote(term: 2, candidateID: 4, lastLogIndex: 2, lastLogTerm: 1, preVote: true)
        XCTAssertEqual(standBy.onMessage(from: 4, .requestVote(request), now: Fixture.t0).voteResults.first?.voteGranted, false)
    }

    func test_nonVotersMayBeAllowedToGrantVotesAsEtcdLearnersDo() {
        var settings = RaftSettings()
        settings.nonVotersGrantVotes = true
        var standBy = Fixture.node(5, Fixture.config(voters: [1, 4], standBys: [5]), settings: settings)
        let request = RaftMessage.RequestVote(term: 2, candidateID: 4, lastLogIndex: 2, lastLogTerm: 1)
        XCTAssertEqual(standBy.onMessage(from: 4, .requestVote(request), now: Fixture.t0).voteResults.first?.voteGranted, true)
        XCTAssertEqual(standBy.durable.votedFor, 4)
    }

    func test_nonVoterForgetsASilentLeaderAfterAnElectionTimeout() {
        var standBy = Fixture.node(5, Fixture.config(voters: [1, 2, 3], standBys: [5]))
        _ = standBy.onMessage(from: 1, .appendEntries(.init(term: 1, leaderID: 1, leaderAddress: Fixture.address(1), prevLogIndex: 1,
                                                            prevLogTerm: 1, entries: [], leaderCommit: 1)), now: Fixture.t0)
        XCTAssertEqual(standBy.currentLeader?.id, 1)
        _ = standBy.onElectionTimeout(now: standBy.electionDeadline)
        XCTAssertNil(standBy.currentLeader)
        XCTAssertEqual(standBy.state, .follower)
    }

    func test_standByAndSpareNeverStandForElection() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4], spares: [5])
        for id: UInt64 in [4, 5] {
            var node = Fixture.node(id, config)
            let out = node.onElectionTimeout(now: node.electionDeadline)
            XCTAssertEqual(node.state, .follower)
            XCTAssertTrue(out.voteRequests.isEmpty)
            XCTAssertEqual(node.term, 1)
        }
    }

    func test_nodeOutsideItsConfigurationNeverStands() {
        var joining = RaftNode(id: 7, address: Fixture.address(7))
        _ = joining.onStart(now: Fixture.t0, random: SplitMix64(seed: 1))
        let out = joining.onElectionTimeout(now: joining.electionDeadline)
        XCTAssertEqual(joining.state, .follower)
        XCTAssertTrue(out.sends.isEmpty)
    }

    func test_candidateCountsOnlyVotesOfVoters() {
        let config = Fixture.config(voters: [1, 2, 3], standBys: [4, 5])
        var node = Fixture.node(2, config)
        let now = node.electionDeadline
        _ = node.onElectionTimeout(now: now)
        for standBy: UInt64 in [4, 5] {
            _ = node.onMessage(from: standBy, .requestVoteResult(.init(term: 2, voteGranted: true, preVote: true)), now: now)
        }
        XCTAssertEqual(node.state, .preCandidate, "stand-by answers do not count")
        _ = node.onMessage(from: 3, .requestVoteResult(.init(term: 2, voteGranted: true, preVote: true)), now: now)
        XCTAssertEqual(node.state, .candidate)
    }

    func test_preVoteRefusalWithAHigherTermMakesTheCandidateCatchUp() {
        var node = Fixture.node(2, three)
        let now = node.electionDeadline
        _ = node.onElectionTimeout(now: now)
        _ = node.onMessage(from: 1, .requestVoteResult(.init(term: 9, voteGranted: false, preVote: true)), now: now)
        XCTAssertEqual(node.state, .follower)
        XCTAssertEqual(node.term, 9)
    }

    func test_soleBootstrapVoterBecomesLeaderAfterItsElectionTimeout() {
        var node = RaftNode(id: 1, address: Fixture.address(1), durable: .bootstrap(id: 1, address: Fixture.address(1)))
        let start = node.onStart(now: Fixture.t0, random: SplitMix64(seed: 5))
        XCTAssertEqual(node.state, .follower)
        XCTAssertEqual(start.applied, [1], "the bootstrap configuration is committed by definition")
        let out = node.onElectionTimeout(now: node.electionDeadline)
        XCTAssertTrue(node.isLeader)
        XCTAssertEqual(node.term, 2)
        XCTAssertTrue(out.sends.isEmpty)
        XCTAssertEqual(node.lastLogIndex, 1, "a sole voter needs no barrier")
    }

    func test_soleVoterCanSelfElectAtStartAsCRaftDoes() {
        var settings = RaftSettings()
        settings.selfElectAtStart = true
        var node = RaftNode(id: 1, address: Fixture.address(1), durable: .bootstrap(id: 1, address: Fixture.address(1)), settings: settings)
        _ = node.onStart(now: Fixture.t0, random: SplitMix64(seed: 5))
        XCTAssertTrue(node.isLeader)
    }

    func test_timeoutNowMakesAnUpToDateVoterStandAtOnceDisruptingTheLeader() {
        var node = Fixture.node(2, three, terms: [1])
        let out = node.onMessage(from: 1, .timeoutNow(.init(term: 1, lastLogIndex: 2, lastLogTerm: 1)), now: Fixture.t0)
        XCTAssertEqual(node.state, .candidate, "no pre-vote")
        XCTAssertEqual(node.term, 2)
        XCTAssertTrue(out.voteRequests.allSatisfy { $0.message.disruptLeader && !$0.message.preVote })
        var behind = Fixture.node(3, three)
        _ = behind.onMessage(from: 1, .timeoutNow(.init(term: 1, lastLogIndex: 2, lastLogTerm: 1)), now: Fixture.t0)
        XCTAssertEqual(behind.state, .follower, "a log that does not match the leader's is ignored")
    }
}
