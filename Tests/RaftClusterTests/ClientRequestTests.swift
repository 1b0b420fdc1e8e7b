import HACore
import XCTest
@testable import RaftCluster

/// What a node answers on the Dqlite wire (spec §5.2 "Semantics to emulate", gateway.c).
final class ClientRequestTests: XCTestCase {
    private let config = Fixture.config(voters: [1, 2, 3], standBys: [4])
    private let insert = SQLStatement("INSERT INTO t VALUES (?)", [.integer(1)])

    private func followerOfLeader1(_ id: UInt64) -> RaftNode {
        var node = Fixture.node(id, config, term: 2)
        _ = node.onMessage(from: 1, .appendEntries(.init(term: 2, leaderID: 1, leaderAddress: Fixture.address(1), prevLogIndex: 1,
                                                         prevLogTerm: 1, entries: [], leaderCommit: 1)), now: Fixture.t0)
        return node
    }

    func test_leaderAnswersOnlyWhenVoter() {
        var voter = followerOfLeader1(2)
        XCTAssertEqual(voter.onClientRequest(.leader, id: Fixture.request, now: Fixture.t0).reply(Fixture.request),
                       .server(id: 1, address: Fixture.address(1)))
        var standBy = followerOfLeader1(4)
        XCTAssertEqual(standBy.onClientRequest(.leader, id: Fixture.request, now: Fixture.t0).reply(Fixture.request),
                       .server(id: 0, address: ""), "stand-bys know the leader but do not say")
        var leader = Fixture.leader(1, config)
        XCTAssertEqual(leader.onClientRequest(.leader, id: Fixture.request, now: Fixture.t0).reply(Fixture.request),
                       .server(id: 1, address: Fixture.address(1)))
        var candidate = Fixture.node(2, config)
        _ = candidate.onElectionTimeout(now: candidate.electionDeadline)
        XCTAssertEqual(candidate.onClientRequest(.leader, id: Fixture.request, now: Fixture.t0).reply(Fixture.request),
                       .server(id: 0, address: ""))
    }

    func test_clusterListsTheConfigurationInEffect() {
        var node = followerOfLeader1(2)
        XCTAssertEqual(node.onClientRequest(.cluster(format: 1), id: Fixture.request, now: Fixture.t0).reply(Fixture.request),
                       .servers(config.servers))
        XCTAssertEqual(node.onClientRequest(.cluster(format: 2), id: Fixture.request, now: Fixture.t0).reply(Fixture.request),
                       .failure(DqliteFailure(code: 1005, message: "unrecognized cluster format")))
    }

    func test_nonLeaderRefusesLeaderOnlyRequestsWithNotLeader() {
        var node = followerOfLeader1(2)
        let requests: [DqliteRequest] = [.add(id: 9, address: "127.0.0.9:17666"), .assign(id: 4, role: .voter), .remove(id: 4),
                                         .transfer(id: 3), .execSQL(insert), .querySQL(SQLStatement("SELECT 1"))]
        for (n, request) in requests.enumerated() {
            let id = Fixture.request(UInt64(n))
            XCTAssertEqual(node.onClientRequest(request, id: id, now: Fixture.t0).reply(id),
                           .failure(DqliteFailure(code: 10250, message: "not leader")), request.name)
        }
    }

    func test_execRepliesOnceItsEntryCommitsAndIsApplied() {
        var leader = Fixture.leader(1, config)
        let out = leader.onClientRequest(.execSQL(insert), id: Fixture.request, now: Fixture.t0 + .seconds(10))
        XCTAssertNil(out.reply(Fixture.request))
        let index = leader.lastLogIndex
        XCTAssertEqual(leader.log.entry(at: index)?.payload, .command(insert))
        XCTAssertEqual(Set(out.appendEntries.map(\.to)), [2, 3, 4], "pipelined peers get the entry at once")
        let ack = Fixture.acknowledge(&leader, from: 3, now: Fixture.t0 + .seconds(10))
        XCTAssertEqual(ack.applied, [index])
        XCTAssertEqual(ack.reply(Fixture.request), .result(index: index))
        let applyPosition = ack.firstIndex { if case .apply = $0 { return true } else { return false } }!
        let replyPosition = ack.firstIndex { if case .reply = $0 { return true } else { return false } }!
        XCTAssertLessThan(applyPosition, replyPosition, "the host applies the entry before it answers")
    }

    func test_soleVoterCommitsAWriteAtOnce() {
        var node = RaftNode(id: 1, address: Fixture.address(1), durable: .bootstrap(id: 1, address: Fixture.address(1)))
        _ = node.onStart(now: Fixture.t0, random: SplitMix64(seed: 1))
        _ = node.onElectionTimeout(now: node.electionDeadline)
        let out = node.onClientRequest(.execSQL(insert), id: Fixture.request, now: Fixture.t0 + .seconds(10))
        XCTAssertEqual(out.first, .persist)
        XCTAssertEqual(out.reply(Fixture.request), .result(index: 2))
    }

    func test_leadershipLossFailsPendingRequests() {
        var leader = Fixture.leader(1, config)
        let now = Fixture.t0 + .seconds(10)
        _ = leader.onClientRequest(.execSQL(insert), id: Fixture.request(1), now: now)
        _ = leader.onClientRequest(.querySQL(SQLStatement("SELECT * FROM t")), id: Fixture.request(2), now: now)
        _ = leader.onClientRequest(.add(id: 9, address: "127.0.0.9:17666"), id: Fixture.request(3), now: now)
        let out = leader.onMessage(from: 2, .appendEntriesResult(.init(term: leader.term + 1, rejected: 1, lastLogIndex: 1)), now: now)
        XCTAssertEqual(out.reply(Fixture.request(1)), .failure(DqliteFailure(code: 10506, message: "disk I/O error")))
        XCTAssertEqual(out.reply(Fixture.request(2)), .failure(DqliteFailure(code: 10506, message: "barrier error")))
        XCTAssertEqual(out.reply(Fixture.request(3)), .failure(DqliteFailure(code: 10506, message: "server has lost leadership")))
    }

    func test_queryRunsAtOnceWhenTheLogIsApplied() {
        var leader = Fixture.leader(1, config)
        let select = SQLStatement("SELECT * FROM t")
        XCTAssertEqual(leader.onClientRequest(.querySQL(select), id: Fixture.request, now: Fixture.t0 + .seconds(10)),
                       [.query(Fixture.request, select)])
    }

    func test_queryWaitsForABarrierWhenEntriesAreNotYetApplied() {
        var leader = Fixture.leader(1, config)
        let now = Fixture.t0 + .seconds(10)
        _ = leader.onClientRequest(.execSQL(insert), id: Fixture.request(1), now: now)
        let select = SQLStatement("SELECT * FROM t")
        let out = leader.onClientRequest(.querySQL(select), id: Fixture.request(2), now: now)
        XCTAssertFalse(out.contains(.query(Fixture.request(2), select)))
        XCTAssertEqual(leader.log.entry(at: leader.lastLogIndex)?.payload, .barrier)
        let ack = Fixture.acknowledge(&leader, from: 2, now: now)
        XCTAssertTrue(ack.contains(.query(Fixture.request(2), select)))
    }

    func test_notLeaderAndLostLeadershipWordingMatchesDqlite() {
        XCTAssertEqual(DqliteFailure.notLeader, DqliteFailure(code: 10250, message: "not leader"))
        XCTAssertEqual(DqliteFailure.raftNotLeader, DqliteFailure(code: 10250, message: "server is not the leader"))
        XCTAssertEqual(DqliteFailure.leadershipLost, DqliteFailure(code: 10506, message: "server has lost leadership"))
        XCTAssertEqual(DqliteFailure.configurationBusy, DqliteFailure(code: 5, message: "a configuration change is already in progress"))
    }
}
